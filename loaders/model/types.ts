/**
 * Shared types of the gradient-boosted-trees library: the input matrix, hyper-parameters, trees and the model.
 *
 * Conventions used everywhere in `loaders/model`:
 * - Missing values are `NaN` in the input matrix.
 * - Margins are log-odds; probabilities are `sigmoid(margin)`.
 * - A numeric split sends a row left when `x <= threshold`; a missing value follows the node's learned
 *   `defaultLeft` direction.
 * - A categorical split sends a row left when its category is in the node's category set; a missing value, or a
 *   category never seen (or too rare to get its own bin) in training, follows `defaultLeft`.
 */

/**
 * Memory layout of a {@link FeatureMatrix}.
 * - `"row-major"`: cell (r, f) is `values[r * nFeatures + f]` (what most producers emit; fastest for prediction
 *   and TreeSHAP because one row is contiguous).
 * - `"column-major"`: cell (r, f) is `values[f * nRows + r]` (what columnar tables such as Arrow/DuckDB emit).
 */
export type Layout = "row-major" | "column-major";

/** A dense numeric matrix of features; `NaN` marks a missing value. Categorical codes are stored as numbers. */
export interface FeatureMatrix {
  /** Number of rows (examples). */
  nRows: number;
  /** Number of columns (features). */
  nFeatures: number;
  /** The cells, `nRows * nFeatures` of them, in the given `layout`. */
  values: Float64Array | Float32Array;
  /** How `values` is laid out. */
  layout: Layout;
}

/** How trees grow: level by level (XGBoost's default) or best-first by gain (LightGBM's leaf-wise). */
export type GrowPolicy = "depthwise" | "lossguide";

/** Hyper-parameters of {@link fitGBDT}; every field is optional in the public API (see {@link DEFAULT_PARAMS}). */
export interface GBDTParams {
  /** Number of boosting rounds (trees). */
  nTrees: number;
  /** Shrinkage applied to every leaf value. */
  learningRate: number;
  /** Maximum depth (edges from root to the deepest leaf); 0 means unlimited (needs `maxLeaves`). */
  maxDepth: number;
  /** Maximum number of leaves per tree; 0 means unlimited (needs `maxDepth`). */
  maxLeaves: number;
  /** Growth order; `maxLeaves` is most useful with `"lossguide"`. */
  growPolicy: GrowPolicy;
  /** L2 regularisation of leaf values (XGBoost's `lambda`). */
  lambda: number;
  /** Minimum sum of hessians in each child of a split (XGBoost's `min_child_weight`). */
  minChildWeight: number;
  /**
   * Minimum loss reduction to make a split (XGBoost's `gamma`), on XGBoost's scale
   * `GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ)`. Splits with gain ≤ 1e-6 are never made.
   */
  minSplitGain: number;
  /** Fraction of rows sampled (Bernoulli, without replacement) for each tree. */
  subsample: number;
  /** Fraction of features sampled for each tree. */
  colsampleByTree: number;
  /** Fraction of the tree's features sampled for each split search. */
  colsampleByNode: number;
  /** Maximum number of bins for non-missing values of a feature (2..255); missing values get one more bin. */
  maxBins: number;
  /** Stop when the validation metric has not improved for this many rounds; 0 disables early stopping. */
  earlyStoppingRounds: number;
  /** Relative improvement a round must make over the best validation metric so far to count as better (e.g.
   * 3e-4: log-loss must fall below best x (1 - 3e-4)); 0 counts any improvement. Stops long tails of negligible
   * gains, which cost training time and TreeSHAP time in proportion to the trees kept. */
  earlyStoppingTolerance: number;
  /** Validation metric used for early stopping and reported in the history. */
  earlyStoppingMetric: "logloss" | "auc";
  /** Initial margin: `"prior"` uses the log-odds of the training positive rate, a number is used as is (log-odds). */
  baseScore: "prior" | number;
  /** Smoothing added to the hessian when ordering categories by gradient/hessian for categorical splits. */
  catSmooth: number;
  /** Seed of the pseudo-random generator (row/column sampling, binning sample). */
  seed: number;
  /** Threads used (main thread plus workers); 0 means `min(os.availableParallelism(), 8)`. 1 disables workers. */
  nThreads: number;
  /** Rows sampled to compute numeric quantile bins (all rows when the data set is smaller). */
  binSampleSize: number;
}

/** Default hyper-parameters (XGBoost-like). */
export const DEFAULT_PARAMS: Readonly<GBDTParams> = Object.freeze({
  nTrees: 100,
  learningRate: 0.1,
  maxDepth: 6,
  maxLeaves: 0,
  growPolicy: "depthwise",
  lambda: 1,
  minChildWeight: 1,
  minSplitGain: 0,
  subsample: 1,
  colsampleByTree: 1,
  colsampleByNode: 1,
  maxBins: 255,
  earlyStoppingRounds: 0,
  earlyStoppingTolerance: 0,
  earlyStoppingMetric: "logloss",
  baseScore: "prior",
  catSmooth: 10,
  seed: 0,
  nThreads: 0,
  binSampleSize: 200_000,
});

/**
 * One regression tree in flat "structure of arrays" form; node 0 is the root.
 * A node is a leaf when `left[node] === -1`.
 */
export interface Tree {
  /** Left child index, or -1 for a leaf. */
  left: Int32Array;
  /** Right child index, or -1 for a leaf. */
  right: Int32Array;
  /** Split feature, or -1 for a leaf. */
  feature: Int32Array;
  /** Numeric split threshold (`x <= threshold` goes left); `NaN` for leaves and categorical splits. */
  threshold: Float64Array;
  /** 1 when missing values (and unknown categories) go left. */
  defaultLeft: Uint8Array;
  /** For a categorical split, the offset of its 8-word bit set in `catBits`; -1 otherwise. */
  catSet: Int32Array;
  /** Bit sets over category indices (see {@link Model.categories}) of categorical splits: a set bit goes left. */
  catBits: Uint32Array;
  /** Leaf value (learning rate applied) at leaves; the would-be value at internal nodes (informative only). */
  value: Float64Array;
  /** Sum of hessians of the training rows reaching the node (XGBoost's cover). */
  cover: Float64Array;
  /** Split gain (XGBoost scale) at internal nodes, 0 at leaves. */
  gain: Float64Array;
}

/** Per-round validation metric history recorded during fitting. */
export interface FitHistory {
  /** Metric name (`"logloss"` or `"auc"`). */
  metric: string;
  /** Validation metric after each round (empty without a validation set). */
  valid: number[];
}

/** A fitted binary classifier: a base margin plus a sum of trees, in log-odds. */
export interface Model {
  /** Format tag for serialisation. */
  format: "customer-ai-gbdt";
  /** Format version. */
  version: 1;
  /** Number of input features. */
  nFeatures: number;
  /** Feature names (defaults to `f0`, `f1`, ...). */
  featureNames: string[];
  /** Which features are categorical. */
  categorical: boolean[];
  /** For categorical features, the sorted category values; the index of a value is its category index. */
  categories: (Float64Array | null)[];
  /** Initial margin (log-odds) added to every prediction. */
  baseScore: number;
  /** The trees, in boosting order. */
  trees: Tree[];
  /** The resolved hyper-parameters used for fitting. */
  params: GBDTParams;
  /** Number of rounds kept (after early stopping, the best round + 1). */
  bestIteration: number;
  /** Validation history. */
  history: FitHistory;
}

/** Validation data for early stopping. */
export interface ValidationSet {
  /** Validation features (same columns as training). */
  X: FeatureMatrix;
  /** Validation labels (0/1). */
  y: Uint8Array | Float64Array;
}

/** Options of {@link fitGBDT} besides the hyper-parameters. */
export interface FitOptions {
  /** Validation set for early stopping and the history. */
  validation?: ValidationSet;
  /** `categorical[f]` marks feature `f` as categorical (values are category codes, any finite numbers). */
  categorical?: boolean[];
  /** Feature names stored in the model. */
  featureNames?: string[];
  /** Called after every round with the round index and the validation metric (NaN without validation). */
  onIteration?: (round: number, validMetric: number) => void;
}

/**
 * Creates a {@link FeatureMatrix}, checking that the buffer length matches the shape.
 * @param values the cells
 * @param nRows number of rows
 * @param nFeatures number of columns
 * @param layout cell layout (default row-major)
 */
export function featureMatrix(
  values: Float64Array | Float32Array,
  nRows: number,
  nFeatures: number,
  layout: Layout = "row-major",
): FeatureMatrix {
  if (!Number.isInteger(nRows) || !Number.isInteger(nFeatures) || nRows < 0 || nFeatures < 1) {
    throw new Error(`featureMatrix: bad shape ${nRows} x ${nFeatures}`);
  }
  if (values.length !== nRows * nFeatures) {
    throw new Error(`featureMatrix: ${values.length} values for ${nRows} x ${nFeatures}`);
  }
  return { nRows, nFeatures, values, layout };
}

/**
 * Strides of a matrix: cell (r, f) is at `r * rowStride + f * colStride`.
 * @param X the matrix
 */
export function strides(X: FeatureMatrix): { rowStride: number; colStride: number } {
  return X.layout === "row-major" ? { rowStride: X.nFeatures, colStride: 1 } : { rowStride: 1, colStride: X.nRows };
}
