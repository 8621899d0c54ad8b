import { describe, expect, it } from "vitest";
import type { FeatureMatrix, Model } from "../../loaders/model/index.js";
import {
  featureImportance,
  featureMatrix,
  fitGBDT,
  logLossFromMargin,
  predictMargin,
  predictProba,
  rocAuc,
} from "../../loaders/model/index.js";
import { Rng } from "../../loaders/model/rng.js";

/** n rows of f uniform(-1, 1) features and labels drawn from sigmoid(logit(x)). */
function dataset(
  seed: number,
  n: number,
  f: number,
  logit: (x: Float64Array) => number,
): { X: FeatureMatrix; y: Uint8Array } {
  const rng = new Rng(seed);
  const v = new Float64Array(n * f);
  const y = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const x = v.subarray(r * f, (r + 1) * f);
    for (let j = 0; j < f; j++) x[j] = 2 * rng.next() - 1;
    y[r] = rng.next() < 1 / (1 + Math.exp(-logit(x))) ? 1 : 0;
  }
  return { X: featureMatrix(v, n, f), y };
}

function sameTrees(a: Model, b: Model): boolean {
  if (a.trees.length !== b.trees.length || a.baseScore !== b.baseScore) return false;
  return a.trees.every((t, i) => {
    const u = b.trees[i];
    return (
      ["left", "right", "feature", "threshold", "defaultLeft", "catSet", "catBits", "value", "cover", "gain"] as const
    ).every((k) => t[k].length === u[k].length && t[k].every((x, j) => Object.is(x, u[k][j])));
  });
}

describe("gradient boosting", () => {
  it("learns XOR, which no single split can", () => {
    const logit = (x: Float64Array): number => (x[0] > 0 !== x[1] > 0 ? 4 : -4);
    const train = dataset(1, 4000, 4, logit);
    const test = dataset(2, 4000, 4, logit);
    const model = fitGBDT(train.X, train.y, { nTrees: 40, maxDepth: 3 });
    const auc = rocAuc(test.y, predictMargin(model, test.X));
    expect(auc).toBeGreaterThan(0.95);
    const stump = fitGBDT(train.X, train.y, { nTrees: 40, maxDepth: 1 });
    expect(rocAuc(test.y, predictMargin(stump, test.X))).toBeLessThan(0.6);
  });

  it("recovers a monotone signal", () => {
    const logit = (x: Float64Array): number => 3 * x[0];
    const train = dataset(3, 6000, 3, logit);
    const model = fitGBDT(train.X, train.y, { nTrees: 60, maxDepth: 2, learningRate: 0.1 });
    const grid = new Float64Array(101 * 3);
    for (let i = 0; i <= 100; i++) grid[3 * i] = -1 + i / 50;
    const p = predictProba(model, featureMatrix(grid, 101, 3));
    // close to the true probability curve, and non-decreasing overall (pairs of grid points 0.1 apart)
    let err = 0;
    let concordant = 0;
    let pairs = 0;
    for (let i = 0; i <= 100; i++) {
      err += Math.abs(p[i] - 1 / (1 + Math.exp(-3 * grid[3 * i]))) / 101;
      for (let j = i + 5; j <= 100; j++, pairs++) if (p[j] >= p[i]) concordant++;
    }
    expect(err).toBeLessThan(0.05);
    expect(concordant / pairs).toBeGreaterThan(0.97);
    expect(p[100] - p[0]).toBeGreaterThan(0.8);
    const imp = featureImportance(model);
    expect(imp.totalGain[0]).toBeGreaterThan(10 * Math.max(imp.totalGain[1], imp.totalGain[2]));
    expect(imp.splits.reduce((a, b) => a + b, 0)).toBe(
      model.trees.reduce((a, t) => a + t.left.filter((l) => l >= 0).length, 0),
    );
  });

  it("finds nothing in pure noise (test AUC ~0.5)", () => {
    const train = dataset(4, 5000, 5, () => -1);
    const test = dataset(5, 20000, 5, () => -1);
    const model = fitGBDT(train.X, train.y, { nTrees: 30, maxDepth: 3 });
    const auc = rocAuc(test.y, predictMargin(model, test.X));
    expect(Math.abs(auc - 0.5)).toBeLessThan(0.03);
  });

  it("starts from the class prior", () => {
    const { X, y } = dataset(6, 1000, 2, () => -2);
    const model = fitGBDT(X, y, { nTrees: 0 });
    const rate = y.reduce((a, b) => a + b, 0) / y.length;
    expect(model.baseScore).toBeCloseTo(Math.log(rate / (1 - rate)), 12);
    expect(Array.from(predictProba(model, X).subarray(0, 3)).every((p) => Math.abs(p - rate) < 1e-12)).toBe(true);
  });

  it("stops early when the validation loss stops improving and keeps the best round", () => {
    const logit = (x: Float64Array): number => 2 * x[0];
    const train = dataset(7, 600, 8, logit);
    const valid = dataset(8, 600, 8, logit);
    const model = fitGBDT(
      train.X,
      train.y,
      { nTrees: 500, maxDepth: 6, learningRate: 0.3, minChildWeight: 0, earlyStoppingRounds: 10 },
      { validation: valid },
    );
    const h = model.history.valid;
    expect(h.length).toBeLessThan(500);
    const best = h.indexOf(Math.min(...h));
    expect(h.length).toBe(best + 1 + 10);
    expect(model.trees.length).toBe(best + 1);
    expect(model.bestIteration).toBe(best + 1);
    // the kept model's validation loss is the recorded best
    expect(logLossFromMargin(valid.y, predictMargin(model, valid.X))).toBeCloseTo(h[best], 10);
    const auc = fitGBDT(
      train.X,
      train.y,
      { nTrees: 500, learningRate: 0.3, earlyStoppingRounds: 5, earlyStoppingMetric: "auc" },
      { validation: valid },
    );
    expect(auc.trees.length).toBeLessThan(500);
  });

  it("with a tolerance, counts only rounds that beat the best loss by more than that share as improvements", () => {
    const logit = (x: Float64Array): number => 2 * x[0] + x[1];
    const train = dataset(7, 3000, 8, logit);
    const valid = dataset(8, 3000, 8, logit);
    const params = { nTrees: 300, maxDepth: 3, learningRate: 0.1, earlyStoppingRounds: 10 };
    const exact = fitGBDT(train.X, train.y, params, { validation: valid });
    const tolerant = fitGBDT(train.X, train.y, { ...params, earlyStoppingTolerance: 0.01 }, { validation: valid });
    expect(tolerant.trees.length).toBeLessThan(exact.trees.length);
    // Replay the rule on the recorded history: the kept round is the last one that improved by more than 1%.
    const h = tolerant.history.valid;
    let best = 0;
    for (let k = 1; k < h.length; k++) if (h[k] < h[best] * (1 - 0.01)) best = k;
    expect(tolerant.bestIteration).toBe(best + 1);
    expect(h.length).toBe(best + 1 + 10);
  });

  it("is deterministic for a seed, whatever the number of threads", () => {
    const logit = (x: Float64Array): number => x[0] + x[1] * x[2];
    const { X, y } = dataset(9, 40_000, 6, logit);
    const params = { nTrees: 15, maxDepth: 5, subsample: 0.7, colsampleByTree: 0.8, colsampleByNode: 0.8, seed: 11 };
    const a = fitGBDT(X, y, { ...params, nThreads: 1 });
    const b = fitGBDT(X, y, { ...params, nThreads: 2 });
    const c = fitGBDT(X, y, { ...params, nThreads: 2 });
    expect(sameTrees(a, b)).toBe(true);
    expect(sameTrees(b, c)).toBe(true);
    const other = fitGBDT(X, y, { ...params, seed: 12, nThreads: 2 });
    expect(sameTrees(a, other)).toBe(false);
  });

  it("grows best-first trees within maxLeaves", () => {
    const { X, y } = dataset(10, 5000, 4, (x) => 2 * x[0] - x[1] + (x[2] > 0.5 ? 1 : 0));
    const model = fitGBDT(X, y, { nTrees: 10, growPolicy: "lossguide", maxDepth: 0, maxLeaves: 7 });
    for (const t of model.trees) expect(t.left.filter((l) => l < 0).length).toBeLessThanOrEqual(7);
    expect(model.trees.some((t) => t.left.filter((l) => l < 0).length === 7)).toBe(true);
  });

  it("handles categorical features natively (optimal partitions, unknown categories follow missing values)", () => {
    const rng = new Rng(12);
    const n = 6000;
    const v = new Float64Array(n * 2);
    const y = new Uint8Array(n);
    const good = new Set([1, 4, 7, 12]);
    for (let r = 0; r < n; r++) {
      v[2 * r] = Math.floor(rng.next() * 15);
      v[2 * r + 1] = rng.next();
      y[r] = rng.next() < (good.has(v[2 * r]) ? 0.8 : 0.1) ? 1 : 0;
    }
    const X = featureMatrix(v, n, 2);
    const model = fitGBDT(X, y, { nTrees: 20, maxDepth: 2 }, { categorical: [true, false] });
    expect(model.trees[0].catSet[0]).toBeGreaterThanOrEqual(0);
    const grid = Float64Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? i / 2 : 0.5));
    const p = predictProba(model, featureMatrix(grid, 15, 2));
    for (let c = 0; c < 15; c++) expect(p[c] > 0.5).toBe(good.has(c));
    const unknown = predictMargin(model, featureMatrix(Float64Array.of(99, 0.5, NaN, 0.5), 2, 2));
    expect(unknown[0]).toBe(unknown[1]);
  });

  it("predicts the same from row-major, column-major, Float32 and Float64 input, on any thread count", () => {
    const { X, y } = dataset(13, 20_000, 5, (x) => x[0] - x[3]);
    const model = fitGBDT(X, y, { nTrees: 20, maxDepth: 4 });
    const n = X.nRows;
    const col = new Float64Array(n * 5);
    for (let r = 0; r < n; r++) for (let f = 0; f < 5; f++) col[f * n + r] = X.values[r * 5 + f];
    const f32 = Float32Array.from(X.values);
    const a = predictMargin(model, X, { nThreads: 1 });
    const b = predictMargin(model, featureMatrix(col, n, 5, "column-major"), { nThreads: 2 });
    const c = predictMargin(model, featureMatrix(f32, n, 5), { nThreads: 2 });
    const d = predictMargin(model, featureMatrix(Float64Array.from(f32), n, 5), { nThreads: 1 });
    expect(a.every((m, i) => m === b[i])).toBe(true);
    expect(c.every((m, i) => m === d[i])).toBe(true);
  });

  it("rejects invalid inputs", () => {
    const { X, y } = dataset(14, 100, 2, () => 0);
    expect(() => fitGBDT(X, y, { learningRate: 0 })).toThrow(/learningRate/);
    expect(() => fitGBDT(X, y, { maxDepth: 0, maxLeaves: 0 })).toThrow(/maxDepth/);
    expect(() => fitGBDT(X, y, { maxBins: 256 })).toThrow(/maxBins/);
    expect(() =>
      fitGBDT(
        X,
        Uint8Array.from(y, (v) => v * 2),
      ),
    ).toThrow(/not 0\/1/);
    expect(() => fitGBDT(X, y.subarray(1))).toThrow(/labels/);
    expect(() => predictMargin(fitGBDT(X, y, { nTrees: 1 }), featureMatrix(new Float64Array(3), 1, 3))).toThrow(
      /features/,
    );
  });
});
