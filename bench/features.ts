/**
 * `npm run bench:features [-- --sizes 100k,1m --memory 8GB --threads 2]`: generates demo data (reused from
 * `.tmp/bench-features/<size>/` when present), runs ingest and the feature stage of the demo configuration
 * (both instances) and prints seconds, rows per second, CPU seconds and peak memory (the node process's RSS, which
 * includes DuckDB, against DuckDB's memory limit).
 *
 * The peer, measured in the same run, is DuckDB's floor on the same file: one pass that reads and hashes every
 * column (the least that exact-duplicate detection needs) plus one GROUP BY person, day and event type (the
 * smallest aggregate the per-kind features need). The ratio says how far the whole stage is from those two scans.
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { UsageError, runCli } from "../loaders/cli/run.js";
import { resolvedDemoConfig } from "../loaders/config/demo.js";
import { prepareFeatures } from "../loaders/features/prepare.js";
import { openSource, requireColumn } from "../loaders/ingest/source.js";
import { Session } from "../loaders/ingest/session.js";
import type { ResolvedConfig } from "../loaders/config/types.js";
import { ensureData, parseSize, trackPeakRss } from "./common.js";

const ROOT = resolve(".tmp/bench-features");

await runCli(async () => {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "100k,1m" },
      memory: { type: "string", default: "8GB" },
      threads: { type: "string" },
      seed: { type: "string", default: "7" },
    },
  });
  const sizes = values.sizes.split(",").map((s) => ({ label: s.trim().toLowerCase(), people: parseSize(s.trim()) }));
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed expects a whole number, got "${values.seed}"`);
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  const results: string[] = [];
  for (const size of sizes) {
    const dir = join(ROOT, size.label);
    await ensureData(dir, size.people, seed);
    const config = resolvedDemoConfig(dir);
    const peak = trackPeakRss();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const out = await prepareFeatures(config, {
      memoryLimit: values.memory,
      threads,
      onProgress: (m) => console.error(`  ${m}`),
    });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const peakRss = peak.stop();
    const events = out.report.events.rowsRead;
    const cells = out.instances.reduce(
      (a, f) => a + (f.train.rows + f.test.rows + f.score.rows) * f.catalogue.length,
      0,
    );
    const plans = out.instances.map((f) => `${f.instance} ${out.timings.plans[f.instance]!.toFixed(1)} s`).join(", ");
    const sets = out.instances
      .map((f) => `${f.instance} ${f.train.rows}/${f.test.rows}/${f.score.rows} rows x ${f.catalogue.length} features`)
      .join("; ");
    const detail = `plan: ${plans}; build ${out.timings.build.toFixed(1)} s (${sets})`;
    const floor = await duckdbFloor(config, values.memory, threads);
    results.push(
      `${size.label.padEnd(5)} ${String(out.report.events.people).padStart(8)} people ${String(events).padStart(10)} events | ` +
        `total ${seconds.toFixed(1)} s (ingest ${out.timings.ingest.toFixed(1)} s; ${detail}) | ` +
        `${Math.round(events / seconds).toLocaleString("en-US")} events/s | cpu ${((used.user + used.system) / 1e6).toFixed(1)} s | ` +
        `peak RSS ${(peakRss / 2 ** 30).toFixed(2)} GiB (DuckDB memory_limit ${values.memory}) | ${(cells / 1e6).toFixed(0)}M feature values | ` +
        `DuckDB floor ${(floor.read + floor.aggregate).toFixed(1)} s (read and hash ${floor.read.toFixed(1)} s, GROUP BY ${floor.aggregate.toFixed(1)} s): ` +
        `${(seconds / (floor.read + floor.aggregate)).toFixed(2)}x`,
    );
    console.log(results[results.length - 1]);
  }
  console.log(`\nbench:features (${process.arch}, node ${process.version})\n${results.join("\n")}`);
});

/** Seconds DuckDB takes, in a fresh session, to read and hash every column of the events once, and to count
 * events per person, day and event type. */
async function duckdbFloor(
  config: ResolvedConfig,
  memoryLimit: string,
  threads: number | undefined,
): Promise<{ read: number; aggregate: number }> {
  const session = await Session.open({ memoryLimit, threads });
  try {
    const source = await openSource(session, config.inputs.events, "inputs.events");
    const all = source.columns.filter((c) => c.topLevel).map((c) => c.sql);
    const { personId, timestamp, eventType } = config.inputs.events.columns;
    const ref = (name: string) => requireColumn(source, name, "column", "inputs.events.columns").sql;
    const timed = async (sql: string) => {
      const started = performance.now();
      await session.rows(sql);
      return (performance.now() - started) / 1000;
    };
    const read = await timed(`SELECT sum(hash(${all.join(", ")})) FROM (${source.reader})`);
    const aggregate =
      await timed(`SELECT count(*) FROM (SELECT hash(${ref(personId)}), CAST(${ref(timestamp)} AS DATE), ${eventType ? ref(eventType) : "NULL"}, count(*)
      FROM (${source.reader}) GROUP BY ALL)`);
    return { read, aggregate };
  } finally {
    session.close();
  }
}
