/**
 * Baselines the model is compared with on the same out-of-time test, so users see what the model adds:
 * - recency only: the outcome rate as a monotone function of days since the last activity (isotonic fit);
 * - RFM: a logistic regression on log recency, frequency and monetary value, standardised by danfojs's
 *   StandardScaler fitted on the training rows;
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
export function bgnbdBaseline(trainExpected: ArrayLike<number>, trainLabel: ArrayLike<number>, testExpected: ArrayLike<number>): Float64Array {
  const score = (values: ArrayLike<number>) => Float64Array.from(values, (v) => (Number.isNaN(v) ? -1 : v));
  return monotoneBaseline(score(trainExpected), trainLabel, score(testExpected));
}

/** The outcome rate as a monotone function of one score, rising or falling as the training data say (more recent
 * usually means more likely to convert, but less likely to churn). */
function monotoneBaseline(train: Float64Array, trainLabel: ArrayLike<number>, test: Float64Array): Float64Array {
  const sign = auc({ probability: train.map((d) => -d), label: trainLabel }) >= 0.5 ? -1 : 1;
  const calibrator = fitIsotonic(train.map((d) => sign * d), trainLabel);
  return calibrate(calibrator, test.map((d) => sign * d));
}

/** log(1 + x) of a column, with missing values as 0 (none) or NEVER days (recency). */
function logColumn(values: ArrayLike<number>, missing: number): number[] {
  return Array.from(values, (v) => Math.log1p(Number.isNaN(v) ? missing : Math.max(0, v)));
}

/** RFM logistic-regression baseline: fitted on `train`, returns probabilities for `test`. */
export async function rfmBaseline(train: RfmColumns, trainLabel: ArrayLike<number>, test: RfmColumns): Promise<Float64Array> {
  const { DataFrame, StandardScaler, tensorflow } = await import("danfojs");
  // TensorFlow.js (under danfojs) prints a banner about its Node backend on its first tensor unless in production mode.
  tensorflow.env().set("PROD", true);
  const frame = (c: RfmColumns) =>
    new DataFrame({
      recency: logColumn(c.recency, NEVER),
      frequency: logColumn(c.frequency, 0),
      monetary: logColumn(c.monetary, 0),
    });
  const scaler = new StandardScaler();
  const trainFrame = frame(train);
  scaler.fit(trainFrame);
  const columnsOf = (df: InstanceType<typeof DataFrame>) => {
    const scaled = scaler.transform(df) as InstanceType<typeof DataFrame>;
    const rows = scaled.values as number[][];
    return [0, 1, 2].map((j) => Float64Array.from(rows, (r) => (Number.isFinite(r[j]) ? r[j]! : 0)));
  };
  const model = fitLogistic(columnsOf(trainFrame), trainLabel);
  return predictLogistic(model, columnsOf(frame(test)));
}
