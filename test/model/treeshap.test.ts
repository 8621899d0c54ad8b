import { describe, expect, it } from "vitest";
import type { FeatureMatrix, Model, Tree } from "../../loaders/model/index.js";
import {
  expectedValue,
  featureMatrix,
  fitGBDT,
  predictMargin,
  resolveParams,
  treeShap,
} from "../../loaders/model/index.js";
import { Rng } from "../../loaders/model/rng.js";

const M = 6; // features
const CAT = M - 1; // the categorical feature, categories 0..4 (5 is never seen)

/** Does row x go left at `node`? (Independent reference of the library's decision rule.) */
function goesLeft(model: Model, t: Tree, node: number, x: ArrayLike<number>): boolean {
  const f = t.feature[node];
  const v = x[f];
  if (v !== v) return t.defaultLeft[node] === 1;
  if (t.catSet[node] >= 0) {
    const k = model.categories[f]!.indexOf(v);
    if (k < 0) return t.defaultLeft[node] === 1;
    return ((t.catBits[t.catSet[node] + (k >> 5)] >>> (k & 31)) & 1) === 1;
  }
  return v <= t.threshold[node];
}

/** E[tree(x) | x_S] with the path-dependent (cover-weighted) definition. */
function condExp(model: Model, t: Tree, node: number, x: ArrayLike<number>, S: boolean[]): number {
  const l = t.left[node];
  const r = t.right[node];
  if (l < 0) return t.value[node];
  if (S[t.feature[node]]) return condExp(model, t, goesLeft(model, t, node, x) ? l : r, x, S);
  return (t.cover[l] * condExp(model, t, l, x, S) + t.cover[r] * condExp(model, t, r, x, S)) / t.cover[node];
}

function value(model: Model, x: ArrayLike<number>, S: boolean[]): number {
  let v = model.baseScore;
  for (const t of model.trees) v += condExp(model, t, 0, x, S);
  return v;
}

/** Exact Shapley values by enumerating all feature subsets. */
function bruteForceShapley(model: Model, x: ArrayLike<number>): { base: number; phi: number[] } {
  const n = model.nFeatures;
  const fact = [1];
  for (let i = 1; i <= n; i++) fact.push(fact[i - 1] * i);
  const cache = new Map<number, number>();
  const v = (mask: number): number => {
    if (!cache.has(mask))
      cache.set(
        mask,
        value(
          model,
          x,
          Array.from({ length: n }, (_, f) => ((mask >> f) & 1) === 1),
        ),
      );
    return cache.get(mask)!;
  };
  const phi = new Array(n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let mask = 0; mask < 1 << n; mask++) {
      if ((mask >> i) & 1) continue;
      let s = 0;
      for (let f = 0; f < n; f++) s += (mask >> f) & 1;
      phi[i] += ((fact[s] * fact[n - s - 1]) / fact[n]) * (v(mask | (1 << i)) - v(mask));
    }
  }
  return { base: v(0), phi };
}

/** A random tree (children after parents, consistent covers) with numeric and categorical splits. */
function randomTree(rng: Rng, maxDepth: number): Tree {
  const nodes: {
    f: number;
    thr: number;
    dl: number;
    bits: number;
    l: number;
    r: number;
    value: number;
    cover: number;
  }[] = [];
  const build = (depth: number): number => {
    const id = nodes.length;
    nodes.push({
      f: -1,
      thr: NaN,
      dl: 0,
      bits: -1,
      l: -1,
      r: -1,
      value: rng.next() * 2 - 1,
      cover: 0.5 + rng.next() * 10,
    });
    if (depth < maxDepth && (depth < 2 || rng.next() < 0.75)) {
      const n = nodes[id];
      n.f = rng.nextInt(M);
      n.dl = rng.nextInt(2);
      if (n.f === CAT) n.bits = 1 + rng.nextInt(30);
      else n.thr = rng.next();
      n.l = build(depth + 1);
      n.r = build(depth + 1);
      n.cover = nodes[n.l].cover + nodes[n.r].cover;
    }
    return id;
  };
  build(0);
  const catSet: number[] = [];
  const catBits: number[] = [];
  for (const n of nodes) {
    if (n.bits >= 0) {
      catSet.push(catBits.length);
      catBits.push(n.bits, 0, 0, 0, 0, 0, 0, 0);
    } else {
      catSet.push(-1);
    }
  }
  return {
    left: Int32Array.from(nodes.map((n) => n.l)),
    right: Int32Array.from(nodes.map((n) => n.r)),
    feature: Int32Array.from(nodes.map((n) => n.f)),
    threshold: Float64Array.from(nodes.map((n) => n.thr)),
    defaultLeft: Uint8Array.from(nodes.map((n) => n.dl)),
    catSet: Int32Array.from(catSet),
    catBits: Uint32Array.from(catBits),
    value: Float64Array.from(nodes.map((n) => n.value)),
    cover: Float64Array.from(nodes.map((n) => n.cover)),
    gain: new Float64Array(nodes.length),
  };
}

function randomModel(seed: number, nTrees: number, depth: number): Model {
  const rng = new Rng(seed);
  const categorical = Array.from({ length: M }, (_, f) => f === CAT);
  return {
    format: "customer-ai-gbdt",
    version: 1,
    nFeatures: M,
    featureNames: Array.from({ length: M }, (_, f) => `f${f}`),
    categorical,
    categories: categorical.map((c) => (c ? Float64Array.of(0, 1, 2, 3, 4) : null)),
    baseScore: rng.next() - 0.5,
    trees: Array.from({ length: nTrees }, () => randomTree(rng, depth)),
    params: resolveParams({}),
    bestIteration: nTrees,
    history: { metric: "logloss", valid: [] },
  };
}

/** One tree that splits `depth` times in a chain, on a new feature each time (x_f <= 0.5 goes to a leaf). */
function chainModel(depth: number): Model {
  const n = 2 * depth + 1;
  const tree: Tree = {
    left: new Int32Array(n).fill(-1),
    right: new Int32Array(n).fill(-1),
    feature: new Int32Array(n).fill(-1),
    threshold: new Float64Array(n).fill(NaN),
    defaultLeft: new Uint8Array(n),
    catSet: new Int32Array(n).fill(-1),
    catBits: new Uint32Array(0),
    value: Float64Array.from({ length: n }, (_, i) => i / n - 0.5),
    cover: Float64Array.from({ length: n }, (_, i) => (i % 2 === 1 ? 1 : depth + 1 - i / 2)),
    gain: new Float64Array(n),
  };
  for (let f = 0; f < depth; f++) {
    const node = 2 * f;
    tree.feature[node] = f;
    tree.threshold[node] = 2;
    tree.left[node] = node + 1;
    tree.right[node] = node + 2;
  }
  return {
    ...randomModel(1, 0, 1),
    nFeatures: depth,
    featureNames: Array.from({ length: depth }, (_, f) => `f${f}`),
    categorical: new Array(depth).fill(false),
    categories: new Array(depth).fill(null),
    trees: [tree],
    bestIteration: 1,
  };
}

function randomRows(seed: number, n: number): FeatureMatrix {
  const rng = new Rng(seed);
  const v = new Float64Array(n * M);
  for (let i = 0; i < n * M; i++) {
    const f = i % M;
    if (rng.next() < 0.15) v[i] = NaN;
    else v[i] = f === CAT ? rng.nextInt(6) : rng.next();
  }
  return featureMatrix(v, n, M);
}

function expectMatchesBruteForce(model: Model, X: FeatureMatrix, nThreads: number): void {
  for (const method of ["auto", "recursive"] as const) expectMethodMatchesBruteForce(model, X, nThreads, method);
}

function expectMethodMatchesBruteForce(
  model: Model,
  X: FeatureMatrix,
  nThreads: number,
  method: "auto" | "recursive",
): void {
  const shap = treeShap(model, X, { nThreads, method });
  const margin = predictMargin(model, X);
  let worstShapley = 0;
  let worstSum = 0;
  for (let r = 0; r < X.nRows; r++) {
    const x = X.values.subarray(r * M, (r + 1) * M);
    const ref = bruteForceShapley(model, x);
    expect(Math.abs(shap.base - ref.base)).toBeLessThan(1e-9);
    let sum = shap.base;
    for (let f = 0; f < M; f++) {
      worstShapley = Math.max(worstShapley, Math.abs(shap.contributions[r * M + f] - ref.phi[f]));
      sum += shap.contributions[r * M + f];
    }
    worstSum = Math.max(worstSum, Math.abs(sum - margin[r]));
  }
  expect(worstShapley).toBeLessThan(1e-9);
  expect(worstSum).toBeLessThan(1e-9);
}

describe("TreeSHAP", () => {
  it("equals brute-force Shapley values on small random models (numeric, categorical, missing, repeated features)", () => {
    for (let seed = 1; seed <= 6; seed++) {
      expectMatchesBruteForce(randomModel(seed, 4, 2 + (seed % 4)), randomRows(100 + seed, 70), 1);
    }
  });

  it("equals brute-force Shapley values on fitted models, batched over worker threads", () => {
    const X = randomRows(7, 3000);
    const rng = new Rng(8);
    const y = new Uint8Array(X.nRows);
    for (let r = 0; r < X.nRows; r++) {
      const x = X.values.subarray(r * M, (r + 1) * M);
      const z = (x[0] > 0.5 ? 1 : -1) * (x[1] > 0.3 ? 1 : -1) + (x[CAT] === 2 ? 1.5 : 0) + (x[3] !== x[3] ? 1 : 0);
      y[r] = rng.next() < 1 / (1 + Math.exp(-2 * z)) ? 1 : 0;
    }
    const categorical = Array.from({ length: M }, (_, f) => f === CAT);
    const shallow = fitGBDT(X, y, { nTrees: 6, maxDepth: 3, nThreads: 1 }, { categorical });
    const depthwise = fitGBDT(X, y, { nTrees: 6, maxDepth: 5, nThreads: 1 }, { categorical });
    const lossguide = fitGBDT(
      X,
      y,
      { nTrees: 6, maxDepth: 0, maxLeaves: 12, growPolicy: "lossguide", nThreads: 1 },
      { categorical },
    );
    const rows = featureMatrix(X.values.subarray(0, 150 * M), 150, M);
    expectMatchesBruteForce(shallow, rows, 2);
    expectMatchesBruteForce(depthwise, rows, 2);
    expectMatchesBruteForce(lossguide, rows, 2);
  });

  it("adds up to the margin on every row, and its base is the cover-weighted expectation", () => {
    const model = randomModel(42, 50, 6);
    const X = randomRows(43, 2000);
    const shap = treeShap(model, X, { nThreads: 2 });
    const margin = predictMargin(model, X);
    let worst = 0;
    for (let r = 0; r < X.nRows; r++) {
      let s = shap.base;
      for (let f = 0; f < M; f++) s += shap.contributions[r * M + f];
      worst = Math.max(worst, Math.abs(s - margin[r]));
    }
    expect(worst).toBeLessThan(1e-9);
    expect(shap.base).toBeCloseTo(expectedValue(model), 12);
    expect(Math.abs(shap.base - value(model, X.values.subarray(0, M), new Array(M).fill(false)))).toBeLessThan(1e-9);
    // single-threaded gives bit-identical results
    const single = treeShap(model, X, { nThreads: 1 });
    let diffs = 0;
    for (let i = 0; i < single.contributions.length; i++)
      if (single.contributions[i] !== shap.contributions[i]) diffs++;
    expect(diffs).toBe(0);
  });

  it("uses whole-tree and leaf tables for shallow trees, and the recursive algorithm for deeper ones", () => {
    // Depth 4: trees with up to 10 splits get whole-tree tables, larger ones leaf tables.
    const model = randomModel(11, 40, 4);
    const X = randomRows(12, 500);
    const tables = treeShap(model, X, { nThreads: 2, method: "tables" });
    const recursive = treeShap(model, X, { nThreads: 2, method: "recursive" });
    let worst = 0;
    for (let i = 0; i < tables.contributions.length; i++)
      worst = Math.max(worst, Math.abs(tables.contributions[i] - recursive.contributions[i]));
    expect(worst).toBeLessThan(1e-12);
    // A chain of 5 splits on 5 distinct features is too deep for tables: the default method computes it
    // recursively (the same values as asking for that), and asking for tables says so.
    const deep = chainModel(5);
    const rows = featureMatrix(
      Float64Array.from({ length: 3 * 5 }, (_, i) => (i * 7) % 5),
      3,
      5,
    );
    expect(() => treeShap(deep, rows, { method: "tables" })).toThrow(/too deep/);
    expect(Array.from(treeShap(deep, rows).contributions)).toEqual(
      Array.from(treeShap(deep, rows, { method: "recursive" }).contributions),
    );
  });

  it("gives zero contribution to features the model never uses", () => {
    const model = randomModel(9, 10, 4);
    for (const t of model.trees) for (let n = 0; n < t.feature.length; n++) if (t.feature[n] === 2) t.feature[n] = 1;
    const shap = treeShap(model, randomRows(10, 100));
    for (let r = 0; r < 100; r++) expect(shap.contributions[r * M + 2]).toBe(0);
  });
});
