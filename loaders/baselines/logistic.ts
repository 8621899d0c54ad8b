/**
 * L2-regularised logistic regression by iteratively reweighted least squares (Newton's method), for the small
 * baselines the model is compared with. Inputs are column-major feature arrays, already scaled.
 */

/** A fitted logistic regression. */
export interface LogisticModel {
  intercept: number;
  weights: number[];
}

/** Solves the symmetric positive-definite system A x = b (Cholesky); A is row-major k x k. */
function solve(a: Float64Array, b: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * k + j]!;
      for (let m = 0; m < j; m++) sum -= l[i * k + m]! * l[j * k + m]!;
      l[i * k + j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / l[j * k + j]!;
    }
  }
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let sum = b[i]!;
    for (let m = 0; m < i; m++) sum -= l[i * k + m]! * y[m]!;
    y[i] = sum / l[i * k + i]!;
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let m = i + 1; m < k; m++) sum -= l[m * k + i]! * x[m]!;
    x[i] = sum / l[i * k + i]!;
  }
  return x;
}

/** Fits p(y=1|x) = sigmoid(intercept + w.x) with penalty `l2`/2 * |w|^2 (the intercept is not penalised). */
export function fitLogistic(columns: ArrayLike<number>[], label: ArrayLike<number>, l2 = 1e-3): LogisticModel {
  const n = label.length;
  const k = columns.length + 1; // intercept first
  const beta = new Float64Array(k);
  const x = (i: number, j: number) => (j === 0 ? 1 : columns[j - 1]![i]!);
  for (let iter = 0; iter < 50; iter++) {
    const hessian = new Float64Array(k * k);
    const gradient = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      let z = beta[0]!;
      for (let j = 1; j < k; j++) z += beta[j]! * x(i, j);
      const p = 1 / (1 + Math.exp(-z));
      const w = Math.max(p * (1 - p), 1e-10);
      const r = (label[i] ? 1 : 0) - p;
      for (let a = 0; a < k; a++) {
        const xa = x(i, a);
        gradient[a] += r * xa;
        for (let b = 0; b <= a; b++) hessian[a * k + b] += w * xa * x(i, b);
      }
    }
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < a; b++) hessian[b * k + a] = hessian[a * k + b]!;
      if (a > 0) {
        hessian[a * k + a] += l2 * n;
        gradient[a] -= l2 * n * beta[a]!;
      }
    }
    const step = solve(hessian, gradient, k);
    let change = 0;
    for (let a = 0; a < k; a++) {
      beta[a] += step[a]!;
      change += Math.abs(step[a]!);
    }
    if (change < 1e-9) break;
  }
  return { intercept: beta[0]!, weights: Array.from(beta.subarray(1)) };
}

/** Predicted probabilities for column-major features. */
export function predictLogistic(model: LogisticModel, columns: ArrayLike<number>[]): Float64Array {
  const n = columns[0]?.length ?? 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = model.intercept;
    for (let j = 0; j < columns.length; j++) z += model.weights[j]! * columns[j]![i]!;
    out[i] = 1 / (1 + Math.exp(-z));
  }
  return out;
}
