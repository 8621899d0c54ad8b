/**
 * Public API of the gradient-boosted trees library (binary log-loss, histogram GBDT, exact TreeSHAP).
 *
 * ```ts
 * import { featureMatrix, fitGBDT, predictProba, treeShap, modelToJSON, modelFromJSON } from "./model/index.js";
 * const X = featureMatrix(values, nRows, nFeatures); // row-major Float64Array/Float32Array, NaN = missing
 * const model = fitGBDT(X, y, { nTrees: 200, maxDepth: 6 }, { validation: { X: Xv, y: yv }, categorical });
 * const p = predictProba(model, X);
 * const { base, contributions } = treeShap(model, X); // base + Σ_f contributions[r*F+f] = margin of row r
 * const copy = modelFromJSON(JSON.parse(JSON.stringify(modelToJSON(model))));
 * ```
 *
 * Stages, one module each (mirroring scikit-learn's histogram GBDT): `binning`, `histogram`, `split`,
 * `partition`, `grower`, `loss`, `boosting`, `forest` + `predict`, `treeshap`, `serialize`, plus `parallel`
 * (worker threads), `metrics`, `importance` and `rng`. Code outside `loaders/model` imports from this index only.
 *
 * Matrices are {@link FeatureMatrix}: a flat Float64Array or Float32Array, row-major (preferred) or column-major,
 * NaN for missing values. Fitting uses every core available (up to 8) unless `nThreads` says otherwise; results
 * are identical for any thread count.
 */
export type {
  FeatureMatrix,
  Layout,
  GBDTParams,
  GrowPolicy,
  Model,
  Tree,
  FitOptions,
  FitHistory,
  ValidationSet,
} from "./types.js";
export { DEFAULT_PARAMS, featureMatrix } from "./types.js";
export { fitGBDT, resolveParams } from "./boosting.js";
export { predictMargin, predictProba } from "./predict.js";
export type { ShapResult } from "./treeshap.js";
export { treeShap, expectedValue } from "./treeshap.js";
export type { ModelJSON } from "./serialize.js";
export { modelToJSON, modelFromJSON } from "./serialize.js";
export type { FeatureImportance } from "./importance.js";
export { featureImportance } from "./importance.js";
export { rocAuc } from "./metrics.js";
export { logLoss, logLossFromMargin, sigmoid } from "./loss.js";
export type { BinMapper } from "./binning.js";
export { fitBinMapper, binMatrix, MISSING_BIN } from "./binning.js";
export { shutdownWorkers } from "./parallel.js";
export { Rng } from "./rng.js";
