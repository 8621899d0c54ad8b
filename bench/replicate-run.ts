/**
 * A large run folder made from a scored one, for the site benchmark at 10M people (`npm run bench:site -- --sizes
 * 10m`): scoring 10M people from their events takes too long on one small machine, so each person of a real run is
 * replicated under `copies` new, disjoint ids (`<id>-<k>`, k = 0..copies-1) with their scores, factors and
 * timeline kept, through DuckDB. The people are real scored people; only their number is multiplied.
 *
 * - per instance: `scores.parquet`, `factors.parquet` and `timeline.parquet` hold every person `copies` times (sorted
 *   by the new id, as the pipeline writes them); percentiles stay right (each score's share is unchanged);
 * - `instance.json`: the counts of people (scored, people, buckets, the score histogram, expected outcomes, customer
 *   value's counts and totals) multiplied by `copies`, which is what a run of the replicated people gives;
 * - everything else (model, evaluation, insights, data quality, the run's activity and new people) is the source
 *   run's as it is: it describes the model's tests, not the size of the population.
 *
 * `npx tsx bench/replicate-run.ts --from RUN --out DIR [--copies 10]` runs it alone.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { UsageError, runCli } from "../loaders/cli/run.js";
import { openDatabase } from "../loaders/db/duckdb.js";
import { FILES, RUN_FILES, type RunIndex } from "../loaders/contract/schema.js";
import { str } from "../loaders/sql/quote.js";

/** Instance files with one or more rows per person, replicated under the new ids. */
const PER_PERSON: string[] = [FILES.scores, FILES.factors, FILES.timeline];

/** Multiplies the counts of people in an instance summary by `copies` (fields as in loaders/contract/schema.ts). */
export function scaledSummary(summary: Record<string, unknown>, copies: number): Record<string, unknown> {
  const out = structuredClone(summary) as Record<string, any>;
  for (const key of ["scored", "people", "expectedPositives"]) if (typeof out[key] === "number") out[key] *= copies;
  if (Array.isArray(out["scoreHistogram"]))
    out["scoreHistogram"] = out["scoreHistogram"].map((n: number) => n * copies);
  for (const bucket of out["buckets"]?.counts ?? []) bucket.people *= copies;
  const value = out["value"];
  if (value && typeof value === "object" && !("unavailable" in value)) {
    for (const key of ["people", "withoutValue", "total", "expectedEvents", "expectedEventsHorizon"])
      if (typeof value[key] === "number") value[key] *= copies;
    for (const bucket of value.perBucket ?? [])
      for (const key of ["people", "total"]) if (typeof bucket[key] === "number") bucket[key] *= copies;
  }
  return out;
}

/** Writes the replicated run into `out` (through a staging folder beside it; an existing `out` is kept). */
export async function replicateRun(
  from: string,
  out: string,
  copies: number,
  log: (line: string) => void = console.error,
): Promise<void> {
  if (!existsSync(join(from, RUN_FILES.index)))
    throw new UsageError(`--from: ${from} has no ${RUN_FILES.index}; give the output folder of a score run`);
  if (existsSync(out)) throw new UsageError(`--out: ${out} exists; choose a new folder`);
  const staging = `${out}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const index = JSON.parse(readFileSync(join(from, RUN_FILES.index), "utf8")) as RunIndex;
  for (const name of readdirSync(from))
    if (name.endsWith(".json") || name.endsWith(".parquet") || name === ".customer-ai-output")
      copyFileSync(join(from, name), join(staging, name));
  const db = await openDatabase({ tempDirectory: join(staging, ".spill"), memoryLimit: "6GB" });
  try {
    for (const instance of index.instances) {
      const source = join(from, instance.dir);
      const target = join(staging, instance.dir);
      mkdirSync(target, { recursive: true });
      for (const name of readdirSync(source)) {
        if (PER_PERSON.includes(name)) {
          const started = performance.now();
          // Same-length ids (the generated ones) keep the source's order: person, then copy. Snappy and row groups of
          // 16,384 rows as the pipeline writes them (the person page's Parquet reader has no ZSTD).
          await db.connection
            .run(`COPY (SELECT t.* REPLACE (t.id || '-' || k.range AS id) FROM read_parquet(${str(join(source, name))}) AS t, range(${copies}) AS k
            ORDER BY t.id, k.range) TO ${str(join(target, name))} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 16384)`);
          log(`  ${instance.name}/${name}: ${copies} copies in ${((performance.now() - started) / 1000).toFixed(0)} s`);
        } else if (name === FILES.instance) {
          writeFileSync(
            join(target, name),
            JSON.stringify(scaledSummary(JSON.parse(readFileSync(join(source, name), "utf8")), copies), null, 2) + "\n",
          );
        } else copyFileSync(join(source, name), join(target, name));
      }
    }
  } finally {
    db.close();
    rmSync(join(staging, ".spill"), { recursive: true, force: true });
  }
  renameSync(staging, out);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runCli(async () => {
    const { values } = parseArgs({
      options: { from: { type: "string" }, out: { type: "string" }, copies: { type: "string", default: "10" } },
    });
    if (!values.from || !values.out) throw new UsageError("--from RUN and --out DIR are required");
    const copies = Number(values.copies);
    if (!Number.isInteger(copies) || copies < 1 || copies > 10)
      throw new UsageError(`--copies expects a whole number from 1 to 10, got "${values.copies}"`);
    await replicateRun(resolve(values.from), resolve(values.out), copies);
  });
}
