/**
 * The Gamma-Gamma spend model of Fader, Hardie and Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer
 * Base Analysis", Journal of Marketing Research 42(4), with the likelihood as Hardie's note 025 writes it ("The
 * Gamma-Gamma Model of Monetary Value").
 *
 * A customer's transaction amounts are independent Gamma(p, nu) draws (shape p, rate nu), so their mean spend per
 * transaction is p / nu; across customers nu ~ Gamma(q, gamma) (shape q, rate gamma). From each person's number x of
 * repeat transactions and their mean amount m the parameters are fitted by maximum likelihood, and each person gets
 * the expected amount of their next transactions, E[p / nu | x, m] = (gamma + m x) p / (p x + q - 1): a weighted
 * mean of their own m and the population mean p gamma / (q - 1). The model assumes the amounts do not depend on how
 * often a person buys (`spendFrequencyCorrelation` measures that on the data).
 *
 * Numerics: the fit runs on amounts divided by their mean (so the bounds are free of the currency's scale), over
 * log-parameters inside bounds (log p in [-10, 12], log q in [log 1.01, 20], log gamma in [-20, 25] in those
 * units) with the projected BFGS of `bgnbd.ts`. q is kept above 1 so that the population mean spend exists; a fit
 * that ends at a bound says so (`atBound`) instead of throwing. The log-gamma and digamma terms depend on a row only
 * through x, so they are computed once per distinct x: an evaluation costs one logarithm per row.
 */
import {
  type Objective,
  type RepeatCountWeights,
  digamma,
  gammaSampler,
  logGamma,
  minimiseInBox,
  weightsByRepeatCount,
} from "./bgnbd.js";

/** Per person: repeat transactions with an amount, and their mean amount. */
export interface SpendSummary {
  /** Number of repeat transactions whose amount is known (0 for people without any). */
  x: ArrayLike<number>;
  /** Mean amount of those transactions (ignored where x = 0). */
  m: ArrayLike<number>;
}

/** Gamma-Gamma parameters: amounts ~ Gamma(p, nu) per person, nu ~ Gamma(q, gamma) across people (rates). */
export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** A maximum-likelihood fit. */
export interface GammaGammaFit {
  params: GammaGammaParams;
  /** Total (weighted) log-likelihood of the mean amounts at `params`, no constant dropped. */
  logLikelihood: number;
  iterations: number;
  converged: boolean;
  /** Whether a parameter ended at a bound of the optimiser (q at 1.01: the data's amounts have a tail so heavy that
   * the population mean barely exists). */
  atBound: boolean;
  /** Rows used (x >= 1, m > 0, all finite). */
  people: number;
}

/** Bounds of the log-parameters (log p, log q, log gamma), gamma in units of the mean amount. */
const LOWER = [-10, Math.log(1.01), -20];
const UPPER = [12, 20, 25];

/** The fit's data: valid rows, scaled amounts, and per distinct x the total weight. */
interface Prepared extends RepeatCountWeights {
  x: Float64Array;
  /** Amounts divided by `scale`. */
  m: Float64Array;
  w: Float64Array;
  scale: number;
  /** sum w x log m, sum w x log x and sum w log m (scaled amounts). */
  sumXLogM: number;
  sumXLogX: number;
  sumLogM: number;
}

/** Keeps rows with x >= 1 and a positive finite m (and weight > 0); amounts are divided by their weighted mean. */
function prepare(summary: SpendSummary, weights?: ArrayLike<number>): Prepared {
  const n = summary.x.length;
  if (summary.m.length !== n || (weights && weights.length !== n))
    throw new RangeError("gammagamma: x, m (and weights) must have the same length");
  const rows: number[] = [];
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    const x = summary.x[i]!;
    const m = summary.m[i]!;
    const w = weights ? weights[i]! : 1;
    if (!(x >= 1) || !Number.isFinite(x) || !(m > 0) || !Number.isFinite(m) || !(w > 0) || !Number.isFinite(w))
      continue;
    rows.push(i);
    weighted += w * m;
  }
  const x = Float64Array.from(rows, (i) => summary.x[i]!);
  const w = Float64Array.from(rows, (i) => (weights ? weights[i]! : 1));
  const counts = weightsByRepeatCount(x, w);
  const scale = counts.totalWeight > 0 ? weighted / counts.totalWeight : 1;
  const m = Float64Array.from(rows, (i) => summary.m[i]! / scale);
  const d: Prepared = { ...counts, x, m, w, scale, sumXLogM: 0, sumXLogX: 0, sumLogM: 0 };
  for (let k = 0; k < x.length; k++) {
    d.sumXLogM += w[k]! * x[k]! * Math.log(m[k]!);
    d.sumXLogX += w[k]! * x[k]! * Math.log(x[k]!);
    d.sumLogM += w[k]! * Math.log(m[k]!);
  }
  return d;
}

/**
 * Log-likelihood of the scaled data at log-parameters theta, writing d/d(theta) into grad. Per row:
 * lgamma(p x + q) - lgamma(p x) - lgamma(q) + q log gamma + (p x - 1) log m + p x log x - (p x + q) log(x m + gamma).
 */
function logLikelihood(d: Prepared, theta: ArrayLike<number>, grad: Float64Array): number {
  const [p, q, gamma] = [Math.exp(theta[0]!), Math.exp(theta[1]!), Math.exp(theta[2]!)];
  const W = d.totalWeight;
  let total = -W * logGamma(q) + W * q * Math.log(gamma) + p * (d.sumXLogM + d.sumXLogX) - d.sumLogM;
  let gP = d.sumXLogM + d.sumXLogX;
  let gQ = W * (Math.log(gamma) - digamma(q));
  let gGamma = (W * q) / gamma;
  for (let k = 0; k < d.xs.length; k++) {
    const x = d.xs[k]!;
    const w = d.xWeight[k]!;
    total += w * (logGamma(p * x + q) - logGamma(p * x));
    gP += w * x * (digamma(p * x + q) - digamma(p * x));
    gQ += w * digamma(p * x + q);
  }
  for (let i = 0; i < d.x.length; i++) {
    const x = d.x[i]!;
    const w = d.w[i]!;
    const base = x * d.m[i]! + gamma;
    const logBase = Math.log(base);
    total -= w * (p * x + q) * logBase;
    gP -= w * x * logBase;
    gQ -= w * logBase;
    gGamma -= (w * (p * x + q)) / base;
  }
  grad[0] = p * gP;
  grad[1] = q * gQ;
  grad[2] = gamma * gGamma;
  return total;
}

/** Total (weighted) log-likelihood at `params` of the rows `fitGammaGamma` would use, in the data's own units. */
export function gammaGammaLogLikelihood(
  params: GammaGammaParams,
  summary: SpendSummary,
  weights?: ArrayLike<number>,
): number {
  const d = prepare(summary, weights);
  const theta = [params.p, params.q, params.gamma / d.scale].map(Math.log);
  return logLikelihood(d, theta, new Float64Array(3)) - d.totalWeight * Math.log(d.scale);
}

/**
 * Maximum-likelihood fit over log-parameters inside bounds; deterministic, never throws on degenerate data. Rows
 * with x < 1, a non-positive or non-finite m, or weight <= 0 are skipped. With no valid row, returns p = q = 2,
 * gamma = 1, converged = false. Throws only when the arrays' lengths differ.
 */
export function fitGammaGamma(
  summary: SpendSummary,
  options: { weights?: ArrayLike<number>; maxIterations?: number } = {},
): GammaGammaFit {
  const d = prepare(summary, options.weights);
  if (d.x.length === 0) {
    return {
      params: { p: 2, q: 2, gamma: 1 },
      logLikelihood: 0,
      iterations: 0,
      converged: false,
      atBound: false,
      people: 0,
    };
  }
  const scale = 1 / d.totalWeight;
  const objective: Objective = (theta, g) => {
    const ll = logLikelihood(d, theta, g);
    for (let i = 0; i < g.length; i++) g[i] = -g[i]! * scale;
    return Number.isFinite(ll) ? -ll * scale : Infinity;
  };
  // Start at p = 1, q = 3 and gamma making the population mean p gamma / (q - 1) the data's mean (1 once scaled).
  const start = Float64Array.of(0, Math.log(3), Math.log(2));
  const result = minimiseInBox(objective, start, { lo: LOWER, hi: UPPER }, options.maxIterations ?? 500);
  const [p, q, gammaScaled] = Array.from(result.x, Math.exp) as [number, number, number];
  const atBound = Array.from(result.x).some((v, i) => v <= LOWER[i]! + 1e-9 || v >= UPPER[i]! - 1e-9);
  return {
    params: { p, q, gamma: gammaScaled * d.scale },
    logLikelihood: -result.f / scale - d.totalWeight * Math.log(d.scale),
    iterations: result.iterations,
    converged: result.converged,
    atBound,
    people: d.x.length,
  };
}

/** The population's mean amount per transaction, E[p / nu] = p gamma / (q - 1) (Infinity when q <= 1). */
export function populationMeanSpend(params: GammaGammaParams): number {
  return params.q > 1 ? (params.p * params.gamma) / (params.q - 1) : Infinity;
}

/**
 * Expected amount of a person's next transactions given x repeat transactions of mean amount m:
 * E[p / nu | x, m] = (gamma + m x) p / (p x + q - 1), the population mean when x = 0 (or m is not a positive
 * number); NaN for a negative or NaN x.
 */
export function expectedSpend(params: GammaGammaParams, x: number, m: number): number {
  if (!(x >= 0)) return NaN;
  if (x === 0 || !(m > 0) || !Number.isFinite(m)) return populationMeanSpend(params);
  const { p, q, gamma } = params;
  return ((gamma + m * x) * p) / (p * x + q - 1);
}

/** `expectedSpend` for every row. */
export function gammaGammaPredict(params: GammaGammaParams, summary: SpendSummary): Float64Array {
  return Float64Array.from({ length: summary.x.length }, (_, i) => expectedSpend(params, summary.x[i]!, summary.m[i]!));
}

/**
 * Pearson correlation of the number of repeat transactions and their mean amount over the rows a fit uses: the
 * model assumes none (Fader, Hardie and Lee check it on their data: 0.11).
 */
export function spendFrequencyCorrelation(summary: SpendSummary): number {
  const d = prepare(summary);
  const n = d.x.length;
  if (n < 2) return NaN;
  let mx = 0;
  let mm = 0;
  for (let i = 0; i < n; i++) {
    mx += d.x[i]!;
    mm += d.m[i]!;
  }
  [mx, mm] = [mx / n, mm / n];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const [a, b] = [d.x[i]! - mx, d.m[i]! - mm];
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

/**
 * Simulates the model for people with x[i] transactions each: draws nu ~ Gamma(q, gamma), then the mean of x[i]
 * Gamma(p, nu) amounts (a Gamma(p x, nu x) draw). Returns the mean amounts (NaN where x = 0) and each person's true
 * mean amount per transaction p / nu. Deterministic given the seeded generator passed in (uniforms in [0, 1)).
 */
export function simulateGammaGamma(
  params: GammaGammaParams,
  x: ArrayLike<number>,
  uniform: () => number,
): { m: Float64Array; trueMean: Float64Array } {
  const logGammaDraw = gammaSampler(uniform);
  const n = x.length;
  const m = new Float64Array(n);
  const trueMean = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const nu = Math.exp(logGammaDraw(params.q)) / params.gamma;
    trueMean[i] = params.p / nu;
    const k = x[i]!;
    m[i] = k >= 1 ? Math.exp(logGammaDraw(params.p * k)) / (nu * k) : NaN;
  }
  return { m, trueMean };
}
