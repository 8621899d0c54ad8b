/** The `score` command's closing summary: aligned columns with units, no index column, no quotes. */
import { describe, expect, test } from "vitest";
import { summaryTable } from "../../loaders/cli/summary.js";

describe("the score summary", () => {
  test("aligns numbers right and words left, with units and thousands separators", () => {
    const text = summaryTable([
      {
        name: "purchase",
        scored: 99202,
        rating: "Excellent",
        auc: 0.88684,
        recencyAuc: 0.687,
        rfmAuc: 0.801,
        ece: 0.009,
        seconds: 41.23,
      },
      {
        name: "churn",
        scored: 9177,
        rating: "Good",
        auc: 0.805,
        recencyAuc: 0.634,
        rfmAuc: Number.NaN,
        ece: 0.0201,
        seconds: 103.4,
      },
    ]);
    expect(text.split("\n")).toEqual([
      "instance  people scored  quality      AUC  recency AUC  RFM AUC  calibration error     time",
      "purchase         99,202  Excellent  0.887        0.687    0.801               0.9%   41.2 s",
      "churn             9,177  Good       0.805        0.634        –               2.0%  103.4 s",
    ]);
    expect(text).not.toMatch(/index|'|"/);
  });
});
