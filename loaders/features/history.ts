/**
 * Whole-history features: what a person did over all their history before a cutoff, not only within the lookback.
 * Per history kind (the instance's goal events, and activity) the lifetime events and active days, days since the
 * first and the last, the gaps between active days (mean, spread, longest), how overdue the person is relative to
 * their usual gap, the recent pace against the lifetime one and, for the goal, the lifetime amount. These are what
 * RFM and buy-till-you-die models live on; the goal's kind adds BG/NBD's expected goal days in the window and
 * P(alive), fitted at each cutoff on that cutoff's people (`addBgnbdColumns`).
 *
 * SQL returns raw aggregates per (example, kind); `historyValues` turns them into the feature values.
 */
import { type BgnbdParams, bgnbdPredict, fitBgnbd } from "../baselines/bgnbd.js";
import type { FeatureSet } from "./build.js";
import type { FeatureDef } from "./catalogue.js";
import { capitalise, type EventNoun } from "./names.js";

/** A kind of event summarised over the whole history. */
export interface HistoryKind {
  /** Feature name prefix: `history.goal` or `history.activity`. */
  key: string;
  noun: EventNoun;
  /** Flag column of the events counted, or null for every (non-excluded) event. */
  flag: string | null;
  /** Whether the lifetime amount is summarised (goal events of data with amounts). */
  amount: boolean;
  /** Whether BG/NBD columns follow (the goal's kind). */
  btyd: boolean;
}

/** Days of the "recent" pace compared with the lifetime pace. */
export const RECENT_DAYS = 90;
/** People per cutoff that BG/NBD is fitted on at most (a deterministic sample); predictions cover everyone. */
const BGNBD_FIT_PEOPLE = 20_000;

/** Feature columns of one history kind, in order (names after the kind's key). */
export function historyColumns(kind: HistoryKind): string[] {
  return [
    "events",
    "active_days",
    "days_since_first",
    "days_since_last",
    "mean_gap_days",
    "gap_spread_days",
    "longest_gap_days",
    "overdue_ratio",
    "recent_pace",
    "same_window_last_year",
    ...(kind.amount ? ["amount_sum", "amount_mean"] : []),
    ...(kind.btyd ? ["btyd_expected", "btyd_alive"] : []),
  ];
}

/** The catalogue entries of one history kind, for a window of `window` days. */
export function historyDefs(kind: HistoryKind, window: number): FeatureDef[] {
  const { one, many } = kind.noun;
  const day = `${one} day`;
  const labels: Record<string, [string, string | null]> = {
    events: [`${capitalise(many)}, all history`, "count"],
    active_days: [`Days with ${article(one)} ${one}, all history`, "days"],
    days_since_first: [`Days since the first ${one}`, "days"],
    days_since_last: [`Days since the last ${one}, all history`, "days"],
    mean_gap_days: [`Usual days between ${day}s`, "days"],
    gap_spread_days: [`Spread of the days between ${day}s`, "days"],
    longest_gap_days: [`Longest gap between ${day}s`, "days"],
    overdue_ratio: [`Days since the last ${one} relative to the usual gap, all history`, "ratio"],
    recent_pace: [`${capitalise(one)} days in the last ${RECENT_DAYS} days against the lifetime pace`, "log ratio"],
    same_window_last_year: [`${capitalise(day)}s in the same ${window} days a year earlier`, "days"],
    amount_sum: [`Amount of all ${many}`, "amount"],
    amount_mean: [`Average amount per ${day}`, "amount"],
    btyd_expected: [`Expected ${day}s in the next ${window} days (buy-till-you-die model)`, "count"],
    btyd_alive: [
      `Chance the person still ${kind.key === "history.goal" ? "buys" : "is active"} (buy-till-you-die model)`,
      "share",
    ],
  };
  return historyColumns(kind).map((column) => {
    const [label, unit] = labels[column]!;
    return { name: `${kind.key}.${column}`, label, kind: "numeric", unit, group: "history" };
  });
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}

/** Raw aggregates of one (example, kind) from `historyStatsSql`, in its column order. */
export interface HistoryAggregates {
  cday: number;
  events: number;
  days: number;
  first: number;
  last: number;
  sumSquaredGaps: number;
  longestGap: number;
  recentDays: number;
  amount: number;
  /** Active days in the instance's window 52 weeks before the cutoff. */
  lastYear: number;
}

/**
 * Feature values of one (example, kind) from its aggregates, written to `out` in `historyColumns` order (the
 * BG/NBD columns are left for `addBgnbdColumns`).
 */
export function historyValues(kind: HistoryKind, a: HistoryAggregates, out: Float64Array): void {
  const sinceFirst = a.cday - 1 - a.first;
  const sinceLast = a.cday - 1 - a.last;
  const gaps = a.days - 1;
  const meanGap = gaps >= 1 ? (a.last - a.first) / gaps : Number.NaN;
  const spread = gaps >= 2 ? Math.sqrt(Math.max(0, a.sumSquaredGaps / gaps - meanGap * meanGap)) : Number.NaN;
  const age = sinceFirst + 1;
  const expectedRecent = (a.days * Math.min(RECENT_DAYS, age)) / age;
  out[0] = a.events;
  out[1] = a.days;
  out[2] = sinceFirst;
  out[3] = sinceLast;
  out[4] = meanGap;
  out[5] = spread;
  out[6] = gaps >= 1 ? a.longestGap : Number.NaN;
  out[7] = meanGap > 0 ? sinceLast / meanGap : Number.NaN;
  out[8] = Math.log((a.recentDays + 0.5) / (expectedRecent + 0.5));
  // Missing when the person was not yet active a year before the cutoff.
  out[9] = a.first <= a.cday - 364 ? a.lastYear : Number.NaN;
  if (kind.amount) {
    out[10] = Number.isNaN(a.amount) ? 0 : a.amount;
    out[11] = Number.isNaN(a.amount) ? Number.NaN : a.amount / a.days;
  }
}

/** Values of a history kind for a person with no such events before the cutoff (counts 0, the rest missing). */
export function emptyHistoryValues(kind: HistoryKind): number[] {
  const zero = new Set(["events", "active_days", "amount_sum"]);
  return historyColumns(kind).map((c) => (zero.has(c) ? 0 : Number.NaN));
}

/**
 * Fills the BG/NBD columns of a history kind in a set whose kind starts at column `at`: per cutoff, BG/NBD is fitted
 * on that cutoff's people (x = active days after the first, t_x and T in weeks, from the kind's columns; at most
 * `BGNBD_FIT_PEOPLE`, drawn by `draw(person)`), and every row gets its expected active days in the next `window`
 * days and P(alive). Rows without such events stay missing. With `fixed` (a saved model's parameters, see
 * `pipeline/saved.ts`) nothing is fitted: every cutoff uses those, so a row's values do not depend on who else is
 * in the set. Returns the parameters used per cutoff index.
 */
export function addBgnbdColumns(
  set: FeatureSet,
  kind: HistoryKind,
  at: number,
  window: number,
  draw: (person: number) => number,
  fixed: BgnbdParams | null = null,
): Map<number, BgnbdParams> {
  const used = new Map<number, BgnbdParams>();
  const names = historyColumns(kind);
  const column = (name: string) => {
    const k = at + names.indexOf(name);
    return set.matrix.subarray(k * set.rows, (k + 1) * set.rows);
  };
  const [days, sinceFirst, sinceLast] = [column("active_days"), column("days_since_first"), column("days_since_last")];
  const [expectedOut, aliveOut] = [column("btyd_expected"), column("btyd_alive")];
  const byCutoff = new Map<number, number[]>();
  for (let r = 0; r < set.rows; r++) {
    if (!(days[r]! >= 1)) continue;
    const rows = byCutoff.get(set.cutoff[r]!);
    if (rows) rows.push(r);
    else byCutoff.set(set.cutoff[r]!, [r]);
  }
  for (const cutoff of [...byCutoff.keys()].sort((a, b) => a - b)) {
    const rows = byCutoff.get(cutoff)!;
    const n = rows.length;
    const summary = { x: new Float64Array(n), tx: new Float64Array(n), T: new Float64Array(n) };
    rows.forEach((r, i) => {
      summary.x[i] = days[r]! - 1;
      summary.tx[i] = (sinceFirst[r]! - sinceLast[r]!) / 7;
      summary.T[i] = (sinceFirst[r]! + 1) / 7;
    });
    let params = fixed;
    if (!params) {
      const share = BGNBD_FIT_PEOPLE / rows.length;
      const fitRows = share >= 1 ? null : rows.flatMap((r, i) => (draw(set.person[r]!) < share ? [i] : []));
      const pick = (values: Float64Array) => (fitRows ? Float64Array.from(fitRows, (i) => values[i]!) : values);
      params = fitBgnbd({ x: pick(summary.x), tx: pick(summary.tx), T: pick(summary.T) }).params;
    }
    used.set(cutoff, params);
    const predicted = bgnbdPredict(params, summary, window / 7);
    rows.forEach((r, i) => {
      expectedOut[r] = predicted.expected[i]!;
      aliveOut[r] = predicted.alive[i]!;
    });
  }
  return used;
}
