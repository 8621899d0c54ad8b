import { describe, expect, it } from "vitest";
import { MISSING_BIN, binMatrix, binThreshold, boundsFromSorted, fitBinMapper } from "../../loaders/model/binning.js";
import { sharedUint8 } from "../../loaders/model/parallel.js";
import { Rng } from "../../loaders/model/rng.js";
import { featureMatrix } from "../../loaders/model/types.js";

const opts = { maxBins: 255, sampleSize: 1_000_000, seed: 1 };

/** Number of positions where two equally long arrays differ (cheap to assert on large arrays). */
function countDiffs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}

/** One-column matrix. */
function column(values: number[]): ReturnType<typeof featureMatrix> {
  return featureMatrix(Float64Array.from(values), values.length, 1);
}

describe("binning", () => {
  it("gives every distinct value its own bin when there are few, with midpoint bounds", () => {
    const X = column([3, 1, 2, 2, 3, 1, 10]);
    const m = fitBinMapper(X, opts);
    expect(m.nBins[0]).toBe(4);
    expect(Array.from(m.bounds[0])).toEqual([1.5, 2.5, 6.5]);
    expect(Array.from(binMatrix(m, X))).toEqual([2, 0, 1, 1, 2, 0, 3]);
  });

  it("never splits tied values across bins and gives a heavy tie its own bin", () => {
    const rng = new Rng(3);
    // 60% zeros (a count feature), the rest spread over 5000 distinct values.
    const values = Array.from({ length: 20_000 }, () => (rng.next() < 0.6 ? 0 : 1 + Math.floor(rng.next() * 5000)));
    const X = column(values);
    const m = fitBinMapper(X, { ...opts, maxBins: 32 });
    expect(m.nBins[0]).toBeLessThanOrEqual(32);
    const bins = binMatrix(m, X);
    const binOf = new Map<number, number>();
    values.forEach((v, i) => {
      if (binOf.has(v)) expect(bins[i]).toBe(binOf.get(v));
      binOf.set(v, bins[i]);
    });
    // zero is alone in bin 0
    const inZeroBin = values.filter((_, i) => bins[i] === 0);
    expect(new Set(inZeroBin)).toEqual(new Set([0]));
    // the other bins are roughly balanced (greedy equal-count cuts)
    const counts = new Array(m.nBins[0]).fill(0);
    bins.forEach((b) => counts[b]++);
    const rest = counts.slice(1);
    expect(Math.max(...rest) / Math.min(...rest)).toBeLessThan(3);
  });

  it("bounds from sorted values respect maxBins and the tie structure", () => {
    const sorted = Float64Array.from([1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const b = boundsFromSorted(sorted, 4);
    expect(b.length).toBeLessThanOrEqual(3);
    expect(b[0]).toBe(1.5); // the tied value 1 (half the data) is a bin on its own
    expect(Array.from(boundsFromSorted(new Float64Array(0), 4))).toEqual([]);
  });

  it("maps NaN to the missing bin and ignores it when learning bounds", () => {
    const X = column([NaN, 1, NaN, 2, 3]);
    const m = fitBinMapper(X, opts);
    expect(m.nBins[0]).toBe(3);
    expect(Array.from(binMatrix(m, X))).toEqual([MISSING_BIN, 0, MISSING_BIN, 1, 2]);
    const allMissing = fitBinMapper(column([NaN, NaN]), opts);
    expect(allMissing.nBins[0]).toBe(0);
    expect(Array.from(binMatrix(allMissing, column([NaN, 5])))).toEqual([MISSING_BIN, 0]);
  });

  it("puts a constant feature in a single bin (so it can never be split on)", () => {
    const X = column([7, 7, 7, 7]);
    const m = fitBinMapper(X, opts);
    expect(m.nBins[0]).toBe(1);
    expect(m.bounds[0].length).toBe(0);
    expect(Array.from(binMatrix(m, column([7, -100, 100, NaN])))).toEqual([0, 0, 0, MISSING_BIN]);
  });

  it("makes the binned split 'bin <= s' identical to the raw split 'x <= threshold'", () => {
    const rng = new Rng(11);
    const n = 5000;
    const vals = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      vals[2 * i] = rng.next() < 0.1 ? NaN : Math.round(rng.next() * 1e4) / 100;
      vals[2 * i + 1] = Math.exp(3 * rng.next());
    }
    const X = featureMatrix(vals, n, 2);
    const m = fitBinMapper(X, { ...opts, maxBins: 64, sampleSize: 1000 });
    const bins = binMatrix(m, X);
    for (let f = 0; f < 2; f++) {
      for (let s = 0; s < m.nBins[f]; s++) {
        const t = binThreshold(m, f, s);
        let mismatches = 0;
        for (let i = 0; i < n; i++) {
          const x = vals[2 * i + f];
          if (x === x && bins[2 * i + f] <= s !== x <= t) mismatches++;
        }
        expect(mismatches).toBe(0);
      }
    }
  });

  it("bins categorical features by category, sending unknown categories to the missing bin", () => {
    const X = column([5, 2, 9, 2, NaN, 5]);
    const m = fitBinMapper(X, { ...opts, categorical: [true] });
    expect(Array.from(m.categories[0]!)).toEqual([2, 5, 9]);
    expect(Array.from(binMatrix(m, column([2, 5, 9, 7, NaN])))).toEqual([0, 1, 2, MISSING_BIN, MISSING_BIN]);
  });

  it("gives the same bins for row-major and column-major input, single- or multi-threaded", () => {
    const rng = new Rng(5);
    const n = 70_000;
    const F = 3;
    const rowMajor = new Float32Array(n * F);
    for (let i = 0; i < n * F; i++) rowMajor[i] = rng.next() < 0.05 ? NaN : Math.floor(rng.next() * 1000) / 7;
    const colMajor = new Float32Array(n * F);
    for (let r = 0; r < n; r++) for (let f = 0; f < F; f++) colMajor[f * n + r] = rowMajor[r * F + f];
    const A = featureMatrix(rowMajor, n, F);
    const B = featureMatrix(colMajor, n, F, "column-major");
    const m1 = fitBinMapper(A, { ...opts, sampleSize: 20_000 });
    const m2 = fitBinMapper(B, { ...opts, sampleSize: 20_000, nThreads: 2 });
    expect(m2.bounds.map((b) => Array.from(b))).toEqual(m1.bounds.map((b) => Array.from(b)));
    const cols = sharedUint8(n * F);
    const b1 = binMatrix(m1, A);
    const b2 = binMatrix(m1, B, sharedUint8(n * F), { nThreads: 2, columns: cols });
    expect(countDiffs(b2, b1)).toBe(0);
    let colDiffs = 0;
    for (let r = 0; r < n; r++) for (let f = 0; f < F; f++) if (cols[f * n + r] !== b1[r * F + f]) colDiffs++;
    expect(colDiffs).toBe(0);
  });
});
