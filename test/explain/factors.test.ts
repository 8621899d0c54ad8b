/** Influential factors from contribution matrices. */
import { describe, expect, test } from "vitest";
import {
  type FactorFeature,
  bucketFactors,
  globalImportance,
  importanceOf,
  topFactors,
  valueInWords,
  valueRanges,
} from "../../loaders/explain/factors.js";

const features: FactorFeature[] = [
  { name: "days_since_last_purchase", label: "Days since last purchase", kind: "numeric", unit: "days" },
  { name: "tier", label: "Loyalty tier", kind: "categorical", categories: ["none", "gold"] },
  { name: "open_rate", label: "Email open rate", kind: "numeric", unit: "share" },
];

describe("factor texts", () => {
  test("values read in words by unit", () => {
    expect(valueInWords(features[0]!, 3)).toBe("3 days");
    expect(valueInWords(features[0]!, 1)).toBe("1 day");
    expect(valueInWords(features[0]!, NaN)).toBe("never");
    expect(valueInWords(features[1]!, 1)).toBe("gold");
    expect(valueInWords(features[2]!, 0.3512)).toBe("35.12%");
    expect(valueInWords({ name: "m", label: "Spend", kind: "numeric", unit: "money" }, 12.5)).toBe("12.50");
  });

  test("importance follows the documented thresholds", () => {
    expect([0.6, -0.5, 0.2, -0.15, 0.1].map(importanceOf)).toEqual(["high", "high", "medium", "medium", "low"]);
  });
});

describe("top and global factors", () => {
  // Two people, three features; contributions row-major.
  const contributions = Float64Array.from([0.1, -0.9, 0.3, /* person 2 */ 0.05, 0.0, -0.2]);
  const values = [Float64Array.from([3, 40]), Float64Array.from([1, 0]), Float64Array.from([0.5, NaN])];

  test("each person's factors are ranked by |contribution|", () => {
    const top = topFactors(contributions, values, 2);
    expect(Array.from(top.person)).toEqual([0, 0, 1, 1]);
    expect(Array.from(top.feature)).toEqual([1, 2, 2, 0]);
    expect(Array.from(top.rank)).toEqual([1, 2, 1, 2]);
    expect(top.contribution[0]).toBeCloseTo(-0.9, 6);
    expect(Array.from(top.value)).toEqual([1, 0.5, NaN, 40]);
  });

  test("picks the same factors as sorting every feature, ties by lower feature index", () => {
    // 300 people x 40 features, many exact zeros and repeated magnitudes of both signs.
    const nPeople = 300;
    const nFeatures = 40;
    const c = new Float64Array(nPeople * nFeatures);
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < c.length; i++) c[i] = next() < 0.6 ? 0 : ((next() < 0.5 ? -1 : 1) * Math.round(next() * 5)) / 4;
    const vals = Array.from({ length: nFeatures }, (_, f) =>
      Float64Array.from({ length: nPeople }, (_, i) => i * 100 + f),
    );
    for (const k of [1, 3, 10, 40, 50]) {
      const top = topFactors(c, vals, k);
      const kk = Math.min(k, nFeatures);
      for (let i = 0; i < nPeople; i++) {
        const sorted = Array.from({ length: nFeatures }, (_, f) => f).sort(
          (a, b) => Math.abs(c[i * nFeatures + b]!) - Math.abs(c[i * nFeatures + a]!) || a - b,
        );
        expect(Array.from(top.feature.subarray(i * kk, (i + 1) * kk))).toEqual(sorted.slice(0, kk));
      }
    }
  });

  test("global importance is the mean |contribution|", () => {
    const g = globalImportance(contributions, 3);
    expect(Array.from(g).map((x) => +x.toFixed(6))).toEqual([0.075, 0.45, 0.25]);
  });

  test("bucket factors rank by importance in the bucket and report coverage and distributions", () => {
    const top = topFactors(contributions, values, 1);
    const perBucket = bucketFactors(contributions, values, features, Uint8Array.from([0, 0]), top, 3, 2);
    expect(perBucket[0]!.map((f) => f.feature)).toEqual([1, 2]);
    expect(perBucket[0]![0]!.coverage).toBe(0.5);
    expect(perBucket[0]![1]!.distribution.missing).toBe(0.5);
    expect(perBucket[0]![0]!.distribution.categories).toEqual([
      { category: "none", share: 0.5 },
      { category: "gold", share: 0.5 },
    ]);
    expect(perBucket[1]).toEqual([]);
  });
});

describe("value ranges", () => {
  test("people in each range are compared with the average probability", () => {
    const values = Float64Array.from([1, 2, 3, 4, NaN, NaN]);
    const probability = Float64Array.from([0.4, 0.4, 0.1, 0.1, 0.0, 0.2]);
    const ranges = valueRanges(features[0]!, values, probability, 2);
    expect(ranges.map((r) => r.range)).toEqual(["1 day to 3 days", "3 days to 4 days", "never"]);
    // Probabilities are summed exactly in units of 2^-30 (mergeable across shards): equal to about 1e-9.
    expect(ranges[0]!.relative).toBeCloseTo(0.4 / 0.2, 8);
    expect(ranges[2]!.people).toBe(2);
  });
});
