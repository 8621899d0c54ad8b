/** Population stability index: hand-worked values, bins, missing values and the usual reading. */
import { describe, expect, it } from "vitest";
import { categoricalPsi, decileEdges, driftLevel, numericPsi, psiOfShares } from "../../loaders/history/drift.js";

describe("population stability index", () => {
  it("matches the formula on shares worked by hand", () => {
    // (0.3 - 0.5) ln(0.3 / 0.5) + (0.7 - 0.5) ln(0.7 / 0.5)
    expect(psiOfShares([0.5, 0.5], [0.3, 0.7])).toBeCloseTo(-0.2 * Math.log(0.6) + 0.2 * Math.log(1.4), 12);
    // An empty bin counts as a share of 1e-4, so the index stays finite.
    expect(psiOfShares([1, 0], [0.5, 0.5])).toBeCloseTo(-0.5 * Math.log(0.5) + (0.5 - 1e-4) * Math.log(0.5 / 1e-4), 12);
  });

  it("is exactly 0 for identical distributions and grows with a shift", () => {
    const before = Array.from({ length: 1000 }, (_, i) => i / 1000);
    expect(numericPsi(before, before)).toBe(0);
    expect(numericPsi(before, [...before].reverse())).toBe(0);
    const small = numericPsi(
      before,
      before.map((v) => v + 0.02),
    );
    const large = numericPsi(
      before,
      before.map((v) => v + 0.3),
    );
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(small);
    expect(driftLevel(small)).toBe("stable");
    expect(driftLevel(large)).toBe("act");
  });

  it("bins numbers by the earlier run's distinct deciles, missing values apart", () => {
    expect(decileEdges([1, 1, 1, 1, 1, 1, 1, 1, 2, 3])).toEqual([1, 2, 3]);
    expect(decileEdges([NaN, NaN])).toEqual([]);
    // Half the people losing their value is a shift even when the known values keep their distribution.
    const before = Array.from({ length: 100 }, (_, i) => i);
    const now = before.map((v, i) => (i % 2 ? Number.NaN : v));
    expect(numericPsi(before, now)).toBeGreaterThan(0.25);
  });

  it("compares categories by code, missing as a category", () => {
    expect(categoricalPsi([0, 1, 1, NaN], [1, 0, NaN, 1])).toBe(0);
    expect(categoricalPsi([0, 0, 1, 1], [0, 1, 1, 1])).toBeCloseTo(-0.25 * Math.log(0.5) + 0.25 * Math.log(1.5), 12);
  });

  it("reads below 0.1 as stable, 0.1 to 0.25 as worth watching, 0.25 or more as retrain", () => {
    expect([0, 0.099, 0.1, 0.249, 0.25, 3].map(driftLevel)).toEqual([
      "stable",
      "stable",
      "watch",
      "watch",
      "act",
      "act",
    ]);
  });
});
