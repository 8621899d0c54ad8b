/**
 * The flattened forest: all trees of a model in one set of typed arrays (on shared memory, so worker threads can
 * read them), laid out for branch-free traversal by the prediction and TreeSHAP kernels.
 */
import { sharedFloat64, sharedInt32 } from "./parallel.js";
import type { Model, Tree } from "./types.js";

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

/** An array of `n` elements (at least one) of `bytes` bytes each, on shared memory when available. */
function sharedArray<T extends Uint8Array | Uint32Array>(
  Ctor: new (b: ArrayBufferLike) => T,
  bytes: number,
  n: number,
): T {
  const size = Math.max(1, n) * bytes;
  return new Ctor(typeof SharedArrayBuffer !== "undefined" ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
}

/**
 * Flattens trees into a {@link Forest} (used for models and, during fitting, for single new trees).
 * @param model trees, categories of categorical features, number of features and base score
 */
export function buildForest(model: Pick<Model, "trees" | "categories" | "nFeatures" | "baseScore">): Forest {
  const nodes = flattenTrees(model.trees);
  const { catValues, catStart, catCount } = categoryLists(model.categories, model.nFeatures);
  const { catDense, catDenseStart, catDenseSize } = denseCategoryTables(model.categories, model.nFeatures);
  return {
    nTrees: nodes.nTrees,
    roots: nodes.roots,
    depth: nodes.depth,
    left: nodes.left,
    feature: nodes.feature,
    threshold: nodes.threshold,
    missRight: nodes.missRight,
    catSet: nodes.catSet,
    catBits: nodes.catBits,
    catValues,
    catStart,
    catCount,
    catDense,
    catDenseStart,
    catDenseSize,
    value: nodes.value,
    cover: nodes.cover,
    maxDepth: nodes.maxDepth,
    baseScore: model.baseScore,
  };
}

/** The trees and nodes of a {@link Forest} (all but its category tables and base score). */
type ForestNodes = Omit<Forest, CategoryField | "baseScore">;

/** The category tables of a {@link Forest}. */
type CategoryField = "catValues" | "catStart" | "catCount" | "catDense" | "catDenseStart" | "catDenseSize";

/** All trees' nodes in shared arrays, each tree renumbered breadth-first (see {@link Forest}). */
function flattenTrees(trees: Tree[]): ForestNodes {
  let nNodes = 0;
  let nBits = 0;
  for (const t of trees) {
    nNodes += t.left.length;
    nBits += t.catBits.length;
  }
  const nodes: ForestNodes = {
    nTrees: trees.length,
    roots: sharedInt32(trees.length),
    depth: sharedInt32(trees.length),
    left: sharedInt32(nNodes),
    feature: sharedInt32(nNodes),
    catSet: sharedInt32(nNodes),
    threshold: sharedFloat64(nNodes),
    value: sharedFloat64(nNodes),
    cover: sharedFloat64(nNodes),
    missRight: sharedArray(Uint8Array, 1, nNodes),
    catBits: sharedArray(Uint32Array, 4, nBits),
    maxDepth: 0,
  };
  let o = 0;
  let bo = 0;
  trees.forEach((t, ti) => {
    nodes.roots[ti] = o;
    nodes.depth[ti] = treeDepth(t.left, t.right);
    nodes.maxDepth = Math.max(nodes.maxDepth, nodes.depth[ti]);
    const order = breadthFirstOrder(t);
    copyTree(t, order, nodes, o, bo);
    nodes.catBits.set(t.catBits, bo);
    o += order.length;
    bo += t.catBits.length;
  });
  return nodes;
}

/** The node ids of a tree in breadth-first order (children in left, right order). */
function breadthFirstOrder(t: Tree): number[] {
  const order = [0];
  for (let k = 0; k < order.length; k++) {
    const old = order[k];
    if (t.left[old] >= 0) order.push(t.left[old], t.right[old]);
  }
  return order;
}

/**
 * Copies tree `t` into the forest's node arrays from global id `o`, node `order[k]` to `o + k`; its categorical
 * bit sets start at `bo` in the forest's `catBits`. A leaf points to itself with a split that always goes left.
 */
function copyTree(t: Tree, order: number[], nodes: ForestNodes, o: number, bo: number): void {
  const newId = new Int32Array(t.left.length);
  order.forEach((old, k) => (newId[old] = k));
  for (let k = 0; k < order.length; k++) {
    const old = order[k];
    const g = o + k;
    nodes.value[g] = t.value[old];
    nodes.cover[g] = t.cover[old];
    if (t.left[old] < 0) {
      nodes.left[g] = g;
      nodes.feature[g] = 0;
      nodes.threshold[g] = Infinity;
      nodes.missRight[g] = 0;
      nodes.catSet[g] = -1;
    } else {
      nodes.left[g] = o + newId[t.left[old]];
      nodes.feature[g] = t.feature[old];
      nodes.threshold[g] = t.catSet[old] >= 0 ? NaN : t.threshold[old];
      nodes.missRight[g] = t.defaultLeft[old] ? 0 : 1;
      nodes.catSet[g] = t.catSet[old] >= 0 ? t.catSet[old] + bo : -1;
    }
  }
}

/** Every categorical feature's sorted category values, concatenated, with each feature's start and count. */
function categoryLists(
  categories: (Float64Array | null)[],
  nFeatures: number,
): Pick<Forest, "catValues" | "catStart" | "catCount"> {
  const catStart = sharedInt32(nFeatures);
  const catCount = sharedInt32(nFeatures);
  let nCats = 0;
  categories.forEach((c) => (nCats += c ? c.length : 0));
  const catValues = sharedFloat64(Math.max(1, nCats));
  let co = 0;
  categories.forEach((c, f) => {
    catStart[f] = co;
    catCount[f] = c ? c.length : 0;
    if (c) catValues.set(c, co);
    co += c ? c.length : 0;
  });
  return { catValues, catStart, catCount };
}

/**
 * Value-to-index tables of the categorical features whose categories are all integers in [0, 4096) (-1 for
 * values that are not categories); the other features get none (size 0) and use binary search.
 */
function denseCategoryTables(
  categories: (Float64Array | null)[],
  nFeatures: number,
): Pick<Forest, "catDense" | "catDenseStart" | "catDenseSize"> {
  const catDenseStart = sharedInt32(nFeatures);
  const catDenseSize = sharedInt32(nFeatures);
  let nDense = 0;
  categories.forEach((c, f) => {
    if (!c || c.length === 0 || !c.every((v) => Number.isInteger(v) && v >= 0 && v < 4096)) return;
    catDenseStart[f] = nDense;
    catDenseSize[f] = c[c.length - 1] + 1;
    nDense += catDenseSize[f];
  });
  const catDense = sharedInt32(Math.max(1, nDense)).fill(-1);
  categories.forEach((c, f) => {
    if (c && catDenseSize[f] > 0) c.forEach((v, i) => (catDense[catDenseStart[f] + v] = i));
  });
  return { catDense, catDenseStart, catDenseSize };
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
