/**
 * Counts from a sample of the people, scaled to everyone, with their uncertainty.
 *
 * Above a size (`CUSTOMER_AI_SAMPLE_ABOVE`, loaders/site/sample.ts) the site's people table holds a person-hash
 * sample: each scored person is in it when a hash of their id falls below a rate r, independently of everything the
 * pages filter on. Of the M people scored, m are in the sample (m is about rM). A filter keeps k of the sample.
 *
 * - The count of everyone the filter keeps is estimated by N̂ = M·k/m (the ratio estimator: with no filter it gives
 *   M exactly). For small shares k/m this is k/r, as for any Bernoulli sample.
 * - Its variance: k is binomial over the N matching people, Var(k) = N r (1 - r), so Var(N̂) = N (1 - r) / r, which
 *   with N ≈ N̂ is k (1 - r) / r². Written for the share p = k/m of a sample drawn from a finite population:
 *   Var(p̂) = (1 - r) p (1 - p) / m, the binomial variance with the finite-population correction 1 - r (no
 *   uncertainty when everyone is in the sample). The interval is Wilson's score interval for p with m/(1 - r)
 *   trials, times M: it stays inside [0, M] and is sensible for k = 0 (up to about 3.8/r, where the plain
 *   normal interval would be 0 to 0).
 * - A total over the matching people (expected outcomes Σp, expected value) is estimated the same way: Ŷ = M·ȳ, with
 *   ȳ the mean over the sample of y (y = the person's value when they match, 0 otherwise) and Var(Ŷ) = M² (1 - r)
 *   s²/m, s² the sample variance of y. For the expected number reaching the goal the outcome's own chance adds
 *   Σ p(1 - p) over the matching people, estimated as (M/m) Σ_sample p(1 - p).
 *
 * Pure logic, unit-tested in Node (test/site/sample.test.ts).
 */
import type { SampleInfo } from "../loaders/contract/schema.js";
import { formatCount, formatPercent } from "./format.js";

/** The level of the count's interval. */
export const INTERVAL_LEVEL = 0.95;
const Z95 = 1.959963984540054;

/** A count estimated from the sample: the estimate and its 95% interval (people of the whole population). */
export interface CountEstimate {
  estimate: number;
  low: number;
  high: number;
}

/** The count of everyone a filter keeps, from `k` of the sample's `m` people (see the module's comment). */
export function estimateCount(k: number, sample: Pick<SampleInfo, "people" | "total" | "rate">): CountEstimate {
  const { people: m, total: M } = sample;
  if (m <= 0) return { estimate: 0, low: 0, high: M };
  const fpc = Math.max(0, 1 - Math.min(1, m / M));
  const p = k / m;
  if (fpc === 0) return { estimate: k, low: k, high: k };
  const n = m / fpc;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Wilson's bounds are 0 for k = 0 and 1 for k = m exactly; the arithmetic leaves a hair.
  return {
    estimate: M * p,
    low: k === 0 ? 0 : Math.max(0, M * (centre - half)),
    high: k === m ? M : Math.min(M, M * (centre + half)),
  };
}

/**
 * A total over the people a filter keeps, from the sample: `sum` and `sumSquares` of the value over the k matching
 * sample people (the others count 0), out of the sample's m; its standard error (sampling only).
 */
export function estimateTotal(
  sum: number,
  sumSquares: number,
  sample: Pick<SampleInfo, "people" | "total">,
): { estimate: number; se: number } {
  const { people: m, total: M } = sample;
  if (m <= 1) return { estimate: m === 1 ? M * sum : 0, se: 0 };
  const fpc = Math.max(0, 1 - m / M);
  const mean = sum / m;
  const s2 = Math.max(0, (sumSquares - m * mean * mean) / (m - 1));
  return { estimate: M * mean, se: M * Math.sqrt((fpc * s2) / m) };
}

/** The expected number reaching the goal among everyone a segment keeps, and a range at `level` that covers both the
 * sample and the outcome's chance. From the sample's Σp, Σp(1 - p) over the k matching people. */
export function estimateOutcomes(
  moments: { expected: number; variance: number },
  sample: Pick<SampleInfo, "people" | "total">,
  people: CountEstimate,
  level = 0.9,
): { expected: number; low: number; high: number } {
  const sumSquares = moments.expected - moments.variance; // Σp² = Σp - Σp(1 - p)
  const { estimate, se } = estimateTotal(moments.expected, sumSquares, sample);
  const chance = (sample.total / Math.max(1, sample.people)) * moments.variance;
  const z = normalQuantile(0.5 + level / 2);
  const half = z * Math.sqrt(se * se + chance);
  return { expected: estimate, low: Math.max(0, estimate - half), high: Math.min(people.high, estimate + half) };
}

/** The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(q: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (q < low) {
    const t = Math.sqrt(-2 * Math.log(q));
    return (
      (((((c[0]! * t + c[1]!) * t + c[2]!) * t + c[3]!) * t + c[4]!) * t + c[5]!) /
      ((((d[0]! * t + d[1]!) * t + d[2]!) * t + d[3]!) * t + 1)
    );
  }
  if (q > 1 - low) return -normalQuantile(1 - q);
  const t = q - 0.5;
  const r = t * t;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * t) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** A large count in words: "1.2 million", "480,000", "9,500"; estimates are rounded to what the sample supports. */
export function roundedCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : n >= 1e7 ? 1 : 2).replace(/\.?0+$/, "")} million`;
  if (n >= 1e4) return formatCount(Math.round(n / 1000) * 1000);
  if (n >= 1e3) return formatCount(Math.round(n / 100) * 100);
  return formatCount(Math.round(n));
}

/** The sample in words: "a 4.7% sample of 10.6 million people", "a 21% sample of 9,177 people". */
export function sampleWords(sample: Pick<SampleInfo, "people" | "total">): string {
  return `a ${formatPercent(sample.people / sample.total)} sample of ${sample.total >= 1e6 ? roundedCount(sample.total) : formatCount(sample.total)} people`;
}

/** An estimated count in words: "about 1.2 million people (1.18 million to 1.22 million)". */
export function estimateWords(count: CountEstimate, noun = "people"): string {
  return `about ${roundedCount(count.estimate)} ${noun} (${roundedCount(count.low)} to ${roundedCount(count.high)})`;
}
