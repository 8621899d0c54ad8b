/**
 * `npm run bench:model [-- --sizes 100k,1m] [--shap-rows 10000] [--threads 2] [--data-only]`
 *
 * Benchmarks our GBDT (loaders/model) against XGBoost (`tree_method="hist"`) and scikit-learn's
 * HistGradientBoostingClassifier on the same matrices, with the same hyper-parameters (200 trees, depth 6,
 * learning rate 0.1, 255 bins, lambda 1, min_child_weight 1, base score = class prior, no early stopping).
 *
 * Data: a documented synthetic propensity data set (see {@link generate}), written once per size as little-endian
 * float32 row-major matrices to `.tmp/bench-model/<size>/` (train N rows, validation N/5, test N/2). Each model runs
 * in its own process that loads those files, so the peak RSS reported per model is comparable: it includes the
 * loaded matrices (`data MB`, the RSS right after loading) plus whatever fitting, predicting and SHAP allocate.
 *
 * Timings: fit (ours: binning + boosting; XGBoost: DMatrix construction + train, DMatrix time also shown
 * separately; sklearn: fit), predict (test set, probabilities), SHAP (first `--shap-rows` test rows; XGBoost
 * `pred_contribs=True`; scikit-learn has no TreeSHAP). The validation set is passed to ours and XGBoost as an
 * evaluation set (monitoring only: early stopping is disabled so every model has exactly 200 trees).
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type GBDTParams,
  Rng,
  featureMatrix,
  fitGBDT,
  logLoss,
  predictMargin,
  predictProba,
  rocAuc,
  shutdownWorkers,
  treeShap,
} from "../loaders/model/index.js";
import { PYTHON, benchDir, peerScript } from "./paths.js";

const OUT_DIR = benchDir("bench-model");
const PEER_SCRIPT = peerScript("model_peers.py");
const SIZES: Record<string, { n: number; f: number }> = {
  "100k": { n: 100_000, f: 40 },
  "1m": { n: 1_000_000, f: 60 },
};
const PARAMS: Partial<GBDTParams> = {
  nTrees: 200,
  maxDepth: 6,
  learningRate: 0.1,
  maxBins: 255,
  lambda: 1,
  minChildWeight: 1,
  earlyStoppingRounds: 0,
};

interface RunResult {
  peer: string;
  version?: string;
  missing?: string;
  auc: number;
  logloss: number;
  fit_s: number;
  predict_s: number;
  shap_s: number | null;
  peak_mb: number;
  data_mb: number;
  dmatrix_s?: number;
  shap_additivity_err?: number;
  binned_mb?: number;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

// ---------------------------------------------------------------------------------------------------------------
// Synthetic propensity data
// ---------------------------------------------------------------------------------------------------------------

/** Standard normal draw (Box-Muller). */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

/** Poisson draw (Knuth for small means, rounded normal approximation above 30). */
function poisson(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(rng)));
  const l = Math.exp(-lambda);
  let k = 0;
  let p = rng.next();
  while (p > l) {
    k++;
    p *= rng.next();
  }
  return k;
}

/** Negative-binomial-like heavy-tailed count: Poisson with an exponential (gamma shape 1) random mean. */
function heavyCount(rng: Rng, mean: number): number {
  return poisson(rng, -mean * Math.log(1 - rng.next()));
}

const CHANNEL_EFFECT = [0, 0.35, -0.25, 0.5, -0.4];
const TIER_EFFECT = [-0.3, 0, 0.25, 0.45];

/**
 * Synthetic customer table for a "will buy in the next 30 days" propensity: latent engagement, value and churn
 * risk drive 24 observed features — heavy-tailed counts over 7/30/90/365-day windows, recency in days (missing
 * when the event never happened), spend (log-normal), ratios (missing on zero denominators), rates with missing
 * consent, demographics with missing values, four categoricals (channel 5, region 12, device 3, tier 4 levels) and
 * two flags — followed by weak noisy proxies and pure noise up to `nFeatures`. The label's log-odds combine latent
 * and observed effects, thresholds (recency < 7 days), an interaction (cart adds x email engagement) and
 * categorical effects; the intercept is set so that about 6% of rows are positive.
 * @param n rows
 * @param nFeatures columns (>= 24)
 * @param seed seed of this split
 * @param intercept log-odds intercept (calibrated on the training split)
 */
export function generate(
  n: number,
  nFeatures: number,
  seed: number,
  intercept: number,
): { X: Float32Array; y: Uint8Array; logit: Float64Array } {
  const rng = new Rng(seed);
  const regionRng = new Rng(424242);
  const regionEffect = Array.from({ length: 12 }, () => (regionRng.next() - 0.5) * 0.6);
  const X = new Float32Array(n * nFeatures);
  const logit = new Float64Array(n);
  const v = new Float64Array(nFeatures);
  for (let r = 0; r < n; r++) {
    const eng = normal(rng);
    const val = 0.4 * eng + 0.9 * normal(rng);
    const churn = -0.3 * eng + normal(rng);
    const v7 = heavyCount(rng, Math.exp(-0.7 + 0.9 * eng));
    const v30 = v7 + heavyCount(rng, 3 * Math.exp(-0.7 + 0.9 * eng));
    const v90 = v30 + heavyCount(rng, 6 * Math.exp(-0.7 + 0.8 * eng));
    v[0] = v7;
    v[1] = v30;
    v[2] = v90;
    v[3] = v30 > 0 ? v30 * Math.exp(1.5 + 0.5 * normal(rng)) : 0;
    v[4] = heavyCount(rng, 4 * (v30 + 1));
    const neverVisited = v90 === 0 && rng.next() < 0.5;
    const recency = neverVisited
      ? NaN
      : Math.min(365, Math.floor(-30 * Math.exp(-0.8 * eng) * Math.log(1 - rng.next())));
    v[5] = recency;
    const orders = heavyCount(rng, Math.exp(0.1 + 0.7 * val));
    const lastPurchase =
      orders > 0 ? Math.min(730, Math.floor(-90 * Math.exp(-0.6 * val - 0.3 * eng) * Math.log(1 - rng.next()))) : NaN;
    v[6] = lastPurchase;
    v[7] = orders;
    const revenue = orders > 0 ? orders * Math.exp(3.5 + 0.6 * val + 0.5 * normal(rng)) : 0;
    v[8] = revenue;
    v[9] = orders > 0 ? revenue / orders : NaN;
    v[10] = Math.floor(rng.next() * 3000);
    const openRate = rng.next() < 0.15 ? NaN : 1 / (1 + Math.exp(-(-1 + 0.6 * eng + normal(rng))));
    v[11] = openRate;
    v[12] = openRate === openRate ? heavyCount(rng, 8 * openRate) : 0;
    const tickets = heavyCount(rng, 0.3 * Math.exp(0.6 * churn));
    v[13] = tickets;
    const cart = heavyCount(rng, Math.exp(-1 + 0.8 * eng + 0.3 * val));
    v[14] = cart;
    v[15] = heavyCount(rng, Math.exp(-0.5 + 0.4 * val));
    v[16] = orders > 0 ? Math.min(1, Math.max(0, 0.3 - 0.1 * val + 0.2 * normal(rng))) : NaN;
    v[17] = rng.next() < 0.1 ? NaN : Math.round(Math.min(90, Math.max(18, 42 + 13 * normal(rng))));
    const channel = Math.min(4, Math.floor(rng.next() * rng.next() * 6));
    const region = Math.floor(rng.next() * 12);
    const device = Math.min(2, Math.floor(-Math.log(1 - rng.next())));
    const tier = Math.max(0, Math.min(3, Math.round(1.2 + 0.8 * val + 0.7 * normal(rng))));
    v[18] = channel;
    v[19] = region;
    v[20] = device;
    v[21] = tier;
    const app = rng.next() < 1 / (1 + Math.exp(-(-0.5 + eng))) ? 1 : 0;
    v[22] = app;
    v[23] = rng.next() < 0.4 ? 1 : 0;
    proxiesAndNoise(rng, v);
    let z = intercept + 0.7 * eng + 0.35 * val - 0.5 * churn;
    z += recency === recency ? (recency < 7 ? 0.7 : 0) - 0.004 * Math.min(recency, 180) : -0.5;
    z += cart > 0 && openRate > 0.35 ? 0.6 : 0;
    z += CHANNEL_EFFECT[channel] + regionEffect[region] + TIER_EFFECT[tier] + 0.3 * app - (tickets >= 2 ? 0.4 : 0);
    z += 0.15 * Math.log1p(v90) + 0.5 * normal(rng);
    logit[r] = z;
    X.set(v, r * nFeatures);
  }
  return { X, y: drawLabels(logit, seed), logit };
}

/** Columns 24 and up of a row: weak noisy proxies of the first 17 features, normal noise, counts and uniform values
 * with missing ones, in turn. */
function proxiesAndNoise(rng: Rng, v: Float64Array): void {
  for (let f = 24; f < v.length; f++) {
    const kind = f % 4;
    let x: number;
    if (kind === 0) x = v[f % 17] === v[f % 17] ? v[f % 17] * Math.exp(0.5 * normal(rng)) : NaN;
    else if (kind === 1) x = normal(rng);
    else if (kind === 2) x = heavyCount(rng, 2);
    else x = rng.next() < 0.1 ? NaN : rng.next() * 100;
    v[f] = x;
  }
}

/** The labels: 1 with the probability of each row's log-odds, from a stream of its own. */
function drawLabels(logit: Float64Array, seed: number): Uint8Array {
  const y = new Uint8Array(logit.length);
  const lab = new Rng(seed ^ 0x1234567);
  for (let r = 0; r < logit.length; r++) y[r] = lab.next() < 1 / (1 + Math.exp(-logit[r])) ? 1 : 0;
  return y;
}

/** Intercept giving a mean positive probability of `target` on a sample of the generator. */
function calibrateIntercept(nFeatures: number, target: number): number {
  const { logit } = generate(20_000, nFeatures, 99, 0);
  let lo = -15;
  let hi = 5;
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    let s = 0;
    for (const z of logit) s += 1 / (1 + Math.exp(-(z + mid)));
    if (s / logit.length > target) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}

const CATEGORICAL = [18, 19, 20, 21];

function writeData(size: string, shapRows: number): { dir: string; positives: number } {
  const { n, f } = SIZES[size];
  const dir = join(OUT_DIR, size);
  mkdirSync(dir, { recursive: true });
  const intercept = calibrateIntercept(f, 0.06);
  const splits = { train: n, valid: n / 5, test: n / 2 };
  let positives = 0;
  Object.entries(splits).forEach(([name, rows], i) => {
    const { X, y } = generate(rows, f, 1000 + i, intercept);
    if (name === "train") positives = y.reduce((a, b) => a + b, 0) / rows;
    writeFileSync(join(dir, `${name}.f32`), new Uint8Array(X.buffer, X.byteOffset, X.byteLength));
    writeFileSync(join(dir, `${name}.y.u8`), y);
  });
  const meta = { ...splits, nFeatures: f, categorical: CATEGORICAL, shapRows, params: { ...PARAMS, nTrees: 200 } };
  writeFileSync(join(dir, "meta.json"), JSON.stringify(meta, null, 1));
  return { dir, positives };
}

// ---------------------------------------------------------------------------------------------------------------
// Our model, run in a child process (`--child <dir>`) so that its peak RSS is measured in isolation
// ---------------------------------------------------------------------------------------------------------------

function loadSplit(dir: string, name: string): { X: Float32Array; y: Uint8Array } {
  const b = readFileSync(join(dir, `${name}.f32`));
  const X = new Float32Array(b.byteLength / 4);
  new Uint8Array(X.buffer).set(b);
  return { X, y: new Uint8Array(readFileSync(join(dir, `${name}.y.u8`))) };
}

async function runOurs(dir: string, threads: number): Promise<void> {
  const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
  const F = meta.nFeatures;
  const tr = loadSplit(dir, "train");
  const va = loadSplit(dir, "valid");
  const te = loadSplit(dir, "test");
  const dataMb = process.memoryUsage().rss / 2 ** 20;
  const categorical = Array.from({ length: F }, (_, i) => meta.categorical.includes(i));
  const Xtr = featureMatrix(tr.X, meta.train, F);
  let t0 = performance.now();
  const model = fitGBDT(
    Xtr,
    tr.y,
    { ...PARAMS, nThreads: threads },
    { validation: { X: featureMatrix(va.X, meta.valid, F), y: va.y }, categorical },
  );
  const fit = (performance.now() - t0) / 1000;
  const Xte = featureMatrix(te.X, meta.test, F);
  t0 = performance.now();
  const p = predictProba(model, Xte, { nThreads: threads });
  const predict = (performance.now() - t0) / 1000;
  const nShap = Math.min(meta.shapRows, meta.test);
  const Xsh = featureMatrix(te.X.subarray(0, nShap * F), nShap, F);
  t0 = performance.now();
  const shap = treeShap(model, Xsh, { nThreads: threads });
  const shapS = (performance.now() - t0) / 1000;
  const margin = predictMargin(model, Xsh);
  let err = 0;
  for (let r = 0; r < nShap; r++) {
    let s = shap.base;
    for (let f = 0; f < F; f++) s += shap.contributions[r * F + f];
    err = Math.max(err, Math.abs(s - margin[r]));
  }
  const result: RunResult = {
    peer: "ours",
    auc: rocAuc(te.y, p),
    logloss: logLoss(te.y, p),
    fit_s: fit,
    predict_s: predict,
    shap_s: shapS,
    peak_mb: process.resourceUsage().maxRSS / 1024,
    data_mb: dataMb,
    shap_additivity_err: err,
    binned_mb: (meta.train * F) / 2 ** 20,
  };
  await shutdownWorkers();
  process.stdout.write(JSON.stringify(result) + "\n");
}

// ---------------------------------------------------------------------------------------------------------------
// Orchestration and report
// ---------------------------------------------------------------------------------------------------------------

function runChild(cmd: string, args: string[], env: Record<string, string> = {}): RunResult | { error: string } {
  const res = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 26, env: { ...process.env, ...env } });
  const line = (res.stdout ?? "").trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line);
  } catch {
    return {
      error: `${cmd} ${args.join(" ")} failed (status ${res.status}): ${(res.stderr || res.error?.message || "").slice(-2000)}`,
    };
  }
}

const fmt = (x: number | null | undefined, d: number): string =>
  x === null || x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(d);
const pad = (s: string, w: number): string => s.padStart(w);

function report(size: string, positives: number, shapRows: number, results: (RunResult | { error: string })[]): void {
  const { n, f } = SIZES[size];
  console.log(
    `\n## ${size}: train ${n.toLocaleString("en")} x ${f} (validation ${(n / 5).toLocaleString("en")}, test ${(n / 2).toLocaleString("en")}), ${(100 * positives).toFixed(1)}% positives`,
  );
  console.log(
    `200 trees, depth 6, lr 0.1, 255 bins, lambda 1, min_child_weight 1; SHAP on ${shapRows.toLocaleString("en")} test rows\n`,
  );
  const head = ["model", "test AUC", "log-loss", "fit s", "predict s", "SHAP s", "peak MB", "data MB"];
  const widths = [14, 9, 9, 8, 10, 8, 8, 8];
  console.log(head.map((h, i) => (i === 0 ? h.padEnd(widths[i]) : pad(h, widths[i]))).join(" "));
  const ok: Record<string, RunResult> = {};
  for (const r of results) {
    if ("error" in r) {
      console.log(`error: ${r.error}`);
      if (r.error.startsWith(PYTHON))
        console.log(
          `(peers need ${PYTHON} with xgboost and scikit-learn: apt-get install -y python3-xgboost python3-sklearn)`,
        );
      continue;
    }
    if (r.missing) {
      console.log(
        `${r.peer.padEnd(14)} not installed (${r.missing}); install with: apt-get install -y python3-xgboost python3-sklearn`,
      );
      continue;
    }
    ok[r.peer] = r;
    const name = r.peer === "sklearn" ? "sklearn HGB" : r.peer;
    const cells = [
      fmt(r.auc, 4),
      fmt(r.logloss, 4),
      fmt(r.fit_s, 2),
      fmt(r.predict_s, 2),
      fmt(r.shap_s, 2),
      fmt(r.peak_mb, 0),
      fmt(r.data_mb, 0),
    ];
    console.log([name.padEnd(14), ...cells.map((c, i) => pad(c, widths[i + 1]))].join(" "));
  }
  const a = ok.ours;
  const x = ok.xgboost;
  if (a && x) {
    const cells = [
      `${a.auc - x.auc >= 0 ? "+" : ""}${(a.auc - x.auc).toFixed(4)}`,
      (a.logloss / x.logloss).toFixed(3),
      (a.fit_s / x.fit_s).toFixed(2),
      (a.predict_s / x.predict_s).toFixed(2),
      a.shap_s && x.shap_s ? (a.shap_s / x.shap_s).toFixed(2) : "n/a",
      (a.peak_mb / x.peak_mb).toFixed(2),
      "",
    ];
    console.log(["ours/xgboost".padEnd(14), ...cells.map((c, i) => pad(c, widths[i + 1]))].join(" "));
    const pass = (b: boolean): string => (b ? "ok" : "MISSED");
    console.log(
      `targets: AUC >= xgboost - 0.002: ${pass(a.auc >= x.auc - 0.002)}; fit <= 1.5x: ${pass(a.fit_s <= 1.5 * x.fit_s)}; ` +
        `SHAP <= 2x: ${pass((a.shap_s ?? Infinity) <= 2 * (x.shap_s ?? 0))}`,
    );
  }
  if (x)
    console.log(
      `xgboost ${x.version}: DMatrix construction ${fmt(x.dmatrix_s, 2)} s (included in fit s); SHAP additivity max error ${x.shap_additivity_err?.toExponential(1)}`,
    );
  if (ok.sklearn) console.log(`scikit-learn ${ok.sklearn.version}: no TreeSHAP (SHAP n/a)`);
  if (a)
    console.log(
      `ours: binned training matrix ${fmt(a.binned_mb, 0)} MB; SHAP additivity max error ${a.shap_additivity_err?.toExponential(1)}`,
    );
}

async function main(): Promise<void> {
  const child = arg("child", "");
  const threads = Number(arg("threads", "2"));
  if (child) {
    await runOurs(child, threads);
    return;
  }
  const sizes = arg("sizes", "100k,1m").toLowerCase().split(",").filter(Boolean);
  for (const s of sizes) if (!SIZES[s]) throw new Error(`unknown size ${s} (use 100k and/or 1m)`);
  const shapRows = Number(arg("shap-rows", "10000"));
  const script = fileURLToPath(import.meta.url);
  console.log(
    `bench:model — ours vs XGBoost (hist) vs scikit-learn HGB; ${threads} threads each; node ${process.version}`,
  );
  for (const size of sizes) {
    const t0 = performance.now();
    const { dir, positives } = writeData(size, shapRows);
    console.log(`\n[${size}] data written to ${dir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (process.argv.includes("--data-only")) continue;
    const load = (): string =>
      loadavg()
        .map((l) => l.toFixed(2))
        .join(" ");
    const runs: [string, () => RunResult | { error: string }][] = [
      [
        "ours",
        () => runChild(process.execPath, [...process.execArgv, script, "--child", dir, "--threads", String(threads)]),
      ],
      [
        "xgboost",
        () => runChild(PYTHON, [PEER_SCRIPT, "--peer", "xgboost", "--dir", dir, "--threads", String(threads)]),
      ],
      [
        "sklearn",
        () =>
          runChild(PYTHON, [PEER_SCRIPT, "--peer", "sklearn", "--dir", dir, "--threads", String(threads)], {
            OMP_NUM_THREADS: String(threads),
          }),
      ],
    ];
    const results: (RunResult | { error: string })[] = [];
    const loads: string[] = [];
    for (const [name, run] of runs) {
      const before = load();
      results.push(run());
      loads.push(`${name} ${before} -> ${load()}`);
    }
    report(size, positives, shapRows, results);
    console.log(`load average (1/5/15 min) before -> after each run: ${loads.join("; ")}`);
  }
}

await main();
