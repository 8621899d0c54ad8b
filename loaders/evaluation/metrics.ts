/**
 * Model quality metrics for binary outcomes: ranking (AUC, PR-AUC), probability quality (log-loss, Brier,
 * expected calibration error) and the curves pages draw (ROC, calibration, lift and cumulative gains by decile,
 * and per-percentile targeting counts). Inputs are parallel arrays of predicted probabilities and 0/1 labels.
 */
import { rocAuc } from "../model/index.js";

/** Predicted probabilities and observed outcomes, index-aligned. */
export interface Outcomes {
  probability: ArrayLike<number>;
  label: ArrayLike<number>;
}

/** Indices sorted by descending probability (ties keep index order, so results are deterministic). */
export function rankDescending(probability: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(probability.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => probability[b]! - probability[a]! || a - b);
  return order;
}

/** Area under the ROC curve (Mann-Whitney U with ties counted as half). NaN when a class is absent. */
export function auc({ probability, label }: Outcomes): number {
  return rocAuc(label, probability);
}

/** Average precision (area under the precision-recall curve, step-wise, ties as one threshold). */
export function averagePrecision({ probability, label }: Outcomes): number {
  const order = rankDescending(probability);
  let total = 0;
  for (let i = 0; i < label.length; i++) total += label[i] ? 1 : 0;
  if (total === 0) return NaN;
  let tp = 0;
  let seen = 0;
  let ap = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    let blockPos = 0;
    while (end < order.length && probability[order[end]!] === probability[order[start]!]) {
      if (label[order[end]!]) blockPos++;
      end++;
    }
    tp += blockPos;
    seen = end;
    ap += (blockPos / total) * (tp / seen);
    start = end;
  }
  return ap;
}

/** Mean binary cross-entropy, with probabilities clipped to [1e-15, 1 - 1e-15]. */
export function logLoss({ probability, label }: Outcomes): number {
  let sum = 0;
  for (let i = 0; i < label.length; i++) {
    const p = Math.min(1 - 1e-15, Math.max(1e-15, probability[i]!));
    sum -= label[i] ? Math.log(p) : Math.log(1 - p);
  }
  return sum / label.length;
}

/** Mean squared error of the probabilities. */
export function brier({ probability, label }: Outcomes): number {
  let sum = 0;
  for (let i = 0; i < label.length; i++) sum += (probability[i]! - (label[i] ? 1 : 0)) ** 2;
  return sum / label.length;
}

/** One bin of a calibration curve. */
export interface CalibrationBin {
  predicted: number; // mean predicted probability
  observed: number; // outcome rate
  count: number;
}

/**
 * Calibration curve over `bins` equal-frequency bins of the predicted probability (equal-frequency keeps every
 * point meaningful when most probabilities are small, as propensities are).
 */
export function calibrationCurve({ probability, label }: Outcomes, bins = 10): CalibrationBin[] {
  const order = rankDescending(probability).reverse();
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const from = Math.floor((b * order.length) / bins);
    const to = Math.floor(((b + 1) * order.length) / bins);
    if (to <= from) continue;
    let p = 0;
    let y = 0;
    for (let k = from; k < to; k++) {
      p += probability[order[k]!]!;
      y += label[order[k]!] ? 1 : 0;
    }
    out.push({ predicted: p / (to - from), observed: y / (to - from), count: to - from });
  }
  return out;
}

/** Edges (shares of people, lowest probabilities first) of the detailed calibration curve: finer towards the top. */
export const CALIBRATION_EDGES = [
  0, 0.2, 0.4, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99, 0.995, 1,
] as const;

/**
 * A calibration curve over quantile bins of the predicted probability that get finer towards the top (the top
 * 0.5%, 0.5-1%, 1-2%, ...), so that the highest probabilities, where the High bucket is, are checked too. A bin
 * with fewer than `minCount` people joins the one above it (the top bin joins the one below).
 */
export function calibrationByShares(
  { probability, label }: Outcomes,
  edges: readonly number[] = CALIBRATION_EDGES,
  minCount = 30,
): (CalibrationBin & { low: number; high: number })[] {
  const order = rankDescending(probability).reverse();
  const n = order.length;
  const cuts = [...new Set(edges.map((e) => Math.round(e * n)))].sort((a, b) => a - b);
  const bounds: [number, number][] = [];
  for (let b = 1; b < cuts.length; b++) {
    const last = bounds[bounds.length - 1];
    if (last && last[1] - last[0] < minCount) last[1] = cuts[b]!;
    else bounds.push([cuts[b - 1]!, cuts[b]!]);
  }
  const top = bounds[bounds.length - 1];
  if (bounds.length > 1 && top && top[1] - top[0] < minCount)
    bounds.splice(-2, 2, [bounds[bounds.length - 2]![0], top[1]]);
  return bounds
    .filter(([from, to]) => to > from)
    .map(([from, to]) => {
      let p = 0;
      let y = 0;
      for (let k = from; k < to; k++) {
        p += probability[order[k]!]!;
        y += label[order[k]!] ? 1 : 0;
      }
      return {
        predicted: p / (to - from),
        observed: y / (to - from),
        count: to - from,
        low: probability[order[from]!]!,
        high: probability[order[to - 1]!]!,
      };
    });
}

/** Expected calibration error: count-weighted mean |observed - predicted| over equal-frequency bins. */
export function expectedCalibrationError(outcomes: Outcomes, bins = 10): number {
  const curve = calibrationCurve(outcomes, bins);
  const n = curve.reduce((s, b) => s + b.count, 0);
  return curve.reduce((s, b) => s + (b.count / n) * Math.abs(b.observed - b.predicted), 0);
}

/** A point of the ROC curve. */
export interface RocPoint {
  fpr: number;
  tpr: number;
  threshold: number;
}

/** The ROC curve, thinned to about `maxPoints` points (always including both ends): a point is kept at a change of
 * probability once `n / maxPoints` people have passed since the last one, so scorers with many ties (a recency
 * rule) keep their points too. */
export function rocCurve({ probability, label }: Outcomes, maxPoints = 200): RocPoint[] {
  const order = rankDescending(probability);
  let pos = 0;
  for (let i = 0; i < label.length; i++) pos += label[i] ? 1 : 0;
  const neg = label.length - pos;
  const points: RocPoint[] = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  let tp = 0;
  let fp = 0;
  const step = Math.max(1, Math.floor(order.length / maxPoints));
  let kept = 0;
  for (let k = 0; k < order.length; k++) {
    if (label[order[k]!]) tp++;
    else fp++;
    const last = k === order.length - 1;
    const boundary = last || probability[order[k + 1]!] !== probability[order[k]!];
    if (boundary && (last || k + 1 - kept >= step)) {
      points.push({ fpr: neg ? fp / neg : 0, tpr: pos ? tp / pos : 0, threshold: probability[order[k]!]! });
      kept = k + 1;
    }
  }
  return points;
}

/** One decile of people ranked by probability (decile 1 = highest). */
export interface DecileRow {
  decile: number;
  count: number;
  positives: number;
  rate: number; // outcome rate in the decile
  lift: number; // rate / overall rate
  cumulativeGain: number; // share of all positives captured by deciles 1..d
  cumulativeLift: number;
}

/** Lift and cumulative gains by decile of the ranking. */
export function liftTable({ probability, label }: Outcomes): DecileRow[] {
  const order = rankDescending(probability);
  let total = 0;
  for (let i = 0; i < label.length; i++) total += label[i] ? 1 : 0;
  const overall = total / label.length;
  const rows: DecileRow[] = [];
  let cumPositives = 0;
  let cumCount = 0;
  for (let d = 0; d < 10; d++) {
    const from = Math.floor((d * order.length) / 10);
    const to = Math.floor(((d + 1) * order.length) / 10);
    let positives = 0;
    for (let k = from; k < to; k++) positives += label[order[k]!] ? 1 : 0;
    cumPositives += positives;
    cumCount += to - from;
    const rate = to > from ? positives / (to - from) : 0;
    rows.push({
      decile: d + 1,
      count: to - from,
      positives,
      rate,
      lift: overall > 0 ? rate / overall : NaN,
      cumulativeGain: total > 0 ? cumPositives / total : NaN,
      cumulativeLift: overall > 0 && cumCount > 0 ? cumPositives / cumCount / overall : NaN,
    });
  }
  return rows;
}

/** Targeting the top `percent`% of people: how many, and the true and false positives observed and expected. */
export interface ThresholdRow {
  percent: number;
  threshold: number; // lowest probability included
  people: number;
  truePositives: number; // observed on the test set
  falsePositives: number;
  expectedTruePositives: number; // sum of probabilities (what a calibrated model promises)
  expectedFalsePositives: number;
  precision: number;
  recall: number;
}

/** For every percentile 1..100: the counts a targeting slider needs. */
export function thresholdTable({ probability, label }: Outcomes): ThresholdRow[] {
  const order = rankDescending(probability);
  let total = 0;
  for (let i = 0; i < label.length; i++) total += label[i] ? 1 : 0;
  const rows: ThresholdRow[] = [];
  let k = 0;
  let tp = 0;
  let expected = 0;
  for (let percent = 1; percent <= 100; percent++) {
    const to = Math.round((percent * order.length) / 100);
    for (; k < to; k++) {
      tp += label[order[k]!] ? 1 : 0;
      expected += probability[order[k]!]!;
    }
    rows.push({
      percent,
      threshold: k > 0 ? probability[order[k - 1]!]! : 1,
      people: k,
      truePositives: tp,
      falsePositives: k - tp,
      expectedTruePositives: expected,
      expectedFalsePositives: k - expected,
      precision: k > 0 ? tp / k : NaN,
      recall: total > 0 ? tp / total : NaN,
    });
  }
  return rows;
}

/**
 * The AUC a ranking is expected to reach when each person's outcome is a coin flip with a known probability
 * (`chance`, e.g. the demo's true probabilities): the expected share of (positive, negative) pairs ranked
 * correctly, ties counting half. With `score = chance` it is the best AUC any model can expect (the oracle's).
 */
export function expectedAuc(score: ArrayLike<number>, chance: ArrayLike<number>): number {
  const n = score.length;
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a]! - score[b]! || a - b);
  let negativesBelow = 0;
  let correct = 0;
  let sumP = 0;
  let sumQ = 0;
  let same = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    let blockP = 0;
    let blockQ = 0;
    while (end < n && score[order[end]!] === score[order[start]!]) {
      const p = chance[order[end]!]!;
      blockP += p;
      blockQ += 1 - p;
      same += p * (1 - p);
      end++;
    }
    // Pairs with a lower score, then tied pairs (a person is never paired with themself).
    correct += blockP * negativesBelow;
    let tiedPairs = blockP * blockQ;
    for (let k = start; k < end; k++) tiedPairs -= chance[order[k]!]! * (1 - chance[order[k]!]!);
    correct += 0.5 * tiedPairs;
    negativesBelow += blockQ;
    sumP += blockP;
    sumQ += blockQ;
    start = end;
  }
  return correct / (sumP * sumQ - same);
}
