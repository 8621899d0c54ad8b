/**
 * The uncertainty of an AUC measured on a group of people, shared by the build (which flags groups of the quality
 * page's slices, loaders/evaluation/slices.ts) and the page that shows them (components/slices.ts).
 */

/**
 * An approximate 95% interval of an AUC measured on `positives` and `negatives` people (Hanley and McNeil, 1982),
 * within 0 and 1; [NaN, NaN] when the AUC cannot be measured (one class only).
 */
export function aucInterval(auc: number, positives: number, negatives: number): [number, number] {
  if (!Number.isFinite(auc) || positives <= 0 || negatives <= 0) return [NaN, NaN];
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const variance =
    (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) /
    (positives * negatives);
  const half = 1.96 * Math.sqrt(Math.max(0, variance));
  return [Math.max(0, auc - half), Math.min(1, auc + half)];
}
