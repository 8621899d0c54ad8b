/**
 * The flattened forest: all trees of a model in one set of typed arrays (on shared memory, so worker threads can
 * read them), laid out for branch-free traversal by the prediction and TreeSHAP kernels.
 */
import { sharedFloat64, sharedInt32 } from "./parallel.js";
import type { Model } from "./types.js";

/**
 * All trees of a model in flat arrays with global node ids, laid out for branch-free traversal: nodes of a tree
 * are renumbered breadth-first so that the right child is always `left + 1`, and a leaf points to itself with a
 * split that always goes "left" (feature 0, threshold +Infinity), so every row can take exactly `depth[t]` steps.
 */
export interface Forest {
  /** Number of trees. */
  nTrees: number;
  /** Global id of every tree's root. */
  roots: Int32Array;
  /** Depth (edges) of every tree. */
  depth: Int32Array;
  /** Left child (global id; the right child is `left + 1`); a leaf's own id. */
  left: Int32Array;
  /** Split feature (0 at leaves). */
  feature: Int32Array;
  /** Numeric threshold (`x <= threshold` goes left; +Infinity at leaves). */
  threshold: Float64Array;
  /** 1 when missing values go right. */
  missRight: Uint8Array;
  /** Offset of the categorical bit set in `catBits`, or -1. */
  catSet: Int32Array;
  /** Concatenated bit sets. */
  catBits: Uint32Array;
  /** Concatenated sorted category values of all categorical features. */
  catValues: Float64Array;
  /** Start of each feature's categories in `catValues`. */
  catStart: Int32Array;
  /** Number of categories of each feature (0 for numeric). */
  catCount: Int32Array;
  /**
   * Dense value-to-index tables for categorical features whose categories are all integers in [0, 4096)
   * (-1 = unknown); `catDenseSize[f]` is 0 when feature f uses binary search over `catValues` instead.
   */
  catDense: Int32Array;
  /** Start of each feature's dense table in `catDense`. */
  catDenseStart: Int32Array;
  /** Size of each feature's dense table (0 = none). */
  catDenseSize: Int32Array;
  /** Node value (leaf value at leaves). */
  value: Float64Array;
  /** Node cover (hessian sum). */
  cover: Float64Array;
  /** Maximum depth over trees. */
  maxDepth: number;
  /** Model base score (margin). */
  baseScore: number;
}

const forests = new WeakMap<Model, Forest>();

/**
 * The flattened forest of a model (built on first use and cached; trees must not be mutated afterwards).
 * @param model a fitted model
 */
export function forestOf(model: Model): Forest {
  let forest = forests.get(model);
  if (!forest) {
    forest = buildForest(model);
    forests.set(model, forest);
  }
  return forest;
}

function sharedArray<T extends Uint8Array | Uint32Array>(Ctor: new (b: ArrayBufferLike) => T, bytes: number, n: number): T {
  const size = Math.max(1, n) * bytes;
  return new Ctor(typeof SharedArrayBuffer !== "undefined" ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
}

/**
 * Flattens trees into a {@link Forest} (used for models and, during fitting, for single new trees).
 * @param model trees, categories of categorical features, number of features and base score
 */
export function buildForest(model: Pick<Model, "trees" | "categories" | "nFeatures" | "baseScore">): Forest {
  let nNodes = 0;
  let nBits = 0;
  for (const t of model.trees) {
    nNodes += t.left.length;
    nBits += t.catBits.length;
  }
  const nTrees = model.trees.length;
  const roots = sharedInt32(nTrees);
  const depth = sharedInt32(nTrees);
  const left = sharedInt32(nNodes);
  const feature = sharedInt32(nNodes);
  const catSet = sharedInt32(nNodes);
  const threshold = sharedFloat64(nNodes);
  const value = sharedFloat64(nNodes);
  const cover = sharedFloat64(nNodes);
  const missRight = sharedArray(Uint8Array, 1, nNodes);
  const catBits = sharedArray(Uint32Array, 4, nBits);
  let o = 0;
  let bo = 0;
  let maxDepth = 0;
  model.trees.forEach((t, ti) => {
    roots[ti] = o;
    depth[ti] = treeDepth(t.left, t.right);
    maxDepth = Math.max(maxDepth, depth[ti]);
    // Breadth-first renumbering: order[k] is the original id of new node k.
    const order = [0];
    const newId = new Int32Array(t.left.length);
    for (let k = 0; k < order.length; k++) {
      const old = order[k];
      newId[old] = k;
      if (t.left[old] >= 0) order.push(t.left[old], t.right[old]);
    }
    for (let k = 0; k < order.length; k++) {
      const old = order[k];
      const g = o + k;
      value[g] = t.value[old];
      cover[g] = t.cover[old];
      if (t.left[old] < 0) {
        left[g] = g;
        feature[g] = 0;
        threshold[g] = Infinity;
        missRight[g] = 0;
        catSet[g] = -1;
      } else {
        left[g] = o + newId[t.left[old]];
        feature[g] = t.feature[old];
        threshold[g] = t.catSet[old] >= 0 ? NaN : t.threshold[old];
        missRight[g] = t.defaultLeft[old] ? 0 : 1;
        catSet[g] = t.catSet[old] >= 0 ? t.catSet[old] + bo : -1;
      }
    }
    catBits.set(t.catBits, bo);
    o += order.length;
    bo += t.catBits.length;
  });
  const catStart = sharedInt32(model.nFeatures);
  const catCount = sharedInt32(model.nFeatures);
  let nCats = 0;
  model.categories.forEach((c) => (nCats += c ? c.length : 0));
  const catValues = sharedFloat64(Math.max(1, nCats));
  let co = 0;
  model.categories.forEach((c, f) => {
    catStart[f] = co;
    catCount[f] = c ? c.length : 0;
    if (c) catValues.set(c, co);
    co += c ? c.length : 0;
  });
  const catDenseStart = sharedInt32(model.nFeatures);
  const catDenseSize = sharedInt32(model.nFeatures);
  let nDense = 0;
  model.categories.forEach((c, f) => {
    if (!c || c.length === 0 || !c.every((v) => Number.isInteger(v) && v >= 0 && v < 4096)) return;
    catDenseStart[f] = nDense;
    catDenseSize[f] = c[c.length - 1] + 1;
    nDense += catDenseSize[f];
  });
  const catDense = sharedInt32(Math.max(1, nDense)).fill(-1);
  model.categories.forEach((c, f) => {
    if (c && catDenseSize[f] > 0) c.forEach((v, i) => (catDense[catDenseStart[f] + v] = i));
  });
  return {
    nTrees,
    roots,
    depth,
    left,
    feature,
    threshold,
    missRight,
    catSet,
    catBits,
    catValues,
    catStart,
    catCount,
    catDense,
    catDenseStart,
    catDenseSize,
    value,
    cover,
    maxDepth,
    baseScore: model.baseScore,
  };
}

/**
 * Depth (edges) of a tree given its child arrays (children have larger ids than parents).
 * @param left left children (-1 at leaves)
 * @param right right children
 */
export function treeDepth(left: Int32Array, right: Int32Array): number {
  const depth = new Int32Array(left.length);
  let max = 0;
  for (let i = 0; i < left.length; i++) {
    if (left[i] >= 0) {
      depth[left[i]] = depth[i] + 1;
      depth[right[i]] = depth[i] + 1;
      if (depth[i] + 1 > max) max = depth[i] + 1;
    }
  }
  return max;
}

