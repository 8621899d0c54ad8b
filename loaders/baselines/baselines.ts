/**
 * Baselines the model is compared with on the same out-of-time test, so users see what the model adds:
 * - recency only: the outcome rate as a monotone function of days since the last activity (isotonic fit);
 * - RFM: a logistic regression on log recency, frequency and monetary value, each standardised by the mean and
 *   standard deviation of the training rows;
 * - BG/NBD: the buy-till-you-die model's expected goal days in the window (see `bgnbd.ts`).
 */
import { calibrate, fitIsotonic } from "../calibration/calibrate.js";
import { auc } from "../evaluation/metrics.js";
import { fitLogistic, predictLogistic } from "./logistic.js";

/** Recency, frequency and monetary columns of one set of people (NaN = never / none). */
export interface RfmColumns {
  /** Days since the last activity. */
  recency: ArrayLike<number>;
  /** Number of events (or orders) over the lookback. */
  frequency: ArrayLike<number>;
  /** Money spent over the lookback. */
  monetary: ArrayLike<number>;
}

/** Days used for people with no activity at all. */
const NEVER = 10_000;

/** Recency-only baseline: fitted on `train`, returns probabilities for `test`. */
export function recencyBaseline(train: RfmColumns, trainLabel: ArrayLike<number>, test: RfmColumns): Float64Array {
  const days = (c: RfmColumns) => Float64Array.from(c.recency, (d) => (Number.isNaN(d) ? NEVER : d));
  return monotoneBaseline(days(train), trainLabel, days(test));
}

/**
 * BG/NBD baseline: each person's expected goal days in the window under the buy-till-you-die model fitted at their
 * cutoff (the `history.goal.btyd_expected` feature; people who never reached the goal rank lowest), made a
 * probability by an isotonic fit on `train`.
 */
export function bgnbdBaseline(
  trainExpected: ArrayLike<number>,
  trainLabel: ArrayLike<number>,
  testExpected: ArrayLike<number>,
): Float64Array {
  const score = (values: ArrayLike<number>) => Float64Array.from(values, (v) => (Number.isNaN(v) ? -1 : v));
  return monotoneBaseline(score(trainExpected), trainLabel, score(testExpected));
}

/** The outcome rate as a monotone function of one score, rising or falling as the training data say (more recent
 * usually means more likely to convert, but less likely to churn). */
function monotoneBaseline(train: Float64Array, trainLabel: ArrayLike<number>, test: Float64Array): Float64Array {
  const sign = auc({ probability: train.map((d) => -d), label: trainLabel }) >= 0.5 ? -1 : 1;
  const calibrator = fitIsotonic(
    train.map((d) => sign * d),
    trainLabel,
  );
  return calibrate(
    calibrator,
    test.map((d) => sign * d),
  );
}

/** log(1 + x) of a column, with missing values as 0 (none) or NEVER days (recency). */
function logColumn(values: ArrayLike<number>, missing: number): number[] {
  return Array.from(values, (v) => Math.log1p(Number.isNaN(v) ? missing : Math.max(0, v)));
}

/**
 * A standardiser fitted on training columns: it maps each column to (x - mean) / standard deviation, and a value
 * that is not finite (a column with no spread) to 0. It computes in single precision, step by step as TensorFlow.js
 * did under danfojs's StandardScaler, which did this before, so that the RFM baseline's figures did not move when
 * that dependency went (README, after the Layout table).
 */
export function fitStandardiser(
  train: readonly ArrayLike<number>[],
): (columns: readonly ArrayLike<number>[]) => Float64Array[] {
  const f = Math.fround;
  const moments = train.map((column) => {
    const n = f(column.length);
    // A mean as TensorFlow.js's CPU kernel takes it: each value divided by n, then summed in row order.
    const meanOf = (value: (i: number) => number) => {
      let sum = 0;
      for (let i = 0; i < column.length; i++) sum += f(value(i) / n);
      return f(sum);
    };
    const mean = meanOf((i) => f(column[i]!));
    const squaredDeviation = (i: number) => {
      const d = f(f(column[i]!) - mean);
      return f(d * d);
    };
    return { mean, std: f(Math.sqrt(meanOf(squaredDeviation))) };
  });
  return (columns) =>
    columns.map((column, j) => {
      const { mean, std } = moments[j]!;
      return Float64Array.from(column, (v) => {
        const z = f(f(f(v) - mean) / std);
        return Number.isFinite(z) ? z : 0;
      });
    });
}

/** RFM logistic-regression baseline: fitted on `train`, returns probabilities for `test`. */
export function rfmBaseline(train: RfmColumns, trainLabel: ArrayLike<number>, test: RfmColumns): Float64Array {
  const logs = (c: RfmColumns) => [logColumn(c.recency, NEVER), logColumn(c.frequency, 0), logColumn(c.monetary, 0)];
  const trainLogs = logs(train);
  const standardise = fitStandardiser(trainLogs);
  const model = fitLogistic(standardise(trainLogs), trainLabel);
  return predictLogistic(model, standardise(logs(test)));
}
