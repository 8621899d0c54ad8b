/** The non-drawing logic behind the insight pages: buckets of scores, the baselines in words. */
import { describe, expect, test } from "vitest";
import { bucketOfScores, chartWidth, labelMargin } from "../../components/chart-style.js";
import { modelAdds } from "../../components/quality.js";
import type { Evaluation, Metrics } from "../../loaders/pipeline/schema.js";

const metrics = (auc: number, logLoss: number, topDecileLift: number): Metrics => ({ auc, prAuc: 0.3, logLoss, brier: 0.05, ece: 0.01, topDecileLift });

describe("bucketOfScores", () => {
  test("a rule on the score applies to each score directly", () => {
    const buckets = bucketOfScores({ buckets: { rule: { on: "score", high: 75, medium: 25 }, counts: [] }, scoreHistogram: new Array(101).fill(1) });
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
    const buckets = bucketOfScores({ buckets: { rule: { on: "percentile", high: 91, medium: 51 }, counts: [] }, scoreHistogram: histogram });
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
    expect(modelAdds({ ...metrics(0.752, 0.28, 2.8), baselines })).toMatch(/^The model ranks people no better than the best baseline, RFM/);
    expect(modelAdds({ ...metrics(0.8, 0.24, 3.5), baselines: [] })).toBe("No baseline was measured in this run.");
  });
});
