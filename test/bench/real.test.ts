/** The metrics of `bench:real`: unscored people count, ranked last and tied among themselves. */
import { describe, expect, test } from "vitest";
import { bestPeer, marginInterval, populationMetrics, rankUnscoredLast } from "../../bench/real-metrics.js";
import { Rng } from "../../loaders/model/index.js";

describe("populationMetrics", () => {
  test("ranks the unscored last, tied, on a small known example", () => {
    // Scored: 0.9 (pos), 0.5 (neg), 0.3 (pos); unscored: one positive, two negatives.
    const score = [0.9, 0.5, NaN, 0.3, NaN, NaN];
    const label = [1, 0, 1, 1, 0, 0];
    expect(Array.from(rankUnscoredLast(score))).toEqual([0.9, 0.5, -0.7, 0.3, -0.7, -0.7]);
    const m = populationMetrics(score, label);
    // Pairs (positive, negative): 0.9 beats all 3; 0.3 loses to 0.5, beats 2; the unscored positive loses to 0.5
    // and ties with the 2 unscored negatives (2 halves): (3 + 2 + 1) / 9.
    expect(m.auc).toBeCloseTo(6 / 9, 12);
    // Thresholds: {0.9} 1 of 1 positive; {0.5} none; {0.3} precision 2/3; the unscored block of 3 (1 positive)
    // leaves precision 3/6: (1 + 2/3 + 1/2) / 3.
    expect(m.prAuc).toBeCloseTo((1 + 2 / 3 + 1 / 2) / 3, 12);
    expect(m.scored).toBe(3);
    expect(m.share).toBe(0.5);
  });

  test("negative scores (e.g. minus days since the last purchase) still put the unscored below them", () => {
    const m = populationMetrics([-3, -400, NaN], [1, 0, 0]);
    expect(m.auc).toBe(1);
    expect(populationMetrics([NaN, NaN], [1, 0]).auc).toBe(0.5);
  });

  test("the best peer ignores missing values", () => {
    expect(bestPeer({ recency: 0.7, bgnbd: NaN, xgboost: 0.72 })).toEqual({ name: "xgboost", auc: 0.72 });
    expect(bestPeer({ recency: NaN })).toBeNull();
  });
});

describe("marginInterval", () => {
  /** n people with a noisy signal: label ~ Bernoulli(0.3); a good score sees the label through noise `noise`. */
  function population(n: number, seed: number) {
    const rng = new Rng(seed);
    const u = () => rng.nextUint32() / 2 ** 32;
    const label = Array.from({ length: n }, () => (u() < 0.3 ? 1 : 0));
    const score = (noise: number) => label.map((y) => y + noise * (u() + u() + u() - 1.5));
    return { label, score };
  }

  test("identical methods differ by exactly zero on every resample", () => {
    const { label, score } = population(300, 1);
    const s = score(2);
    expect(marginInterval(s, s, label, 100)).toEqual({ low: 0, high: 0, atMostZero: 1 });
  });

  test("a clearly better method has an interval above zero that holds the point estimate, and it is reproducible", () => {
    const { label, score } = population(2000, 2);
    const [good, poor] = [score(1), score(4)];
    const margin = populationMetrics(good, label).auc - populationMetrics(poor, label).auc;
    const interval = marginInterval(good, poor, label, 300, 5);
    expect(interval.low).toBeGreaterThan(0);
    expect(interval.low).toBeLessThan(margin);
    expect(interval.high).toBeGreaterThan(margin);
    expect(interval.atMostZero).toBe(0);
    expect(marginInterval(good, poor, label, 300, 5)).toEqual(interval);
    // Swapping the methods mirrors the interval.
    const swapped = marginInterval(poor, good, label, 300, 5);
    expect(swapped.high).toBeCloseTo(-interval.low, 12);
    expect(swapped.atMostZero).toBe(1);
  });

  test("its width shrinks like one over the square root of the population", () => {
    const width = (n: number) => {
      const { label, score } = population(n, 3);
      const i = marginInterval(score(2), score(2.5), label, 300, 7);
      return i.high - i.low;
    };
    const ratio = width(500) / width(8000);
    expect(ratio).toBeGreaterThan(2.5);
    expect(ratio).toBeLessThan(6.5);
  });
});
