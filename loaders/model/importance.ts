/**
 * Feature importance from the trees' split statistics (cheap: no data needed).
 */
import type { Model } from "./types.js";

/** Per-feature importance totals over all splits of all trees. */
export interface FeatureImportance {
  /** Feature names, aligned with the arrays. */
  featureNames: string[];
  /** Number of splits on the feature. */
  splits: Float64Array;
  /** Total gain (XGBoost's `total_gain`). */
  totalGain: Float64Array;
  /** Mean gain per split (XGBoost's `gain`); 0 for unused features. */
  gain: Float64Array;
  /** Total cover, i.e. hessian sum of the rows at the splits (XGBoost's `total_cover`). */
  totalCover: Float64Array;
  /** Mean cover per split (XGBoost's `cover`). */
  cover: Float64Array;
}

/**
 * Gain- and cover-based feature importance, as XGBoost's `get_score` computes them.
 * @param model a fitted model
 */
export function featureImportance(model: Model): FeatureImportance {
  const F = model.nFeatures;
  const splits = new Float64Array(F);
  const totalGain = new Float64Array(F);
  const totalCover = new Float64Array(F);
  for (const t of model.trees) {
    for (let n = 0; n < t.left.length; n++) {
      if (t.left[n] < 0) continue;
      const f = t.feature[n];
      splits[f] += 1;
      totalGain[f] += t.gain[n];
      totalCover[f] += t.cover[n];
    }
  }
  const gain = totalGain.map((g, f) => (splits[f] > 0 ? g / splits[f] : 0));
  const cover = totalCover.map((c, f) => (splits[f] > 0 ? c / splits[f] : 0));
  return { featureNames: model.featureNames.slice(), splits, totalGain, gain, totalCover, cover };
}
