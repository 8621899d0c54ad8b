/**
 * `npm run demo:history -- [--history DIR] [--profiles N --data DIR]`: a history folder from the demo data, as a
 * monthly schedule would make it: a model trained 60 days before the data's end, the run 30 days later scored with
 * that model (no training), and a retrained run at the end. `CUSTOMER_AI_HISTORY=DIR npm run build` then builds the
 * site with its history. By default the runs read the bundled demo data (`data/demo`, 20,000 people); with
 * `--data DIR` they read a demo of `--profiles N` people (default 20,000) generated into DIR, once (a small one, e.g.
 * 3,000 people, makes the whole folder in about a minute, for tests).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { resolvedDemoConfig } from "../config/demo.js";
import { ensureDemo } from "../demo/ensure.js";
import { DEMO_AS_OF, generateDemo } from "../demo/generate.js";
import { DEFAULT_KEEP } from "../pipeline/dated-runs.js";
import { dateOf, dayOf } from "../ingest/dates.js";
import { runPipeline } from "../history/record.js";
import { UsageError, runCli } from "./run.js";

/** The demo's seed, as in data/demo. */
const SEED = 1;

/** Generates a demo of `profiles` people into `dir` unless it holds one already (its manifest says so). */
async function ensureDemoIn(dir: string, profiles: number): Promise<void> {
  const manifest = join(dir, "manifest.json");
  const current = existsSync(manifest)
    ? (JSON.parse(readFileSync(manifest, "utf8")) as { profiles?: number; seed?: number })
    : undefined;
  const files = ["events.parquet", "profiles.parquet"].map((f) => join(dir, f));
  if (current?.profiles === profiles && current?.seed === SEED && files.every((f) => existsSync(f))) return;
  console.error(`generating demo data in ${dir} (${profiles} people, seed ${SEED})`);
  const summary = await generateDemo({ profiles, seed: SEED, outDir: dir, onProgress: (m) => console.error(m) });
  writeFileSync(manifest, JSON.stringify({ profiles, seed: SEED, ...summary }, null, 2) + "\n");
}

/** The whole number of `--profiles`. */
function profilesOption(text: string | undefined): number {
  if (text === undefined) return 20_000;
  const n = Number(text.replaceAll("_", ""));
  if (!/^\d[\d_]*$/.test(text) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--profiles expects a whole number of people, got "${text}"`);
  return n;
}

await runCli(async () => {
  const { values } = parseArgs({
    options: {
      history: { type: "string", default: ".tmp/demo-history" },
      profiles: { type: "string" },
      data: { type: "string" },
    },
  });
  const profiles = profilesOption(values.profiles);
  if (values.data === undefined && values.profiles !== undefined) {
    throw new UsageError(
      "--profiles goes with --data DIR (where to generate that demo); the bundled data/demo keeps its 20,000 people",
    );
  }
  if (values.data === undefined) await ensureDemo();
  else await ensureDemoIn(values.data, profiles);
  const history = { dir: values.history, keep: DEFAULT_KEEP };
  // The middle run is scored with the first run's model (named by its folder: a rerun into a folder that already
  // holds a newer trained run must not pick that one).
  const trainedAt = dateOf(dayOf(DEMO_AS_OF) - 60);
  const steps = [
    { back: 60, model: undefined },
    { back: 30, model: join(values.history, trainedAt) },
    { back: 0, model: undefined },
  ];
  for (const step of steps) {
    const config = values.data === undefined ? resolvedDemoConfig() : resolvedDemoConfig(values.data);
    config.asOf = dateOf(dayOf(DEMO_AS_OF) - step.back);
    console.error(`== ${config.asOf}: ${step.model ? "scoring with the saved model" : "training and scoring"}`);
    await runPipeline(config, {
      out: "",
      history,
      ...(step.model ? { model: step.model } : {}),
      onProgress: (m) => console.error(m),
    });
  }
  console.error(
    `wrote ${values.history}/; build the site on it with: CUSTOMER_AI_HISTORY=${values.history} npm run build`,
  );
});
