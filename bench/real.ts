/**
 * `npm run bench:real [-- --file F --id C --date C --amount C --cutoffs 2011-06-01,2011-09-01] [--windows 30,90]
 *   [--customers 8000]`
 *
 * This project against its peers on transaction logs, at a grid of cutoffs and windows. Default data sets: the UCI
 * Online Retail file in ../shared/data (skipped, with the reason, when absent; cutoffs 2011-06-01 and 2011-09-01)
 * and a generated transactions-only set with known truth (loaders/demo/transactions.ts, generated once into
 * .tmp/bench-real/transactions, `--customers` of them; cutoffs 2025-06-01 and 2025-09-01); windows 30 and 90 days
 * (`--windows`). With `--file`, any CSV (optionally gzipped) of transactions, one per row, with the named columns.
 *
 * Per case (data set, cutoff, window), in the same run:
 * - ours: the pipeline with the plainest configuration a user would write (one event type, one conversion
 *   instance whose goal is that event, asOf = the day before the cutoff, no eligibility, lookback or model
 *   settings), run into .tmp/bench-real/runs/<case>/; its `purchase/scores.parquet` is read back;
 * - the population and outcomes, computed independently from the raw file with DuckDB: everyone with a
 *   transaction before the cutoff; positive = a (non-cancelled) purchase in [cutoff, cutoff + window);
 * - peers on that population: recency (days since the last purchase), BG/NBD (loaders/baselines/bgnbd.ts, fitted
 *   on the summaries at the cutoff; expected purchases in the window) and XGBoost on RFM features trained at
 *   cutoff - window (bench/peers/real_peers.py, Debian's python3-xgboost);
 * - AUC and PR-AUC over everyone, the unscored ranked last (bench/real-metrics.ts); on generated data, the oracle
 *   AUC of the true probabilities;
 * - the margin of ours over the best peer with its 95% paired-bootstrap interval over people (500 resamples) and the
 *   share of resamples where it is at most zero: on a few thousand people the interval is about +-0.009 wide, so a
 *   single case's margin is known to about that precision.
 * Prints one markdown table (progress on stderr) and writes .tmp/bench-real/results.json. Exits 0 whether or not
 * the targets are met (a measurement); 2 with one line for a usage mistake.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { expectedTransactions, fitBgnbd } from "../loaders/baselines/bgnbd.js";
import { UsageError, runCli } from "../loaders/cli/run.js";
import { defineConfig } from "../loaders/config/load.js";
import type { Condition, CustomerAIConfig } from "../loaders/config/types.js";
import { validateConfig } from "../loaders/config/validate.js";
import { type Database, openDatabase } from "../loaders/db/duckdb.js";
import { generateTransactions } from "../loaders/demo/transactions.js";
import { dayOf } from "../loaders/ingest/dates.js";
import { onlineRetailConfig } from "../loaders/config/examples.js";
import { shutdownWorkers } from "../loaders/model/index.js";
import { runPipeline } from "../loaders/pipeline/run.js";
import { ident, str } from "../loaders/sql/quote.js";
import {
  type MarginInterval,
  type PopulationMetrics,
  bestPeer,
  marginInterval,
  populationMetrics,
} from "./real-metrics.js";
import { ONLINE_RETAIL as RETAIL, PYTHON, ROOT, benchDir, peerScript } from "./paths.js";

const OUT = benchDir("bench-real");
const PEER_SCRIPT = peerScript("real_peers.py");
const DAY_MS = 86_400_000;
/** The generated set: size, seed and span (its cutoffs are the generator's defaults in the second year). */
const GENERATED = {
  customers: 8000,
  seed: 1,
  start: "2024-01-01",
  end: "2025-12-31",
  cutoffs: ["2025-06-01", "2025-09-01"],
};
/** The RFM features of the XGBoost peer, in matrix column order. */
const RFM = ["recency_days", "days", "days_90", "days_365", "spend", "mean_spend", "tenure_days"];

/** A transaction log to measure on. */
interface DataSet {
  name: string;
  file: string;
  cutoffs: string[];
  windows: number[];
  /** SELECT of its transactions: `id` (normalised text), `day` (days since 1970-01-01), `amount`, `purchase`
   * (false for cancellations). */
  transactions: string;
  /** Columns the file must have. */
  columns: string[];
  /** The pipeline's inputs and goal conditions. */
  inputs: CustomerAIConfig["inputs"];
  goal: Condition[];
  /** The generator's truth.csv, when known. */
  truth?: string;
}

/** The people seen before a cutoff, with their RFM summary at it and their outcome in the window after it. */
interface Snapshot {
  ids: string[];
  /** Row-major float32 matrix of the RFM features (NaN = none). */
  features: Float32Array;
  label: Uint8Array;
  /** Distinct purchase days, first and last purchase day (NaN without purchases). */
  days: Float64Array;
  first: Float64Array;
  last: Float64Array;
}

/** The result of one method on one case. */
type MethodResult = Partial<PopulationMetrics> & {
  error?: string;
  detail?: Record<string, unknown>;
  /** Per person of the population, NaN = unscored (kept in memory for the margin's interval, not written). */
  score?: Float64Array;
};

/** One case of the table. */
interface CaseResult {
  dataset: string;
  cutoff: string;
  window: number;
  people: number;
  positives: number;
  ours: MethodResult & { seconds?: number; joinRate?: number };
  recency: MethodResult;
  bgnbd: MethodResult;
  xgboost: MethodResult;
  oracle?: MethodResult;
  bestPeer: string | null;
  margin: number;
  /** 95% paired-bootstrap interval of the margin. */
  marginInterval?: MarginInterval;
  meetsTarget: boolean;
}

await runCli(async () => {
  const started = performance.now();
  const { datasets, skipped } = dataSets(parseOptions());
  const cases: CaseResult[] = [];
  const db = await openDatabase();
  try {
    for (const ds of datasets) {
      console.error(`${ds.name}: reading ${ds.file}`);
      await checkColumns(db, ds);
      await db.connection.run(`CREATE OR REPLACE TABLE tx AS ${ds.transactions}`);
      for (const cutoff of ds.cutoffs)
        for (const window of ds.windows) cases.push(await runCase(db, ds, cutoff, window));
    }
  } finally {
    db.close();
    await shutdownWorkers();
  }
  const seconds = (performance.now() - started) / 1000;
  mkdirSync(OUT, { recursive: true });
  writeFileSync(
    join(OUT, "results.json"),
    JSON.stringify({ seconds, skipped, cases }, (key, v) => (key === "score" ? undefined : v), 2) + "\n",
  );
  console.log(renderTable(cases, skipped, seconds));
  console.error(`wrote ${join(OUT, "results.json")} (${seconds.toFixed(0)} s)`);
});

/** Command-line options, checked. */
interface Options {
  file?: { path: string; id: string; date: string; amount: string; cutoffs: string[] };
  windows: number[];
  customers: number;
}

/** Parses and checks the command line (`UsageError` for mistakes). */
function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      file: { type: "string" },
      id: { type: "string" },
      date: { type: "string" },
      amount: { type: "string" },
      cutoffs: { type: "string" },
      windows: { type: "string", default: "30,90" },
      customers: { type: "string", default: String(GENERATED.customers) },
    },
  });
  const windows = values.windows.split(",").map((w) => {
    if (!/^\d+$/.test(w.trim()) || Number(w) < 1)
      throw new UsageError(`--windows expects whole numbers of days like 30,90, got "${values.windows}"`);
    return Number(w);
  });
  if (!/^\d+$/.test(values.customers) || Number(values.customers) < 100)
    throw new UsageError(`--customers expects a whole number of at least 100, got "${values.customers}"`);
  const options: Options = { windows, customers: Number(values.customers) };
  if (values.file === undefined) {
    for (const flag of ["id", "date", "amount", "cutoffs"] as const) {
      if (values[flag] !== undefined)
        throw new UsageError(`--${flag} needs --file (the default data sets have their own columns and cutoffs)`);
    }
    return options;
  }
  const missing = (["id", "date", "amount", "cutoffs"] as const).filter((f) => values[f] === undefined);
  if (missing.length) throw new UsageError(`--file needs ${missing.map((f) => `--${f}`).join(", ")}`);
  const path = resolve(values.file);
  if (!existsSync(path)) throw new UsageError(`--file: ${path} does not exist`);
  const cutoffs = values.cutoffs!.split(",").map((c) => c.trim());
  for (const c of cutoffs)
    if (!isDate(c))
      throw new UsageError(`--cutoffs expects dates YYYY-MM-DD separated by commas, got "${values.cutoffs}"`);
  options.file = { path, id: values.id!, date: values.date!, amount: values.amount!, cutoffs };
  return options;
}

/** True for a real YYYY-MM-DD date. */
function isDate(text: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}$/.test(text) &&
    new Date(Date.parse(`${text}T00:00:00Z`) || 0).toISOString().slice(0, 10) === text
  );
}

/** The data sets to run, and those skipped with the reason. */
function dataSets(options: Options): { datasets: DataSet[]; skipped: { dataset: string; reason: string }[] } {
  if (options.file) {
    const { path, id, date, amount, cutoffs } = options.file;
    return {
      datasets: [plainDataSet(path.split("/").pop()!, path, { id, date, amount }, cutoffs, options.windows)],
      skipped: [],
    };
  }
  const datasets: DataSet[] = [];
  const skipped: { dataset: string; reason: string }[] = [];
  if (existsSync(RETAIL)) datasets.push(onlineRetail(options.windows));
  else {
    skipped.push({ dataset: "Online Retail", reason: `${RETAIL} is absent` });
    console.error(`skipping Online Retail: ${RETAIL} is absent`);
  }
  const dir = join(OUT, "transactions");
  const file = ensureGenerated(dir, options.customers, options.windows);
  const generated = plainDataSet(
    "generated",
    file,
    { id: "customer_id", date: "date", amount: "amount" },
    GENERATED.cutoffs,
    options.windows,
  );
  datasets.push({ ...generated, truth: join(dir, "truth.csv") });
  return { datasets, skipped };
}

/** A user id as the pipeline writes it, from text: trimmed, a whole number written as a float (`17850.0`) without
 * its decimals. */
function normalisedId(sql: string): string {
  return `regexp_replace(trim(${sql}), '^(-?[0-9]+)\\.0+$', '\\1')`;
}

/** Days since 1970-01-01 of a text timestamp (NULL when unreadable). */
function daySql(sql: string): string {
  return `date_diff('day', DATE '1970-01-01', CAST(TRY_CAST(trim(${sql}) AS TIMESTAMP) AS DATE))`;
}

/** A plain transactions file: every row one purchase; the pipeline sees it as one event type. */
function plainDataSet(
  name: string,
  file: string,
  col: { id: string; date: string; amount: string },
  cutoffs: string[],
  windows: number[],
): DataSet {
  const transactions = `SELECT ${normalisedId(ident(col.id))} AS id, ${daySql(ident(col.date))} AS day,
      TRY_CAST(${ident(col.amount)} AS DOUBLE) AS amount, true AS purchase
    FROM read_csv(${str(file)}, all_varchar = true, header = true)
    WHERE nullif(trim(${ident(col.id)}), '') IS NOT NULL AND ${daySql(ident(col.date))} IS NOT NULL`;
  return {
    name,
    file,
    cutoffs,
    windows,
    transactions,
    columns: [col.id, col.date, col.amount],
    inputs: {
      events: {
        path: file,
        eventType: "purchase",
        columns: { personId: col.id, timestamp: col.date, amount: col.amount },
      },
    },
    goal: [{ field: "eventType", op: "equals", value: "purchase" }],
  };
}

/** UCI Online Retail: invoice lines grouped into invoices; invoices "C..." are cancellations, not purchases. */
function onlineRetail(windows: number[]): DataSet {
  const inputs = onlineRetailConfig(RETAIL).inputs;
  const transactions = `SELECT id, min(day) AS day, sum(amount) AS amount, NOT starts_with(invoice, 'C') AS purchase
    FROM (
      SELECT ${normalisedId('"CustomerID"')} AS id, trim("InvoiceNo") AS invoice, ${daySql('"InvoiceDate"')} AS day,
        TRY_CAST("Quantity" AS DOUBLE) * TRY_CAST("UnitPrice" AS DOUBLE) AS amount
      FROM read_csv(${str(RETAIL)}, all_varchar = true, header = true)
      WHERE nullif(trim("CustomerID"), '') IS NOT NULL AND ${daySql('"InvoiceDate"')} IS NOT NULL)
    GROUP BY id, invoice`;
  return {
    name: "Online Retail",
    file: RETAIL,
    cutoffs: ["2011-06-01", "2011-09-01"],
    windows,
    transactions,
    columns: ["InvoiceNo", "InvoiceDate", "Quantity", "UnitPrice", "CustomerID"],
    inputs,
    goal: [
      { field: "eventType", op: "equals", value: inputs.events.eventType! },
      { field: "InvoiceNo", op: "startsWith", value: "C", not: true },
    ],
  };
}

/** Generates the transactions-only set into `dir` unless the same arguments are already there; returns its file. */
function ensureGenerated(dir: string, customers: number, windows: number[]): string {
  const file = join(dir, "transactions.csv");
  const metaPath = join(dir, "bench-meta.json");
  const args = {
    customers,
    seed: GENERATED.seed,
    start: GENERATED.start,
    end: GENERATED.end,
    cutoffs: GENERATED.cutoffs,
    windows,
  };
  const wanted = JSON.stringify(args);
  if (
    existsSync(file) &&
    existsSync(join(dir, "truth.csv")) &&
    existsSync(metaPath) &&
    readFileSync(metaPath, "utf8").trim() === wanted
  ) {
    console.error(`reusing ${dir}`);
    return file;
  }
  console.error(`generating ${customers} customers into ${dir}`);
  generateTransactions({ ...args, outDir: dir });
  writeFileSync(metaPath, wanted + "\n");
  return file;
}

/** A `UsageError` naming the columns a data set needs that its file lacks. */
async function checkColumns(db: Database, ds: DataSet): Promise<void> {
  const result = await db.connection.runAndReadAll(
    `DESCRIBE SELECT * FROM read_csv(${str(ds.file)}, all_varchar = true, header = true)`,
  );
  const names = new Set(result.getRows().map((r) => String(r[0])));
  const missing = ds.columns.filter((c) => !names.has(c));
  if (missing.length)
    throw new UsageError(
      `${ds.file} has no column ${missing.map((c) => `"${c}"`).join(", ")}; its columns: ${[...names].join(", ")}`,
    );
}

/** Runs one case: the population and outcomes, the peers, ours and the oracle. */
async function runCase(db: Database, ds: DataSet, cutoff: string, window: number): Promise<CaseResult> {
  const name = `${ds.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${cutoff}-${window}d`;
  console.error(`${name}: population, outcomes and peers`);
  const cut = dayOf(cutoff);
  const test = await snapshot(db, cut, window);
  const train = await snapshot(db, cut - window, window);
  const positives = test.label.reduce((a, b) => a + b, 0);
  const recencyScore = Float64Array.from(test.last, (last) => last - cut);
  const recency = { ...populationMetrics(recencyScore, test.label), score: recencyScore };
  const bgnbd = bgnbdPeer(test, cut, window);
  const xgboost = xgboostPeer(train, test, join(OUT, "peers", name));
  const oracle = ds.truth ? await oraclePeer(db, ds.truth, cutoff, window, test) : undefined;
  const ours = await oursOf(db, ds, cutoff, window, test, join(OUT, "runs", name));
  const best = bestPeer({ recency: recency.auc, "BG/NBD": bgnbd.auc ?? NaN, "XGBoost-RFM": xgboost.auc ?? NaN });
  const margin = ours.auc !== undefined && best ? ours.auc - best.auc : NaN;
  const peerScore = { recency, "BG/NBD": bgnbd, "XGBoost-RFM": xgboost }[best?.name ?? ""]?.score;
  const interval = ours.score && peerScore ? marginInterval(ours.score, peerScore, test.label) : undefined;
  const result: CaseResult = {
    dataset: ds.name,
    cutoff,
    window,
    people: test.ids.length,
    positives,
    ours,
    recency,
    bgnbd,
    xgboost,
    oracle,
    bestPeer: best?.name ?? null,
    margin,
    marginInterval: interval,
    meetsTarget: margin >= 0.01,
  };
  console.error(
    `${name}: ours ${fmt(ours.auc)}, recency ${fmt(recency.auc)}, BG/NBD ${fmt(bgnbd.auc)}, ` +
      `XGBoost-RFM ${fmt(xgboost.auc)}`,
  );
  return result;
}

/** Everyone with a transaction before day `cut` (in id order), their RFM features at `cut` and whether they
 * purchased in [cut, cut + window). */
async function snapshot(db: Database, cut: number, window: number): Promise<Snapshot> {
  const before = `purchase AND day < ${cut}`;
  const result = await db.connection.runAndReadAll(`SELECT id,
      ${cut} - max(day) FILTER (${before}), count(DISTINCT day) FILTER (${before}),
      count(DISTINCT day) FILTER (${before} AND day >= ${cut - 90}),
      count(DISTINCT day) FILTER (${before} AND day >= ${cut - 365}),
      sum(amount) FILTER (${before}), avg(amount) FILTER (${before}), ${cut} - min(day) FILTER (${before}),
      min(day) FILTER (${before}), max(day) FILTER (${before}),
      coalesce(bool_or(purchase AND day >= ${cut} AND day < ${cut + window}), false)
    FROM tx WHERE day < ${cut + window} GROUP BY id HAVING bool_or(day < ${cut}) ORDER BY id`);
  const rows = result.getRows();
  const n = rows.length;
  const s: Snapshot = {
    ids: [],
    features: new Float32Array(n * RFM.length),
    label: new Uint8Array(n),
    days: new Float64Array(n),
    first: new Float64Array(n),
    last: new Float64Array(n),
  };
  const value = (v: unknown) => (v === null ? NaN : Number(v));
  rows.forEach((row, r) => {
    s.ids.push(String(row[0]));
    for (let j = 0; j < RFM.length; j++) s.features[r * RFM.length + j] = value(row[1 + j]);
    s.days[r] = value(row[2]);
    s.first[r] = value(row[8]);
    s.last[r] = value(row[9]);
    s.label[r] = row[10] ? 1 : 0;
  });
  return s;
}

/** BG/NBD fitted on the purchase summaries at the cutoff; scores = expected purchases in the window. */
function bgnbdPeer(test: Snapshot, cut: number, window: number): MethodResult {
  const rows = test.ids.map((_, i) => i).filter((i) => test.days[i]! > 0);
  const x = rows.map((i) => test.days[i]! - 1);
  const tx = rows.map((i) => (test.last[i]! - test.first[i]!) / 7);
  const T = rows.map((i) => (cut - test.first[i]!) / 7);
  try {
    const fit = fitBgnbd({ x, tx, T });
    const score = new Float64Array(test.ids.length).fill(NaN);
    rows.forEach((i, k) => (score[i] = expectedTransactions(fit.params, x[k]!, tx[k]!, T[k]!, window / 7)));
    return {
      ...populationMetrics(score, test.label),
      score,
      detail: { params: fit.params, converged: fit.converged, iterations: fit.iterations },
    };
  } catch (error) {
    console.error(`  BG/NBD failed: ${(error as Error).message}`);
    return { error: (error as Error).message };
  }
}

/** XGBoost on RFM features, trained at cutoff - window (bench/peers/real_peers.py) and applied at the cutoff. */
function xgboostPeer(train: Snapshot, test: Snapshot, dir: string): MethodResult {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "meta.json"),
    JSON.stringify({ features: RFM, train: train.ids.length, test: test.ids.length }),
  );
  writeFileSync(join(dir, "train_X.f32"), train.features);
  writeFileSync(join(dir, "train_y.u8"), train.label);
  writeFileSync(join(dir, "test_X.f32"), test.features);
  rmSync(join(dir, "test_pred.f64"), { force: true });
  const run = spawnSync(PYTHON, [PEER_SCRIPT, "--dir", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const info = run.status === 0 ? (JSON.parse(run.stdout) as Record<string, unknown>) : null;
  if (!info || info["missing"]) {
    const why = info
      ? String(info["missing"])
      : `${PYTHON} ${PEER_SCRIPT} failed: ${(run.error?.message ?? run.stderr).trim().split("\n").pop()}`;
    console.error(`  XGBoost-RFM unavailable: ${why}`);
    return { error: why };
  }
  const bytes = readFileSync(join(dir, "test_pred.f64"));
  const pred = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  return { ...populationMetrics(pred, test.label), score: Float64Array.from(pred), detail: info };
}

/** The AUC of the generator's true probabilities over the population. */
async function oraclePeer(
  db: Database,
  truth: string,
  cutoff: string,
  window: number,
  test: Snapshot,
): Promise<MethodResult> {
  const result = await db.connection.runAndReadAll(`SELECT ${normalisedId("customer_id")}, probability::DOUBLE
    FROM read_csv(${str(truth)}, all_varchar = true, header = true)
    WHERE cutoff = ${str(cutoff)} AND "window" = ${str(String(window))}`);
  const p = new Map(result.getRows().map((r) => [String(r[0]), Number(r[1])]));
  const score = Float64Array.from(test.ids, (id) => p.get(id) ?? NaN);
  return populationMetrics(score, test.label);
}

/** The pipeline's scores with the plainest configuration; a failure is recorded with its message. */
async function oursOf(
  db: Database,
  ds: DataSet,
  cutoff: string,
  window: number,
  test: Snapshot,
  out: string,
): Promise<CaseResult["ours"]> {
  const config = defineConfig({
    inputs: ds.inputs,
    asOf: new Date(Date.parse(`${cutoff}T00:00:00Z`) - DAY_MS).toISOString().slice(0, 10),
    instances: [{ name: "purchase", type: "conversion", window, goal: { conditions: ds.goal } }],
  });
  rmSync(out, { recursive: true, force: true });
  mkdirSync(dirname(out), { recursive: true });
  const t0 = performance.now();
  try {
    await runPipeline(validateConfig(config, { baseDir: ROOT }), { out, onProgress: (m) => console.error(`  ${m}`) });
  } catch (error) {
    const message = (error as Error).message;
    console.error(`  the pipeline failed: ${message}`);
    return { error: message, seconds: (performance.now() - t0) / 1000 };
  }
  const seconds = (performance.now() - t0) / 1000;
  const rows = (
    await db.connection.runAndReadAll(`SELECT ${normalisedId("CAST(id AS VARCHAR)")}, probability::DOUBLE
    FROM read_parquet(${str(join(out, "purchase", "scores.parquet"))})`)
  ).getRows();
  const p = new Map(rows.map((r) => [String(r[0]), Number(r[1])]));
  const score = Float64Array.from(test.ids, (id) => p.get(id) ?? NaN);
  const matched = score.reduce((a, s) => a + (Number.isNaN(s) ? 0 : 1), 0);
  const joinRate = p.size ? matched / p.size : NaN;
  if (joinRate < 0.999)
    console.error(`  warning: only ${(100 * joinRate).toFixed(1)}% of the ${p.size} scored ids are in the population`);
  return { ...populationMetrics(score, test.label), score, seconds, joinRate, detail: { scoredIds: p.size } };
}

/** A signed number with 3 decimals. */
function signed(value: number): string {
  return `${value >= 0 ? "+" : ""}${value.toFixed(3)}`;
}

/** A number with 3 decimals, or a dash. */
function fmt(value: number | undefined, digits = 3): string {
  return value === undefined || Number.isNaN(value) ? "-" : value.toFixed(digits);
}

/** The markdown table of the results, with failures and skipped data sets listed below it. */
function renderTable(cases: CaseResult[], skipped: { dataset: string; reason: string }[], seconds: number): string {
  const head = [
    "data set",
    "cutoff",
    "window",
    "people seen",
    "positives",
    "ours AUC",
    "PR-AUC",
    "share scored",
    "recency AUC",
    "BG/NBD AUC",
    "XGBoost-RFM AUC",
    "best peer",
    "margin",
    "margin 95% interval",
    "P(margin <= 0)",
    "margin >= 0.01",
    "oracle AUC",
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (const c of cases) {
    const ours = c.ours.error ? "failed" : fmt(c.ours.auc);
    const share = c.ours.share === undefined ? "-" : `${(100 * c.ours.share).toFixed(1)}%`;
    const margin = Number.isNaN(c.margin) ? "-" : signed(c.margin);
    lines.push(
      `| ${[
        c.dataset,
        c.cutoff,
        `${c.window} d`,
        c.people,
        c.positives,
        ours,
        fmt(c.ours.prAuc),
        share,
        fmt(c.recency.auc),
        fmt(c.bgnbd.auc),
        fmt(c.xgboost.auc),
        c.bestPeer ?? "-",
        margin,
        c.marginInterval ? `${signed(c.marginInterval.low)} to ${signed(c.marginInterval.high)}` : "-",
        c.marginInterval ? c.marginInterval.atMostZero.toFixed(3) : "-",
        c.ours.error ? "no" : c.meetsTarget ? "yes" : "no",
        fmt(c.oracle?.auc),
      ].join(" | ")} |`,
    );
  }
  const notes = [
    ...cases
      .filter((c) => c.ours.error)
      .map(
        (c) => `- ${c.dataset} ${c.cutoff} ${c.window} d: the pipeline failed: ${c.ours.error!.replaceAll("\n", " ")}`,
      ),
    ...cases.flatMap((c) =>
      (["bgnbd", "xgboost"] as const)
        .filter((m) => c[m].error)
        .map((m) => `- ${c.dataset} ${c.cutoff} ${c.window} d: ${m} failed: ${c[m].error}`),
    ),
    ...skipped.map((s) => `- skipped ${s.dataset}: ${s.reason}`),
  ];
  const met = cases.filter((c) => c.meetsTarget).length;
  return [
    `bench:real (${seconds.toFixed(0)} s): ${met} of ${cases.length} cases with ours >= best peer + 0.01`,
    "",
    ...lines,
    ...(notes.length ? ["", ...notes] : []),
  ].join("\n");
}
