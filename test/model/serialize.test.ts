import { describe, expect, it } from "vitest";
import {
  featureMatrix,
  fitGBDT,
  modelFromJSON,
  modelToJSON,
  predictMargin,
  treeShap,
} from "../../loaders/model/index.js";
import { lastWorkerError, workersAvailable } from "../../loaders/model/parallel.js";
import { Rng } from "../../loaders/model/rng.js";
import { decodeFloat64, encodeFloat64 } from "../../loaders/model/serialize.js";

function data(seed: number, n: number): { X: ReturnType<typeof featureMatrix>; y: Uint8Array } {
  const rng = new Rng(seed);
  const F = 4;
  const v = new Float64Array(n * F);
  const y = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    v[r * F] = rng.next() < 0.2 ? NaN : rng.next();
    v[r * F + 1] = Math.floor(rng.next() * 6);
    v[r * F + 2] = rng.next() * 100;
    v[r * F + 3] = rng.next() < 0.5 ? NaN : rng.next() - 0.5;
    const z = (v[r * F] > 0.5 ? 1 : -1) + (v[r * F + 1] === 3 ? 1.5 : 0) + (v[r * F + 3] !== v[r * F + 3] ? 0.5 : 0);
    y[r] = rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X: featureMatrix(v, n, F), y };
}

describe("serialisation", () => {
  it("round-trips base64 float arrays bit-exactly, NaN and infinities included", () => {
    const a = Float64Array.of(0, -0, 1.5, -1e-300, 1e300, NaN, Infinity, -Infinity, Math.PI, 5e-324);
    for (let len = 0; len <= a.length; len++) {
      const b = decodeFloat64(encodeFloat64(a.subarray(0, len)));
      expect(b.length).toBe(len);
      for (let i = 0; i < len; i++) expect(Object.is(b[i], a[i])).toBe(true);
    }
  });

  it("predicts and explains identically after a JSON round trip", () => {
    const { X, y } = data(1, 20_000);
    const model = fitGBDT(
      X,
      y,
      { nTrees: 25, maxDepth: 5, subsample: 0.8 },
      { categorical: [false, true, false, false], featureNames: ["a", "b", "c", "d"] },
    );
    const text = JSON.stringify(modelToJSON(model));
    const copy = modelFromJSON(text);
    expect(copy.featureNames).toEqual(["a", "b", "c", "d"]);
    expect(copy.categorical).toEqual([false, true, false, false]);
    expect(copy.params).toEqual(model.params);
    expect(JSON.stringify(modelToJSON(copy))).toBe(text);
    const test = data(2, 5000).X;
    const a = predictMargin(model, test);
    const b = predictMargin(copy, test);
    let diffs = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diffs++;
    expect(diffs).toBe(0);
    const rows = featureMatrix(test.values.subarray(0, 500 * 4), 500, 4);
    const s1 = treeShap(model, rows);
    const s2 = treeShap(copy, rows);
    expect(s2.base).toBe(s1.base);
    expect(s2.contributions.every((v, i) => v === s1.contributions[i])).toBe(true);
    // compact: well under the size of decimal text
    expect(text.length).toBeLessThan(model.trees.reduce((n, t) => n + t.left.length, 0) * 80);
  });

  it("rejects documents that are not models", () => {
    expect(() => modelFromJSON("{}")).toThrow(/not a customer-ai-gbdt/);
    const { X, y } = data(3, 500);
    const json = modelToJSON(fitGBDT(X, y, { nTrees: 2, maxDepth: 2 }));
    json.trees[0].left[0] = 0;
    expect(() => modelFromJSON(json)).toThrow(/malformed/);
  });

  it("runs every parallel kernel on worker threads in this runtime (no fallback)", () => {
    const { X, y } = data(4, 50_000);
    const model = fitGBDT(
      X,
      y,
      { nTrees: 3, nThreads: 2, subsample: 0.9 },
      { categorical: [false, true, false, false] },
    );
    predictMargin(model, X, { nThreads: 2 });
    treeShap(model, featureMatrix(X.values.subarray(0, 2000 * 4), 2000, 4), { nThreads: 2 });
    expect(lastWorkerError()).toBe("");
    expect(workersAvailable()).toBe(true);
  });
});
