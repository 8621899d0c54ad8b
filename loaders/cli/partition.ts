/**
 * `npm run partition -- [--config FILE] --partitions M --out DIR`: writes the configuration's events and profiles
 * as person-partitioned Parquet (`DIR/events/person_part=K/*.parquet`, the same for profiles), the layout in which
 * `score --shard i/N` reads only its share (see loaders/shards/partition.ts), and prints how to point the
 * configuration at it. DIR must not exist.
 */
import { parseArgs } from "node:util";
import { loadConfigOrDemo } from "../config/load.js";
import { parsePartitions, writePartitions } from "../shards/partition.js";
import { type CommandOutput, UsageError, runCli } from "./run.js";

/** Runs `partition` with the command-line arguments `argv`. */
export async function partitionCommand(argv: string[], output: CommandOutput = console): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: "string" }, partitions: { type: "string" }, out: { type: "string" } },
  });
  if (values.partitions === undefined)
    throw new UsageError(
      "--partitions M is required: how many person partitions to write (a multiple of the shards you will run, e.g. 64)",
    );
  if (values.out === undefined) throw new UsageError("--out DIR is required: a new folder for the partitions");
  const partitions = parsePartitions(values.partitions);
  const config = await loadConfigOrDemo(values.config);
  const started = performance.now();
  const summary = await writePartitions(config, partitions, values.out, (m) => output.error(m));
  output.error(`wrote ${summary.out} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  for (const i of summary.inputs) {
    if (i.unreadable > 0)
      output.error(
        `warning: inputs.${i.key}: ${i.unreadable} lines could not be read and are not in the partitions (see the data-quality report of a run on the original files)`,
      );
  }
  output.log("Point the configuration at the partitions (then score --shard i/N reads only its share):");
  for (const i of summary.inputs)
    output.log(
      `  inputs.${i.key}.path: ${JSON.stringify(i.path)}${i.format && i.format !== "parquet" ? ` (and remove inputs.${i.key}.format and csv: the partitions are Parquet)` : ""}`,
    );
  return 0;
}

if (process.argv[1] && /partition\.[jt]s$/.test(process.argv[1]))
  await runCli(() => partitionCommand(process.argv.slice(2)));
