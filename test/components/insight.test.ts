/** The non-drawing logic behind the insight pages: buckets of scores, the baselines in words. */
import { describe, expect, test } from "vitest";
import { bucketPanels } from "../../components/charts-overview.js";
import { wilson } from "../../components/charts-quality.js";
import { calibrationInWords, modelAdds } from "../../components/quality.js";
import { bucketOfScores, chartWidth, labelMargin } from "../../components/chart-style.js";
import type { Evaluation, Metrics } from "../../loaders/contract/schema.js";

const metrics = (auc: number, logLoss: number, topDecileLift: number): Metrics => ({
  auc,
  prAuc: 0.3,
  logLoss,
  brier: 0.05,
  ece: 0.01,
  topDecileLift,
});

describe("bucketOfScores", () => {
  test("a rule on the score applies to each score directly", () => {
    const buckets = bucketOfScores({
      buckets: { rule: { on: "score", high: 75, medium: 25 }, counts: [] },
      scoreHistogram: new Array(101).fill(1),
    });
    expect(buckets[24]).toBe("Low");
    expect(buckets[25]).toBe("Medium");
    expect(buckets[74]).toBe("Medium");
    expect(buckets[75]).toBe("High");
  });

  test("a rule on the percentile goes through the histogram", () => {
    // 100 people: 50 at score 1, 40 at score 10, 10 at score 60 → percentiles 50, 90, 100.
    const histogram = new Array(101).fill(0);
    histogram[1] = 50;
    histogram[10] = 40;
    histogram[60] = 10;
    const buckets = bucketOfScores({
      buckets: { rule: { on: "percentile", high: 91, medium: 51 }, counts: [] },
      scoreHistogram: histogram,
    });
    expect([buckets[1], buckets[10], buckets[60]]).toEqual(["Low", "Medium", "High"]);
  });
});

describe("chart sizes", () => {
  test("charts never draw narrower than the minimum", () => {
    expect(chartWidth(0)).toBe(240);
    expect(chartWidth(NaN)).toBe(240);
    expect(chartWidth(800.7)).toBe(800);
  });

  test("label margins grow with the labels up to ~40% of the width", () => {
    expect(labelMargin(["High"], 1000).marginLeft).toBeLessThan(120);
    expect(labelMargin(["x".repeat(200)], 1000).marginLeft).toBe(400);
  });
});

describe("modelAdds", () => {
  const baselines: Evaluation["baselines"] = [
    { name: "recency", label: "Recency only", ...metrics(0.7, 0.3, 2.1) },
    { name: "rfm", label: "RFM", ...metrics(0.75, 0.27, 2.8) },
  ];

  test("names the best baseline and the gains over it", () => {
    const text = modelAdds({ ...metrics(0.8, 0.24, 3.5), baselines });
    expect(text).toContain("0.050 above the best baseline, RFM (0.750)");
    expect(text).toContain("0.100 above Recency only (0.700)");
    expect(text).toContain("3.5 times the average outcome rate, against 2.8 for RFM");
    expect(text).toContain("log-loss 0.240 against 0.270");
  });

  test("says so plainly when a baseline does as well", () => {
    expect(modelAdds({ ...metrics(0.752, 0.28, 2.8), baselines })).toMatch(
      /^The model ranks people no better than the best baseline, RFM/,
    );
    expect(modelAdds({ ...metrics(0.8, 0.24, 3.5), baselines: [] })).toBe("No baseline was measured in this run.");
  });
});

describe("the score distribution's panels", () => {
  test("one stretch of scores per bucket, lowest first, with its people", () => {
    const scoreHistogram = Array.from({ length: 101 }, (_, score) => (score < 25 ? 100 : score < 75 ? 10 : 1));
    const panels = bucketPanels({
      scoreHistogram,
      buckets: { rule: { on: "score", high: 75, medium: 25 }, counts: [] },
    });
    expect(panels.map((p) => [p.bucket, p.from, p.to, p.people])).toEqual([
      ["Low", 0, 24, 2500],
      ["Medium", 25, 74, 500],
      ["High", 75, 100, 26],
    ]);
    expect(panels.reduce((t, p) => t + p.bars.length, 0)).toBe(101);
  });
});

describe("calibration in words", () => {
  const bins = (observed: number) => [
    { bin: 0, count: 900, predicted: 0.02, observed: 0.02, low: 0, high: 0.05 },
    { bin: 1, count: 100, predicted: 0.6, observed, low: 0.3, high: 0.95 },
  ];
  const evaluation = (observed: number, baseRate: number) => ({
    calibration: [],
    calibrationDetail: bins(observed),
    baseRate,
    testExamples: 1000,
  });

  test("says whether the model under- or over-predicts, and by how much", () => {
    // Predicted on average: 0.9 * 0.02 + 0.1 * 0.6 = 7.8%.
    expect(calibrationInWords(evaluation(0.8, 0.098))).toContain(
      "the model under-predicts: it expected 7.8% of the people to have the outcome and 9.8% did, 2 points more (26% above the prediction)",
    );
    expect(calibrationInWords(evaluation(0.4, 0.058))).toContain(
      "the model over-predicts: it expected 7.8% of the people to have the outcome and 5.8% did, 2 points fewer (26% below the prediction)",
    );
    expect(calibrationInWords(evaluation(0.6, 0.079))).toContain("predictions matched what happened");
  });

  test("checks the highest probabilities with an interval", () => {
    const [lo, hi] = wilson(80, 100);
    expect(lo).toBeCloseTo(0.711, 3);
    expect(hi).toBeCloseTo(0.867, 3);
    expect(calibrationInWords(evaluation(0.8, 0.098))).toContain(
      "Among the 10% with the highest probabilities (100 people, 60% predicted on average), 80% did (95% interval 71% to 87%).",
    );
  });
});
