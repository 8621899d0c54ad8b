import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type BgnbdParams,
  bgnbdLogLikelihood,
  bgnbdPredict,
  expectedTransactions,
  fitBgnbd,
  hyp2f1,
  logGamma,
  probabilityAlive,
  probabilityAnyTransaction,
  simulateBgnbd,
  simulateBgnbdHoldout,
} from "../../loaders/baselines/bgnbd.js";
import { Random } from "../../loaders/demo/random.js";

/** Reference values printed once by a Python script (scipy.special, mpmath at 40 digits, a scipy MLE). */
interface Fixture {
  hyp2f1: { a: number; b: number; c: number; z: number; scipy: number; mpmath: number }[];
  gammaln: { x: number; value: number }[];
  conditional: (BgnbdParams & { x: number; tx: number; T: number; t: number } & {
    expected: number;
    alive: number;
    logLikelihood: number;
  })[];
  mle: {
    x: number[];
    txDays: number[];
    TDays: number[];
    params: BgnbdParams;
    logLikelihood: number;
    logLikelihoodAtTruth: number;
  };
}
const fixture = JSON.parse(readFileSync(new URL("./hyp2f1-fixture.json", import.meta.url), "utf8")) as Fixture;

/** CDNOW-like parameters, time in weeks (Fader, Hardie and Lee 2005 report 0.243, 4.414, 0.793, 2.426). */
const CDNOW: BgnbdParams = { r: 0.25, alpha: 4.0, a: 0.8, b: 2.5 };
/** Frequent buyers who rarely drop out. */
const LOYAL: BgnbdParams = { r: 0.8, alpha: 2.0, a: 0.4, b: 4.0 };

const relativeError = (value: number, reference: number) => Math.abs(value - reference) / Math.abs(reference);

/** Eq. 10 as printed (with hyp2f1), singular at a = 1. */
function textbook(p: BgnbdParams, x: number, tx: number, T: number, t: number): number {
  const z = t / (p.alpha + T + t);
  const power = Math.pow((p.alpha + T) / (p.alpha + T + t), p.r + x);
  const bracket = 1 - power * hyp2f1(p.r + x, p.b + x, p.a + p.b + x - 1, z);
  return ((p.a + p.b + x - 1) / (p.a - 1)) * bracket * probabilityAlive(p, x, tx, T);
}

/** A seeded uniform generator. */
function uniforms(seed: number): () => number {
  const rng = new Random(seed);
  return () => rng.uniform();
}

/** n ages uniform over [lo, hi] weeks. */
function ages(n: number, lo: number, hi: number, uniform: () => number): Float64Array {
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * uniform());
}

/** Mean of an array. */
function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

describe("hyp2f1 and log-gamma", () => {
  it("match scipy.special.hyp2f1 (z near 1, negative z, the arguments of eq. 10) to 1e-9", () => {
    expect(fixture.hyp2f1.length).toBeGreaterThan(40);
    for (const { a, b, c, z, scipy } of fixture.hyp2f1) {
      expect(relativeError(hyp2f1(a, b, c, z), scipy), `2F1(${a}, ${b}; ${c}; ${z})`).toBeLessThan(1e-9);
    }
  });

  it("satisfies closed forms and returns NaN outside z < 1", () => {
    for (const z of [-50, -0.5, 1e-6, 0.5, 0.99]) {
      expect(relativeError(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z)).toBeLessThan(1e-12);
      expect(relativeError(hyp2f1(0.7, 2.5, 2.5, z), Math.pow(1 - z, -0.7))).toBeLessThan(1e-12);
    }
    expect(hyp2f1(1, 1, 2, 0)).toBe(1);
    expect(hyp2f1(1, 1, 2, 1)).toBeNaN();
    expect(hyp2f1(1, 1, -2, 0.5)).toBeNaN();
  });

  it("log-gamma matches scipy.special.gammaln to ~1e-14", () => {
    for (const { x, value } of fixture.gammaln) {
      expect(Math.abs(logGamma(x) - value), `lgamma(${x})`).toBeLessThan(1e-14 * Math.max(1, Math.abs(value)));
    }
  });
});

describe("BG/NBD conditional quantities", () => {
  it("expected transactions, P(alive) and the log-likelihood match 40-digit references (eq. 6, eq. 10)", () => {
    expect(fixture.conditional.length).toBeGreaterThan(30);
    for (const c of fixture.conditional) {
      const label = JSON.stringify(c);
      expect(relativeError(expectedTransactions(c, c.x, c.tx, c.T, c.t), c.expected), label).toBeLessThan(1e-9);
      expect(relativeError(probabilityAlive(c, c.x, c.tx, c.T), c.alive), label).toBeLessThan(1e-12);
      const ll = bgnbdLogLikelihood(c, { x: [c.x], tx: [c.tx], T: [c.T] });
      expect(Math.abs(ll - c.logLikelihood), label).toBeLessThan(1e-10 * Math.max(1, Math.abs(c.logLikelihood)));
    }
  });

  it("equal the textbook form of eq. 10 over random parameters, including r > a + b and a large a (quadrature)", () => {
    const rng = new Random(99);
    const logUniform = (lo: number, hi: number) => lo * Math.pow(hi / lo, rng.uniform());
    let quadrature = 0;
    for (let i = 0; i < 1000; i++) {
      const [r, alpha] = [logUniform(0.05, 20), logUniform(0.1, 50)];
      const p = { r, alpha, a: logUniform(0.05, 3000), b: logUniform(0.05, 100) };
      if (Math.abs(p.a - 1) < 0.05) continue; // the textbook form cancels near a = 1
      const x = rng.int(0, 50);
      const T = 100 * rng.uniform();
      const [tx, t] = [x === 0 ? 0 : T * rng.uniform(), logUniform(0.5, 100)];
      const k = t / (p.alpha + T);
      if (p.a > 2 && (p.a * k + 40 * (1 + k) > 20_000 || (p.a - 1) * Math.log1p(k) > 500)) quadrature++;
      const label = JSON.stringify({ p, x, tx, T, t });
      expect(relativeError(expectedTransactions(p, x, tx, T, t), textbook(p, x, tx, T, t)), label).toBeLessThan(1e-9);
    }
    expect(quadrature).toBeGreaterThan(40);
  });

  it("stay finite and continuous at a = 1, a tiny a, a huge b and a huge a", () => {
    for (const [x, tx, T, t] of [
      [0, 0, 40, 13],
      [3, 20, 40, 26],
      [25, 39, 40, 52],
      [1, 1, 2, 100],
    ] as const) {
      // a = 1 is a removable singularity of the textbook form.
      const atOne = expectedTransactions({ ...CDNOW, a: 1 }, x, tx, T, t);
      expect(relativeError(atOne, textbook({ ...CDNOW, a: 1 + 1e-6 }, x, tx, T, t))).toBeLessThan(1e-5);
      // Nobody drops out, as the two ways the fit reaches it: the posterior mean rate (r + x) / (alpha + T) times t.
      const noDropout = ((CDNOW.r + x) * t) / (CDNOW.alpha + T);
      const tinyA = expectedTransactions({ ...CDNOW, a: Math.exp(-20), b: Math.exp(20) }, x, tx, T, t);
      expect(relativeError(tinyA, noDropout)).toBeLessThan(1e-6);
      const hugeA = expectedTransactions({ ...CDNOW, a: 7e4, b: 5e8 }, x, tx, T, t);
      expect(relativeError(hugeA, noDropout)).toBeLessThan(1e-2);
      expect(hugeA).toBeLessThan(noDropout);
    }
    expect(Number.isFinite(expectedTransactions({ ...CDNOW, alpha: 1e-4 }, 0, 0, 0.01, 52))).toBe(true);
  });

  it("P(alive) is 1 without repeat purchases and falls as T - tx grows; E[t = 0] = 0; P(any) is in [0, 1]", () => {
    for (const p of [CDNOW, LOYAL]) {
      expect(probabilityAlive(p, 0, 0, 50)).toBe(1);
      let previous = 1;
      for (const gap of [0, 1, 5, 10, 20, 40]) {
        const alive = probabilityAlive(p, 4, 50 - gap, 50);
        expect(alive).toBeLessThan(previous);
        previous = alive;
      }
      expect(expectedTransactions(p, 3, 10, 30, 0)).toBe(0);
      let previousAny = 0;
      for (const t of [0, 1, 13, 52, 520]) {
        const any = probabilityAnyTransaction(p, 3, 25, 30, t);
        expect(any).toBeGreaterThanOrEqual(previousAny);
        expect(any).toBeLessThanOrEqual(probabilityAlive(p, 3, 25, 30));
        previousAny = any;
      }
    }
  });

  it("bgnbdPredict matches the scalar functions and gives NaN for rows without a summary", () => {
    const summary = { x: [0, 2, NaN, 7], tx: [0, 10, NaN, 30], T: [20, 25, 30, 31] };
    const { expected, alive, anyTransaction } = bgnbdPredict(CDNOW, summary, 13);
    for (const i of [0, 1, 3]) {
      const [x, tx, T] = [summary.x[i]!, summary.tx[i]!, summary.T[i]!];
      expect(expected[i]).toBe(expectedTransactions(CDNOW, x, tx, T, 13));
      expect(alive[i]).toBe(probabilityAlive(CDNOW, x, tx, T));
      expect(anyTransaction[i]).toBe(probabilityAnyTransaction(CDNOW, x, tx, T, 13));
    }
    expect([expected[2], alive[2], anyTransaction[2]]).toEqual([NaN, NaN, NaN]);
  });
});

describe("fitBgnbd", () => {
  it("finds scipy's maximum-likelihood estimate on a small data set", () => {
    const { mle } = fixture;
    const summary = { x: mle.x, tx: mle.txDays.map((d) => d / 7), T: mle.TDays.map((d) => d / 7) };
    const fit = fitBgnbd(summary);
    expect(fit.converged).toBe(true);
    expect(fit.people).toBe(mle.x.length);
    expect(fit.logLikelihood).toBeGreaterThan(mle.logLikelihood - 1e-7);
    for (const key of ["r", "alpha", "a", "b"] as const) {
      expect(relativeError(fit.params[key], mle.params[key]), key).toBeLessThan(1e-4);
    }
    expect(Math.abs(bgnbdLogLikelihood(CDNOW, summary) - mle.logLikelihoodAtTruth)).toBeLessThan(1e-8);
  });

  // Tolerances: over 20 seeds of 20,000 customers the largest errors were r 4%, alpha 7%, a 14%, b 21% (CDNOW)
  // and r 2%, alpha 2%, a 7%, b 10% (LOYAL); the bounds below leave a margin of about 1.5-2.5 times that.
  it.each([
    ["CDNOW-like", CDNOW, 11],
    ["loyal", LOYAL, 12],
  ] as const)("recovers %s parameters from 20,000 simulated customers", (_, truth, seed) => {
    const uniform = uniforms(seed);
    const sim = simulateBgnbd(truth, ages(20_000, 30, 80, uniform), uniform);
    const fit = fitBgnbd(sim);
    expect(fit.converged).toBe(true);
    expect(relativeError(fit.params.r, truth.r)).toBeLessThan(0.1);
    expect(relativeError(fit.params.alpha, truth.alpha)).toBeLessThan(0.15);
    expect(relativeError(fit.params.a, truth.a)).toBeLessThan(0.3);
    expect(relativeError(fit.params.b, truth.b)).toBeLessThan(0.3);
  });

  it("is a maximum of the likelihood and predicts the simulated holdout purchases", () => {
    const uniform = uniforms(21);
    const sim = simulateBgnbdHoldout(CDNOW, ages(50_000, 30, 80, uniform), 26, uniform);
    const fit = fitBgnbd(sim);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(bgnbdLogLikelihood(CDNOW, sim));
    expect(Math.abs(fit.logLikelihood - bgnbdLogLikelihood(fit.params, sim))).toBeLessThan(1e-6);
    const { expected, anyTransaction, alive } = bgnbdPredict(fit.params, sim, 26);
    expect(relativeError(mean(expected), mean(sim.holdoutX))).toBeLessThan(0.05);
    // Roughly calibrated by group of repeat purchases (Monte Carlo check of P(alive) and P(any purchase)).
    for (const [lo, hi] of [
      [0, 0],
      [1, 2],
      [3, 6],
      [7, Infinity],
    ] as const) {
      const rows = [...sim.x.keys()].filter((i) => sim.x[i]! >= lo && sim.x[i]! <= hi);
      expect(rows.length).toBeGreaterThan(500);
      const observedAny = mean(rows.map((i) => (sim.holdoutX[i]! > 0 ? 1 : 0)));
      expect(Math.abs(mean(rows.map((i) => anyTransaction[i]!)) - observedAny), `any ${lo}-${hi}`).toBeLessThan(0.03);
      const observedAlive = mean(rows.map((i) => sim.alive[i]!));
      expect(Math.abs(mean(rows.map((i) => alive[i]!)) - observedAlive), `alive ${lo}-${hi}`).toBeLessThan(0.03);
    }
  });

  // Seed 5 ends at a -> 0 (a ~ 1e-8, b ~ 6e4), seed 11 at a, b -> infinity (a ~ 7e4, b ~ 5e8): both "nobody drops out".
  it.each([5, 11])("returns finite parameters when nobody drops out (seed %i) and still ranks by frequency", (seed) => {
    // Poisson purchasing with Gamma(1.5, 10)-distributed rates and no dropout at all.
    const rng = new Random(seed);
    const n = 10_000;
    const summary = { x: new Float64Array(n), tx: new Float64Array(n), T: new Float64Array(n) };
    const holdout = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const T = (summary.T[i] = 30 + 50 * rng.uniform());
      const lambda = rng.gamma(1.5) / 10;
      for (let t = rng.exponential(1 / lambda); t <= T + 26; t += rng.exponential(1 / lambda)) {
        if (t > T) holdout[i]!++;
        else [summary.x[i], summary.tx[i]] = [summary.x[i]! + 1, t];
      }
    }
    const fit = fitBgnbd(summary);
    for (const v of Object.values(fit.params)) expect(Number.isFinite(v) && v > 0).toBe(true);
    expect(Number.isFinite(fit.logLikelihood)).toBe(true);
    expect(fit.params.a / (fit.params.a + fit.params.b)).toBeLessThan(1e-3); // mean dropout probability ~ 0
    let previous = -Infinity;
    for (let x = 0; x <= 30; x++) {
      const e = expectedTransactions(fit.params, x, x === 0 ? 0 : 50, 50, 26);
      expect(Number.isFinite(e)).toBe(true);
      expect(e).toBeGreaterThan(previous);
      previous = e;
    }
    expect(relativeError(mean(bgnbdPredict(fit.params, summary, 26).expected), mean(holdout))).toBeLessThan(0.05);
  });

  it("skips invalid rows, never throws on degenerate data and is deterministic", () => {
    const everyoneOnce = { x: new Float64Array(100), tx: new Float64Array(100), T: new Float64Array(100).fill(20) };
    const once = fitBgnbd(everyoneOnce);
    for (const v of Object.values(once.params)) expect(Number.isFinite(v)).toBe(true);
    expect(fitBgnbd({ x: [], tx: [], T: [] }).people).toBe(0);
    const withJunk = { x: [1, NaN, 2, 0, 3, -1], tx: [5, 1, 8, 0, NaN, 2], T: [10, 10, 0, 12, 10, 10] };
    expect(fitBgnbd(withJunk).people).toBe(2);
    const uniform = uniforms(3);
    const sim = simulateBgnbd(CDNOW, ages(3000, 30, 80, uniform), uniform);
    expect(fitBgnbd(sim)).toEqual(fitBgnbd(sim));
    // Weight 2 on every row is the same data set counted twice.
    const doubled = fitBgnbd(sim, { weights: new Float64Array(3000).fill(2) });
    const twice = fitBgnbd({ x: [...sim.x, ...sim.x], tx: [...sim.tx, ...sim.tx], T: [...sim.T, ...sim.T] });
    expect(relativeError(doubled.logLikelihood, twice.logLikelihood)).toBeLessThan(1e-12);
    expect(relativeError(doubled.params.b, twice.params.b)).toBeLessThan(1e-6);
  });
});
