/**
 * Metrics of `bench:real` over a whole population: everyone seen before the cutoff counts, and people a method
 * does not score are ranked last, tied among themselves (so leaving people out never flatters a method).
 */
import { auc, averagePrecision } from "../loaders/evaluation/metrics.js";

/** Ranking quality over a population. */
export interface PopulationMetrics {
  /** ROC AUC over everyone (ties count half). NaN when a class is absent. */
  auc: number;
  /** Average precision over everyone (ties as one threshold). */
  prAuc: number;
  /** People with a score. */
  scored: number;
  /** Scored share of the population (0-1). */
  share: number;
}

/**
 * The scores with every unscored person (NaN) given the same value below every real score: the smallest score
 * minus one (or -1 when nobody is scored).
 */
export function rankUnscoredLast(score: ArrayLike<number>): Float64Array {
  let min = Infinity;
  for (let i = 0; i < score.length; i++) if (!Number.isNaN(score[i]!)) min = Math.min(min, score[i]!);
  const floor = Number.isFinite(min) ? min - 1 : -1;
  return Float64Array.from({ length: score.length }, (_, i) => (Number.isNaN(score[i]!) ? floor : score[i]!));
}

/** AUC, PR-AUC and the scored share over the whole population; `score` is NaN for people without a score. */
export function populationMetrics(score: ArrayLike<number>, label: ArrayLike<number>): PopulationMetrics {
  if (score.length !== label.length) throw new Error(`${score.length} scores for ${label.length} labels`);
  let scored = 0;
  for (let i = 0; i < score.length; i++) if (!Number.isNaN(score[i]!)) scored++;
  const probability = rankUnscoredLast(score);
  return {
    auc: auc({ probability, label }),
    prAuc: averagePrecision({ probability, label }),
    scored,
    share: score.length ? scored / score.length : NaN,
  };
}

/** The best of the peers' AUCs (NaN ones ignored) and its name; `null` when every peer is NaN. */
export function bestPeer(peers: Record<string, number>): { name: string; auc: number } | null {
  let best: { name: string; auc: number } | null = null;
  for (const [name, value] of Object.entries(peers))
    if (!Number.isNaN(value) && (!best || value > best.auc)) best = { name, auc: value };
  return best;
}
