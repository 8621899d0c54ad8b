/**
 * The boosting loop: bin the data once, then for every round compute log-loss gradients, sample rows and columns
 * (seeded), grow a tree on the binned matrix, and update training (and validation) margins; optionally stop early
 * when the validation metric stops improving and keep the best round.
 */
import { MISSING_BIN, binMatrix, fitBinMapper } from "./binning.js";
import type { GrownTree } from "./grower.js";
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
import type { FeatureMatrix, FitOptions, GBDTParams, Model, Tree } from "./types.js";
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
  check(Number.isInteger(p.earlyStoppingRounds) && p.earlyStoppingRounds >= 0, `earlyStoppingRounds ${p.earlyStoppingRounds}`);
  check(p.earlyStoppingTolerance >= 0 && p.earlyStoppingTolerance < 1, `earlyStoppingTolerance ${p.earlyStoppingTolerance}`);
  check(p.earlyStoppingMetric === "logloss" || p.earlyStoppingMetric === "auc", `earlyStoppingMetric ${p.earlyStoppingMetric}`);
  check(p.baseScore === "prior" || Number.isFinite(p.baseScore), `baseScore ${p.baseScore}`);
  check(p.binSampleSize >= 1, `binSampleSize ${p.binSampleSize}`);
  return p;
}

function checkLabels(y: ArrayLike<number>, n: number, what: string): void {
  if (y.length !== n) throw new Error(`fitGBDT: ${what} has ${y.length} labels for ${n} rows`);
  for (let i = 0; i < n; i++) if (y[i] !== 0 && y[i] !== 1) throw new Error(`fitGBDT: ${what} label ${y[i]} at row ${i} is not 0/1`);
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
  const { nRows: N, nFeatures: F } = X;
  if (N < 1) throw new Error("fitGBDT: no training rows");
  if (X.values.length !== N * F) throw new Error("fitGBDT: matrix values do not match its shape");
  checkLabels(y, N, "training");
  const valid = options.validation;
  if (valid) {
    if (valid.X.nFeatures !== F) throw new Error("fitGBDT: validation has a different number of features");
    checkLabels(valid.y, valid.X.nRows, "validation");
  }
  const nThreads = resolveThreads(p.nThreads);
  const mapper = fitBinMapper(X, { maxBins: p.maxBins, categorical: options.categorical, sampleSize: p.binSampleSize, seed: p.seed, nThreads });
  const binsByColumn = sharedUint8(N * F);
  const bins = binMatrix(mapper, X, sharedUint8(N * F), { nThreads, columns: binsByColumn });
  const baseScore = p.baseScore === "prior" ? priorLogOdds(y) : p.baseScore;
  const margin = sharedFloat64(N).fill(baseScore);
  const labels = sharedUint8(N);
  labels.set(y);
  const leafOf = sharedInt32(N);
  const gh = sharedFloat64(2 * N);
  const idx = sharedInt32(N);
  const initialSlots = p.growPolicy === "depthwise" && p.maxDepth > 0 ? Math.min(1 << Math.min(p.maxDepth, 8), 256) + 2 : 16;
  const ctx = {
    bins,
    binsByColumn,
    nRows: N,
    nFeatures: F,
    gh,
    idx,
    scratch: sharedInt32(N),
    pool: new HistogramPool(F, initialSlots),
    mapper,
    params: p,
    nThreads,
  };
  const upd: UpdateShare = {
    y: labels,
    margin,
    gh,
    idx,
    ranges: NO_INT,
    leafOf,
    values: NO_FLOAT,
    nRows: N,
    blockRows: UPDATE_BLOCK,
    minHessian: MIN_HESSIAN,
  };
  const rng = new Rng(p.seed);
  const sampled = p.subsample < 1 ? new Uint8Array(N) : null;
  const allFeats = Int32Array.from({ length: F }, (_, f) => f);
  // The validation set is tracked with the parallel prediction kernel: a shared copy of its rows and labels.
  const validX = valid ? (nThreads > 1 ? sharedRowMajor(valid.X) : valid.X) : null;
  const validY = valid ? sharedUint8(valid.X.nRows) : null;
  if (valid && validY) validY.set(valid.y);
  const validMargin = valid ? sharedFloat64(valid.X.nRows).fill(baseScore) : null;
  const history: number[] = [];
  const higherIsBetter = p.earlyStoppingMetric === "auc";
  let bestMetric = NaN;
  let bestRound = -1;
  const trees: Tree[] = [];
  for (let round = 0; round < p.nTrees; round++) {
    if (round === 0) runItems(UPDATE_KERNEL, upd, Math.ceil(N / UPDATE_BLOCK), nThreads);
    let nSampled = N;
    if (sampled) {
      nSampled = 0;
      for (let r = 0; r < N; r++) {
        const take = rng.next() < p.subsample;
        sampled[r] = take ? 1 : 0;
        if (take) idx[nSampled++] = r;
      }
    } else {
      for (let r = 0; r < N; r++) idx[r] = r;
    }
    let feats: Int32Array = allFeats;
    if (p.colsampleByTree < 1) {
      const k = Math.max(1, Math.round(p.colsampleByTree * F));
      feats = rng.sampleSorted(F, k);
    }
    const grown = growTree(ctx, nSampled, feats, rng);
    trees.push(grown.tree);
    const { leaves, leafStart, leafEnd } = grown;
    const ranges = new Int32Array(2 * leaves.length);
    const leafValues = new Float64Array(leaves.length);
    for (let l = 0; l < leaves.length; l++) {
      ranges[2 * l] = leafStart[l];
      ranges[2 * l + 1] = leafEnd[l];
      leafValues[l] = grown.tree.value[leaves[l]];
    }
    // Record every row's leaf (sampled rows from the partition, the others by walking the binned tree), then
    // update margins and next round's gradients in one sequential pass.
    runItems(UPDATE_KERNEL, { ...upd, ranges, values: NO_FLOAT }, leaves.length, nSampled >= 1 << 15 ? nThreads : 1);
    if (sampled) {
      const ordinal = new Int32Array(grown.tree.left.length);
      leaves.forEach((n, l) => (ordinal[n] = l));
      for (let r = 0; r < N; r++) if (!sampled[r]) leafOf[r] = ordinal[binnedLeaf(grown, bins, r * F)];
    }
    runItems(UPDATE_KERNEL, { ...upd, values: leafValues }, Math.ceil(N / UPDATE_BLOCK), nThreads);
    let metric = NaN;
    if (valid && validX && validY && validMargin) {
      const forest = buildForest({ trees: [grown.tree], categories: mapper.categories, nFeatures: F, baseScore: 0 });
      const loss = accumulateMargins(forest, validX, validMargin, validY, nThreads);
      metric = higherIsBetter ? rocAuc(validY, validMargin) : loss;
      history.push(metric);
      const margin = p.earlyStoppingTolerance * Math.abs(bestMetric);
      if (bestRound < 0 || (higherIsBetter ? metric > bestMetric + margin : metric < bestMetric - margin)) {
        bestMetric = metric;
        bestRound = round;
      }
    }
    options.onIteration?.(round, metric);
    if (valid && p.earlyStoppingRounds > 0 && round - bestRound >= p.earlyStoppingRounds) break;
  }
  const keep = valid && p.earlyStoppingRounds > 0 && bestRound >= 0 ? bestRound + 1 : trees.length;
  trees.length = keep;
  return {
    format: "customer-ai-gbdt",
    version: 1,
    nFeatures: F,
    featureNames: options.featureNames?.slice() ?? Array.from({ length: F }, (_, f) => `f${f}`),
    categorical: mapper.categorical.slice(),
    categories: mapper.categories.map((c) => (c ? Float64Array.from(c) : null)),
    baseScore,
    trees,
    params: p,
    bestIteration: keep,
    history: { metric: p.earlyStoppingMetric, valid: history },
  };
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
