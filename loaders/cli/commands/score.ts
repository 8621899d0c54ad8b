/**
 * The `score` command: runs the whole pipeline headless and writes `DIR/<instance>/...` (see
 * loaders/contract/schema.ts). Progress goes to the output's error stream (stage, rows, elapsed); a summary table
 * ends the run.
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { isCalendarDate } from "../../config/checks.js";
import { loadConfigOrDemo } from "../../config/load.js";
import { DEFAULT_KEEP } from "../../pipeline/dated-runs.js";
import { parseShard } from "../../ingest/shard.js";
import { runPipeline } from "../../history/record.js";
import { type CommandOutput, UsageError } from "../run.js";
import { summaryTable } from "../summary.js";

/**
 * Runs `score` with the command-line arguments `argv` (`[--config FILE] [--as-of YYYY-MM-DD] [--out DIR]
 * [--model RUN] [--history FOLDER [--keep N]] [--shard i/N] [--sample i/N]`, default DIR `scores`). With `--model`, the models saved by the run
 * in folder RUN (or by the newest run of a history folder that trained them) score the data: nothing is trained.
 * With `--history`, the run goes to FOLDER/<as-of date> and is compared with the earlier runs there; the latest N
 * runs are kept (default 24). With `--shard i/N` (and `--model`, `--as-of`), only the people of shard i of N are
 * scored, into a shard folder that `merge` combines with the others (see loaders/shards/). With `--sample i/N` (and
 * `--as-of`, without `--model`), the models train on the people of shard i of N only, a person sample of 1/N.
 * @returns the exit status: 0, or 1 when an instance did not meet its data requirements (the others are written).
 * @throws UserError, UsageError and parseArgs errors for the user's mistakes (see `exitStatusOf`).
 */
export async function scoreCommand(argv: string[], output: CommandOutput = console): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      "as-of": { type: "string" },
      out: { type: "string" },
      model: { type: "string" },
      history: { type: "string" },
      keep: { type: "string" },
      shard: { type: "string" },
      sample: { type: "string" },
    },
  });
  const history = historyOption(values);
  const shard = values.shard === undefined ? null : parseShard(values.shard);
  const sample = values.sample === undefined ? null : parseShard(values.sample, "--sample");
  // Load and validate the configuration (the demo configuration when none is given).
  const config = await loadConfigOrDemo(values.config);
  const asOf = values["as-of"];
  if (asOf !== undefined) {
    if (!isCalendarDate(asOf)) throw new UsageError(`--as-of: expected a date YYYY-MM-DD but got "${asOf}"`);
    config.asOf = asOf;
  }
  // Run features, training, evaluation, scoring and explanations; write the outputs.
  const out = values.out ?? "scores";
  const run = await runPipeline(config, {
    out,
    onProgress: (m) => output.error(m),
    ...(values.model !== undefined ? { model: resolve(values.model) } : {}),
    ...(history ? { history } : {}),
    ...(shard ? { shard } : {}),
    ...(sample ? { sample } : {}),
  });
  // Summarise.
  const seconds = (stage: string) => run.seconds[stage]!.toFixed(1);
  output.error(
    `\nas of ${run.index.asOf}; wrote ${history ? join(history.dir, run.index.asOf) : out}/ in ${seconds("total")} s (features ${seconds("features")} s)`,
  );
  if (run.instances.length) output.log(summaryTable(run.instances));
  for (const f of run.index.failed) output.error(`\ninstance ${f.name} was not scored: ${f.message}`);
  return run.index.failed.length ? 1 : 0;
}

/** The history folder and retention of `--history FOLDER [--keep N]`, or null without `--history`. */
function historyOption(values: {
  out?: string;
  history?: string;
  keep?: string;
}): { dir: string; keep: number } | null {
  if (values.history === undefined) {
    if (values.keep !== undefined)
      throw new UsageError("--keep goes with --history FOLDER (how many dated runs to keep)");
    return null;
  }
  if (values.out !== undefined)
    throw new UsageError("give --out or --history, not both: with --history the run goes to FOLDER/<as-of date>");
  const keep = values.keep === undefined ? DEFAULT_KEEP : Number(values.keep);
  if (!Number.isInteger(keep) || keep < 1)
    throw new UsageError(`--keep: expected a whole number of runs, at least 1, but got "${values.keep}"`);
  return { dir: resolve(values.history), keep };
}
