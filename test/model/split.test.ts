import { describe, expect, it } from "vitest";
import { FEATURE_STRIDE } from "../../loaders/model/histogram.js";
import { featureMatrix, fitGBDT, predictMargin } from "../../loaders/model/index.js";
import { Rng } from "../../loaders/model/rng.js";
import { MIN_GAIN, findBestSplit, leafWeight, splitGain } from "../../loaders/model/split.js";

const P = { lambda: 1, minChildWeight: 0, minSplitGain: 0, catSmooth: 0, minGain: MIN_GAIN };

/** A one-feature histogram from (bin, g, h) triples. */
function histogram(cells: [number, number, number][]): Float64Array {
  const hist = new Float64Array(FEATURE_STRIDE);
  for (const [b, g, h] of cells) {
    hist[2 * b] += g;
    hist[2 * b + 1] += h;
  }
  return hist;
}

function totals(cells: [number, number, number][]): [number, number] {
  return [cells.reduce((a, c) => a + c[1], 0), cells.reduce((a, c) => a + c[2], 0)];
}

describe("split finding", () => {
  it("computes XGBoost's gain and picks the best threshold (checked by hand)", () => {
    // bins 0..3 with (G, H): (-4, 2), (-2, 2), (3, 2), (5, 2); lambda = 1.
    const cells: [number, number, number][] = [
      [0, -4, 2],
      [1, -2, 2],
      [2, 3, 2],
      [3, 5, 2],
    ];
    const [G, H] = totals(cells);
    const s = findBestSplit(histogram(cells), 0, Int32Array.of(0), Uint16Array.of(4), [false], G, H, P);
    // Threshold after bin 1: left (-6, 4), right (8, 4): 36/5 + 64/5 - 4/9.
    const hand = 36 / 5 + 64 / 5 - 4 / 9;
    expect(s.feature).toBe(0);
    expect(s.bin).toBe(1);
    expect(s.gain).toBeCloseTo(hand, 12);
    expect(splitGain(-6, 4, 8, 4, 1)).toBeCloseTo(hand, 12);
    // the other thresholds are worse
    expect(splitGain(-4, 2, 6, 6, 1)).toBeLessThan(hand);
    expect(splitGain(-3, 6, 5, 2, 1)).toBeLessThan(hand);
    expect([s.gl, s.hl, s.gr, s.hr]).toEqual([-6, 4, 8, 4]);
    expect(leafWeight(-6, 4, 1)).toBeCloseTo(6 / 5, 12);
  });

  it("respects min child weight and min split gain", () => {
    const cells: [number, number, number][] = [
      [0, -4, 0.5],
      [1, 1, 3],
      [2, 1, 3],
    ];
    const [G, H] = totals(cells);
    const free = findBestSplit(histogram(cells), 0, Int32Array.of(0), Uint16Array.of(3), [false], G, H, P);
    expect(free.bin).toBe(0);
    const heavy = findBestSplit(histogram(cells), 0, Int32Array.of(0), Uint16Array.of(3), [false], G, H, {
      ...P,
      minChildWeight: 1,
    });
    expect(heavy.bin).toBe(1); // bin 0 alone has hessian 0.5 < 1
    const none = findBestSplit(histogram(cells), 0, Int32Array.of(0), Uint16Array.of(3), [false], G, H, {
      ...P,
      minSplitGain: 1e6,
    });
    expect(none.feature).toBe(-1);
  });

  it("learns the direction of missing values from the histogram", () => {
    // Missing rows (bin 255) look like the high bins: they should go right with them.
    const cells: [number, number, number][] = [
      [0, -5, 3],
      [1, -5, 3],
      [2, 5, 3],
      [3, 5, 3],
      [255, 6, 3],
    ];
    const [G, H] = totals(cells);
    const s = findBestSplit(histogram(cells), 0, Int32Array.of(0), Uint16Array.of(4), [false], G, H, P);
    expect(s.bin).toBe(1);
    expect(s.defaultLeft).toBe(false);
    expect(s.gain).toBeCloseTo(splitGain(-10, 6, 16, 9, 1), 12);
    // Mirror: missing rows look like the low bins.
    const mirrored = cells.map(([b, g, h]) => [b, b === 255 ? -6 : g, h] as [number, number, number]);
    const [G2, H2] = totals(mirrored);
    const m = findBestSplit(histogram(mirrored), 0, Int32Array.of(0), Uint16Array.of(4), [false], G2, H2, P);
    expect(m.bin).toBe(1);
    expect(m.defaultLeft).toBe(true);
    expect(m.gain).toBeCloseTo(splitGain(-16, 9, 10, 6, 1), 12);
  });

  it("finds the optimal category partition", () => {
    // categories 0..3: 0 and 2 are negative-gradient (positive-leaning), 1 and 3 positive-gradient.
    const cells: [number, number, number][] = [
      [0, -3, 2],
      [1, 3, 2],
      [2, -3, 2],
      [3, 3, 2],
    ];
    const [G, H] = totals(cells);
    const s = findBestSplit(histogram(cells), 0, Int32Array.of(0), Uint16Array.of(4), [true], G, H, P);
    expect(s.catBits).not.toBeNull();
    const left = [0, 1, 2, 3].filter((c) => (s.catBits![0] >>> c) & 1);
    expect(left).toEqual([0, 2]);
    expect(s.gain).toBeCloseTo(splitGain(-6, 4, 6, 4, 1), 12);
  });

  it("sends missing values where they belong in a fitted model", () => {
    const rng = new Rng(2);
    const n = 4000;
    const v = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const missing = rng.next() < 0.25;
      v[i] = missing ? NaN : rng.next();
      y[i] = missing || v[i] > 0.5 ? 1 : 0;
    }
    const model = fitGBDT(featureMatrix(v, n, 1), y, { nTrees: 5, maxDepth: 1, nThreads: 1 });
    const root = model.trees[0];
    expect(root.feature[0]).toBe(0);
    expect(root.threshold[0]).toBeGreaterThan(0.45);
    expect(root.threshold[0]).toBeLessThan(0.55);
    expect(root.defaultLeft[0]).toBe(0);
    const m = predictMargin(model, featureMatrix(Float64Array.of(NaN, 0.9, 0.1), 3, 1));
    expect(m[0]).toBeCloseTo(m[1], 12);
    expect(m[0]).toBeGreaterThan(m[2]);
  });
});
