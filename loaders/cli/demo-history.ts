/**
 * `npm run demo:history -- [--history DIR]`: a history folder from the demo data, as a monthly schedule would make
 * it: a model trained 60 days before the data's end, the run 30 days later scored with that model (no training),
 * and a retrained run at the end. `CUSTOMER_AI_HISTORY=DIR npm run build` then builds the site with its history.
 */
import { parseArgs } from "node:util";
import { resolvedDemoConfig } from "../config/demo.js";
import { ensureDemo } from "../demo/ensure.js";
import { DEMO_AS_OF } from "../demo/generate.js";
import { DEFAULT_KEEP } from "../history/runs.js";
import { dateOf, dayOf } from "../ingest/dates.js";
import { runPipeline } from "../pipeline/run.js";
import { runCli } from "./run.js";

await runCli(async () => {
  const { values } = parseArgs({ options: { history: { type: "string", default: ".tmp/demo-history" } } });
  await ensureDemo();
  const history = { dir: values.history, keep: DEFAULT_KEEP };
  const steps = [
    { back: 60, model: undefined },
    { back: 30, model: values.history },
    { back: 0, model: undefined },
  ];
  for (const step of steps) {
    const config = resolvedDemoConfig();
    config.asOf = dateOf(dayOf(DEMO_AS_OF) - step.back);
    console.error(`== ${config.asOf}: ${step.model ? "scoring with the saved model" : "training and scoring"}`);
    await runPipeline(config, { out: "", history, ...(step.model ? { model: step.model } : {}), onProgress: (m) => console.error(m) });
  }
  console.error(`wrote ${values.history}/; build the site on it with: CUSTOMER_AI_HISTORY=${values.history} npm run build`);
});
