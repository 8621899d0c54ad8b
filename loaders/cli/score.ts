/**
 * `npm run score -- [--config FILE] [--as-of YYYY-MM-DD] [--out DIR]`: runs the whole pipeline headless and
 * writes `DIR/<instance>/...` (see loaders/pipeline/schema.ts; default DIR `scores`). Progress goes to stderr
 * (stage, rows, elapsed); a summary table ends the run.
 */
import { parseArgs } from "node:util";
import { isCalendarDate } from "../config/checks.js";
import { loadConfigOrDemo } from "../config/load.js";
import { runPipeline } from "../pipeline/run.js";
import { UsageError, runCli } from "./run.js";

await runCli(async () => {
  const { values } = parseArgs({ options: { config: { type: "string" }, "as-of": { type: "string" }, out: { type: "string", default: "scores" } } });
  // Load and validate the configuration (the demo configuration when none is given).
  const config = await loadConfigOrDemo(values.config);
  const asOf = values["as-of"];
  if (asOf !== undefined) {
    if (!isCalendarDate(asOf)) throw new UsageError(`--as-of: expected a date YYYY-MM-DD but got "${asOf}"`);
    config.asOf = asOf;
  }
  // Run features, training, evaluation, scoring and explanations; write the outputs.
  const run = await runPipeline(config, { out: values.out, onProgress: (m) => console.error(m) });
  // Summarise.
  const rows = run.instances.map((i) => ({
    instance: i.name,
    scored: i.scored,
    rating: i.rating,
    auc: i.auc.toFixed(3),
    "recency auc": i.recencyAuc.toFixed(3),
    "rfm auc": i.rfmAuc.toFixed(3),
    ece: i.ece.toFixed(3),
    seconds: i.seconds.toFixed(1),
  }));
  console.error(`\nas of ${run.index.asOf}; wrote ${values.out}/ in ${run.seconds["total"]!.toFixed(1)} s (features ${run.seconds["features"]!.toFixed(1)} s)`);
  console.table(rows);
  for (const f of run.index.failed) console.error(`\ninstance ${f.name} was not scored: ${f.message}`);
  if (run.index.failed.length) process.exitCode = 1;
});
