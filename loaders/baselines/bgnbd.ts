/**
 * The BG/NBD ("beta-geometric / negative binomial distribution") buy-till-you-die model of Fader, Hardie and Lee
 * (2005), "Counting Your Customers the Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2).
 *
 * While alive, a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha) (shape r, rate alpha); after
 * every repeat purchase they drop out for good with probability p ~ Beta(a, b). From the summary (x, tx, T) of each
 * person the parameters are fitted by maximum likelihood (eq. 6 of the paper) and each person gets P(alive), the
 * expected number of purchases in the next t (eq. 10) and P(at least one purchase in the next t).
 *
 * Numerics:
 * - everything is in logs; Gamma-function ratios of integer shifts (the repeat counts) are sums of logs, which
 *   stay exact for a tiny a or a huge b; non-integer shifts use a log-gamma accurate to ~1e-15;
 * - the likelihood's two terms are combined by log-sum-exp; its gradient is analytic;
 * - the optimiser is a projected BFGS on log-parameters inside bounds (log r, log alpha in [-10, 10]; log a,
 *   log b in [-20, 20]) with an Armijo line search and restarts, so data where nobody drops out (a -> 0,
 *   b -> infinity) ends at finite parameters instead of throwing; it is deterministic;
 * - eq. 10's 2F1(r+x, b+x; a+b+x-1; z) is evaluated after Euler's transformation as a series of positive terms in
 *   z = t / (alpha + T + t) that has no pole at a = 1 and no cancellation when b is huge (see `conditionalSeries`);
 *   for a large a (the other way the fit can say "nobody drops out": a, b -> infinity) the same expectation is
 *   integrated over the Beta posterior of p by quadrature (see `conditionalQuadrature`).
 *
 * Speed: rows sharing (x, tx, T) are merged first. Fitting 100,000 simulated people (all rows distinct, CDNOW-like
 * or loyal parameters, 20-25 BFGS iterations, ~20 likelihood evaluations) takes 0.2-0.3 s on one core of the
 * development machine (Node 20), about half of it merging rows; with tx and T rounded to days, 0.15-0.25 s.
 * bgnbdPredict for them takes about 0.04 s.
 */

/** Per-person buy-till-you-die summary at a cutoff, all in the same time unit (the caller uses weeks). */
export interface BtydSummary {
  /** Repeat transactions: number of distinct transaction periods after the first (0 for one-time buyers). */
  x: ArrayLike<number>;
  /** Time of the last transaction since the first (0 when x = 0). */
  tx: ArrayLike<number>;
  /** Age: time from the first transaction to the cutoff (T >= tx). */
  T: ArrayLike<number>;
}

/** BG/NBD parameters: purchase rates ~ Gamma(r, alpha) (alpha is a rate, in 1 / time unit); dropout ~ Beta(a, b). */
export interface BgnbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** A maximum-likelihood fit. */
export interface BgnbdFit {
  params: BgnbdParams;
  /** Total (weighted) log-likelihood at `params` (eq. 6, no constant dropped). */
  logLikelihood: number;
  /** Optimiser iterations, over all restarts. */
  iterations: number;
  /** Whether the projected gradient (or the change of the objective) fell below tolerance. */
  converged: boolean;
  /** Valid rows used (rows merged because they share (x, tx, T) still count one each). */
  people: number;
}

/** Bounds of the log-parameters (log r, log alpha, log a, log b). */
const LOWER = [-10, -10, -20, -20];
const UPPER = [10, 10, 20, 20];
/** Largest integer jump between consecutive repeat counts summed term by term (larger jumps use log-gamma). */
const MAX_STEP_SUM = 4096;
/** Term cap of the hypergeometric series. */
const MAX_TERMS = 10_000_000;

// ---------------------------------------------------------------------------------------------------------------
// Special functions

/** Lanczos coefficients (g = 7, n = 9). */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log |Gamma(x)|: Stirling's series for x >= 10, Lanczos (g = 7) below, the reflection formula for x < 0.5.
 * Absolute error ~1e-15 (relative ~1e-15 away from the zeros at x = 1 and 2).
 */
export function logGamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0.5) {
    const s = Math.sin(Math.PI * x);
    return s === 0 ? Infinity : Math.log(Math.PI / Math.abs(s)) - logGamma(1 - x);
  }
  if (x >= 10) {
    const y = 1 / (x * x);
    const series =
      (1 / 12 - y * (1 / 360 - y * (1 / 1260 - y * (1 / 1680 - y * (1 / 1188 - y * (691 / 360360 - y / 156)))))) / x;
    return (x - 0.5) * Math.log(x) - x + HALF_LOG_TWO_PI + series;
  }
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Digamma psi(x) = log Gamma'(x): recurrence up to x >= 10, then the asymptotic series; reflection at x <= 0. */
export function digamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) {
    if (Number.isInteger(x)) return NaN;
    return digamma(1 - x) - Math.PI / Math.tan(Math.PI * x);
  }
  let shift = 0;
  while (x < 10) {
    shift -= 1 / x;
    x += 1;
  }
  const y = 1 / (x * x);
  const series = y * (1 / 12 - y * (1 / 120 - y * (1 / 252 - y * (1 / 240 - y * (1 / 132 - y * (691 / 32760))))));
  return shift + Math.log(x) - 0.5 / x - series;
}

/** True for 0, -1, -2, ... (where a hypergeometric series terminates, or where c makes it undefined). */
function nonPositiveInteger(v: number): boolean {
  return v <= 0 && Number.isInteger(v);
}

/** The 2F1 power series at 0 <= |z| < 1, summed until the tail bound |term| rho / (1 - rho) is below 1e-16 |sum|. */
function hyp2f1Series(a: number, b: number, c: number, z: number): number {
  const settled = Math.max(Math.abs(a), Math.abs(b), Math.abs(c)) + 2;
  let term = 1;
  let sum = 1;
  for (let n = 0; n < MAX_TERMS; n++) {
    const denominator = (c + n) * (n + 1);
    if (denominator === 0) return NaN;
    const ratio = ((a + n) * (b + n) * z) / denominator;
    term *= ratio;
    sum += term;
    if (term === 0) return sum;
    if (!Number.isFinite(sum)) return NaN;
    const rho = Math.max(Math.abs(ratio), Math.abs(z));
    if (n >= settled && rho < 1 && Math.abs(term) * rho <= 1e-16 * (1 - rho) * Math.abs(sum)) return sum;
  }
  return NaN;
}

/** 2F1 at 0 <= z < 1: the series, after Euler's transformation when c - a - b < 0 (so the terms decay faster). */
function hyp2f1Positive(a: number, b: number, c: number, z: number): number {
  const s = c - a - b;
  if (s < 0 && !nonPositiveInteger(a) && !nonPositiveInteger(b) && !nonPositiveInteger(c - a) && z > 0.1) {
    return Math.exp(s * Math.log1p(-z)) * hyp2f1Series(c - a, c - b, c, z);
  }
  return hyp2f1Series(a, b, c, z);
}

/**
 * Gaussian hypergeometric function 2F1(a, b; c; z) for real z < 1. Negative z goes through Pfaff's transformation
 * 2F1(a, b; c; z) = (1 - z)^(-a) 2F1(a, c - b; c; z / (z - 1)) to an argument in (0, 1); there the power series is
 * summed (after Euler's transformation (1 - z)^(c-a-b) 2F1(c - a, c - b; c; z) when c - a - b < 0) until a bound on
 * its tail is below 1e-16 of the sum. Cost grows like 37 / (1 - w) terms for the final argument w (3,700 at 0.99),
 * so use it for z in about [-100, 0.999]; NaN when z >= 1, when c is a pole (0, -1, ...) the series reaches, or
 * when the series does not settle within 1e7 terms. Relative error ~1e-14 when the terms do not cancel.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(c) || !(z < 1)) return NaN;
  if (z === 0 || a === 0 || b === 0) return 1;
  if (z > 0) return hyp2f1Positive(a, b, c, z);
  const w = z / (z - 1);
  const log1mz = Math.log1p(-z);
  // Keep a terminating (polynomial) parameter in the transformed series when there is one.
  if (nonPositiveInteger(b) && !nonPositiveInteger(a)) return Math.exp(-b * log1mz) * hyp2f1Positive(c - a, b, c, w);
  return Math.exp(-a * log1mz) * hyp2f1Positive(a, c - b, c, w);
}

// ---------------------------------------------------------------------------------------------------------------
// Predictions

/** Log-odds of "dropped out" against "alive": log(a / (b + x - 1)) + (r + x) log((alpha + T) / (alpha + tx)). */
function logDeadOdds(p: BgnbdParams, x: number, tx: number, T: number): number {
  return Math.log(p.a / (p.b + x - 1)) + (p.r + x) * Math.log1p((T - tx) / (p.alpha + tx));
}

/** P(alive at T | x, tx, T) = 1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + tx))^(r + x)); 1 when x = 0. */
export function probabilityAlive(p: BgnbdParams, x: number, tx: number, T: number): number {
  if (Number.isNaN(x) || Number.isNaN(tx) || Number.isNaN(T)) return NaN;
  if (x === 0) return 1;
  return 1 / (1 + Math.exp(logDeadOdds(p, x, tx, T)));
}

/**
 * sum_{n >= 1} delta_n (a)_(n-1) z^n / n!, with delta_n = c - (c - A)_n / (c + 1)_(n-1), computed by the recurrences
 * P_1 = 1, Q_1 = 0, P_(n+1) = P_n (1 - A / (c + n)), Q_(n+1) = Q_n + P_n A / (c + n), delta_n = c Q_n + A P_n.
 *
 * With A = r + x, c = a + b + x - 1: Euler's transformation gives (1 - z)^A 2F1(A, b + x; c; z) =
 * (1 - z)^(a-1) 2F1(c - A, a - 1; c; z), and c (1 - that) / (a - 1) = (1 - z)^(a-1) times this series. The terms
 * are positive when a + b > r (no cancellation, even for a near 1 or a huge b) and decay like z^n n^(a-2).
 */
function conditionalSeries(A: number, a: number, c: number, z: number): number {
  let P = 1;
  let Q = 0;
  let m = z; // (a)_(n-1) z^n / n!
  let sum = 0;
  let quiet = 0;
  // Past n = a - 2 the ratio of m falls towards z; past n = A - c the factors 1 - A / (c + n) are in (0, 1), so P
  // keeps its sign and delta_n is monotone. |c Q| + |A P| bounds |delta_n| without cancelling where delta_n = 0.
  const settled = Math.max(a, A - c) + 2;
  for (let n = 1; n < MAX_TERMS; n++) {
    sum += (c * Q + A * P) * m;
    const size = (Math.abs(c * Q) + Math.abs(A * P)) * m;
    const q = A / (c + n);
    Q += P * q;
    P -= P * q;
    const ratio = ((a + n - 1) * z) / (n + 1);
    m *= ratio;
    const rho = Math.max(ratio, z);
    quiet = n >= settled && rho < 1 && size * rho <= 1e-16 * (1 - rho) * Math.abs(sum) ? quiet + 1 : 0;
    if (quiet >= 2) break;
  }
  return sum;
}

/**
 * E[(1 - (1 + p k)^(-A)) / p] for p ~ Beta(a, B): the expected purchases in the next t = k (alpha + T) of a customer
 * alive at T, with the rate ~ Gamma(A, alpha + T) integrated out (eq. 10 without its P(alive) factor). Trapezoid rule
 * in eta = logit(p), where the Beta density is log-concave and the integrand analytic in the strip |Im eta| < pi, so
 * the rule converges geometrically; the step is a third of the density's width (at most 0.25) and the range reaches
 * where the density has fallen by e^-40. Used for large a, where the series needs about a k terms; agrees with it
 * to ~1e-14 where both apply.
 */
function conditionalQuadrature(A: number, a: number, B: number, k: number): number {
  const mode = Math.log(a / B);
  const share = a / (a + B); // p at the mode
  // log density relative to the mode, as a function of d = eta - mode (no cancellation of the large a d terms).
  const drop = (d: number) => a * d - (a + B) * Math.log1p(share * Math.expm1(d));
  const width = Math.sqrt(1 / a + 1 / B);
  const reach = (direction: number) => {
    let d = 8 * width;
    while (drop(direction * d) > -40 && d < 1e4) d *= 2;
    return direction * d;
  };
  const lo = reach(-1);
  const hi = reach(1);
  const n = Math.min(20_000, Math.ceil((hi - lo) / Math.min(width / 3, 0.25)));
  const h = (hi - lo) / n;
  let numerator = 0;
  let denominator = 0;
  for (let i = 0; i <= n; i++) {
    const d = lo + i * h;
    const weight = Math.exp(drop(d));
    if (weight === 0) continue;
    const p = 1 / (1 + Math.exp(-(mode + d)));
    numerator += (weight * -Math.expm1(-A * Math.log1p(p * k))) / p;
    denominator += weight;
  }
  return numerator / denominator;
}

/**
 * Conditional expected number of transactions in (T, T + t] given (x, tx, T) (eq. 10):
 * (a + b + x - 1) / (a - 1) [1 - ((alpha + T) / (alpha + T + t))^(r + x) 2F1(r + x, b + x; a + b + x - 1; z)] / (1 +
 * [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + tx))^(r + x)) with z = t / (alpha + T + t). Evaluated in the
 * cancellation-free form of `conditionalSeries` (finite at a = 1 and for a tiny a or huge b); when a is large (the
 * series would need about a t / (alpha + T) terms, or overflow) as the equivalent
 * P(alive) E[(1 - (1 + p k)^-(r + x)) / p] over p ~ Beta(a, b + x), k = t / (alpha + T), by quadrature.
 * Relative error ~1e-12 (checked against 40-digit values); the series needs ~40 (1 + k) terms, so k is meant to
 * stay below ~1e5. 0 when t = 0; NaN for NaN or negative inputs.
 */
export function expectedTransactions(p: BgnbdParams, x: number, tx: number, T: number, t: number): number {
  if (!(x >= 0) || !(tx >= 0) || !(T >= 0) || !(t >= 0)) return NaN;
  if (t === 0) return 0;
  const k = t / (p.alpha + T);
  const log1pk = Math.log1p(k);
  const alive = probabilityAlive(p, x, tx, T);
  if (p.a > 2 && (p.a * k + 40 * (1 + k) > 20_000 || (p.a - 1) * log1pk > 500)) {
    return alive * conditionalQuadrature(p.r + x, p.a, p.b + x, k);
  }
  const series = conditionalSeries(p.r + x, p.a, p.a + p.b + x - 1, k / (1 + k));
  return Math.exp(-(p.a - 1) * log1pk) * series * alive;
}

/** P(at least one transaction in (T, T + t] | x, tx, T) = P(alive) * (1 - ((alpha + T) / (alpha + T + t))^(r + x)). */
export function probabilityAnyTransaction(p: BgnbdParams, x: number, tx: number, T: number, t: number): number {
  if (!(x >= 0) || !(tx >= 0) || !(T >= 0) || !(t >= 0)) return NaN;
  return probabilityAlive(p, x, tx, T) * -Math.expm1(-(p.r + x) * Math.log1p(t / (p.alpha + T)));
}

/** For every row: expected transactions in the next t and P(alive); NaN where the row has no summary (NaN x). */
export function bgnbdPredict(
  p: BgnbdParams,
  summary: BtydSummary,
  t: number,
): { expected: Float64Array; alive: Float64Array; anyTransaction: Float64Array } {
  const n = summary.x.length;
  const expected = new Float64Array(n);
  const alive = new Float64Array(n);
  const anyTransaction = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = summary.x[i]!;
    const tx = x === 0 ? 0 : summary.tx[i]!;
    const T = summary.T[i]!;
    expected[i] = expectedTransactions(p, x, tx, T, t);
    alive[i] = probabilityAlive(p, x, tx, T);
    anyTransaction[i] = probabilityAnyTransaction(p, x, tx, T, t);
    if (Number.isNaN(expected[i]!)) alive[i] = anyTransaction[i] = NaN;
  }
  return { expected, alive, anyTransaction };
}

// ---------------------------------------------------------------------------------------------------------------
// Likelihood

/** Weighted rows grouped by distinct repeat count (what the BG/NBD and Gamma-Gamma likelihoods sum over). */
export interface RepeatCountWeights {
  /** Distinct repeat counts, ascending. */
  xs: Float64Array;
  /** Total weight per distinct repeat count. */
  xWeight: Float64Array;
  /** Per row: index into xs. */
  k: Int32Array;
  /** Sum of the weights. */
  totalWeight: number;
}

/** Groups rows with repeat counts `x` and weights `w` by distinct repeat count (sums in row order). */
export function weightsByRepeatCount(x: ArrayLike<number>, w: ArrayLike<number>): RepeatCountWeights {
  const xs = Float64Array.from(new Set(Array.from(x))).sort();
  const position = new Map<number, number>();
  xs.forEach((v, j) => position.set(v, j));
  const k = Int32Array.from(Array.from(x), (v) => position.get(v)!);
  const xWeight = new Float64Array(xs.length);
  let totalWeight = 0;
  for (let i = 0; i < k.length; i++) {
    xWeight[k[i]!]! += w[i]!;
    totalWeight += w[i]!;
  }
  return { xs, xWeight, k, totalWeight };
}

/** Valid rows with equal (x, tx, T) merged, grouped by distinct repeat count (`k` indexes the merged rows). */
interface Prepared extends RepeatCountWeights {
  tx: Float64Array;
  T: Float64Array;
  w: Float64Array;
  people: number;
}

/** Skips invalid rows (NaN, T <= 0, x < 0, 0 < x < 1, weight <= 0), clamps tx to [0, T] and merges equal rows. */
function prepare(summary: BtydSummary, weights?: ArrayLike<number>): Prepared {
  const n = summary.x.length;
  if (summary.tx.length !== n || summary.T.length !== n || (weights && weights.length !== n)) {
    throw new RangeError("bgnbd: x, tx, T (and weights) must have the same length");
  }
  const index = new Map<string, number>();
  const rows: { x: number[]; tx: number[]; T: number[]; w: number[] } = { x: [], tx: [], T: [], w: [] };
  let people = 0;
  for (let i = 0; i < n; i++) {
    const x = summary.x[i]!;
    const T = summary.T[i]!;
    const w = weights ? weights[i]! : 1;
    if (!(x >= 0 && Number.isFinite(x)) || (x > 0 && x < 1) || !(T > 0 && Number.isFinite(T)) || !(w > 0)) continue;
    const rawTx = summary.tx[i]!;
    if (Number.isNaN(rawTx)) continue;
    const tx = x === 0 ? 0 : Math.min(Math.max(rawTx, 0), T);
    people++;
    const key = `${x},${tx},${T}`;
    const j = index.get(key);
    if (j !== undefined) {
      rows.w[j]! += w;
      continue;
    }
    index.set(key, rows.x.length);
    rows.x.push(x);
    rows.tx.push(tx);
    rows.T.push(T);
    rows.w.push(w);
  }
  const [tx, T, w] = [Float64Array.from(rows.tx), Float64Array.from(rows.T), Float64Array.from(rows.w)];
  return { ...weightsByRepeatCount(rows.x, w), tx, T, w, people };
}

/** Per distinct repeat count x: the parts of eq. 6 that depend on x only, and their derivatives. */
interface CountTerms {
  /** log Gamma(r + x) - log Gamma(r), and its r-derivative psi(r + x) - psi(r). */
  lgr: Float64Array;
  dgr: Float64Array;
  /** log B(a, b + x) - log B(a, b), and its a- and b-derivatives. */
  lb: Float64Array;
  lbA: Float64Array;
  lbB: Float64Array;
  /** log(a / (b + x - 1)) for x > 0. */
  c4: Float64Array;
}

/** Fills the per-count terms, summing logs between consecutive integer counts (exact for tiny a and huge b). */
function countTerms(xs: Float64Array, r: number, a: number, b: number): CountTerms {
  const K = xs.length;
  const out: CountTerms = {
    lgr: new Float64Array(K),
    dgr: new Float64Array(K),
    lb: new Float64Array(K),
    lbA: new Float64Array(K),
    lbB: new Float64Array(K),
    c4: new Float64Array(K),
  };
  let prev = 0;
  let lgr = 0;
  let dgr = 0;
  let lb = 0;
  let lbA = 0;
  let lbB = 0;
  for (let i = 0; i < K; i++) {
    const x = xs[i]!;
    if (Number.isInteger(x) && Number.isInteger(prev) && x - prev <= MAX_STEP_SUM) {
      for (let j = prev; j < x; j++) {
        lgr += Math.log(r + j);
        dgr += 1 / (r + j);
        lb -= Math.log1p(a / (b + j));
        lbA -= 1 / (a + b + j);
        lbB += a / ((b + j) * (a + b + j));
      }
    } else {
      lgr = logGamma(r + x) - logGamma(r);
      dgr = digamma(r + x) - digamma(r);
      lb = logGamma(b + x) - logGamma(b) - logGamma(a + b + x) + logGamma(a + b);
      lbA = digamma(a + b) - digamma(a + b + x);
      lbB = digamma(b + x) - digamma(b) - digamma(a + b + x) + digamma(a + b);
    }
    prev = x;
    out.lgr[i] = lgr;
    out.dgr[i] = dgr;
    out.lb[i] = lb;
    out.lbA[i] = lbA;
    out.lbB[i] = lbB;
    out.c4[i] = x > 0 ? Math.log(a / (b + x - 1)) : 0;
  }
  return out;
}

/**
 * Total log-likelihood (eq. 6) at exp(theta) = (r, alpha, a, b), writing its gradient with respect to theta
 * (the log-parameters) into `grad`. Per person:
 * log Gamma(r + x) - log Gamma(r) + r log alpha + log B(a, b + x) - log B(a, b)
 *   + logsumexp(-(r + x) log(alpha + T), [x > 0] (log(a / (b + x - 1)) - (r + x) log(alpha + tx))).
 */
function logLikelihood(d: Prepared, theta: ArrayLike<number>, grad: Float64Array): number {
  const [r, alpha, a, b] = Array.from(theta, Math.exp) as [number, number, number, number];
  const ct = countTerms(d.xs, r, a, b);
  const logAlpha = Math.log(alpha);
  const w4ByCount = new Float64Array(d.xs.length);
  let sumTail = 0;
  let sumR = 0;
  let sumAlpha = 0;
  for (let i = 0; i < d.w.length; i++) {
    const k = d.k[i]!;
    const x = d.xs[k]!;
    const w = d.w[i]!;
    const A = r + x;
    const lT = Math.log(alpha + d.T[i]!);
    const u3 = -A * lT;
    if (x === 0) {
      sumTail += w * u3;
      sumR += w * lT;
      sumAlpha += (w * A) / (alpha + d.T[i]!);
      continue;
    }
    const ltx = Math.log(alpha + d.tx[i]!);
    const u4 = ct.c4[k]! - A * ltx;
    const e = Math.exp(-Math.abs(u3 - u4));
    const w3 = u3 >= u4 ? 1 / (1 + e) : e / (1 + e);
    const w4 = 1 - w3;
    sumTail += w * (Math.max(u3, u4) + Math.log1p(e));
    sumR += w * (w3 * lT + w4 * ltx);
    sumAlpha += w * A * (w3 / (alpha + d.T[i]!) + w4 / (alpha + d.tx[i]!));
    w4ByCount[k]! += w * w4;
  }
  let total = sumTail;
  let gR = -sumR;
  let gA = 0;
  let gB = 0;
  for (let k = 0; k < d.xs.length; k++) {
    const wk = d.xWeight[k]!;
    total += wk * (ct.lgr[k]! + r * logAlpha + ct.lb[k]!);
    gR += wk * (ct.dgr[k]! + logAlpha);
    gA += wk * ct.lbA[k]! + w4ByCount[k]! / a;
    gB += wk * ct.lbB[k]! - (d.xs[k]! > 0 ? w4ByCount[k]! / (b + d.xs[k]! - 1) : 0);
  }
  grad[0] = r * gR;
  grad[1] = alpha * ((d.totalWeight * r) / alpha - sumAlpha);
  grad[2] = a * gA;
  grad[3] = b * gB;
  return total;
}

/** Total (weighted) BG/NBD log-likelihood (eq. 6) at `p` of the rows of `summary` that `fitBgnbd` would use. */
export function bgnbdLogLikelihood(p: BgnbdParams, summary: BtydSummary, weights?: ArrayLike<number>): number {
  const theta = [p.r, p.alpha, p.a, p.b].map(Math.log);
  return logLikelihood(prepare(summary, weights), theta, new Float64Array(4));
}

// ---------------------------------------------------------------------------------------------------------------
// Optimiser

/** Objective to minimise: returns f(x) and writes its gradient into g. */
export type Objective = (x: Float64Array, g: Float64Array) => number;

/** Lower and upper bounds of each coordinate. */
export interface Box {
  lo: readonly number[];
  hi: readonly number[];
}

/** Where `minimiseInBox` ended: the point, the objective there, iterations over all runs, and convergence. */
export interface BoxResult {
  x: Float64Array;
  f: number;
  iterations: number;
  converged: boolean;
}

/** Gradient components that can still move x inside [lo, hi] (0 for a coordinate held at its bound). */
function projectedGradient(x: Float64Array, g: Float64Array, { lo, hi }: Box): Float64Array {
  return g.map((gi, i) => ((x[i]! <= lo[i]! && gi > 0) || (x[i]! >= hi[i]! && gi < 0) ? 0 : gi));
}

/** Rank-two BFGS update of the inverse-Hessian approximation H (row-major n x n) with step s and gradient change y. */
function updateInverseHessian(H: Float64Array, s: Float64Array, y: Float64Array): void {
  const n = s.length;
  let sy = 0;
  let yy = 0;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    sy += s[i]! * y[i]!;
    yy += y[i]! * y[i]!;
    ss += s[i]! * s[i]!;
  }
  if (!(sy > 1e-12 * Math.sqrt(yy * ss))) return;
  const Hy = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Hy[i]! += H[i * n + j]! * y[j]!;
  let yHy = 0;
  for (let i = 0; i < n; i++) yHy += y[i]! * Hy[i]!;
  const rho = 1 / sy;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      H[i * n + j]! += rho * ((1 + rho * yHy) * s[i]! * s[j]! - Hy[i]! * s[j]! - s[i]! * Hy[j]!);
    }
  }
}

/** One BFGS run from x0 with H = I (scaled after the first step) until convergence, a failed line search or maxIter. */
function bfgsRun(fn: Objective, x0: Float64Array, box: Box, maxIter: number): BoxResult {
  const n = x0.length;
  const clamp = (v: Float64Array) => v.map((vi, i) => Math.min(box.hi[i]!, Math.max(box.lo[i]!, vi)));
  let x = clamp(x0);
  let g = new Float64Array(n);
  let f = fn(x, g);
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) H[i * n + i] = 1;
  let flat = 0;
  for (let iter = 0; iter < maxIter; iter++) {
    const pg = projectedGradient(x, g, box);
    if (Math.max(...pg.map(Math.abs)) < 1e-9) return { x, f, iterations: iter, converged: true };
    const d = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) d[i]! -= pg[i] === 0 ? 0 : H[i * n + j]! * pg[j]!;
    let slope = d.reduce((s, di, i) => s + di * pg[i]!, 0);
    if (!(slope < 0)) {
      pg.forEach((gi, i) => (d[i] = -gi));
      H.fill(0);
      for (let i = 0; i < n; i++) H[i * n + i] = 1;
      slope = d.reduce((s, di, i) => s + di * pg[i]!, 0);
    }
    // The predicted decrease is below what f can resolve: a line search could only chase rounding noise.
    if (-slope < 1e-14 * Math.max(1, Math.abs(f))) return { x, f, iterations: iter, converged: true };
    const longest = Math.max(...d.map(Math.abs));
    let step = Math.min(1, (iter === 0 ? 1 : 3) / longest);
    let xNew = x;
    let gNew = new Float64Array(n);
    let fNew = Infinity;
    for (let tries = 0; tries < 40; tries++, step *= 0.5) {
      xNew = clamp(x.map((xi, i) => xi + step * d[i]!));
      fNew = fn(xNew, gNew);
      const decrease = xNew.reduce((s, xi, i) => s + g[i]! * (xi - x[i]!), 0);
      if (fNew <= f + 1e-4 * Math.min(decrease, 0)) break;
    }
    if (!(fNew <= f)) return { x, f, iterations: iter + 1, converged: Math.max(...pg.map(Math.abs)) < 1e-6 };
    const s = xNew.map((xi, i) => xi - x[i]!);
    const y = gNew.map((gi, i) => gi - g[i]!);
    if (iter === 0) {
      const sy = s.reduce((acc, si, i) => acc + si * y[i]!, 0);
      const yy = y.reduce((acc, yi) => acc + yi * yi, 0);
      if (sy > 0 && yy > 0) H.forEach((_, i) => (H[i] = i % (n + 1) === 0 ? sy / yy : 0));
    }
    updateInverseHessian(H, s, y);
    flat = f - fNew <= 1e-15 * Math.max(1, Math.abs(f)) ? flat + 1 : 0;
    [x, g, f] = [xNew, gNew, fNew];
    if (flat >= 3) return { x, f, iterations: iter + 1, converged: true };
  }
  return { x, f, iterations: maxIter, converged: false };
}

/** Projected BFGS with restarts (fresh H) while a restart still improves the objective; deterministic. */
export function minimiseInBox(fn: Objective, x0: Float64Array, box: Box, maxIter: number): BoxResult {
  let best = bfgsRun(fn, x0, box, maxIter);
  let iterations = best.iterations;
  for (let restart = 0; restart < 3 && iterations < maxIter; restart++) {
    const next = bfgsRun(fn, best.x, box, maxIter - iterations);
    iterations += next.iterations;
    const improved = next.f < best.f - 1e-12 * Math.max(1, Math.abs(best.f));
    if (next.f <= best.f) best = next;
    if (!improved) break;
  }
  return { ...best, iterations };
}

/**
 * Maximum-likelihood fit (Fader, Hardie and Lee 2005, eq. 6), optimised over log-parameters with bounds so that
 * data with nobody dropping out (a -> 0, b -> large) still returns finite parameters and never throws. Rows whose
 * x, tx or T is NaN or whose T <= 0 are skipped (so are rows with x < 0, 0 < x < 1 or weight <= 0; tx is clamped
 * to [0, T]). Optional per-row weights. Deterministic. With no valid row, returns r = alpha = a = b = 1,
 * converged = false. Throws only when the arrays' lengths differ.
 */
export function fitBgnbd(
  summary: BtydSummary,
  options: { weights?: ArrayLike<number>; maxIterations?: number } = {},
): BgnbdFit {
  const d = prepare(summary, options.weights);
  if (d.people === 0) {
    return { params: { r: 1, alpha: 1, a: 1, b: 1 }, logLikelihood: 0, iterations: 0, converged: false, people: 0 };
  }
  // Start at r = a = b = 1 with the mean purchase rate r / alpha = sum(w x) / sum(w T).
  let wx = 0;
  let wT = 0;
  for (let i = 0; i < d.w.length; i++) {
    wx += d.w[i]! * d.xs[d.k[i]!]!;
    wT += d.w[i]! * d.T[i]!;
  }
  const start = Float64Array.of(0, Math.log(wT / Math.max(wx, 0.01 * d.totalWeight)), 0, 0);
  const scale = 1 / d.totalWeight;
  const objective: Objective = (theta, g) => {
    const ll = logLikelihood(d, theta, g);
    for (let i = 0; i < g.length; i++) g[i] = -g[i]! * scale;
    return Number.isNaN(ll) ? Infinity : -ll * scale;
  };
  const result = minimiseInBox(objective, start, { lo: LOWER, hi: UPPER }, options.maxIterations ?? 500);
  const [r, alpha, a, b] = Array.from(result.x, Math.exp) as [number, number, number, number];
  return {
    params: { r, alpha, a, b },
    logLikelihood: -result.f / scale,
    iterations: result.iterations,
    converged: result.converged,
    people: d.people,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Simulation

/** Draws of log Gamma(shape, 1) variates (Marsaglia and Tsang 2000; shape < 1 boosted) and normals from uniforms. */
export function gammaSampler(uniform: () => number): (shape: number) => number {
  let spare = NaN;
  const normal = (): number => {
    if (!Number.isNaN(spare)) {
      const z = spare;
      spare = NaN;
      return z;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
  const logGammaDraw = (shape: number): number => {
    if (shape < 1) return logGammaDraw(shape + 1) + Math.log(1 - uniform()) / shape;
    const dd = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * dd);
    for (;;) {
      const x = normal();
      let v = 1 + c * x;
      if (v <= 0) continue;
      v = v * v * v;
      const u = uniform();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + dd * (1 - v + Math.log(v))) {
        return Math.log(dd * v);
      }
    }
  };
  return logGammaDraw;
}

/** Largest number of purchases simulated for one customer (guards against absurd rates). */
const MAX_SIMULATED_PURCHASES = 1_000_000;

/**
 * Simulates n customers from the BG/NBD process observed for age T[i] and then for a further `holdout`: returns
 * their summaries at T[i], whether each was still alive at T[i] (1/0), and the number of purchases in
 * (T[i], T[i] + holdout]. Uses the seeded generator passed in (uniforms in [0, 1)); deterministic given it.
 */
export function simulateBgnbdHoldout(
  p: BgnbdParams,
  T: ArrayLike<number>,
  holdout: number,
  uniform: () => number,
): { x: Float64Array; tx: Float64Array; T: Float64Array; alive: Uint8Array; holdoutX: Float64Array } {
  const n = T.length;
  const out = {
    x: new Float64Array(n),
    tx: new Float64Array(n),
    T: Float64Array.from(T),
    alive: new Uint8Array(n),
    holdoutX: new Float64Array(n),
  };
  const logGammaDraw = gammaSampler(uniform);
  for (let i = 0; i < n; i++) {
    const age = out.T[i]!;
    const lambda = Math.exp(logGammaDraw(p.r)) / p.alpha;
    const dropout = 1 / (1 + Math.exp(logGammaDraw(p.b) - logGammaDraw(p.a)));
    let t = 0;
    let deathTime = Infinity;
    for (let purchases = 0; purchases < MAX_SIMULATED_PURCHASES; purchases++) {
      t -= Math.log(1 - uniform()) / lambda;
      if (!(t <= age + holdout)) break;
      if (t <= age) {
        out.x[i]!++;
        out.tx[i] = t;
      } else out.holdoutX[i]!++;
      if (uniform() < dropout) {
        deathTime = t;
        break;
      }
    }
    out.alive[i] = deathTime > age ? 1 : 0;
  }
  return out;
}

/**
 * Simulates n customers from the BG/NBD process with the given parameters, each observed for age T[i] from its
 * first transaction; returns their summaries. Uses the seeded generator passed in (a function returning uniforms in
 * [0,1)); pass a bound function, e.g. `() => rng.uniform()`.
 */
export function simulateBgnbd(
  p: BgnbdParams,
  T: ArrayLike<number>,
  uniform: () => number,
): { x: Float64Array; tx: Float64Array; T: Float64Array } {
  const { x, tx, T: ages } = simulateBgnbdHoldout(p, T, 0, uniform);
  return { x, tx, T: ages };
}
