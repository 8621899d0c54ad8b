/**
 * Probability calibration of model margins (log-odds) on held-out data: Platt scaling (a logistic curve on the
 * margin) or isotonic regression (pool-adjacent-violators on the margin, interpolated, block rates lightly shrunk). Which one is used is
 * decided by measurement: each is fitted on one half of the held-out rows and scored by log-loss on the other
 * half (and vice versa); the lower mean log-loss wins, and the winner is refitted on all held-out rows.
 */
import { type Calibrator, calibrateMargin } from "../contract/calibrator.js";
import { logLoss } from "../evaluation/metrics.js";

/** A fitted calibration map from margin to probability (JSON-serialisable). */
export type { Calibrator };

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Platt scaling: p = sigmoid(slope * margin + intercept), fitted by Newton's method on the log-likelihood. */
export function fitPlatt(margin: ArrayLike<number>, label: ArrayLike<number>): Calibrator {
  let slope = 1;
  let intercept = 0;
  for (let iter = 0; iter < 50; iter++) {
    // Gradient and Hessian of the negative log-likelihood (with a tiny ridge for stability).
    let g0 = 0,
      g1 = 0,
      h00 = 1e-9,
      h01 = 0,
      h11 = 1e-9;
    for (let i = 0; i < label.length; i++) {
      const m = margin[i]!;
      const p = sigmoid(slope * m + intercept);
      const r = p - (label[i] ? 1 : 0);
      const w = Math.max(p * (1 - p), 1e-12);
      g0 += r * m;
      g1 += r;
      h00 += w * m * m;
      h01 += w * m;
      h11 += w;
    }
    const det = h00 * h11 - h01 * h01;
    if (!(det > 0)) break;
    const dSlope = (h11 * g0 - h01 * g1) / det;
    const dIntercept = (h00 * g1 - h01 * g0) / det;
    slope -= dSlope;
    intercept -= dIntercept;
    if (Math.abs(dSlope) + Math.abs(dIntercept) < 1e-10) break;
  }
  return { kind: "platt", slope, intercept };
}

/** Isotonic regression of the label on the margin (pool adjacent violators), kept as block knots. */
export function fitIsotonic(margin: ArrayLike<number>, label: ArrayLike<number>): Calibrator {
  const order = Array.from({ length: label.length }, (_, i) => i).sort((a, b) => margin[a]! - margin[b]! || a - b);
  const sums: number[] = [];
  const counts: number[] = [];
  const lows: number[] = [];
  const highs: number[] = [];
  for (const i of order) {
    sums.push(label[i] ? 1 : 0);
    counts.push(1);
    lows.push(margin[i]!);
    highs.push(margin[i]!);
    // Merge while the last block's mean is not above the previous one's (ties in margin always merge).
    while (sums.length > 1) {
      const n = sums.length;
      const violates = sums[n - 1]! / counts[n - 1]! <= sums[n - 2]! / counts[n - 2]! || lows[n - 1] === highs[n - 2];
      if (!violates) break;
      sums[n - 2]! += sums.pop()!;
      counts[n - 2]! += counts.pop()!;
      highs[n - 2] = highs.pop()!;
      lows.pop();
    }
  }
  // Knots at each block's margin centre. Block rates are shrunk towards the overall rate by two pseudo-rows, so
  // an all-negative (or all-positive) end block never claims a probability of exactly 0 (or 1).
  let positives = 0;
  for (let i = 0; i < label.length; i++) positives += label[i] ? 1 : 0;
  const base = positives / Math.max(1, label.length);
  const margins: number[] = [];
  const probabilities: number[] = [];
  for (let b = 0; b < sums.length; b++) {
    margins.push((lows[b]! + highs[b]!) / 2);
    probabilities.push((sums[b]! + 2 * base) / (counts[b]! + 2));
  }
  return { kind: "isotonic", margins, probabilities };
}

/** Applies a calibrator to margins (see `calibrateMargin`, shared with the browser). */
export function calibrate(calibrator: Calibrator, margin: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: margin.length }, (_, i) => calibrateMargin(calibrator, margin[i]!));
}

/** The outcome of choosing a calibration method. */
export interface CalibrationChoice {
  calibrator: Calibrator;
  /** Cross-fitted held-out log-loss of each method, and of the raw model (sigmoid of the margin). */
  logLoss: { platt: number; isotonic: number; uncalibrated: number };
}

/** Fits both methods, compares them by 2-fold cross-fitted log-loss, and refits the better one on all rows. */
export function chooseCalibrator(margin: ArrayLike<number>, label: ArrayLike<number>): CalibrationChoice {
  const halves: [number[], number[]] = [[], []];
  for (let i = 0; i < label.length; i++) halves[i % 2]!.push(i);
  const score = (fit: typeof fitPlatt) => {
    let total = 0;
    for (const [train, test] of [
      [halves[0], halves[1]],
      [halves[1], halves[0]],
    ] as const) {
      const cal = fit(
        train.map((i) => margin[i]!),
        train.map((i) => label[i]!),
      );
      const p = calibrate(
        cal,
        test.map((i) => margin[i]!),
      );
      total += logLoss({ probability: p, label: test.map((i) => label[i]!) }) * test.length;
    }
    return total / label.length;
  };
  const platt = score(fitPlatt);
  const isotonic = score(fitIsotonic);
  const raw = Float64Array.from({ length: label.length }, (_, i) => sigmoid(margin[i]!));
  const uncalibrated = logLoss({ probability: raw, label });
  const calibrator = isotonic < platt ? fitIsotonic(margin, label) : fitPlatt(margin, label);
  return { calibrator, logLoss: { platt, isotonic, uncalibrated } };
}
