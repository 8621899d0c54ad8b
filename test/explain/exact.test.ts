/**
 * Mergeable statistics: exact sums equal a BigInt brute force in any order and split, and the summaries, value cells
 * and samples of parts of the people merge into those of everyone.
 */
import { describe, expect, test } from "vitest";
import { ExactSums, UNIT, quantise } from "../../loaders/explain/exact.js";
import { type FactorFeature, FactorSummary, ValueCells, cellOf, topFactors } from "../../loaders/explain/factors.js";
import { personHash, sampleRows } from "../../loaders/explain/sample.js";

/** A seeded generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values of very different sizes: tiny, ordinary log-odds, and some beyond 2^12 (the direct BigInt path). */
function values(n: number, seed: number): number[] {
  const r = random(seed);
  return Array.from({ length: n }, (_, i) => {
    const sign = r() < 0.5 ? -1 : 1;
    const size = i % 97 === 0 ? 5000 + r() * 1e6 : i % 7 === 0 ? r() * 1e-7 : r() * 3;
    return sign * size;
  });
}

const shuffled = <T>(xs: readonly T[], seed: number): T[] => {
  const r = random(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
};

describe("exact sums", () => {
  test("quantising is symmetric: |q(x)| = q(|x|), halves away from zero", () => {
    for (const x of [0.5 / UNIT, 1.5 / UNIT, 2.5 / UNIT, 0.1, 3.75, 1e-12]) expect(quantise(-x)).toBe(-quantise(x));
    expect(quantise(0.5 / UNIT)).toBe(1);
    expect(quantise(2.5 / UNIT)).toBe(3);
  });

  test("equal to a BigInt brute force, in any order and split into any parts", () => {
    const xs = values(200_000, 1);
    const brute = xs.reduce((t, x) => t + BigInt(quantise(x)), 0n);
    const whole = new ExactSums(1);
    for (const x of xs) whole.add(0, x);
    expect(whole.units(0)).toBe(brute);
    expect(whole.value(0)).toBe(Number(brute) / UNIT);
    // Another order, in 5 parts of uneven sizes merged through JSON.
    const order = shuffled(xs, 2);
    const cuts = [0, 13, 40_000, 40_001, 150_000, order.length];
    const merged = new ExactSums(1);
    for (let k = 0; k + 1 < cuts.length; k++) {
      const part = new ExactSums(1);
      for (const x of order.slice(cuts[k], cuts[k + 1])) part.add(0, x);
      merged.merge(ExactSums.fromJSON(JSON.parse(JSON.stringify(part.toJSON())) as string[]));
    }
    expect(merged.units(0)).toBe(brute);
    // A plain double sum depends on the order (which is why shards could not reproduce it).
    const plain = (ys: number[]) => ys.reduce((t, y) => t + y, 0);
    expect(plain(xs)).not.toBe(plain(order));
  });

  test("carries keep sums beyond 2^53 units exact", () => {
    const sums = new ExactSums(2);
    const big = 4000; // 4000 * 2^30 units each: the double part alone would lose units after ~2^11 adds
    for (let i = 0; i < 100_000; i++) {
      sums.add(0, big + 1 / UNIT);
      sums.add(1, -(big + 1 / UNIT));
    }
    const expected = 100_000n * (4000n * BigInt(UNIT) + 1n);
    expect(sums.units(0)).toBe(expected);
    expect(sums.units(1)).toBe(-expected);
  });
});

describe("mergeable summaries", () => {
  const F = 4;
  const n = 3000;
  const r = random(7);
  const contributions = Float64Array.from({ length: n * F }, () => (r() - 0.5) * 2);
  const columns = Array.from({ length: F }, (_, f) =>
    Float64Array.from({ length: n }, () => (r() < 0.1 ? NaN : f === 3 ? Math.floor(r() * 3) : r() * 400)),
  );
  const group = Uint8Array.from({ length: n }, () => Math.floor(r() * 101));
  const probability = Float64Array.from({ length: n }, () => r());
  const feature: FactorFeature = { name: "x", label: "X", kind: "numeric", unit: "money" };

  test("factor summaries of parts merge into the summary of everyone", () => {
    const whole = new FactorSummary(F, 101);
    whole.add(contributions, group, topFactors(contributions, columns, 2));
    const merged = new FactorSummary(F, 101);
    for (const [from, to] of [
      [0, 1000],
      [1000, 1001],
      [1001, n],
    ] as const) {
      const part = new FactorSummary(F, 101);
      const c = contributions.subarray(from * F, to * F);
      part.add(
        c,
        group.subarray(from, to),
        topFactors(
          c,
          columns.map((v) => v.subarray(from, to)),
          2,
        ),
      );
      merged.merge(FactorSummary.fromJSON(JSON.parse(JSON.stringify(part.toJSON()))));
    }
    expect(merged.toJSON()).toEqual(whole.toJSON());
    const buckets = Array.from({ length: 101 }, (_, s) => (s >= 75 ? 0 : s >= 25 ? 1 : 2));
    expect(merged.regroup(buckets, 3).ranked(3)).toEqual(whole.regroup(buckets, 3).ranked(3));
    expect(
      whole
        .regroup(buckets, 3)
        .bucketSizes()
        .reduce((a, b) => a + b, 0),
    ).toBe(n);
  });

  test("value cells of parts merge into everyone's, with the same ranges", () => {
    const whole = new ValueCells(feature);
    whole.add(columns[0]!, probability);
    const merged = new ValueCells(feature);
    for (const [from, to] of [
      [0, 2000],
      [2000, n],
    ] as const) {
      const part = new ValueCells(feature);
      part.add(columns[0]!.subarray(from, to), probability.subarray(from, to));
      merged.merge(ValueCells.fromJSON(feature, JSON.parse(JSON.stringify(part.toJSON()))));
    }
    expect(merged.toJSON()).toEqual(whole.toJSON());
    expect(merged.ranges()).toEqual(whole.ranges());
    expect(whole.ranges().reduce((t, g) => t + g.people, 0)).toBe(n);
  });

  test("cells: two significant digits, integers below 100 as they are", () => {
    expect([3.14159, 1234, 0.0456, 37, -2.26, 99.5, 0, Number.NaN].map((x) => cellOf(feature, x))).toEqual([
      3.1,
      1200,
      0.046,
      37,
      -2.3,
      100,
      0,
      Number.NaN,
    ]);
  });

  test("the k smallest hashes of everyone are the k smallest of the parts' k smallest", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `person-${i}`);
    const whole = sampleRows(ids, 300).map((i) => ids[i]!);
    const parts = [0, 1, 2].map((s) => ids.filter((id) => personHash(id) % 3 === s));
    const candidates = parts.flatMap((p) => sampleRows(p, 300).map((i) => p[i]!));
    expect(sampleRows(candidates, 300).map((i) => candidates[i]!)).toEqual(whole);
    expect(new Set(whole).size).toBe(300);
  });
});
