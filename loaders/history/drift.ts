/**
 * Population stability: how far a distribution has moved between two runs. The population stability index (PSI)
 * compares the shares of people in bins set by the earlier run: sum over bins of (now - before) x ln(now / before).
 * Usual reading (Siddiqi, "Credit Risk Scorecards", 2006): below 0.1 stable, 0.1 to 0.25 worth watching, 0.25 or
 * more a shift large enough to retrain on.
 */

/** How much a distribution moved, in words a reader acts on. */
export type DriftLevel = "stable" | "watch" | "act";

/** PSI from which a shift is worth watching, and from which the model should be retrained. */
export const PSI_WATCH = 0.1;
export const PSI_ACT = 0.25;
/** Share given to a bin that is empty in one run, so the logarithm stays finite. */
const EMPTY_SHARE = 1e-4;
/** Bins of a numeric distribution: the earlier run's deciles. */
const BINS = 10;

/** The level of a PSI. */
export function driftLevel(psi: number): DriftLevel {
  return psi >= PSI_ACT ? "act" : psi >= PSI_WATCH ? "watch" : "stable";
}

/** Bin edges of a numeric distribution: its distinct deciles (NaN excluded). */
export function decileEdges(values: ArrayLike<number>): number[] {
  const sorted = Float64Array.from(values)
    .filter((v) => !Number.isNaN(v))
    .sort();
  if (sorted.length === 0) return [];
  const edges = new Set<number>();
  for (let k = 1; k < BINS; k++) edges.add(sorted[Math.floor((k * sorted.length) / BINS)]!);
  return [...edges].sort((a, b) => a - b);
}

/** Bin of a value: NaN first (bin 0), then by edges (bin i + 1 holds values below edge i; the last, the rest). */
function binOf(value: number, edges: readonly number[]): number {
  if (Number.isNaN(value)) return 0;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value < edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo + 1;
}

/** Shares of people per bin. */
function shares(values: ArrayLike<number>, bin: (v: number) => number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) counts[bin(values[i]!)]!++;
  return counts.map((c) => (values.length ? c / values.length : 0));
}

/** PSI between two sets of shares over the same bins. */
export function psiOfShares(before: readonly number[], now: readonly number[]): number {
  let psi = 0;
  for (let b = 0; b < before.length; b++) {
    if (before[b] === now[b]) continue;
    const e = Math.max(before[b]!, EMPTY_SHARE);
    const a = Math.max(now[b]!, EMPTY_SHARE);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

/**
 * PSI of a numeric feature or score between an earlier run (`before`) and a later one (`now`), in the earlier
 * run's decile bins, missing values (NaN) as a bin of their own. Identical distributions give exactly 0.
 */
export function numericPsi(before: ArrayLike<number>, now: ArrayLike<number>): number {
  const edges = decileEdges(before);
  const bin = (v: number) => binOf(v, edges);
  return psiOfShares(shares(before, bin, edges.length + 2), shares(now, bin, edges.length + 2));
}

/** PSI of a categorical feature (integer codes; NaN = missing) between two runs. */
export function categoricalPsi(before: ArrayLike<number>, now: ArrayLike<number>): number {
  const codes = new Map<number, number>();
  const bin = (v: number) => {
    const key = Number.isNaN(v) ? -1 : v;
    return codes.get(key) ?? codes.set(key, codes.size).get(key)!;
  };
  for (let i = 0; i < before.length; i++) bin(before[i]!);
  for (let i = 0; i < now.length; i++) bin(now[i]!);
  return psiOfShares(shares(before, bin, codes.size), shares(now, bin, codes.size));
}
