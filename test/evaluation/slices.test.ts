/** Slices of the test by a categorical attribute: counts, merged small groups, and flags. */
import { describe, expect, it } from "vitest";
import { auc } from "../../loaders/evaluation/metrics.js";
import { MIN_SLICE_PEOPLE, sliceBy } from "../../loaders/evaluation/slices.js";

describe("sliceBy", () => {
  it("measures each large group, merges the small ones and flags a group the model ranks badly", () => {
    // Group A (code 0): 200 people ranked perfectly; group B (code 1): 150 people ranked backwards;
    // group C (code 2): 30 people and 20 without a value: merged / "Not known" kept apart only when large.
    const codes: number[] = [];
    const probability: number[] = [];
    const label: number[] = [];
    const add = (code: number, n: number, score: (i: number, y: number) => number) => {
      for (let i = 0; i < n; i++) {
        const y = i % 2;
        codes.push(code);
        label.push(y);
        probability.push(score(i, y));
      }
    };
    add(0, 200, (i, y) => (y ? 0.6 + i / 1000 : 0.4 - i / 1000));
    add(1, 150, (i, y) => (y ? 0.45 - i / 1000 : 0.55 + i / 1000));
    add(2, 30, () => 0.5);
    add(Number.NaN, 20, () => 0.5);
    const outcomes = { probability: Float64Array.from(probability), label: Uint8Array.from(label) };
    const overall = auc(outcomes);
    const slice = sliceBy(7, codes, ["A", "B", "C"], outcomes);
    expect(slice.feature).toBe(7);
    expect(slice.groups.map((g) => [g.category, g.people, g.positives])).toEqual([
      ["A", 200, 100],
      ["B", 150, 75],
      ["Other (small groups)", 50, 25],
    ]);
    expect(slice.merged.sort()).toEqual(["C", "Not known"]);
    expect(slice.smallestGroup).toBe(50);
    expect(slice.groups[0]!.auc).toBe(1);
    expect(slice.groups[0]!.flags).toEqual([]);
    expect(slice.groups[1]!.auc).toBe(0);
    expect(slice.groups[1]!.flags[0]).toMatch(
      /ranks worse than within the other groups \(AUC 0\.000 against 0\.\d{3} within groups\)/,
    );
    // The reference: pairs within the same group only (A's 100 x 100 pairs ranked right, B's 75 x 75 wrong, the
    // small groups' 25 x 25 tied).
    expect(slice.withinAuc).toBeCloseTo(
      (100 * 100 * 1 + 75 * 75 * 0 + 25 * 25 * 0.5) / (100 * 100 + 75 * 75 + 25 * 25),
      12,
    );
    expect(overall).toBeGreaterThan(slice.withinAuc - 1);
    expect(slice.groups[2]!.auc).toBe(0.5);
    expect(MIN_SLICE_PEOPLE).toBe(100);
  });

  it("does not flag the groups of an attribute that itself tells people apart, nor a gap within chance", () => {
    // Two tiers with very different rates (10% and 50%), each ranked about as well inside: every group's AUC is below the whole
    // test's (the tier separates people too), and no group is worse than the other.
    const probability: number[] = [];
    const label: number[] = [];
    const codes: number[] = [];
    for (const [code, base, shift, spread, every] of [
      [0, 0.05, 0.03, 0.1, 10],
      [1, 0.4, 0.06, 0.2, 2],
    ] as const) {
      for (let i = 0; i < 400; i++) {
        const y = i % every === 0 ? 1 : 0;
        codes.push(code);
        label.push(y);
        probability.push(base + shift * y + (spread * ((i * 37) % 100)) / 100);
      }
    }
    const outcomes = { probability: Float64Array.from(probability), label: Uint8Array.from(label) };
    const slice = sliceBy(2, codes, ["silver", "gold"], outcomes);
    expect(slice.groups.every((g) => g.auc < auc(outcomes))).toBe(true);
    expect(slice.groups.flatMap((g) => g.flags)).toEqual([]);
  });

  it("flags a group whose predictions are far from its actual rate", () => {
    const n = 400;
    const label = Uint8Array.from({ length: n }, (_, i) => (i < 40 ? 1 : 0));
    const probability = Float64Array.from({ length: n }, (_, i) => (i < 200 ? 0.3 : 0.1) + (label[i] ? 0.01 : 0));
    const codes = Array.from({ length: n }, (_, i) => (i < 200 ? 0 : 1));
    const slice = sliceBy(0, codes, ["over", "fine"], { probability, label });
    expect(slice.groups.find((g) => g.category === "over")!.flags.join()).toMatch(
      /over-predicts \(30\.\d% predicted, 20\.0% actual\)/,
    );
  });
});
