/** The metrics of `bench:real`: unscored people count, ranked last and tied among themselves. */
import { describe, expect, test } from "vitest";
import { bestPeer, populationMetrics, rankUnscoredLast } from "../../bench/real-metrics.js";

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
