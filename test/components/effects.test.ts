/** Effects for people: log-odds as percentage points, and directions that follow the goal. */
import { describe, expect, test } from "vitest";
import {
  effectColor,
  effectColorScale,
  effectContext,
  effectWords,
  formatPoints,
  logit,
  pointsOf,
  probabilityChange,
  sigmoid,
} from "../../components/effects.js";

describe("log-odds as percentage points", () => {
  test("a contribution moves a probability by the difference of the logistic curve", () => {
    expect(sigmoid(logit(0.3))).toBeCloseTo(0.3, 12);
    expect(probabilityChange(0.5, Math.log(3))).toBeCloseTo(0.25, 12); // odds 1 -> 3: 50% -> 75%
    expect(pointsOf(Math.log(3), 0.75)).toBeCloseTo(0.25, 12); // the same step, seen from where it ends
    expect(pointsOf(-Math.log(3), 0.25)).toBeCloseTo(-0.25, 12);
    expect(pointsOf(0, 0.4)).toBe(0);
  });

  test("points are written with their sign and sensible decimals", () => {
    expect(formatPoints(0.032)).toBe("+3.2 points");
    expect(formatPoints(-0.0004)).toBe("−0.04 points");
    expect(formatPoints(0.12)).toBe("+12 points");
    expect(formatPoints(0.01)).toBe("+1 point");
    expect(formatPoints(0.00001)).toBe("+<0.01 points");
    expect(formatPoints(0)).toBe("0 points");
    expect(formatPoints(Number.NaN)).toBe("–");
  });
});

describe("directions that follow the goal", () => {
  test("raising a conversion is good news, raising churn risk is bad news", () => {
    expect(effectWords(0.4, "conversion")).toBe("raises the likelihood");
    expect(effectWords(-0.4, "churn")).toBe("lowers the risk");
    expect(effectColor(0.4, "conversion")).toBe(effectColor(-0.4, "churn"));
    expect(effectColor(0.4, "churn")).toBe(effectColor(-0.4, "conversion"));
    expect(effectColor(0.4, "churn")).not.toBe(effectColor(0.4, "conversion"));
    const churn = effectColorScale("churn");
    expect(churn.domain).toEqual(["raises the risk", "lowers the risk"]);
    expect(churn.range).toEqual([effectColor(1, "churn"), effectColor(-1, "churn")]);
  });

  test("the context of an instance: the mean probability of everyone and of each bucket", () => {
    const context = effectContext({
      type: "churn",
      scored: 200,
      expectedPositives: 50,
      currency: "EUR",
      buckets: {
        rule: { on: "score", high: 75, medium: 25 },
        counts: [
          { bucket: "High", people: 0, meanProbability: 0 },
          { bucket: "Low", people: 200, meanProbability: 0.25 },
        ],
      },
    });
    expect(context).toEqual({ type: "churn", probability: 0.25, buckets: { Low: 0.25 }, currency: "EUR" });
  });
});
