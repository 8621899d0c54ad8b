/**
 * Baselines the model is compared with on the same out-of-time test, so users see what the model adds:
 * - recency only: the outcome rate as a monotone function of days since the last activity (isotonic fit);
 * - RFM: a logistic regression on log recency, frequency and monetary value, standardised by danfojs's
 *   StandardScaler fitted on the training rows.
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
  const trainDays = days(train);
  // More recent usually means more likely (conversion) but can mean less likely (churn): let the data say.
  const sign = auc({ probability: trainDays.map((d) => -d), label: trainLabel }) >= 0.5 ? -1 : 1;
  const calibrator = fitIsotonic(trainDays.map((d) => sign * d), trainLabel);
  return calibrate(calibrator, days(test).map((d) => sign * d));
}

/** log(1 + x) of a column, with missing values as 0 (none) or NEVER days (recency). */
function logColumn(values: ArrayLike<number>, missing: number): number[] {
  return Array.from(values, (v) => Math.log1p(Number.isNaN(v) ? missing : Math.max(0, v)));
}

/** RFM logistic-regression baseline: fitted on `train`, returns probabilities for `test`. */
export async function rfmBaseline(train: RfmColumns, trainLabel: ArrayLike<number>, test: RfmColumns): Promise<Float64Array> {
  const { DataFrame, StandardScaler } = await import("danfojs");
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
