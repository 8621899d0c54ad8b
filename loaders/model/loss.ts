/**
 * Binary log-loss: gradients and hessians with respect to the margin (log-odds), the base score from the class
 * prior, and the loss itself.
 *
 * For label y ∈ {0, 1} and margin m, p = σ(m): loss = −y log p − (1 − y) log(1 − p), gradient p − y and hessian
 * p(1 − p), floored at 1e-16 as XGBoost does so that hessian sums stay positive.
 */

/** Hessian floor (XGBoost's `kRtEps`-style guard for saturated probabilities); see {@link UpdateShare.minHessian}. */
export const MIN_HESSIAN = 1e-16;

/**
 * Logistic function 1 / (1 + e^-m), computed without overflow.
 * @param m margin
 */
export function sigmoid(m: number): number {
  if (m >= 0) return 1 / (1 + Math.exp(-m));
  const e = Math.exp(m);
  return e / (1 + e);
}

/**
 * Log-odds of the positive rate of `y`, the margin that minimises the log-loss of a constant model. Clamped to
 * [-30, 30] for degenerate one-class labels.
 * @param y 0/1 labels
 */
export function priorLogOdds(y: ArrayLike<number>): number {
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i];
  const p = pos / Math.max(1, y.length);
  if (p <= 0) return -30;
  if (p >= 1) return 30;
  return Math.max(-30, Math.min(30, Math.log(p / (1 - p))));
}

/** Rows per work item of {@link updateKernel} in row mode. */
export const UPDATE_BLOCK = 16384;

/** Arguments of {@link updateKernel}. */
export interface UpdateShare {
  /** Labels (0/1). */
  y: Uint8Array;
  /** Margins, updated in place. */
  margin: Float64Array;
  /** Interleaved gradients/hessians, rewritten in row mode. */
  gh: Float64Array;
  /** Row indices (leaf mode). */
  idx: Int32Array;
  /** Leaf mode: item k writes `leafOf[idx[i]] = k` for i in `[ranges[2k], ranges[2k+1])`. Row mode: empty. */
  ranges: Int32Array;
  /** Leaf (ordinal) of every row. */
  leafOf: Int32Array;
  /** Value of every leaf ordinal added to the margins in row mode (empty: margins unchanged). */
  values: Float64Array;
  /** Number of rows (row mode: item k covers rows [k·blockRows, (k+1)·blockRows)). */
  nRows: number;
  /** Rows per item in row mode: {@link UPDATE_BLOCK} (kernels cannot read module constants, so it travels here). */
  blockRows: number;
  /** Hessian floor: {@link MIN_HESSIAN} (passed like `blockRows`). */
  minHessian: number;
}

/**
 * Work item `item`. Leaf mode records the leaf of every row of leaf `item` (scattered writes). Row mode
 * walks a block of rows sequentially: adds each row's leaf value to its margin and recomputes its log-loss
 * gradient and hessian. Splitting the update this way keeps the expensive pass (exp, three arrays) sequential.
 * Self-contained: runs on worker threads.
 * @param s the arguments
 * @param item the leaf (leaf mode) or row block (row mode)
 */
export function updateKernel(s: UpdateShare, item: number): void {
  const ranges = s.ranges;
  if (ranges.length > 0) {
    const idx = s.idx;
    const leafOf = s.leafOf;
    for (let i = ranges[2 * item]; i < ranges[2 * item + 1]; i++) leafOf[idx[i]] = item;
    return;
  }
  const y = s.y;
  const margin = s.margin;
  const gh = s.gh;
  const leafOf = s.leafOf;
  const values = s.values;
  const add = values.length > 0;
  const minHessian = s.minHessian;
  const r1 = Math.min(s.nRows, (item + 1) * s.blockRows);
  for (let r = item * s.blockRows; r < r1; r++) {
    const m = add ? margin[r] + values[leafOf[r]] : margin[r];
    margin[r] = m;
    const e = Math.exp(-Math.abs(m));
    const p = m >= 0 ? 1 / (1 + e) : e / (1 + e);
    const h = p * (1 - p);
    gh[2 * r] = p - y[r];
    gh[2 * r + 1] = h > minHessian ? h : minHessian;
  }
}

/**
 * Mean binary log-loss of margins (computed stably from the margin: log(1 + e^m) − y m).
 * @param y labels
 * @param margin margins (log-odds)
 */
export function logLossFromMargin(y: ArrayLike<number>, margin: ArrayLike<number>): number {
  let s = 0;
  const n = margin.length;
  for (let i = 0; i < n; i++) {
    const m = margin[i];
    const softplus = m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
    s += softplus - y[i] * m;
  }
  return s / Math.max(1, n);
}

/**
 * Mean binary log-loss of probabilities, clipped to [1e-15, 1 − 1e-15] (scikit-learn's convention).
 * @param y labels
 * @param p predicted probabilities
 */
export function logLoss(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i]));
    s -= y[i] ? Math.log(q) : Math.log(1 - q);
  }
  return s / Math.max(1, n);
}
