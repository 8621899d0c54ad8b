/**
 * Metrics of `bench:real` over a whole population: everyone seen before the cutoff counts, and people a method
 * does not score are ranked last, tied among themselves (so leaving people out never flatters a method).
 */
import { auc, averagePrecision } from "../loaders/evaluation/metrics.js";
import { Rng } from "../loaders/model/index.js";

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

/** A 95% interval of a difference of AUCs, from a paired bootstrap over people. */
export interface MarginInterval {
  low: number;
  high: number;
  /** Share of resamples where the difference is at most zero (a one-sided bootstrap p-value). */
  atMostZero: number;
}

/**
 * Paired bootstrap of AUC(a) - AUC(b) over the same population: people are drawn with replacement `resamples`
 * times (seeded, so the interval is reproducible) and both methods are scored on each draw, so what the methods
 * share (who is easy to rank) cancels out. Unscored people (NaN) rank last, as in `populationMetrics`.
 */
export function marginInterval(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  label: ArrayLike<number>,
  resamples = 500,
  seed = 1,
): MarginInterval {
  const [ra, rb] = [rankUnscoredLast(a), rankUnscoredLast(b)];
  const n = label.length;
  const rng = new Rng(seed);
  const pa = new Float64Array(n);
  const pb = new Float64Array(n);
  const y = new Uint8Array(n);
  const diffs: number[] = [];
  for (let k = 0; k < resamples; k++) {
    for (let i = 0; i < n; i++) {
      const j = rng.nextUint32() % n;
      pa[i] = ra[j]!;
      pb[i] = rb[j]!;
      y[i] = label[j]!;
    }
    const d = auc({ probability: pa, label: y }) - auc({ probability: pb, label: y });
    if (!Number.isNaN(d)) diffs.push(d);
  }
  diffs.sort((x, z) => x - z);
  const at = (q: number) => diffs[Math.min(diffs.length - 1, Math.floor(q * diffs.length))] ?? NaN;
  return { low: at(0.025), high: at(0.975), atMostZero: diffs.filter((d) => d <= 0).length / diffs.length };
}
