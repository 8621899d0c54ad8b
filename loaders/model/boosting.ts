/**
 * The boosting loop: bin the data once, then for every round compute log-loss gradients, sample rows and columns
 * (seeded), grow a tree on the binned matrix, and update training (and validation) margins; optionally stop early
 * when the validation metric stops improving and keep the best round.
 */
import { MISSING_BIN, binMatrix, fitBinMapper } from "./binning.js";
import type { GrowerContext, GrownTree } from "./grower.js";
import { growTree } from "./grower.js";
import { HistogramPool } from "./histogram.js";
import type { UpdateShare } from "./loss.js";
import { MIN_HESSIAN, UPDATE_BLOCK, priorLogOdds, updateKernel } from "./loss.js";
import { rocAuc } from "./metrics.js";
import { buildForest } from "./forest.js";
import { accumulateMargins, sharedRowMajor } from "./predict.js";
import type { KernelSpec } from "./parallel.js";
import { resolveThreads, runItems, sharedFloat64, sharedInt32, sharedUint8 } from "./parallel.js";
import { Rng } from "./rng.js";
import type { FeatureMatrix, FitOptions, GBDTParams, Model, Tree, ValidationSet } from "./types.js";
import { DEFAULT_PARAMS } from "./types.js";

/**
 * Fills in defaults and validates hyper-parameters.
 * @param params partial hyper-parameters
 * @throws Error on out-of-range values
 */
export function resolveParams(params: Partial<GBDTParams> = {}): GBDTParams {
  const p: GBDTParams = { ...DEFAULT_PARAMS, ...params };
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new Error(`fitGBDT: invalid ${what}`);
  };
  check(Number.isInteger(p.nTrees) && p.nTrees >= 0, `nTrees ${p.nTrees}`);
  check(p.learningRate > 0, `learningRate ${p.learningRate}`);
  check(Number.isInteger(p.maxDepth) && p.maxDepth >= 0, `maxDepth ${p.maxDepth}`);
  check(Number.isInteger(p.maxLeaves) && p.maxLeaves >= 0 && p.maxLeaves !== 1, `maxLeaves ${p.maxLeaves}`);
  check(p.maxDepth > 0 || p.maxLeaves > 0, "maxDepth/maxLeaves (one must be positive)");
  check(p.growPolicy === "depthwise" || p.growPolicy === "lossguide", `growPolicy ${p.growPolicy}`);
  check(p.lambda >= 0 && p.minChildWeight >= 0 && p.minSplitGain >= 0 && p.catSmooth >= 0, "regularisation");
  check(p.subsample > 0 && p.subsample <= 1, `subsample ${p.subsample}`);
  check(p.colsampleByTree > 0 && p.colsampleByTree <= 1, `colsampleByTree ${p.colsampleByTree}`);
  check(p.colsampleByNode > 0 && p.colsampleByNode <= 1, `colsampleByNode ${p.colsampleByNode}`);
  check(Number.isInteger(p.maxBins) && p.maxBins >= 2 && p.maxBins <= 255, `maxBins ${p.maxBins}`);
  const { earlyStoppingRounds: rounds, earlyStoppingTolerance: tolerance, earlyStoppingMetric: metric } = p;
  check(Number.isInteger(rounds) && rounds >= 0, `earlyStoppingRounds ${rounds}`);
  check(tolerance >= 0 && tolerance < 1, `earlyStoppingTolerance ${tolerance}`);
  check(metric === "logloss" || metric === "auc", `earlyStoppingMetric ${metric}`);
  check(p.baseScore === "prior" || Number.isFinite(p.baseScore), `baseScore ${p.baseScore}`);
  check(p.binSampleSize >= 1, `binSampleSize ${p.binSampleSize}`);
  return p;
}

function checkLabels(y: ArrayLike<number>, n: number, what: string): void {
  if (y.length !== n) throw new Error(`fitGBDT: ${what} has ${y.length} labels for ${n} rows`);
  for (let i = 0; i < n; i++) {
    if (y[i] !== 0 && y[i] !== 1) throw new Error(`fitGBDT: ${what} label ${y[i]} at row ${i} is not 0/1`);
  }
}

/** Throws when the training matrix, its labels or the validation set do not fit together. */
function checkInputs(X: FeatureMatrix, y: ArrayLike<number>, valid: ValidationSet | undefined): void {
  const { nRows: N, nFeatures: F } = X;
  if (N < 1) throw new Error("fitGBDT: no training rows");
  if (X.values.length !== N * F) throw new Error("fitGBDT: matrix values do not match its shape");
  checkLabels(y, N, "training");
  if (valid) {
    if (valid.X.nFeatures !== F) throw new Error("fitGBDT: validation has a different number of features");
    checkLabels(valid.y, valid.X.nRows, "validation");
  }
}

/**
 * Fits a gradient-boosted tree ensemble for binary classification (log-loss).
 * @param X training features (`NaN` = missing)
 * @param y 0/1 labels
 * @param params hyper-parameters (defaults: {@link DEFAULT_PARAMS})
 * @param options validation set (early stopping), categorical flags, feature names, progress callback
 * @returns the fitted model (margins in log-odds)
 */
export function fitGBDT(
  X: FeatureMatrix,
  y: Uint8Array | Float64Array | number[],
  params: Partial<GBDTParams> = {},
  options: FitOptions = {},
): Model {
  const p = resolveParams(params);
  const valid = options.validation;
  checkInputs(X, y, valid);
  const nThreads = resolveThreads(p.nThreads);
  const baseScore = p.baseScore === "prior" ? priorLogOdds(y) : p.baseScore;
  const ctx = growerContext(X, p, options.categorical, nThreads);
  const upd = trainingMargins(y, ctx, baseScore);
  const tracker = valid ? new ValidationTracker(valid, baseScore, ctx) : null;
  const rng = new Rng(p.seed);
  const sampled = p.subsample < 1 ? new Uint8Array(X.nRows) : null;
  const trees: Tree[] = [];
  for (let round = 0; round < p.nTrees; round++) {
    if (round === 0) runItems(UPDATE_KERNEL, upd, Math.ceil(X.nRows / UPDATE_BLOCK), nThreads);
    const nSampled = sampleRows(ctx.idx, sampled, p.subsample, rng);
    const grown = growTree(ctx, nSampled, sampleTreeFeatures(X.nFeatures, p.colsampleByTree, rng), rng);
    trees.push(grown.tree);
    updateMargins(upd, grown, ctx, nSampled, sampled);
    const metric = tracker ? tracker.addTree(grown.tree, round) : NaN;
    options.onIteration?.(round, metric);
    if (tracker && p.earlyStoppingRounds > 0 && round - tracker.bestRound >= p.earlyStoppingRounds) break;
  }
  // With early stopping, the best round is the last one kept.
  if (tracker && p.earlyStoppingRounds > 0 && tracker.bestRound >= 0) trees.length = tracker.bestRound + 1;
  return {
    format: "customer-ai-gbdt",
    version: 1,
    nFeatures: X.nFeatures,
    featureNames: options.featureNames?.slice() ?? Array.from({ length: X.nFeatures }, (_, f) => `f${f}`),
    categorical: ctx.mapper.categorical.slice(),
    categories: ctx.mapper.categories.map((c) => (c ? Float64Array.from(c) : null)),
    baseScore,
    trees,
    params: p,
    bestIteration: trees.length,
    history: { metric: p.earlyStoppingMetric, valid: tracker ? tracker.history : [] },
  };
}

/**
 * Bins the training matrix (row-major for histograms, column-major for partitioning) and allocates the buffers
 * every tree of the fit shares.
 */
function growerContext(
  X: FeatureMatrix,
  p: GBDTParams,
  categorical: boolean[] | undefined,
  nThreads: number,
): GrowerContext {
  const { nRows: N, nFeatures: F } = X;
  const binning = { maxBins: p.maxBins, categorical, sampleSize: p.binSampleSize, seed: p.seed, nThreads };
  const mapper = fitBinMapper(X, binning);
  const binsByColumn = sharedUint8(N * F);
  const bins = binMatrix(mapper, X, sharedUint8(N * F), { nThreads, columns: binsByColumn });
  // A depthwise tree holds at most two levels of histograms at once.
  const depthwise = p.growPolicy === "depthwise" && p.maxDepth > 0;
  const initialSlots = depthwise ? Math.min(1 << Math.min(p.maxDepth, 8), 256) + 2 : 16;
  return {
    bins,
    binsByColumn,
    nRows: N,
    nFeatures: F,
    gh: sharedFloat64(2 * N),
    idx: sharedInt32(N),
    scratch: sharedInt32(N),
    pool: new HistogramPool(F, initialSlots),
    mapper,
    params: p,
    nThreads,
  };
}

/** The training rows' labels, margins (at the base score) and leaves, as the update kernel's arguments. */
function trainingMargins(y: ArrayLike<number>, ctx: GrowerContext, baseScore: number): UpdateShare {
  const N = ctx.nRows;
  const labels = sharedUint8(N);
  labels.set(y);
  return {
    y: labels,
    margin: sharedFloat64(N).fill(baseScore),
    gh: ctx.gh,
    idx: ctx.idx,
    ranges: NO_INT,
    leafOf: sharedInt32(N),
    values: NO_FLOAT,
    nRows: N,
    blockRows: UPDATE_BLOCK,
    minHessian: MIN_HESSIAN,
  };
}

/**
 * Puts this tree's rows at the front of `idx` and returns how many there are: every row, or with `subsample < 1`
 * a seeded Bernoulli sample (marked in `sampled`).
 */
function sampleRows(idx: Int32Array, sampled: Uint8Array | null, subsample: number, rng: Rng): number {
  const N = idx.length;
  if (!sampled) {
    for (let r = 0; r < N; r++) idx[r] = r;
    return N;
  }
  let nSampled = 0;
  for (let r = 0; r < N; r++) {
    const take = rng.next() < subsample;
    sampled[r] = take ? 1 : 0;
    if (take) idx[nSampled++] = r;
  }
  return nSampled;
}

/** This tree's features (ascending): all of them, or a seeded sample of `colsampleByTree` of them. */
function sampleTreeFeatures(nFeatures: number, colsampleByTree: number, rng: Rng): Int32Array {
  if (colsampleByTree >= 1) return Int32Array.from({ length: nFeatures }, (_, f) => f);
  return rng.sampleSorted(nFeatures, Math.max(1, Math.round(colsampleByTree * nFeatures)));
}

/**
 * Adds a grown tree to the training margins and computes next round's gradients: records every row's leaf
 * (sampled rows from the partition, the others by walking the binned tree), then updates margins and gradients
 * in one sequential pass.
 */
function updateMargins(
  upd: UpdateShare,
  grown: GrownTree,
  ctx: GrowerContext,
  nSampled: number,
  sampled: Uint8Array | null,
): void {
  const { leaves, leafStart, leafEnd } = grown;
  const { nRows: N, nFeatures: F, nThreads } = ctx;
  const ranges = new Int32Array(2 * leaves.length);
  const leafValues = new Float64Array(leaves.length);
  for (let l = 0; l < leaves.length; l++) {
    ranges[2 * l] = leafStart[l];
    ranges[2 * l + 1] = leafEnd[l];
    leafValues[l] = grown.tree.value[leaves[l]];
  }
  runItems(UPDATE_KERNEL, { ...upd, ranges, values: NO_FLOAT }, leaves.length, nSampled >= 1 << 15 ? nThreads : 1);
  if (sampled) {
    const ordinal = new Int32Array(grown.tree.left.length);
    leaves.forEach((n, l) => (ordinal[n] = l));
    for (let r = 0; r < N; r++) if (!sampled[r]) upd.leafOf[r] = ordinal[binnedLeaf(grown, ctx.bins, r * F)];
  }
  runItems(UPDATE_KERNEL, { ...upd, values: leafValues }, Math.ceil(N / UPDATE_BLOCK), nThreads);
}

/**
 * The validation set while boosting: its running margins (a shared copy of its rows and labels, for the parallel
 * prediction kernel), the metric after every round and the best round so far.
 */
class ValidationTracker {
  /** The metric after every round. */
  readonly history: number[] = [];
  /** The best round so far (-1 before the first). */
  bestRound = -1;
  private bestMetric = NaN;
  private readonly X: FeatureMatrix;
  private readonly y: Uint8Array;
  private readonly margin: Float64Array;

  /**
   * @param valid the validation set
   * @param baseScore the model's initial margin
   * @param ctx the fit's settings and bin mapper (categories)
   */
  constructor(
    valid: ValidationSet,
    baseScore: number,
    private readonly ctx: GrowerContext,
  ) {
    this.X = ctx.nThreads > 1 ? sharedRowMajor(valid.X) : valid.X;
    this.y = sharedUint8(valid.X.nRows);
    this.y.set(valid.y);
    this.margin = sharedFloat64(valid.X.nRows).fill(baseScore);
  }

  /**
   * Adds round `round`'s tree to the margins and returns the metric; the round is the best when it beats the best
   * so far by the relative tolerance.
   */
  addTree(tree: Tree, round: number): number {
    const { params: p, mapper, nFeatures, nThreads } = this.ctx;
    const forest = buildForest({ trees: [tree], categories: mapper.categories, nFeatures, baseScore: 0 });
    const loss = accumulateMargins(forest, this.X, this.margin, this.y, nThreads);
    const higherIsBetter = p.earlyStoppingMetric === "auc";
    const metric = higherIsBetter ? rocAuc(this.y, this.margin) : loss;
    this.history.push(metric);
    const margin = p.earlyStoppingTolerance * Math.abs(this.bestMetric);
    const best = this.bestMetric;
    if (this.bestRound < 0 || (higherIsBetter ? metric > best + margin : metric < best - margin)) {
      this.bestMetric = metric;
      this.bestRound = round;
    }
    return metric;
  }
}

const UPDATE_KERNEL: KernelSpec<UpdateShare> = { name: "update", entry: updateKernel, deps: [] };
const NO_INT = new Int32Array(0);
const NO_FLOAT = new Float64Array(0);

/** Leaf reached by binned row at offset `ro` in the row-major bins. */
function binnedLeaf(grown: GrownTree, bins: Uint8Array, ro: number): number {
  const { left, right, feature, defaultLeft, catSet, catBits } = grown.tree;
  const thr = grown.binThreshold;
  let n = 0;
  while (left[n] >= 0) {
    const v = bins[ro + feature[n]];
    let goLeft: boolean;
    if (v === MISSING_BIN) goLeft = defaultLeft[n] === 1;
    else if (catSet[n] < 0) goLeft = v <= thr[n];
    else goLeft = ((catBits[catSet[n] + (v >>> 5)] >>> (v & 31)) & 1) === 1;
    n = goLeft ? left[n] : right[n];
  }
  return n;
}
