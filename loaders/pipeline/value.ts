/**
 * Customer value of a conversion instance whose goal events carry an amount: per person the expected goal days in
 * the window and in the value horizon and P(alive) (BG/NBD, `baselines/bgnbd.ts`), the expected amount per goal day
 * (Gamma-Gamma, `baselines/gammagamma.ts`) and the expected value over the horizon, their product (undiscounted).
 *
 * A goal day is one transaction (several goal events on a day count once, amounts summed), as in the BG/NBD
 * features: x = goal days after the first, t_x and T in weeks from the first goal day. Both models are fitted at the
 * as-of date on every customer (everyone with a goal day before it, the BG/NBD on a deterministic sample of at most
 * `VALUE_FIT_PEOPLE`). A run that scores with a saved model uses the model the training run fitted (kept in
 * model.json, see `saved.ts`): a customer's value then depends on their own history only, not on who else is scored
 * (a shard's people), and value.json is the training run's (its parameters and validation). The Gamma-Gamma model learns from the repeat goal days with a positive amount (the first is left out, as
 * in Fader, Hardie and Lee); people without one get the population's mean amount.
 *
 * Validation, out of time: for the window and the horizon, the models are fitted at the as-of date minus that
 * period on the history before it and each customer's predicted spend in the period is set against their actual
 * spend, overall and per tenth of predicted value, beside two naive peers: last period's spend, and the lifetime
 * spend per period (lifetime spend / max(age, period) x period).
 */
import { type BgnbdFit, bgnbdPredict, fitBgnbd } from "../baselines/bgnbd.js";
import {
  type GammaGammaFit,
  fitGammaGamma,
  gammaGammaPredict,
  populationMeanSpend,
  spendFrequencyCorrelation,
} from "../baselines/gammagamma.js";
import type { ResolvedInstance } from "../config/types.js";
import { forEachNumericChunk } from "../features/read.js";
import { dateOf, dayOf } from "../ingest/dates.js";
import type { IngestResult } from "../ingest/ingest.js";
import type { Session } from "../ingest/session.js";
import { type Scores } from "../scoring/scores.js";
import { BUCKETS } from "../contract/buckets.js";
import { valueDayCountsSql, valueDaysSql, valueSummarySql } from "./value-sql.js";
import {
  type InstanceValue,
  SCHEMA_VERSION,
  type UnavailableValue,
  type ValueReport,
  type ValueScorer,
  type ValueValidation,
} from "../contract/schema.js";

/** People the BG/NBD of the value model is fitted on at most (a deterministic sample by person). */
export const VALUE_FIT_PEOPLE = 100_000;
/** What a fit needs: customers, customers with a repeat goal day that has an amount, and days of history before a
 * validation cutoff. */
export const VALUE_MINIMUMS = { customers: 100, repeatSpenders: 30, historyDays: 60 } as const;
/** Columns of scores.parquet, in order. */
export const VALUE_COLUMNS = [
  "expected_events",
  "expected_events_horizon",
  "p_alive",
  "expected_spend",
  "expected_value",
] as const;

/** Per customer at a cutoff, in `pidx` order. */
export interface ValueSummaries {
  pidx: Int32Array;
  /** BG/NBD summary in weeks: goal days after the first, time of the last since the first, age. */
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  /** Repeat goal days with a positive amount, and their mean amount. */
  spendDays: Float64Array;
  spendMean: Float64Array;
  /** Amount of every goal day before the cutoff, and days since the first goal day. */
  lifetimeSpend: Float64Array;
  ageDays: Float64Array;
  /** Goal days and spend in the period after the cutoff, spend in the period before it (validation only). */
  outcomes: { days: Float64Array; spend: Float64Array; lastPeriodSpend: Float64Array } | null;
}

/** The fitted value model. */
export interface ValueModel {
  bgnbd: BgnbdFit;
  gammaGamma: GammaGammaFit;
  customers: number;
  repeatSpenders: number;
}

/** Per customer (in `pidx` order) at the as-of date: what scores.parquet gets. */
export interface CustomerValue {
  report: ValueReport;
  pidx: Int32Array;
  /** By `VALUE_COLUMNS`. */
  columns: Float64Array[];
}

/** Reads the summaries of every customer at cutoff day `cutoff` (with outcomes over `period` days when > 0). */
export async function readValueSummaries(
  session: Session,
  table: string,
  cutoff: number,
  period: number,
): Promise<ValueSummaries> {
  const cols: number[][] = Array.from({ length: period > 0 ? 10 : 7 }, () => []);
  await forEachNumericChunk(session, valueSummarySql(table, cutoff, period), (columns, rows) => {
    for (let j = 0; j < cols.length; j++) for (let i = 0; i < rows; i++) cols[j]!.push(columns[j]![i]!);
  });
  const [pidx, days, first, last, spendDays, spendSum, lifetime, futureDays, futureSpend, lastPeriod] = cols;
  const n = pidx!.length;
  const at = (f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
  return {
    pidx: Int32Array.from(pidx!),
    x: at((i) => days![i]! - 1),
    tx: at((i) => (last![i]! - first![i]!) / 7),
    T: at((i) => (cutoff - first![i]!) / 7),
    spendDays: Float64Array.from(spendDays!),
    spendMean: at((i) => (spendDays![i]! > 0 ? spendSum![i]! / spendDays![i]! : Number.NaN)),
    lifetimeSpend: Float64Array.from(lifetime!),
    ageDays: at((i) => cutoff - first![i]!),
    outcomes:
      period > 0
        ? {
            days: Float64Array.from(futureDays!),
            spend: Float64Array.from(futureSpend!),
            lastPeriodSpend: Float64Array.from(lastPeriod!),
          }
        : null,
  };
}

/** Fits BG/NBD and Gamma-Gamma on the customers of a cutoff; or why not (too few customers or repeat spenders). */
export function fitValueModel(s: ValueSummaries): ValueModel | string {
  const customers = s.pidx.length;
  let repeatSpenders = 0;
  for (const k of s.spendDays) if (k >= 1) repeatSpenders++;
  if (customers < VALUE_MINIMUMS.customers)
    return `${customers} customers (people with a goal day) before the cutoff; the value model needs at least ${VALUE_MINIMUMS.customers}`;
  if (repeatSpenders < VALUE_MINIMUMS.repeatSpenders) {
    return `${repeatSpenders} customers with a repeat goal day that has an amount before the cutoff; the spend model needs at least ${VALUE_MINIMUMS.repeatSpenders}`;
  }
  const share = VALUE_FIT_PEOPLE / customers;
  const rows = share >= 1 ? null : Array.from(s.pidx.keys()).filter((i) => personDraw(s.pidx[i]!) < share);
  const pick = (v: Float64Array) => (rows ? Float64Array.from(rows, (i) => v[i]!) : v);
  const bgnbd = fitBgnbd({ x: pick(s.x), tx: pick(s.tx), T: pick(s.T) });
  const gammaGamma = fitGammaGamma({ x: s.spendDays, m: s.spendMean });
  return { bgnbd, gammaGamma, customers, repeatSpenders };
}

/** Per customer: expected goal days in each of `periods` (days), P(alive) and the expected amount per goal day. */
export function predictValue(
  model: ValueModel,
  s: ValueSummaries,
  periods: readonly number[],
): { events: Float64Array[]; alive: Float64Array; spend: Float64Array } {
  const predicted = periods.map((days) => bgnbdPredict(model.bgnbd.params, s, days / 7));
  const spend = gammaGammaPredict(model.gammaGamma.params, { x: s.spendDays, m: s.spendMean });
  return { events: predicted.map((p) => p.expected), alive: predicted[0]!.alive, spend };
}

/**
 * The customer value of an instance at its as-of date, with its validation: reads the goal days from the ingest
 * session (table `value_days_<index>`, dropped after), fits, predicts for every customer. Unavailable (with why)
 * when the events have no amount, the goal days none, or there are too few customers. With `saved` (the value.json
 * of a saved model's training run) nothing is fitted or validated: its parameters predict, and the report is its own
 * at this as-of date.
 */
export async function prepareCustomerValue(
  session: Session,
  ingested: IngestResult,
  inst: ResolvedInstance,
  asOf: string,
  saved?: ValueReport | null,
): Promise<CustomerValue> {
  const settings = inst.value!;
  const scoreDay = dayOf(asOf) + 1;
  const base = {
    schemaVersion: SCHEMA_VERSION,
    asOf,
    window: inst.window,
    horizonDays: settings.horizonDays,
    validation: [],
  };
  const empty = (unavailable: string): CustomerValue => ({
    report: { ...base, unavailable },
    pidx: new Int32Array(0),
    columns: VALUE_COLUMNS.map(() => new Float64Array(0)),
  });
  if (!ingested.events.hasAmount) return empty("the events have no amount");
  if (saved?.unavailable !== undefined) return empty(saved.unavailable);
  const table = `value_days_${inst.index}`;
  const flags = ingested.events.flags.instances[inst.index]!;
  await session.run(valueDaysSql(table, flags.goal, flags.exclusion));
  try {
    if (saved) {
      const s = await readValueSummaries(session, table, scoreDay, 0);
      const model = savedValueModel(saved);
      const { events, alive, spend } = predictValue(model, s, [inst.window, settings.horizonDays]);
      const value = events[1]!.map((e, i) => e * spend[i]!);
      return { report: { ...saved, asOf }, pidx: s.pidx, columns: [events[0]!, events[1]!, alive, spend, value] };
    }
    const counts = await session.row(valueDayCountsSql(table, scoreDay));
    if (!(Number(counts.priced) > 0))
      return empty(`none of the ${Number(counts.days ?? 0)} goal days before the as-of date has an amount`);
    const s = await readValueSummaries(session, table, scoreDay, 0);
    const model = fitValueModel(s);
    if (typeof model === "string") return empty(model);
    const { events, alive, spend } = predictValue(model, s, [inst.window, settings.horizonDays]);
    const value = events[1]!.map((e, i) => e * spend[i]!);
    const firstDay = dayOf(ingested.events.report.firstEvent.slice(0, 10));
    const periods = [...new Set([inst.window, settings.horizonDays])];
    const validation: ValueValidation[] = [];
    for (const period of periods)
      validation.push(await validatePeriod(session, table, scoreDay - period, firstDay, period));
    const report: ValueReport = { ...base, ...modelCard(model, s), validation };
    return { report, pidx: s.pidx, columns: [events[0]!, events[1]!, alive, spend, value] };
  } finally {
    await session.run(`DROP TABLE IF EXISTS ${table}`);
  }
}

/** The value model of a saved value.json (only its parameters predict). */
function savedValueModel(report: ValueReport): ValueModel {
  const { bgnbd, gammaGamma } = report;
  if (!bgnbd || !gammaGamma) throw new Error("a saved value model without its parameters");
  return {
    bgnbd: {
      params: bgnbd.params,
      logLikelihood: bgnbd.logLikelihood,
      iterations: 0,
      converged: bgnbd.converged,
      people: bgnbd.people,
    },
    gammaGamma: { ...gammaGamma, iterations: 0 },
    customers: report.customers ?? 0,
    repeatSpenders: report.repeatSpenders ?? 0,
  };
}

/** What value.json says of a fitted model. */
function modelCard(model: ValueModel, s: ValueSummaries): Partial<ValueReport> {
  const { bgnbd, gammaGamma } = model;
  return {
    customers: model.customers,
    repeatSpenders: model.repeatSpenders,
    bgnbd: {
      params: bgnbd.params,
      logLikelihood: bgnbd.logLikelihood,
      converged: bgnbd.converged,
      people: bgnbd.people,
    },
    gammaGamma: {
      params: gammaGamma.params,
      logLikelihood: gammaGamma.logLikelihood,
      converged: gammaGamma.converged,
      atBound: gammaGamma.atBound,
      people: gammaGamma.people,
    },
    meanSpend: populationMeanSpend(gammaGamma.params),
    spendFrequencyCorrelation: spendFrequencyCorrelation({ x: s.spendDays, m: s.spendMean }),
  };
}

/** Tests the value model fitted at cutoff day `cutoff` on the spend of the `period` days after it. */
export async function validatePeriod(
  session: Session,
  table: string,
  cutoff: number,
  firstDay: number,
  period: number,
): Promise<ValueValidation> {
  const head = { periodDays: period, cutoff: dateOf(cutoff - 1) };
  if (cutoff - firstDay < VALUE_MINIMUMS.historyDays) {
    return {
      ...head,
      customers: 0,
      skipped: `${Math.max(0, cutoff - firstDay)} days of history before the cutoff; a test needs at least ${VALUE_MINIMUMS.historyDays}`,
    };
  }
  const s = await readValueSummaries(session, table, cutoff, period);
  const model = fitValueModel(s);
  if (typeof model === "string") return { ...head, customers: s.pidx.length, skipped: model };
  return { ...head, ...validateSummaries(model, s, period) };
}

/** The validation figures of a fitted model on summaries with outcomes over `period` days. */
export function validateSummaries(
  model: ValueModel,
  s: ValueSummaries,
  period: number,
): Omit<ValueValidation, "periodDays" | "cutoff"> {
  const { days, spend: actual, lastPeriodSpend } = s.outcomes!;
  const { events, spend } = predictValue(model, s, [period]);
  const predicted = events[0]!.map((e, i) => e * spend[i]!);
  const lifetimeRate = s.lifetimeSpend.map((v, i) => (v / Math.max(period, s.ageDays[i]!)) * period);
  let [boughtDays, spendOfBuyers] = [0, 0];
  for (let i = 0; i < days.length; i++) {
    boughtDays += days[i]!;
    spendOfBuyers += days[i]! * spend[i]!;
  }
  return {
    customers: s.pidx.length,
    events: { predicted: sum(events[0]!), actual: boughtDays },
    spendPerEvent: {
      predicted: boughtDays > 0 ? spendOfBuyers / boughtDays : Number.NaN,
      actual: boughtDays > 0 ? sum(actual) / boughtDays : Number.NaN,
    },
    scorers: [
      scorerOf("model", "BG/NBD x Gamma-Gamma", predicted, actual),
      scorerOf("last-period", `Spend in the ${period} days before`, lastPeriodSpend, actual),
      scorerOf(
        "lifetime-rate",
        "Lifetime spend per period (a customer younger than the period: all of it)",
        lifetimeRate,
        actual,
      ),
    ],
  };
}

/** A scorer's totals, errors and deciles (by its prediction, highest first; ties in person order). */
export function scorerOf(
  name: ValueScorer["name"],
  label: string,
  predicted: Float64Array,
  actual: Float64Array,
): ValueScorer {
  const n = predicted.length;
  const order = Array.from(predicted.keys()).sort((a, b) => predicted[b]! - predicted[a]! || a - b);
  const deciles: ValueScorer["deciles"] = [];
  for (let d = 0; d < 10; d++) {
    const rows = order.slice(Math.floor((d * n) / 10), Math.floor(((d + 1) * n) / 10));
    const p = rows.reduce((t, i) => t + predicted[i]!, 0);
    const a = rows.reduce((t, i) => t + actual[i]!, 0);
    deciles.push({ decile: d + 1, people: rows.length, predicted: p, actual: a, ratio: p / a });
  }
  let absolute = 0;
  for (let i = 0; i < n; i++) absolute += Math.abs(predicted[i]! - actual[i]!);
  const [p, a] = [sum(predicted), sum(actual)];
  return {
    name,
    label,
    predicted: p,
    actual: a,
    ratio: p / a,
    relativeError: (p - a) / a,
    meanAbsoluteError: absolute / n,
    topDecileShare: deciles[0]!.actual / a,
    deciles,
  };
}

/**
 * The columns of scores.parquet for the scored people (`person`: their `pidx`, in row order; NaN = NULL) and the
 * summary of instance.json, with the people's buckets.
 */
export function valueOutputs(
  value: CustomerValue,
  person: Int32Array,
  scores: Scores,
): { columns: { name: string; values: Float64Array }[]; summary: InstanceValue | UnavailableValue } {
  const { report } = value;
  const rowOf = new Map<number, number>();
  value.pidx.forEach((p, i) => rowOf.set(p, i));
  const columns = VALUE_COLUMNS.map((name, c) => ({
    name,
    values: Float64Array.from(person, (p) => value.columns[c]![rowOf.get(p) ?? -1] ?? Number.NaN),
  }));
  const head = { horizonDays: report.horizonDays, window: report.window };
  if (report.unavailable !== undefined) return { columns, summary: { ...head, unavailable: report.unavailable } };
  const [events, eventsHorizon, , , expected] = columns.map((c) => c.values);
  const totals = new ValueTotals();
  for (let i = 0; i < person.length; i++) totals.add(scores.bucket[i]!, events![i]!, eventsHorizon![i]!, expected![i]!);
  const deciles = new ValueDeciles(totals.people, totals.total);
  for (const v of Float64Array.from(expected!.filter((x) => !Number.isNaN(x)))
    .sort()
    .reverse())
    deciles.push(v);
  return { columns, summary: totals.summary(report, deciles.result()) };
}

/**
 * The sums of the customer value summary, from the scored people in row order, one at a time (so that a merge can
 * stream them from DuckDB in the same order and get the same sums, bit for bit).
 */
export class ValueTotals {
  people = 0;
  withoutValue = 0;
  total = 0;
  private events = 0;
  private eventsHorizon = 0;
  private readonly perBucket = BUCKETS.map((bucket) => ({ bucket, people: 0, total: 0 }));

  /** Adds the next person: bucket index, expected goal days in the window and horizon, expected value (NaN = none). */
  add(bucket: number, events: number, eventsHorizon: number, expected: number): void {
    if (Number.isNaN(expected)) {
      this.withoutValue++;
      return;
    }
    this.people++;
    this.total += expected;
    this.events += events;
    this.eventsHorizon += eventsHorizon;
    const b = this.perBucket[bucket]!;
    b.people++;
    b.total += expected;
  }

  /** The summary of instance.json (`report`: value.json with the fitted parameters). */
  summary(report: ValueReport, deciles: InstanceValue["deciles"]): InstanceValue {
    return {
      horizonDays: report.horizonDays,
      window: report.window,
      people: this.people,
      withoutValue: this.withoutValue,
      total: this.total,
      expectedEvents: this.events,
      expectedEventsHorizon: this.eventsHorizon,
      perBucket: this.perBucket.map((b) => ({ ...b, mean: b.people ? b.total / b.people : 0 })),
      deciles,
      params: { bgnbd: report.bgnbd!.params, gammaGamma: report.gammaGamma!.params, meanSpend: report.meanSpend! },
    };
  }
}

/** Tenths of `n` values pushed from the highest down (`total`: their sum), one value at a time. */
export class ValueDeciles {
  private readonly parts: { people: number; min: number; max: number; total: number }[] = [];
  private seen = 0;

  constructor(
    private readonly n: number,
    private readonly total: number,
  ) {
    for (let d = 0; d < (n ? 10 : 0); d++) this.parts.push({ people: 0, min: 0, max: 0, total: 0 });
  }

  /** The next value (no higher than the previous). */
  push(value: number): void {
    const n = this.n;
    let d = 0;
    while (d < 9 && this.seen >= Math.floor(((d + 1) * n) / 10)) d++;
    const part = this.parts[d]!;
    if (part.people === 0) part.max = value;
    part.min = value;
    part.total += value;
    part.people++;
    this.seen++;
  }

  result(): InstanceValue["deciles"] {
    return this.parts.map((p, d) => ({
      decile: d + 1,
      people: p.people,
      min: p.min,
      max: p.max,
      total: p.total,
      mean: p.people ? p.total / p.people : 0,
      share: this.total > 0 ? p.total / this.total : 0,
    }));
  }
}

/** Sum of an array. */
function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s;
}

/** A deterministic number in [0, 1) per person index (for sampling people to fit on). */
function personDraw(person: number): number {
  let h = Math.imul(person ^ 0x2545f491, 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  return ((h ^ (h >>> 13)) >>> 0) / 4294967296;
}
