/**
 * Uncertainty of the test metrics: a seeded bootstrap over people. Each resample draws as many people as the test
 * has, with replacement, and recomputes AUC, PR-AUC, top-decile lift and ECE; the 2.5th and 97.5th percentiles of
 * the resampled values form the 95% interval. The test is sorted once; a resample is read off that order by
 * counting how often each person was drawn, so each resample costs one linear pass (no sort).
 */
import type { Interval, MetricIntervals } from "../contract/schema.js";
import { Rng } from "../model/index.js";
import { type Outcomes, rankDescending } from "./metrics.js";

/** Resamples by default: enough for a 95% interval to two decimals. */
export const BOOTSTRAP_RESAMPLES = 200;

/** AUC, PR-AUC, top-decile lift and ECE of outcomes sorted by probability, highest first (ties as in metrics.ts). */
export function sortedMetrics(
  p: ArrayLike<number>,
  y: ArrayLike<number>,
): { auc: number; prAuc: number; topDecileLift: number; ece: number } {
  const n = y.length;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i]!;
  const negatives = n - positives;
  let aucSum = 0;
  let ap = 0;
  let tp = 0;
  let negSeen = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    let pg = 0;
    while (end < n && p[end] === p[start]) pg += y[end++]!;
    const ng = end - start - pg;
    aucSum += pg * (negatives - negSeen - ng) + 0.5 * pg * ng;
    negSeen += ng;
    tp += pg;
    if (positives > 0) ap += (pg / positives) * (tp / end);
    start = end;
  }
  const top = Math.floor(n / 10);
  let topPositives = 0;
  for (let k = 0; k < top; k++) topPositives += y[k]!;
  return {
    auc: positives && negatives ? aucSum / (positives * negatives) : Number.NaN,
    prAuc: positives ? ap : Number.NaN,
    topDecileLift: positives && top ? topPositives / top / (positives / n) : Number.NaN,
    ece: sortedEce(p, y),
  };
}

/** ECE over ten equal-count bins of the ascending order (as `expectedCalibrationError`). */
function sortedEce(p: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = y.length;
  let ece = 0;
  for (let b = 0; b < 10; b++) {
    const from = Math.floor((b * n) / 10);
    const to = Math.floor(((b + 1) * n) / 10);
    let sp = 0;
    let sy = 0;
    // Ascending position k is descending position n - 1 - k.
    for (let k = from; k < to; k++) {
      sp += p[n - 1 - k]!;
      sy += y[n - 1 - k]!;
    }
    if (to > from) ece += Math.abs(sy - sp) / n;
  }
  return ece;
}

/** The 95% bootstrap intervals of AUC, PR-AUC, top-decile lift and ECE of `outcomes`. */
export function bootstrapIntervals(outcomes: Outcomes, seed: number, resamples = BOOTSTRAP_RESAMPLES): MetricIntervals {
  const n = outcomes.label.length;
  const order = rankDescending(outcomes.probability);
  const sortedP = Float64Array.from(order, (i) => outcomes.probability[i]!);
  const sortedY = Uint8Array.from(order, (i) => outcomes.label[i]!);
  const rng = new Rng(seed);
  const counts = new Uint32Array(n);
  const p = new Float64Array(n);
  const y = new Uint8Array(n);
  const values = { auc: [] as number[], prAuc: [] as number[], topDecileLift: [] as number[], ece: [] as number[] };
  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[rng.nextUint32() % n]!++;
    let k = 0;
    for (let rank = 0; rank < n; rank++) {
      for (let c = counts[rank]!; c > 0; c--) {
        p[k] = sortedP[rank]!;
        y[k++] = sortedY[rank]!;
      }
    }
    const m = sortedMetrics(p, y);
    for (const key of ["auc", "prAuc", "topDecileLift", "ece"] as const)
      if (!Number.isNaN(m[key])) values[key].push(m[key]);
  }
  const interval = (xs: number[]): Interval => {
    xs.sort((a, b) => a - b);
    const at = (q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN;
    return { low: at(0.025), high: at(0.975) };
  };
  return {
    auc: interval(values.auc),
    prAuc: interval(values.prAuc),
    topDecileLift: interval(values.topDecileLift),
    ece: interval(values.ece),
    resamples,
  };
}

/** Wilson's 95% interval of a rate of `successes` in `n`. */
export function wilsonInterval(successes: number, n: number): Interval {
  if (n === 0) return { low: Number.NaN, high: Number.NaN };
  const z = 1.959964;
  const rate = successes / n;
  const centre = (rate + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((rate * (1 - rate)) / n + (z * z) / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
