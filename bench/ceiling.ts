/**
 * `npm run bench:ceiling [-- --data DIR --seed N]`: how close can any model get to the demo's oracle?
 *
 * The oracle AUC (the yardstick of the demo's quality target) ranks people by their true probability, which follows from latent traits
 * (exact visit rates, email responsiveness) that the event history shows only through noisy counts. This bench
 * separates the two reasons a model falls short of it, on the out-of-time test cutoff of each demo instance:
 * - noisy labels and too little data: XGBoost fitted to the 0/1 labels against XGBoost fitted to each training
 *   example's true probability at its cutoff (no label noise at all, something no real model can have);
 * - missing information: what the second model still lacks against the oracle is not in the features. A third
 *   fit adds 32 more views of each person's visit history (visits and active days in 7 to 365 days, days since
 *   each of the last active days, active days per 30-day block) to see whether other features would recover it.
 * Our own pipeline's model (trained as `npm run score` trains it) is measured on the same test rows.
 *
 * Needs generated demo data with its seed (`data/demo`, generated when missing, or `.tmp/bench-features/<size>`
 * from bench:features) and `/usr/bin/python3` with xgboost (apt-get install -y python3-xgboost python3-sklearn).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { openDatabase } from "../loaders/db/duckdb.js";
import { calibrate } from "../loaders/calibration/calibrate.js";
import { UsageError, runCli } from "../loaders/cli/run.js";
import { resolvedDemoConfig } from "../loaders/config/demo.js";
import { DEMO_DAYS, DEMO_START, DAY_MS, type Person, buildSeason, drawPerson } from "../loaders/demo/process.js";
import { DEMO_DIR, ensureDemo } from "../loaders/demo/ensure.js";
import { Random, mixSeed } from "../loaders/demo/random.js";
import { TRUTH_GOALS, TRUTH_HORIZON, goalProbability } from "../loaders/demo/truth.js";
import { auc } from "../loaders/evaluation/metrics.js";
import type { FeatureSet, InstanceFeatures } from "../loaders/features/build.js";
import { prepareFeatures } from "../loaders/features/prepare.js";
import { predictMargin, shutdownWorkers } from "../loaders/model/index.js";
import { matrixOf } from "../loaders/pipeline/matrix.js";
import { trainModel } from "../loaders/pipeline/train.js";
import { PYTHON } from "./paths.js";

const OUT = resolve(".tmp/bench-ceiling");
const FIRST_DAY = DEMO_START / DAY_MS;
const HISTORY_WINDOWS = [7, 14, 30, 60, 90, 180, 365];
/** The extra history features: visits and active days per window, days since the 1st to 5th and 8th last active
 * day, and active days in each of the 12 30-day blocks before the cutoff (32 columns). */
const HISTORY = [
  ...HISTORY_WINDOWS.map((w) => `sum(visits) FILTER (cut - day <= ${w})`),
  ...HISTORY_WINDOWS.map((w) => `count(day) FILTER (cut - day <= ${w})`),
  ...[1, 2, 3, 4, 5, 8].map((k) => `list(cut - day ORDER BY day DESC)[${k}]`),
  ...Array.from({ length: 12 }, (_, b) => `count(day) FILTER (cut - day > ${b * 30} AND cut - day <= ${(b + 1) * 30})`),
];

await runCli(async () => {
  const { values } = parseArgs({ options: { data: { type: "string", default: DEMO_DIR }, seed: { type: "string" } } });
  if (values.data === DEMO_DIR) await ensureDemo();
  const dir = resolve(values.data);
  const seed = values.seed === undefined ? seedOf(dir) : Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed expects a whole number, got "${values.seed}"`);
  const config = resolvedDemoConfig(dir);
  console.error(`features of ${dir} (seed ${seed})`);
  const prepared = await prepareFeatures(config, { onProgress: (m) => console.error(`  ${m}`) });
  const season = buildSeason(DEMO_DAYS + TRUTH_HORIZON);
  const people = new Map<number, Person>();
  const personOf = (id: string): Person => {
    const i = Number(/^ecid-(\d+)$/.exec(id)?.[1] ?? Number.NaN);
    if (!Number.isInteger(i)) throw new UsageError(`${dir} is not generated demo data: person id "${id}"`);
    let p = people.get(i);
    if (!p) people.set(i, (p = drawPerson(i, new Random(mixSeed(seed, i)))));
    return p;
  };
  const db = await openDatabase();
  await db.connection.run(activeDaysSql(join(dir, "events.parquet")));
  const lines: string[] = [];
  try {
    for (const f of prepared.instances) {
      const goal = TRUTH_GOALS.find(
        (g) => g.window === f.window && (g.kind === "purchase") === (f.type === "conversion"),
      );
      if (!goal) throw new UsageError(`instance "${f.instance}" is not one of the demo's goals`);
      // True probability of the positive class at each example's cutoff (churn: no activity in the window), and
      // the same without the lapses, recoveries and unsubscriptions that start after the cutoff (no history shows them).
      const truthAt = (set: FeatureSet, known = false) =>
        Float32Array.from({ length: set.rows }, (_, r) => {
          const from = f.cutoffs[set.cutoff[r]!]!.day - FIRST_DAY;
          const p = personOf(f.people[set.person[r]!]!);
          return goalProbability(known ? withoutFuture(p, from) : p, season, goal.kind, f.window, from);
        });
      const train = truthAt(f.train);
      const test = truthAt(f.test);
      const oracle = auc({ probability: test, label: f.test.labels! });
      const knowable = auc({ probability: truthAt(f.test, true), label: f.test.labels! });
      console.error(`${f.instance}: training our model on ${f.train.rows} examples`);
      const ours = auc({
        probability: ourModel(f, config.training.model, config.training.seed),
        label: f.test.labels!,
      });
      console.error(`${f.instance}: XGBoost on labels and on true probabilities`);
      const out = join(OUT, f.instance);
      mkdirSync(out, { recursive: true });
      for (const set of [f.train, f.test])
        writeFileSync(join(out, `${set.part}_H.bin`), await historyFeatures(db, f, set));
      const peers = runPeers(f, train, test, out);
      const row = (name: string, value: number) =>
        `  ${name.padEnd(38)} ${value.toFixed(4)}  ${((100 * value) / oracle).toFixed(1).padStart(5)}%`;
      lines.push(
        `${f.instance}: ${f.test.rows} test examples (cutoff ${f.cutoffs.find((c) => c.part === "test")!.asOf}), ${f.train.rows} training examples`,
        `  ${"out-of-time AUC".padEnd(38)} ${"AUC".padEnd(6)}  of oracle`,
        row("oracle (true probabilities)", oracle),
        row("  without changes after the cutoff", knowable),
        row("our model (labels)", ours),
        row("XGBoost (labels)", peers.labels),
        row("XGBoost (true probabilities, no noise)", peers.truth),
        row("  + 32 visit-history features", peers.history),
      );
    }
  } finally {
    db.close();
    shutdownWorkers();
  }
  console.log(`\nbench:ceiling (${dir})\n${lines.join("\n")}`);
});

/** The seed the demo data was generated with, from its manifest (data/demo) or bench metadata. */
function seedOf(dir: string): number {
  for (const file of ["manifest.json", "bench-meta.json"]) {
    const path = join(dir, file);
    if (existsSync(path)) return Number(JSON.parse(readFileSync(path, "utf8")).seed);
  }
  throw new UsageError(`${dir} has no manifest.json or bench-meta.json: pass --seed`);
}

/** The person as the past can know them: a lapse or recovery still to come (its midpoint more than two widths
 * after day `from`) and a later unsubscription are removed. */
function withoutFuture(p: Person, from: number): Person {
  const q = { ...p };
  if (q.changeDay === q.changeDay && q.changeDay - 2 * q.changeWidth > from) {
    q.changeDay = Number.NaN;
    q.changeFactor = 1;
  }
  if (q.unsubscribeDay > from) q.unsubscribeDay = Number.POSITIVE_INFINITY;
  return q;
}

/** Test-set probabilities of the pipeline's model, trained and calibrated as `npm run score` does. */
function ourModel(
  f: InstanceFeatures,
  settings: Parameters<typeof trainModel>[0]["settings"],
  seed: number,
): Float64Array {
  const n = f.catalogue.length;
  const trained = trainModel({
    set: f.train,
    rows: Int32Array.from({ length: f.train.rows }, (_, i) => i),
    nFeatures: n,
    categorical: f.catalogue.map((c) => c.kind === "categorical"),
    featureNames: f.catalogue.map((c) => c.name),
    settings,
    seed,
  });
  return calibrate(trained.calibration.calibrator, predictMargin(trained.model, matrixOf(f.test, n)));
}

/** Per person and day with activity (any event but email sends): visits (landing page views) and events. */
function activeDaysSql(events: string): string {
  return `CREATE TABLE active_days AS SELECT "identityMap.ECID" AS id, (epoch("timestamp") // 86400)::INTEGER AS day,
    count(*) FILTER ("web.webPageDetails.name" IN ('Home', 'Offers'))::INTEGER AS visits
    FROM read_parquet('${events.replaceAll("'", "''")}') WHERE "eventType" <> 'directMarketing.emailSent' GROUP BY ALL`;
}

/** The history features of every example of `set`, column-major like its matrix (NaN = none). */
async function historyFeatures(
  db: Awaited<ReturnType<typeof openDatabase>>,
  f: InstanceFeatures,
  set: FeatureSet,
): Promise<Float32Array> {
  const c = db.connection;
  await c.run("CREATE OR REPLACE TABLE examples (r INTEGER, id VARCHAR, cut INTEGER)");
  const appender = await c.createAppender("examples");
  for (let r = 0; r < set.rows; r++) {
    appender.appendInteger(r);
    appender.appendVarchar(f.people[set.person[r]!]!);
    appender.appendInteger(f.cutoffs[set.cutoff[r]!]!.day);
    appender.endRow();
  }
  appender.closeSync();
  const result = await c.runAndReadAll(`SELECT e.r, ${HISTORY.map((x) => `(${x})::DOUBLE`).join(", ")}
    FROM examples e LEFT JOIN active_days a ON a.id = e.id AND a.day < e.cut AND a.day >= e.cut - 365 GROUP BY e.r`);
  const out = new Float32Array(set.rows * HISTORY.length).fill(Number.NaN);
  for (const row of result.getRows()) {
    const r = Number(row[0]);
    for (let j = 0; j < HISTORY.length; j++) if (row[j + 1] !== null) out[j * set.rows + r] = Number(row[j + 1]);
  }
  return out;
}

/** Writes the matrices for `bench/peers/ceiling.py` and returns its test AUCs. */
function runPeers(
  f: InstanceFeatures,
  train: Float32Array,
  test: Float32Array,
  dir: string,
): { labels: number; truth: number; history: number } {
  for (const [set, truth] of [
    [f.train, train],
    [f.test, test],
  ] as const) {
    writeFileSync(join(dir, `${set.part}_X.bin`), set.matrix);
    writeFileSync(join(dir, `${set.part}_y.bin`), set.labels!);
    writeFileSync(join(dir, `${set.part}_truth.bin`), truth);
  }
  writeFileSync(
    join(dir, "meta.json"),
    JSON.stringify({ features: f.catalogue.length, history: HISTORY.length, train: f.train.rows, test: f.test.rows }),
  );
  const run = spawnSync(PYTHON, [resolve("bench/peers/ceiling.py"), "--dir", dir], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (run.error || run.status !== 0) {
    throw new UsageError(
      `${PYTHON} bench/peers/ceiling.py failed (needs xgboost: apt-get install -y python3-xgboost python3-sklearn)`,
    );
  }
  return JSON.parse(run.stdout);
}
