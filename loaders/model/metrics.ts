/**
 * Evaluation metrics for binary classifiers.
 */

/**
 * Area under the ROC curve (ties count one half), via native numeric sorts of the positive and negative scores and
 * a merge: O(n log n) without comparator callbacks. Returns NaN when one class is absent.
 * @param y 0/1 labels
 * @param score scores (margins or probabilities; only the order matters)
 */
export function rocAuc(y: ArrayLike<number>, score: ArrayLike<number>): number {
  const n = score.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) if (y[i]) nPos++;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(nNeg);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (y[i]) pos[a++] = score[i];
    else neg[b++] = score[i];
  }
  pos.sort();
  neg.sort();
  let below = 0;
  let wins = 0;
  for (let i = 0; i < nPos; ) {
    const s = pos[i];
    let j = i;
    while (j < nPos && pos[j] === s) j++;
    while (below < nNeg && neg[below] < s) below++;
    let equal = 0;
    while (below + equal < nNeg && neg[below + equal] === s) equal++;
    wins += (j - i) * (below + equal / 2);
    i = j;
  }
  return wins / (nPos * nNeg);
}
