/**
 * From calibrated probabilities to what users read per person: a score (0-100), a percentile (1-100) and a
 * bucket (High / Medium / Low).
 *
 * - score = round(100 * probability): a score of 40 means "40% likely", so scores compare across instances.
 * - percentile = the share of scored people whose probability is at or below this person's, in percent, rounded
 *   up (1-100): 100 is the top 1%. Ties share a percentile. (`merge` computes the same in DuckDB, in integers:
 *   max(1, (100 x at or below + n - 1) div n), which equals ceil of the double division for any n below 2^46.)
 * - bucket: by default on the score (High >= 75, Medium 25-74, Low < 25); an instance can set other thresholds,
 *   or bucket on the percentile instead, which suits rare goals where few people are likely in absolute terms.
 */

import type { BucketRule } from "../contract/buckets.js";

/** The default rule: High >= 75, Medium 25-74, Low < 25, on the score. */
export const DEFAULT_BUCKETS: BucketRule = { on: "score", high: 75, medium: 25 };

/** Scores of a population, index-aligned with the probabilities. */
export interface Scores {
  probability: Float64Array;
  score: Uint8Array;
  percentile: Uint8Array;
  /** Index into BUCKETS (0 = High). */
  bucket: Uint8Array;
}

/** Scores everyone from their calibrated probabilities. */
export function scorePeople(probability: Float64Array, rule: BucketRule = DEFAULT_BUCKETS): Scores {
  const n = probability.length;
  const score = new Uint8Array(n);
  const percentile = new Uint8Array(n);
  const bucket = new Uint8Array(n);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    order[i] = i;
    score[i] = Math.round(100 * Math.min(1, Math.max(0, probability[i]!)));
  }
  order.sort((a, b) => probability[a]! - probability[b]! || a - b);
  // Walk up in blocks of tied probabilities: everyone in a block has the same count at or below.
  for (let start = 0; start < n; ) {
    let end = start;
    while (end < n && probability[order[end]!] === probability[order[start]!]) end++;
    const p = Math.max(1, Math.ceil((100 * end) / n));
    for (let k = start; k < end; k++) percentile[order[k]!] = p;
    start = end;
  }
  for (let i = 0; i < n; i++) {
    const value = rule.on === "score" ? score[i]! : percentile[i]!;
    bucket[i] = value >= rule.high ? 0 : value >= rule.medium ? 1 : 2;
  }
  return { probability, score, percentile, bucket };
}
