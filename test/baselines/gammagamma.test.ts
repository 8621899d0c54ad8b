import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type GammaGammaParams,
  expectedSpend,
  fitGammaGamma,
  gammaGammaLogLikelihood,
  gammaGammaPredict,
  populationMeanSpend,
  simulateGammaGamma,
  spendFrequencyCorrelation,
} from "../../loaders/baselines/gammagamma.js";
import { Random } from "../../loaders/demo/random.js";

/** The CDNOW customers with repeat purchases and reference values printed once by scipy (see `source`). */
interface Fixture {
  source: string;
  paper: GammaGammaParams;
  mle: GammaGammaParams & { logLikelihood: number };
  logLikelihoods: (GammaGammaParams & { logLikelihood: number })[];
  conditionalAtPaper: { x: number; m: number; expected: number }[];
  x: number[];
  m: number[];
}
const fixture = JSON.parse(readFileSync(new URL("./gammagamma-fixture.json", import.meta.url), "utf8")) as Fixture;
const cdnow = { x: fixture.x, m: fixture.m };

const relativeError = (value: number, reference: number) => Math.abs(value - reference) / Math.abs(reference);

/** A seeded uniform generator. */
function uniforms(seed: number): () => number {
  const rng = new Random(seed);
  return () => rng.uniform();
}

/** Repeat-transaction counts shaped like a customer base: 1 + a geometric number with mean `extra`. */
function repeatCounts(n: number, extra: number, uniform: () => number): Float64Array {
  const stay = extra / (1 + extra);
  return Float64Array.from({ length: n }, () => 1 + Math.floor(Math.log(1 - uniform()) / Math.log(stay)));
}

describe("Gamma-Gamma on the CDNOW data (Fader, Hardie and Lee 2005)", () => {
  it("has 946 customers with repeat purchases, mean of m $35.08", () => {
    expect(fixture.x.length).toBe(946);
    expect(fixture.m.reduce((a, b) => a + b, 0) / 946).toBeCloseTo(35.08, 2);
  });

  it("computes scipy's log-likelihood at the MLE, the paper's estimates and far from them, to 1e-10", () => {
    for (const { logLikelihood, ...params } of fixture.logLikelihoods) {
      expect(relativeError(gammaGammaLogLikelihood(params, cdnow), logLikelihood), JSON.stringify(params)).toBeLessThan(
        1e-10,
      );
    }
  });

  it("finds scipy's maximum (p 6.239, q 3.748, gamma 15.49), within 1% of the paper's 6.25, 3.74, 15.44", () => {
    const fit = fitGammaGamma(cdnow);
    expect(fit.converged).toBe(true);
    expect(fit.atBound).toBe(false);
    expect(fit.people).toBe(946);
    for (const key of ["p", "q", "gamma"] as const) {
      expect(relativeError(fit.params[key], fixture.mle[key]), key).toBeLessThan(1e-4);
      expect(relativeError(fit.params[key], fixture.paper[key]), key).toBeLessThan(0.01);
    }
    expect(fit.logLikelihood).toBeCloseTo(fixture.mle.logLikelihood, 6);
    // A maximum: moving any parameter by 1% either way lowers the likelihood.
    for (const key of ["p", "q", "gamma"] as const) {
      for (const factor of [0.99, 1.01]) {
        const moved = { ...fit.params, [key]: fit.params[key] * factor };
        expect(gammaGammaLogLikelihood(moved, cdnow), `${key} x ${factor}`).toBeLessThan(fit.logLikelihood);
      }
    }
  });

  it("gives the hand-worked conditional expectations at the paper's estimates, and the population mean without repeats", () => {
    for (const { x, m, expected } of fixture.conditionalAtPaper)
      expect(relativeError(expectedSpend(fixture.paper, x, m), expected)).toBeLessThan(1e-12);
    // p gamma / (q - 1) = 6.25 x 15.44 / 2.74 = 35.219
    expect(populationMeanSpend(fixture.paper)).toBeCloseTo(35.219, 3);
    expect(expectedSpend(fixture.paper, 0, Number.NaN)).toBe(populationMeanSpend(fixture.paper));
    expect(expectedSpend(fixture.paper, -1, 10)).toBeNaN();
    // A weighted mean of the person's own mean and the population's, closer to their own the more they bought.
    const low = [1, 3, 10, 30].map((x) => expectedSpend(fixture.paper, x, 10));
    for (let i = 1; i < low.length; i++) expect(low[i]!).toBeLessThan(low[i - 1]!);
    expect(low.every((v) => v > 10 && v < 35.22)).toBe(true);
    expect(Array.from(gammaGammaPredict(fixture.paper, { x: [1, 0], m: [10, 0] }))).toEqual([
      expectedSpend(fixture.paper, 1, 10),
      populationMeanSpend(fixture.paper),
    ]);
  });

  it("measures the correlation of frequency and mean spend the model assumes away", () => {
    const r = spendFrequencyCorrelation(cdnow);
    expect(Math.abs(r)).toBeLessThan(0.2);
    expect(spendFrequencyCorrelation({ x: [1, 2, 3], m: [1, 2, 3] })).toBeCloseTo(1, 12);
  });
});

describe("fitGammaGamma: parameter recovery on data simulated from the model", () => {
  const cases: { name: string; truth: GammaGammaParams; extra: number; seed: number }[] = [
    { name: "CDNOW-like", truth: { p: 6.25, q: 3.74, gamma: 15.44 }, extra: 2, seed: 11 },
    { name: "spread-out spenders", truth: { p: 1.5, q: 2.5, gamma: 80 }, extra: 1, seed: 12 },
    { name: "few transactions, large amounts", truth: { p: 3, q: 6, gamma: 4000 }, extra: 0.5, seed: 13 },
  ];
  for (const { name, truth, extra, seed } of cases) {
    // Over 40 seeds of 20,000 people the estimates were unbiased (mean errors below 0.4%) with standard deviations
    // of 1.2-4.6%; 40,000 people and a 12% tolerance put the bound beyond 3.5 standard deviations.
    it(`recovers ${name} (p ${truth.p}, q ${truth.q}, gamma ${truth.gamma}) from 40,000 people within 12%, and its predictions are calibrated`, () => {
      const uniform = uniforms(seed);
      const x = repeatCounts(40_000, extra, uniform);
      const { m, trueMean } = simulateGammaGamma(truth, x, uniform);
      const fit = fitGammaGamma({ x, m });
      expect(fit.converged).toBe(true);
      expect(fit.atBound).toBe(false);
      for (const key of ["p", "q", "gamma"] as const)
        expect(relativeError(fit.params[key], truth[key]), key).toBeLessThan(0.12);
      // The population mean is better determined than the parameters (they trade off along a ridge).
      expect(relativeError(populationMeanSpend(fit.params), populationMeanSpend(truth))).toBeLessThan(0.03);
      expect(fit.logLikelihood).toBeGreaterThan(gammaGammaLogLikelihood(truth, { x, m }));
      // Per tenth of the predicted spend, the people's true mean spend averages what was predicted (within 5%).
      const predicted = gammaGammaPredict(fit.params, { x, m });
      const order = Array.from(predicted.keys()).sort((a, b) => predicted[a]! - predicted[b]!);
      for (let d = 0; d < 10; d++) {
        const rows = order.slice((d * order.length) / 10, ((d + 1) * order.length) / 10);
        const mean = (v: Float64Array) => rows.reduce((s, i) => s + v[i]!, 0) / rows.length;
        expect(relativeError(mean(predicted), mean(trueMean)), `decile ${d + 1}`).toBeLessThan(0.05);
      }
    });
  }

  it("is free of the currency's scale: amounts x 1000 give gamma x 1000 and the same p and q", () => {
    const small = fitGammaGamma(cdnow);
    const large = fitGammaGamma({ x: cdnow.x, m: cdnow.m.map((v) => v * 1000) });
    expect(relativeError(large.params.p, small.params.p)).toBeLessThan(1e-6);
    expect(relativeError(large.params.q, small.params.q)).toBeLessThan(1e-6);
    expect(relativeError(large.params.gamma, small.params.gamma * 1000)).toBeLessThan(1e-6);
    expect(large.logLikelihood).toBeCloseTo(small.logLikelihood - 946 * Math.log(1000), 6);
  });
});

describe("fitGammaGamma on degenerate data", () => {
  it("skips rows without repeats or a positive amount, uses weights, never throws and is deterministic", () => {
    const x = [0, 1, 2, 3, 1, 2, Number.NaN, 4];
    const m = [5, 10, 12, Number.NaN, -3, 0, 8, 20];
    const fit = fitGammaGamma({ x, m });
    expect(fit.people).toBe(3);
    expect(fitGammaGamma({ x, m })).toEqual(fit);
    const weighted = fitGammaGamma({ x: [1, 2], m: [10, 12] }, { weights: [2, 1] });
    const repeated = fitGammaGamma({ x: [1, 1, 2], m: [10, 10, 12] });
    expect(relativeError(weighted.logLikelihood, repeated.logLikelihood)).toBeLessThan(1e-9);
    expect(() => fitGammaGamma({ x: [1, 2], m: [3] })).toThrow(RangeError);
    expect(fitGammaGamma({ x: [0, 0], m: [1, 2] })).toMatchObject({
      people: 0,
      converged: false,
      params: { p: 2, q: 2, gamma: 1 },
    });
  });

  it("ends at finite parameters, flagged at a bound, when every amount is the same", () => {
    const x = Array.from({ length: 200 }, (_, i) => 1 + (i % 5));
    const fit = fitGammaGamma({ x, m: x.map(() => 25) });
    for (const v of Object.values(fit.params)) expect(Number.isFinite(v)).toBe(true);
    expect(fit.atBound).toBe(true);
    expect(expectedSpend(fit.params, 1, 25)).toBeCloseTo(25, 3);
  });
});
