/**
 * The segment estimate: the Poisson-binomial distribution against brute force over every outcome, the refined
 * normal approximation against the exact distribution for large segments, and which segments are a pure top X%.
 */
import { describe, expect, test } from "vitest";
import {
  approximateQuantile,
  momentsOf,
  normalCdf,
  poissonBinomial,
  quantileOf,
  RANGE_LEVEL,
  segmentEstimate,
  testedTargeting,
  topPercentOf,
} from "../../components/segment-estimate.js";
import type { Segment } from "../../components/segment.js";
import { Random } from "../../loaders/demo/random.js";

/** A seeded uniform generator in [0, 1) (the demo's Mulberry32 stream). */
function random(seed: number): () => number {
  const stream = new Random(seed);
  return () => stream.uniform();
}

/** P(X = k) by enumerating all 2^n outcomes. */
function bruteForce(p: number[]): number[] {
  const pmf = new Array<number>(p.length + 1).fill(0);
  for (let mask = 0; mask < 1 << p.length; mask++) {
    let probability = 1;
    let k = 0;
    for (let i = 0; i < p.length; i++) {
      if (mask & (1 << i)) {
        probability *= p[i]!;
        k++;
      } else probability *= 1 - p[i]!;
    }
    pmf[k]! += probability;
  }
  return pmf;
}

const tail = (1 - RANGE_LEVEL) / 2;

describe("the exact distribution", () => {
  test("matches brute force over every outcome, for 1 to 14 people", () => {
    const next = random(7);
    for (let n = 1; n <= 14; n++) {
      for (let trial = 0; trial < 5; trial++) {
        // Mixed probabilities, with some certain and impossible outcomes.
        const p = Array.from({ length: n }, (_, i) =>
          i === 0 && trial === 1 ? 1 : i === 1 && trial === 2 ? 0 : next() ** (1 + trial),
        );
        const exact = poissonBinomial(p);
        const brute = bruteForce(p);
        for (let k = 0; k <= n; k++) expect(Math.abs(exact[k]! - brute[k]!)).toBeLessThan(1e-12);
        const estimate = segmentEstimate(momentsOf(p), p);
        expect(estimate.method).toBe("exact");
        expect(estimate.low).toBe(quantileOf(brute, tail));
        expect(estimate.high).toBe(quantileOf(brute, 1 - tail));
        // The range holds the count at least 90% of the time, and is the narrowest such range by quantiles.
        const inside = brute.slice(estimate.low, estimate.high + 1).reduce((t, x) => t + x, 0);
        expect(inside).toBeGreaterThanOrEqual(RANGE_LEVEL - 1e-12);
        expect(estimate.expected).toBeCloseTo(
          brute.reduce((t, x, k) => t + x * k, 0),
          12,
        );
      }
    }
  });

  test("keeping only the counts near the mean changes nothing: the full programme over 3,000 people", () => {
    const full = (p: number[]) => {
      const pmf = new Float64Array(p.length + 1);
      pmf[0] = 1;
      p.forEach((x, i) => {
        for (let k = i + 1; k >= 1; k--) pmf[k] = pmf[k]! * (1 - x) + pmf[k - 1]! * x;
        pmf[0] = pmf[0]! * (1 - x);
      });
      return pmf;
    };
    const next = random(11);
    for (const shape of [
      (u: number) => u,
      (u: number) => 0.001 * u,
      (u: number) => (u > 0.5 ? 0.999 : 0.001),
      (u: number) => u ** 8,
    ]) {
      const p = Array.from({ length: 3000 }, () => shape(next()));
      const windowed = poissonBinomial(p);
      const reference = full(p);
      let worst = 0;
      for (let k = 0; k <= p.length; k++) worst = Math.max(worst, Math.abs(windowed[k]! - reference[k]!));
      expect(worst).toBeLessThan(1e-13);
    }
  });

  test("quantiles are the smallest count whose cumulative probability reaches q", () => {
    const pmf = [0.1, 0.2, 0.3, 0.4];
    expect(quantileOf(pmf, 0.05)).toBe(0);
    expect(quantileOf(pmf, 0.1)).toBe(0);
    expect(quantileOf(pmf, 0.11)).toBe(1);
    expect(quantileOf(pmf, 0.6)).toBe(2);
    expect(quantileOf(pmf, 0.95)).toBe(3);
  });

  test("the standard normal distribution function", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.6448536)).toBeCloseTo(0.95, 6);
    expect(normalCdf(-1.959964)).toBeCloseTo(0.025, 6);
    expect(normalCdf(3)).toBeCloseTo(0.9986501, 6);
  });
});

describe("the approximation for large segments", () => {
  const shapes: [string, (u: number) => number][] = [
    ["mostly unlikely (like a purchase goal)", (u) => 0.002 + 0.3 * u ** 6],
    ["spread out (like churn)", (u) => 0.05 + 0.9 * u],
    ["a few near-certain among many unlikely", (u) => (u > 0.995 ? 0.95 : 0.01 * u)],
    ["rare: about two expected in the whole segment", (u) => 0.0006 * u],
  ];
  test.each(shapes)("is within one person of the exact range: %s", (_, shape) => {
    for (const [n, seed] of [
      [5001, 1],
      [12000, 2],
    ] as const) {
      const next = random(seed);
      const p = Array.from({ length: n }, () => shape(next()));
      const pmf = poissonBinomial(p);
      const moments = momentsOf(p);
      const approx = segmentEstimate(moments);
      expect(approx.method).toBe("approximate");
      expect(Math.abs(approx.low - quantileOf(pmf, tail))).toBeLessThanOrEqual(1);
      expect(Math.abs(approx.high - quantileOf(pmf, 1 - tail))).toBeLessThanOrEqual(1);
      // Measured by the exact distribution, the approximate range holds the count about 90% of the time.
      const inside = Array.from(pmf.slice(approx.low, approx.high + 1)).reduce((t, x) => t + x, 0);
      expect(inside).toBeGreaterThan(RANGE_LEVEL - 0.03);
    }
  });

  test("quantiles stay within the possible counts", () => {
    expect(approximateQuantile({ n: 10, mean: 0, variance: 0, third: 0 }, 0.95)).toBe(0);
    expect(approximateQuantile({ n: 10, mean: 10, variance: 0, third: 0 }, 0.05)).toBe(10);
    expect(segmentEstimate({ n: 0, mean: 0, variance: 0, third: 0 })).toMatchObject({
      low: 0,
      high: 0,
      expected: 0,
      expectedNot: 0,
    });
  });
});

describe("pure top X% segments", () => {
  const between = (low: number | null, high: number | null) => ({
    field: "percentile",
    op: "between" as const,
    value: [low, high],
  });
  test.each<[string, Segment, number | null]>([
    ["the top 20%", { match: "all", conditions: [between(81, 100)] }, 20],
    ["reversed bounds", { match: "all", conditions: [between(100, 91)] }, 10],
    ["open at the top", { match: "all", conditions: [between(96, null)] }, 5],
    [
      "with a condition that chooses nothing",
      { match: "all", conditions: [between(81, 100), { field: "f_1", op: "in", value: [] }] },
      20,
    ],
    ["the middle", { match: "all", conditions: [between(25, 65)] }, null],
    [
      "the top 20% of one country",
      { match: "all", conditions: [between(81, 100), { field: "f_1", op: "in", value: [0] }] },
      null,
    ],
    ["a score range", { match: "all", conditions: [{ field: "score", op: "between", value: [81, 100] }] }, null],
    ["the High bucket", { match: "all", conditions: [{ field: "bucket", op: "in", value: ["High"] }] }, null],
    ["everyone", { match: "all", conditions: [] }, null],
  ])("%s", (_, segment, percent) => expect(topPercentOf(segment)).toBe(percent));

  test("the test's counts for the top X%, labelled with the test", () => {
    const evaluation = {
      kind: "out-of-time" as const,
      testCutoff: "2026-09-01",
      thresholds: [
        {
          percent: 20,
          threshold: 0.3,
          people: 200,
          truePositives: 50,
          falsePositives: 150,
          expectedTruePositives: 48,
          expectedFalsePositives: 152,
          precision: 0.25,
          recall: 0.5,
        },
      ],
    };
    expect(testedTargeting(20, evaluation)).toEqual({
      percent: 20,
      people: 200,
      truePositives: 50,
      falsePositives: 150,
      precision: 0.25,
      recall: 0.5,
      testCutoff: "2026-09-01",
      kind: "out-of-time",
    });
    expect(testedTargeting(null, evaluation)).toBeNull();
    expect(testedTargeting(30, evaluation)).toBeNull();
  });
});
