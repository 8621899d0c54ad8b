import { describe, expect, it } from "vitest";
import { forestOf } from "../../loaders/model/forest.js";
import {
  type FeatureMatrix,
  type Model,
  type Tree,
  Rng,
  featureMatrix,
  fitGBDT,
  logLossFromMargin,
  predictMargin,
  predictProba,
  resolveParams,
  shutdownWorkers,
  sigmoid,
} from "../../loaders/model/index.js";
import { accumulateMargins, sharedRowMajor } from "../../loaders/model/predict.js";

/** Feature 0 and 3 numeric; 1 categorical with integer categories (a dense table), 2 with fractional ones. */
const CATEGORIES = [null, Float64Array.of(0, 2, 3, 7), Float64Array.of(-1.5, 0.25, 3.75), null];
const N_FEATURES = CATEGORIES.length;

/** A value of feature f: missing (15%), an unknown category (10% of categorical values), or a grid value. */
function randomValue(rng: Rng, f: number): number {
  if (rng.next() < 0.15) return NaN;
  const cats = CATEGORIES[f];
  if (!cats) return -1 + rng.nextInt(9) * 0.25; // thresholds come from the same grid, so ties occur
  return rng.next() < 0.1 ? [5, 0.3, -2][rng.nextInt(3)] : cats[rng.nextInt(cats.length)];
}

/** A random tree (ids in pre-order, so children come after their parent), at most `maxDepth` deep. */
function randomTree(rng: Rng, maxDepth: number): Tree {
  const t = { left: [] as number[], right: [] as number[], feature: [] as number[], threshold: [] as number[] };
  const extra = { defaultLeft: [] as number[], catSet: [] as number[], catBits: [] as number[], value: [] as number[] };
  const grow = (depth: number): number => {
    const id = t.left.length;
    t.left.push(-1);
    t.right.push(-1);
    t.feature.push(-1);
    t.threshold.push(NaN);
    extra.defaultLeft.push(rng.next() < 0.5 ? 1 : 0);
    extra.catSet.push(-1);
    extra.value.push(rng.next() - 0.5);
    if (depth === maxDepth || rng.next() < 0.25) return id;
    const f = rng.nextInt(N_FEATURES);
    t.feature[id] = f;
    const cats = CATEGORIES[f];
    if (cats) {
      extra.catSet[id] = extra.catBits.length;
      const bits = Array.from({ length: 8 }, () => 0);
      for (let c = 0; c < cats.length; c++) if (rng.next() < 0.5) bits[0] |= 1 << c;
      extra.catBits.push(...bits);
    } else {
      t.threshold[id] = -1 + rng.nextInt(9) * 0.25;
    }
    t.left[id] = grow(depth + 1);
    t.right[id] = grow(depth + 1);
    return id;
  };
  grow(0);
  return {
    left: Int32Array.from(t.left),
    right: Int32Array.from(t.right),
    feature: Int32Array.from(t.feature),
    threshold: Float64Array.from(t.threshold),
    defaultLeft: Uint8Array.from(extra.defaultLeft),
    catSet: Int32Array.from(extra.catSet),
    catBits: Uint32Array.from(extra.catBits),
    value: Float64Array.from(extra.value),
    cover: Float64Array.from(extra.value, () => 1),
    gain: Float64Array.from(extra.value, () => 0),
  };
}

/** A model of random trees of depth up to 5, one of them a single leaf. */
function randomModel(seed: number, nTrees: number): Model {
  const rng = new Rng(seed);
  const trees = Array.from({ length: nTrees }, (_, k) => randomTree(rng, k === 1 ? 0 : 5));
  return {
    format: "customer-ai-gbdt",
    version: 1,
    nFeatures: N_FEATURES,
    featureNames: ["a", "b", "c", "d"],
    categorical: CATEGORIES.map((c) => c !== null),
    categories: CATEGORIES,
    baseScore: -0.75,
    trees,
    params: resolveParams({}),
    bestIteration: nTrees,
    history: { metric: "logloss", valid: [] },
  };
}

/** n rows of random values, row-major. */
function randomRows(seed: number, n: number): FeatureMatrix {
  const rng = new Rng(seed);
  const values = new Float64Array(n * N_FEATURES);
  for (let r = 0; r < n; r++) for (let f = 0; f < N_FEATURES; f++) values[r * N_FEATURES + f] = randomValue(rng, f);
  return featureMatrix(values, n, N_FEATURES);
}

/** The margin of one row by walking every tree naively on its raw values. */
function naiveMargin(model: Model, x: ArrayLike<number>): number {
  let m = model.baseScore;
  for (const t of model.trees) {
    let n = 0;
    while (t.left[n] >= 0) {
      const v = x[t.feature[n]];
      let goLeft: boolean;
      if (Number.isNaN(v)) {
        goLeft = t.defaultLeft[n] === 1;
      } else if (t.catSet[n] >= 0) {
        const c = model.categories[t.feature[n]]!.indexOf(v);
        goLeft = c < 0 ? t.defaultLeft[n] === 1 : ((t.catBits[t.catSet[n] + (c >>> 5)] >>> (c & 31)) & 1) === 1;
      } else {
        goLeft = v <= t.threshold[n];
      }
      n = goLeft ? t.left[n] : t.right[n];
    }
    m += t.value[n];
  }
  return m;
}

function naiveMargins(model: Model, X: FeatureMatrix): Float64Array {
  const F = X.nFeatures;
  return Float64Array.from({ length: X.nRows }, (_, r) => naiveMargin(model, X.values.subarray(r * F, (r + 1) * F)));
}

/** The same matrix, column-major. */
function columnMajor(X: FeatureMatrix): FeatureMatrix {
  const values = new Float64Array(X.values.length);
  for (let r = 0; r < X.nRows; r++) {
    for (let f = 0; f < X.nFeatures; f++) values[f * X.nRows + r] = X.values[r * X.nFeatures + f];
  }
  return featureMatrix(values, X.nRows, X.nFeatures, "column-major");
}

describe("prediction", () => {
  it("equals a naive walk of every tree, with missing values, unknown categories and ties at thresholds", () => {
    const model = randomModel(1, 25);
    expect(forestOf(model).maxDepth).toBeGreaterThan(3);
    // 5,003 rows: several blocks of rows, and rows left over after the four-row walk.
    const X = randomRows(2, 5003);
    const expected = naiveMargins(model, X);
    expect(predictMargin(model, X, { nThreads: 1 })).toEqual(expected);
    expect(predictProba(model, X, { nThreads: 1 })).toEqual(expected.map(sigmoid));
  });

  it("gives the same margins for any layout, element type and thread count", async () => {
    const model = randomModel(3, 12);
    const X = randomRows(4, 9001);
    const expected = naiveMargins(model, X);
    // Every value is exact in single precision (grid values and categories are multiples of 1/4).
    const single = featureMatrix(Float32Array.from(X.values), X.nRows, X.nFeatures);
    for (const input of [X, columnMajor(X), single]) {
      for (const nThreads of [1, 2]) expect(predictMargin(model, input, { nThreads })).toEqual(expected);
    }
    await shutdownWorkers();
  });

  it("adds a forest's leaves to running margins and returns their mean log-loss (validation tracking)", () => {
    const model = randomModel(5, 8);
    const X = sharedRowMajor(randomRows(6, 3000));
    const rng = new Rng(7);
    const y = Uint8Array.from({ length: X.nRows }, () => (rng.next() < 0.3 ? 1 : 0));
    const margin = Float64Array.from({ length: X.nRows }, () => rng.next() - 0.5);
    const before = margin.slice();
    const loss = accumulateMargins(forestOf(model), X, margin, y, 1);
    const walked = naiveMargins(model, X);
    for (let r = 0; r < X.nRows; r++) expect(margin[r]).toBeCloseTo(before[r] + walked[r] - model.baseScore, 12);
    expect(loss).toBeCloseTo(logLossFromMargin(y, margin), 12);
  });

  it("of a fitted model with categorical features equals the naive walk", () => {
    const train = randomRows(8, 3000);
    const rng = new Rng(9);
    const y = Uint8Array.from({ length: train.nRows }, (_, r) => {
      const x = train.values.subarray(r * N_FEATURES, (r + 1) * N_FEATURES);
      const logit = (x[0] > 0 ? 1 : -1) + (x[1] === 2 || x[1] === 7 ? 1.5 : -0.5) + (Number.isNaN(x[3]) ? 1 : 0);
      return rng.next() < sigmoid(logit) ? 1 : 0;
    });
    const categorical = [false, true, true, false];
    const model = fitGBDT(train, y, { nTrees: 20, maxDepth: 4, nThreads: 1 }, { categorical });
    expect(model.trees.some((t) => t.catSet.some((c) => c >= 0))).toBe(true);
    const X = randomRows(10, 2000);
    expect(predictMargin(model, X, { nThreads: 1 })).toEqual(naiveMargins(model, X));
  });
});
