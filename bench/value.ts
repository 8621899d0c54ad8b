/**
 * `npm run bench:value [-- --customers 8000]`
 *
 * Customer value tested out of time on transaction logs: for each (data set, cutoff, period) the value model of
 * the pipeline (loaders/pipeline/value.ts: BG/NBD x Gamma-Gamma fitted on the goal days before the cutoff) predicts
 * every customer's spend in the period after the cutoff, set against what they spent, overall and per tenth of
 * predicted value, beside two naive peers: last period's spend, and the lifetime spend per period. Data sets: the UCI
 * Online Retail file in ../shared/data (skipped, with the reason, when absent), a generated transactions-only set
 * (loaders/demo/transactions.ts, not generated from BG/NBD; `--customers` of them, into .tmp/bench-value) and the
 * demo data in data/demo (skipped when absent: `npm run generate`). The events are read by the pipeline's own
 * ingest with the configuration a user would write, so the goal days and amounts are the pipeline's.
 *
 * Prints markdown tables (progress on stderr) and writes .tmp/bench-value/results.json. Exits 0 whatever the
 * figures (a measurement); 2 with one line for a usage mistake.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { UsageError, runCli } from "../loaders/cli/run.js";
import { resolvedDemoConfig } from "../loaders/config/demo.js";
import { onlineRetailConfig } from "../loaders/config/examples.js";
import type { ResolvedConfig } from "../loaders/config/types.js";
import { validateConfig } from "../loaders/config/validate.js";
import { generateTransactions } from "../loaders/demo/transactions.js";
import { dayOf } from "../loaders/ingest/dates.js";
import { ingest } from "../loaders/ingest/ingest.js";
import { Session } from "../loaders/ingest/session.js";
import type { ValueScorer, ValueValidation } from "../loaders/contract/schema.js";
import { validatePeriod } from "../loaders/pipeline/value.js";
import { valueDaysSql } from "../loaders/pipeline/value-sql.js";
import { ONLINE_RETAIL as RETAIL, ROOT, benchDir } from "./paths.js";

const OUT = benchDir("bench-value");
const DEMO = join(ROOT, "data", "demo");

/** A data set: its configuration (the goal of its first instance is the one valued) and its (cutoff, period) cases. */
interface DataSet {
  name: string;
  config: () => ResolvedConfig;
  cases: { cutoff: string; period: number }[];
}

/** One measured case. */
interface CaseResult extends ValueValidation {
  dataset: string;
  seconds: number;
}

await runCli(async () => {
  const { values } = parseArgs({ options: { customers: { type: "string", default: "8000" } } });
  if (!/^\d+$/.test(values.customers) || Number(values.customers) < 500) {
    throw new UsageError(`--customers expects a whole number of at least 500, got "${values.customers}"`);
  }
  const { datasets, skipped } = dataSets(Number(values.customers));
  const results: CaseResult[] = [];
  for (const ds of datasets) results.push(...(await runDataSet(ds)));
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, "results.json"), JSON.stringify({ skipped, results }, null, 2) + "\n");
  console.log(render(results, skipped));
  console.error(`wrote ${join(OUT, "results.json")}`);
});

/** Ingests a data set once and measures each of its cases. */
async function runDataSet(ds: DataSet): Promise<CaseResult[]> {
  const config = ds.config();
  const session = await Session.open();
  const out: CaseResult[] = [];
  try {
    console.error(`${ds.name}: reading`);
    const ingested = await ingest(session, config);
    const inst = config.instances[0]!;
    const flags = ingested.events.flags.instances[inst.index]!;
    await session.run(valueDaysSql("bench_value_days", flags.goal, flags.exclusion));
    const firstDay = dayOf(ingested.events.report.firstEvent.slice(0, 10));
    for (const { cutoff, period } of ds.cases) {
      const started = performance.now();
      const result = await validatePeriod(session, "bench_value_days", dayOf(cutoff), firstDay, period);
      const seconds = (performance.now() - started) / 1000;
      console.error(
        `${ds.name} ${cutoff} +${period} d: ${result.skipped ?? `${result.customers} customers`} (${seconds.toFixed(1)} s)`,
      );
      out.push({ dataset: ds.name, seconds, ...result });
    }
  } finally {
    session.close();
  }
  return out;
}

/** The data sets, and those skipped with the reason. */
function dataSets(customers: number): { datasets: DataSet[]; skipped: { dataset: string; reason: string }[] } {
  const datasets: DataSet[] = [];
  const skipped: { dataset: string; reason: string }[] = [];
  if (existsSync(RETAIL)) {
    const cases = casesOf({ "2011-03-01": [90, 180, 270], "2011-06-01": [90, 180], "2011-09-01": [90] });
    datasets.push({ name: "Online Retail", config: () => validateConfig(onlineRetailConfig(RETAIL)), cases });
  } else skipped.push({ dataset: "Online Retail", reason: `${RETAIL} is absent` });
  datasets.push(generated(customers));
  if (existsSync(join(DEMO, "events.parquet"))) {
    const { asOf } = JSON.parse(readFileSync(join(DEMO, "manifest.json"), "utf8")) as { asOf: string };
    const end = dayOf(asOf) + 1;
    const cases = [30, 90, 180, 365].map((period) => ({
      cutoff: new Date((end - period) * 86_400_000).toISOString().slice(0, 10),
      period,
    }));
    datasets.push({ name: "demo", config: () => resolvedDemoConfig(DEMO), cases });
  } else skipped.push({ dataset: "demo", reason: `${DEMO}/events.parquet is absent (npm run generate)` });
  return { datasets, skipped };
}

/** The cases of each cutoff's periods (days), in the order given. */
function casesOf(periods: Record<string, number[]>): DataSet["cases"] {
  return Object.entries(periods).flatMap(([cutoff, days]) => days.map((period) => ({ cutoff, period })));
}

/** The generated transactions (made once into .tmp/bench-value/transactions). */
function generated(customers: number): DataSet {
  const dir = join(OUT, "transactions");
  const args = { customers, seed: 1, start: "2024-01-01", end: "2025-12-31" };
  const meta = join(dir, "bench-meta.json");
  if (
    !existsSync(join(dir, "transactions.csv")) ||
    !existsSync(meta) ||
    readFileSync(meta, "utf8").trim() !== JSON.stringify(args)
  ) {
    console.error(`generating ${customers} customers into ${dir}`);
    generateTransactions({ ...args, outDir: dir });
    writeFileSync(meta, JSON.stringify(args) + "\n");
  }
  const config = () =>
    validateConfig({
      inputs: {
        events: {
          path: join(dir, "transactions.csv"),
          eventType: "purchase",
          columns: { personId: "customer_id", timestamp: "date", amount: "amount" },
        },
      },
      instances: [
        {
          name: "purchase",
          type: "conversion",
          window: 30,
          goal: { conditions: [{ field: "eventType", op: "equals", value: "purchase" }] },
        },
      ],
    });
  const cases = casesOf({ "2025-01-01": [90, 180, 365], "2025-06-01": [90, 180], "2025-09-01": [90] });
  return { name: `generated (${customers})`, config, cases };
}

/** The summary table, then per case the deciles of the model and of last period's spend. */
function render(results: CaseResult[], skipped: { dataset: string; reason: string }[]): string {
  const f = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : "-");
  const k = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "-");
  const lines = [
    "| data set | as of | period | customers | actual spend | model / actual | last period / actual | lifetime rate / actual | MAE model | MAE last period | MAE lifetime | top-decile share model / last / lifetime | events pred / actual | spend per event pred / actual |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of results) {
    if (!r.scorers) {
      lines.push(
        `| ${r.dataset} | ${r.cutoff} | ${r.periodDays} | ${r.customers} | skipped: ${r.skipped} |  |  |  |  |  |  |  |  |  |`,
      );
      continue;
    }
    const [model, last, lifetime] = r.scorers as [ValueScorer, ValueScorer, ValueScorer];
    lines.push(
      `| ${r.dataset} | ${r.cutoff} | ${r.periodDays} | ${r.customers} | ${k(model.actual)} | ${f(model.ratio)} | ${f(last.ratio)} | ${f(lifetime.ratio)} | ${k(model.meanAbsoluteError)} | ${k(last.meanAbsoluteError)} | ${k(lifetime.meanAbsoluteError)} | ${f(model.topDecileShare)} / ${f(last.topDecileShare)} / ${f(lifetime.topDecileShare)} | ${f(r.events!.predicted / r.events!.actual)} | ${f(r.spendPerEvent!.predicted / r.spendPerEvent!.actual)} |`,
    );
  }
  lines.push(
    "",
    "Per tenth of predicted spend (highest first): predicted / actual spend of the model; actual share of the total captured, model vs last period.",
    "",
  );
  lines.push(
    "| data set | as of | period | " + Array.from({ length: 10 }, (_, d) => `d${d + 1}`).join(" | ") + " |",
    "| --- | --- | --- |" + " --- |".repeat(10),
  );
  for (const r of results) {
    if (!r.scorers) continue;
    const [model, last] = r.scorers as [ValueScorer, ValueScorer];
    const cells = model.deciles.map(
      (d, i) => `${f(d.ratio)} (${f(d.actual / model.actual)} vs ${f(last.deciles[i]!.actual / last.actual)})`,
    );
    lines.push(`| ${r.dataset} | ${r.cutoff} | ${r.periodDays} | ${cells.join(" | ")} |`);
  }
  for (const s of skipped) lines.push("", `Skipped ${s.dataset}: ${s.reason}.`);
  return lines.join("\n");
}
