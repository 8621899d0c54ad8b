/**
 * Batch prediction over flat matrices.
 *
 * Trees are flattened once per model into one "forest" of typed arrays (cached, on shared memory) and rows are
 * scored by a self-contained kernel that also runs on worker threads. Any {@link FeatureMatrix} layout is accepted;
 * row-major is the fast one (a row's features are contiguous). Rows are processed in blocks: the calling thread
 * reads its blocks in place, and blocks for workers are staged (as row-major copies) in reusable shared buffers,
 * so memory stays bounded whatever the matrix size.
 */
import type { KernelSpec } from "./parallel.js";
import { resolveThreads, runItems, sharedFloat32, sharedFloat64, sharedInt32, workersAvailable } from "./parallel.js";
import { sigmoid } from "./loss.js";
import type { FeatureMatrix, Model } from "./types.js";
import { strides } from "./types.js";

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

/** Rows handed to a row kernel (work item k = rows [rowBegin + k·blockRows, ...) up to rowEnd), plus the forest. */
export interface RowShare extends Forest {
  /** Cell values. */
  values: Float64Array | Float32Array;
  /** Stride between rows in `values`. */
  rowStride: number;
  /** Stride between features in `values`. */
  colStride: number;
  /** First row (in `values`). */
  rowBegin: number;
  /** End row (exclusive). */
  rowEnd: number;
  /** Rows per work item. */
  blockRows: number;
  /** Output array. */
  out: Float64Array;
  /** Output row of `rowBegin`. */
  outBegin: number;
  /** Number of features (row width of SHAP output). */
  nFeatures: number;
}

/**
 * Category index of value `x` of categorical feature `f` in a forest (-1 when unknown or missing). Self-contained:
 * used by the prediction and TreeSHAP kernels.
 */
export function forestCategory(s: Forest, f: number, x: number): number {
  const ds = s.catDenseSize[f];
  if (ds > 0) {
    const xi = x | 0;
    return xi === x && xi >= 0 && xi < ds ? s.catDense[s.catDenseStart[f] + xi] : -1;
  }
  if (x !== x) return -1;
  const cv = s.catValues;
  const c0 = s.catStart[f];
  let lo = c0;
  let hi = c0 + s.catCount[f] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cv[mid] < x) lo = mid + 1;
    else if (cv[mid] > x) hi = mid - 1;
    else return mid - c0;
  }
  return -1;
}

/** Arguments of {@link predictKernel}: rows and forest plus the accumulation mode. */
export interface PredictShare extends RowShare {
  /** 0: `out = baseScore + Σ leaves`; 1: `out += Σ leaves` (adding trees to running margins). */
  accumulate: number;
  /** Labels; when non-empty, item k also writes its rows' summed log-loss to `loss[k]`. */
  y: Uint8Array;
  /** Per-item log-loss sums (see `y`). */
  loss: Float64Array;
}

/**
 * Margins of the rows of work item `item`: `out[outBegin + r - rowBegin] = baseScore + Σ leaf values`.
 * Each tree is walked for exactly `depth[t]` steps with a branch-free child choice (`left + goRight`) for numeric
 * splits, which measured faster than both branchy and level-by-level blocked traversals. Self-contained.
 * @param s the rows and forest
 * @param item the block of rows
 */
export function predictKernel(s: PredictShare, item: number): void {
  const values = s.values;
  const left = s.left;
  const feature = s.feature;
  const threshold = s.threshold;
  const missRight = s.missRight;
  const catSet = s.catSet;
  const catBits = s.catBits;
  const value = s.value;
  const roots = s.roots;
  const depth = s.depth;
  const rs = s.rowStride;
  const cs = s.colStride;
  const nTrees = s.nTrees;
  const out = s.out;
  const withLoss = s.y.length > 0;
  let loss = 0;
  const rEnd = Math.min(s.rowEnd, s.rowBegin + (item + 1) * s.blockRows);
  for (let r = s.rowBegin + item * s.blockRows; r < rEnd; r++) {
    const ro = r * rs;
    let m = s.baseScore;
    for (let t = 0; t < nTrees; t++) {
      let n = roots[t];
      const dt = depth[t];
      for (let d = 0; d < dt; d++) {
        const f = feature[n];
        const x = values[ro + f * cs];
        const set = catSet[n];
        let right: number;
        if (set < 0) {
          right = (x > threshold[n] ? 1 : 0) | (x !== x ? missRight[n] : 0);
        } else {
          const c = forestCategory(s, f, x);
          right = c < 0 ? missRight[n] : 1 - ((catBits[set + (c >>> 5)] >>> (c & 31)) & 1);
        }
        n = left[n] + right;
      }
      m += value[n];
    }
    const o = s.outBegin + r - s.rowBegin;
    if (s.accumulate === 1) {
      m = out[o] + m - s.baseScore;
      out[o] = m;
    } else {
      out[o] = m;
    }
    if (withLoss) loss += (m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m))) - s.y[r] * m;
  }
  if (withLoss) s.loss[item] = loss;
}

const PREDICT_KERNEL: KernelSpec<PredictShare> = { name: "predict", entry: predictKernel, deps: [forestCategory] };
const NO_LABELS = new Uint8Array(0);
const NO_LOSS = new Float64Array(0);

/**
 * Runs a row kernel over all rows of X in items of `blockRows` rows, on up to `nThreads` threads. With workers,
 * rows are staged (as row-major shared copies, a bounded super-block at a time) so that any input works.
 * @param spec the kernel
 * @param forest the forest
 * @param X input rows
 * @param out output, `nRows * outWidth`
 * @param outWidth output values per row
 * @param nThreads threads (0 = auto)
 * @param blockRows rows per work item
 */
export function runRowKernel<S extends RowShare>(
  spec: KernelSpec<S>,
  forest: Forest,
  X: FeatureMatrix,
  out: Float64Array,
  outWidth: number,
  nThreads: number,
  blockRows: number,
  extra: Omit<S, keyof RowShare>,
): void {
  const { nRows, nFeatures } = X;
  const { rowStride, colStride } = strides(X);
  const nItems = Math.ceil(nRows / blockRows);
  const threads = Math.min(resolveThreads(nThreads), nItems);
  if (threads <= 1 || !workersAvailable()) {
    const args = { ...forest, ...extra, values: X.values, rowStride, colStride, rowBegin: 0, rowEnd: nRows, blockRows, out, outBegin: 0, nFeatures } as S;
    for (let k = 0; k < nItems; k++) spec.entry(args, k);
    return;
  }
  const superRows = Math.min(nRows, blockRows * 32 * threads);
  const input = X.values instanceof Float32Array ? sharedFloat32(superRows * nFeatures) : sharedFloat64(superRows * nFeatures);
  const output = sharedFloat64(superRows * outWidth);
  for (let a = 0; a < nRows; a += superRows) {
    const b = Math.min(nRows, a + superRows);
    if (X.layout === "row-major") {
      input.set(X.values.subarray(a * nFeatures, b * nFeatures));
    } else {
      for (let r = a; r < b; r++) for (let f = 0; f < nFeatures; f++) input[(r - a) * nFeatures + f] = X.values[f * colStride + r];
    }
    const args = { ...forest, ...extra, values: input, rowStride: nFeatures, colStride: 1, rowBegin: 0, rowEnd: b - a, blockRows, out: output, outBegin: 0, nFeatures } as S;
    runItems(spec, args, Math.ceil((b - a) / blockRows), threads);
    out.set(output.subarray(0, (b - a) * outWidth), a * outWidth);
  }
}

/**
 * A row-major copy of X on shared memory (same element type), so that worker threads can read it directly.
 * @param X a matrix
 */
export function sharedRowMajor(X: FeatureMatrix): FeatureMatrix {
  const { nRows, nFeatures } = X;
  const values = X.values instanceof Float32Array ? sharedFloat32(nRows * nFeatures) : sharedFloat64(nRows * nFeatures);
  if (X.layout === "row-major") values.set(X.values);
  else for (let r = 0; r < nRows; r++) for (let f = 0; f < nFeatures; f++) values[r * nFeatures + f] = X.values[f * nRows + r];
  return { nRows, nFeatures, values, layout: "row-major" };
}

/**
 * Adds a forest's leaf values to running margins (`margin[r] += Σ leaves`, the forest's base score ignored) and
 * returns the mean log-loss of the updated margins. Used to track a validation set while boosting. With
 * `nThreads > 1`, X, margin and y must live on shared memory (see {@link sharedRowMajor}).
 * @param forest trees to add
 * @param X rows
 * @param margin running margins, updated in place
 * @param y 0/1 labels
 * @param nThreads threads
 */
export function accumulateMargins(forest: Forest, X: FeatureMatrix, margin: Float64Array, y: Uint8Array, nThreads: number): number {
  const { rowStride, colStride } = strides(X);
  const blockRows = 4096;
  const nItems = Math.ceil(X.nRows / blockRows);
  const loss = sharedFloat64(nItems);
  const args: PredictShare = {
    ...forest,
    values: X.values,
    rowStride,
    colStride,
    rowBegin: 0,
    rowEnd: X.nRows,
    blockRows,
    out: margin,
    outBegin: 0,
    nFeatures: X.nFeatures,
    accumulate: 1,
    y,
    loss,
  };
  runItems(PREDICT_KERNEL, args, nItems, nThreads);
  let total = 0;
  for (let k = 0; k < nItems; k++) total += loss[k];
  return total / Math.max(1, X.nRows);
}

/**
 * Margins (log-odds) of every row.
 * @param model a fitted model
 * @param X rows to score (same columns as training)
 * @param options `nThreads` (0 = auto, 1 = calling thread only)
 */
export function predictMargin(model: Model, X: FeatureMatrix, options: { nThreads?: number } = {}): Float64Array {
  checkColumns(model, X);
  const out = new Float64Array(X.nRows);
  runRowKernel(PREDICT_KERNEL, forestOf(model), X, out, 1, options.nThreads ?? 0, 2048, { accumulate: 0, y: NO_LABELS, loss: NO_LOSS });
  return out;
}

/**
 * Probabilities of the positive class for every row.
 * @param model a fitted model
 * @param X rows to score
 * @param options `nThreads` (0 = auto)
 */
export function predictProba(model: Model, X: FeatureMatrix, options: { nThreads?: number } = {}): Float64Array {
  const m = predictMargin(model, X, options);
  for (let i = 0; i < m.length; i++) m[i] = sigmoid(m[i]);
  return m;
}

/**
 * Throws when X does not have the model's number of features.
 * @param model a fitted model
 * @param X a matrix
 */
export function checkColumns(model: Model, X: FeatureMatrix): void {
  if (X.nFeatures !== model.nFeatures) throw new Error(`expected ${model.nFeatures} features, got ${X.nFeatures}`);
  if (X.values.length !== X.nRows * X.nFeatures) throw new Error("matrix values do not match its shape");
}
