/**
 * `npm run merge -- --shards DIR1,DIR2,... --out DIR`: combines the shard folders of one sharded run (`score --model
 * RUN --as-of D --shard i/N --out DIRi`, one per i) into the run's folder DIR, the files one run over all the people
 * would have written (see loaders/shards/merge.ts). An entry of --shards may be a pattern with `*` in its last part
 * (`--shards 'shards/part-*'`).
 */
import { existsSync, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { mergeShards } from "../shards/merge.js";
import { type CommandOutput, UsageError, runCli } from "./run.js";

/** Runs `merge` with the command-line arguments `argv`. */
export async function mergeCommand(argv: string[], output: CommandOutput = console): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { shards: { type: "string" }, out: { type: "string" } } });
  if (values.shards === undefined)
    throw new UsageError("--shards DIR1,DIR2,... is required: the --out folders of score --shard i/N");
  if (values.out === undefined) throw new UsageError("--out DIR is required: the folder the merged run is written to");
  const dirs = values.shards
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .flatMap(expand);
  const started = performance.now();
  const merged = await mergeShards(dirs, values.out, (m) => output.error(m));
  output.error(
    `as of ${merged.asOf}; merged ${merged.shards} shards into ${values.out}/ in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  for (const i of merged.instances) output.log(`${i.name}\t${i.scored} people`);
  return 0;
}

/** A folder, or the folders matching a pattern with `*` in its last part (sorted). */
function expand(entry: string): string[] {
  const name = basename(entry);
  if (!name.includes("*")) return [entry];
  const parent = dirname(entry);
  const pattern = new RegExp(
    `^${name
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  const found = existsSync(parent)
    ? readdirSync(parent)
        .filter((f) => pattern.test(f))
        .sort()
        .map((f) => join(parent, f))
    : [];
  if (!found.length) throw new UsageError(`--shards: no folder matches ${entry}`);
  return found;
}

if (process.argv[1] && /merge\.[jt]s$/.test(process.argv[1])) await runCli(() => mergeCommand(process.argv.slice(2)));
