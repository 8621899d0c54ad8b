/**
 * The honest account of a model: metrics on the out-of-time test (the latest labelled cutoff, never seen in
 * training), the same metrics for two baselines (recency only; an RFM logistic regression), a quality rating in
 * words, and a backtest: for the latest cutoffs, a model trained only on older cutoffs scores the people of that
 * cutoff, and the actual outcome rate per bucket is compared with the predicted one.
 */
import { bgnbdBaseline, recencyBaseline, rfmBaseline, type RfmColumns } from "../baselines/baselines.js";
import { calibrate } from "../calibration/calibrate.js";
import type { ModelSettings } from "../config/types.js";
import type { FeatureSet, InstanceFeatures } from "../features/build.js";
import {
  type Outcomes,
  auc,
  averagePrecision,
  brier,
  calibrationByShares,
  calibrationCurve,
  expectedCalibrationError,
  liftTable,
  logLoss,
  rocCurve,
  thresholdTable,
} from "../evaluation/metrics.js";
import { bootstrapIntervals, wilsonInterval } from "../evaluation/bootstrap.js";
import { sliceBy } from "../evaluation/slices.js";
import { predictMargin } from "../model/index.js";
import { scorePeople } from "../scoring/scores.js";
import { BUCKETS, type BucketRule } from "../contract/buckets.js";
import { columnOf, matrixOf, personDraw, rowsWhere, selectRows } from "./matrix.js";
import type { Evaluation, Metrics, QualityRating } from "../contract/schema.js";
import { SCHEMA_VERSION } from "../contract/schema.js";
import { type TrainedModel, holdoutLeavesBothSides, trainModel } from "./train.js";

/** Quality levels by out-of-time AUC (lower bounds). Below 0.65 is poor, as Adobe's Customer AI rates it. */
export const QUALITY_LEVELS = [
  { rating: "Excellent", auc: 0.85 },
  { rating: "Good", auc: 0.75 },
  { rating: "Fair", auc: 0.65 },
  { rating: "Poor", auc: 0 },
] as const;

/** How many of the latest labelled cutoffs the backtest covers (the test cutoff and earlier ones). */
export const BACKTEST_CUTOFFS = 3;
/** Training examples of each backtest model at most (a random sample of people): enough for per-bucket rates,
 * which come from every example of the target cutoff; each backtest model costs about a quarter of the main one. */
export const BACKTEST_MAX_EXAMPLES = 25_000;

/** Ranking and probability metrics of one scorer. */
export function metricsOf(outcomes: Outcomes): Metrics {
  return {
    auc: auc(outcomes),
    prAuc: averagePrecision(outcomes),
    logLoss: logLoss(outcomes),
    brier: brier(outcomes),
    ece: expectedCalibrationError(outcomes),
    topDecileLift: liftTable(outcomes)[0]!.lift,
  };
}

/** The quality rating of a model from its out-of-time AUC and top-decile lift, with a sentence for people. */
export function qualityRating(aucValue: number, topDecileLift: number): QualityRating {
  const level = QUALITY_LEVELS.find((l) => aucValue >= l.auc) ?? QUALITY_LEVELS[3];
  const lift = Number.isFinite(topDecileLift) ? topDecileLift : 0;
  const how = { Excellent: "very well", Good: "well", Fair: "better than chance, though far from perfectly", Poor: "" }[
    level.rating
  ];
  const ranking =
    level.rating === "Poor"
      ? "The model barely ranks people better than chance; treat its scores with caution and check the data."
      : `The model ranks people ${how}: the top 10% by score hold ${lift.toFixed(1)} times as many outcomes as average.`;
  return {
    rating: level.rating,
    auc: aucValue,
    topDecileLift: lift,
    text: `${level.rating} (AUC ${aucValue.toFixed(3)} on the latest period the model never saw). ${ranking}`,
  };
}

/**
 * The recency, frequency and monetary columns of a set, found in the feature catalogue: days since the last and
 * count of any activity (or, for data with no activity kind, of the first kind of event, e.g. purchases), and the
 * amount spent over the lookback.
 */
export function rfmColumns(features: InstanceFeatures, set: FeatureSet): RfmColumns {
  const names = features.catalogue.map((f) => f.name);
  const recencyName =
    names.find((n) => n === "activity.days_since_last") ?? names.find((n) => n.endsWith(".days_since_last"));
  const kind = recencyName?.slice(0, -".days_since_last".length);
  const widest = (prefix: string) => {
    const matches = names
      .map((n, i) => ({ i, days: n.startsWith(prefix) ? Number(n.slice(prefix.length, -1)) : NaN }))
      .filter((m) => Number.isFinite(m.days));
    return matches.sort((a, b) => b.days - a.days)[0]?.i ?? -1;
  };
  const column = (index: number, fallback: number) =>
    index >= 0 ? columnOf(set, index) : new Float32Array(set.rows).fill(fallback);
  return {
    recency: column(recencyName ? names.indexOf(recencyName) : -1, NaN),
    frequency: column(kind ? widest(`${kind}.count_`) : -1, 0),
    monetary: column(widest("amount.sum_"), 0),
  };
}

/** Everything `evaluate` needs. */
export interface EvaluateInput {
  /** The instance's features, with `train` and `test` the evaluation split's. */
  features: InstanceFeatures;
  kind: Evaluation["kind"];
  trained: TrainedModel;
  buckets: BucketRule;
  settings: ModelSettings;
  seed: number;
  onProgress?: (message: string) => void;
}

/** Evaluates a trained model out of time, with baselines and a backtest; also returns the calibrated
 * probabilities of the test rows. */
export async function evaluate(input: EvaluateInput): Promise<{ evaluation: Evaluation; probability: Float64Array }> {
  const { features, trained } = input;
  const nFeatures = features.catalogue.length;
  const test = features.test;
  const label = test.labels!;
  const probability = calibrate(
    trained.calibration.calibrator,
    predictMargin(trained.model, matrixOf(test, nFeatures)),
  );
  const outcomes = { probability, label };
  const model = metricsOf(outcomes);
  const quality = qualityRating(model.auc, model.topDecileLift);
  const train = features.train;
  const trainRfm = rfmColumns(features, train);
  const testRfm = rfmColumns(features, test);
  // Each baseline's metrics and ROC curve (drawn beside the model's) on the same test.
  const scored = (p: Float64Array) => ({
    ...metricsOf({ probability: p, label }),
    roc: rocCurve({ probability: p, label }, 100),
  });
  const baselines: Evaluation["baselines"] = [
    {
      name: "recency",
      label: "Recency only (days since last activity)",
      ...scored(recencyBaseline(trainRfm, train.labels!, testRfm)),
    },
    {
      name: "rfm",
      label: "RFM logistic regression (recency, frequency, monetary)",
      ...scored(rfmBaseline(trainRfm, train.labels!, testRfm)),
    },
  ];
  const expected = features.catalogue.findIndex((f) => f.name === "history.goal.btyd_expected");
  if (expected >= 0) {
    const probability = bgnbdBaseline(columnOf(train, expected), train.labels!, columnOf(test, expected));
    baselines.push({
      name: "bgnbd",
      label: "BG/NBD buy-till-you-die model (expected goal days in the window)",
      ...scored(probability),
    });
  }
  let positives = 0;
  for (const v of label) positives += v;
  const testCutoff = features.cutoffs.find((c) => c.part === "test")!;
  const evaluation: Evaluation = {
    schemaVersion: SCHEMA_VERSION,
    kind: input.kind,
    ...model,
    testCutoff: testCutoff.asOf,
    testExamples: label.length,
    testPositives: positives,
    baseRate: positives / Math.max(1, label.length),
    quality,
    roc: rocCurve(outcomes),
    calibration: calibrationCurve(outcomes).map((b, i) => ({ bin: i, ...b })),
    calibrationDetail: calibrationByShares(outcomes).map((b, i) => ({ bin: i, ...b })),
    deciles: liftTable(outcomes),
    thresholds: thresholdTable(outcomes),
    baselines,
    backtest: [...bucketOutcomes(testCutoff.asOf, probability, label, input.buckets), ...backtest(input)],
    intervals: bootstrapIntervals(outcomes, input.seed),
    slices: features.catalogue.flatMap((f, j) =>
      f.kind === "categorical" && f.group === "profile" && f.categories
        ? [sliceBy(j, columnOf(test, j), f.categories, outcomes)]
        : [],
    ),
  };
  return { evaluation, probability };
}

/** People, mean predicted probability and actual outcome rate per bucket of one cutoff. */
function bucketOutcomes(
  cutoff: string,
  probability: Float64Array,
  label: Uint8Array,
  rule: BucketRule,
): Evaluation["backtest"] {
  const { bucket } = scorePeople(probability, rule);
  return BUCKETS.map((name, b) => {
    let people = 0;
    let predicted = 0;
    let actual = 0;
    for (let i = 0; i < bucket.length; i++) {
      if (bucket[i] !== b) continue;
      people++;
      predicted += probability[i]!;
      actual += label[i]!;
    }
    const interval = wilsonInterval(actual, people);
    return {
      cutoff,
      bucket: name,
      people,
      predicted: people ? predicted / people : 0,
      actual: people ? actual / people : 0,
      actualLow: interval.low,
      actualHigh: interval.high,
    };
  });
}

/**
 * Rolling-origin backtest over the training cutoffs just before the test cutoff: for each, a model is trained on
 * the cutoffs whose outcome window ended by then, and scores that cutoff's people.
 */
function backtest(input: EvaluateInput): Evaluation["backtest"] {
  const { features } = input;
  const train = features.train;
  const nFeatures = features.catalogue.length;
  const window = features.window;
  const present = new Set(train.cutoff);
  const testDay = features.cutoffs.find((c) => c.part === "test")!.day;
  // Targets a window apart, going back from the test cutoff.
  const past: typeof features.cutoffs = [];
  for (const c of features.cutoffs.filter((c) => present.has(c.index)).sort((a, b) => b.day - a.day)) {
    if (past.length < BACKTEST_CUTOFFS - 1 && c.day + window <= (past[past.length - 1]?.day ?? testDay)) past.push(c);
  }
  const out: Evaluation["backtest"] = [];
  for (const target of past) {
    const older = new Set(
      features.cutoffs.filter((c) => present.has(c.index) && c.day + window <= target.day).map((c) => c.index),
    );
    const all = rowsWhere(train, (r) => older.has(train.cutoff[r]!));
    const share = Math.min(1, BACKTEST_MAX_EXAMPLES / Math.max(1, all.length));
    const fitRows = share < 1 ? all.filter((r) => personDraw(train.person[r]!, input.seed + 1) < share) : all;
    const targetRows = rowsWhere(train, (r) => train.cutoff[r] === target.index);
    let pos = 0;
    for (const r of fitRows) pos += train.labels![r]!;
    if (
      pos < 50 ||
      fitRows.length - pos < 50 ||
      targetRows.length === 0 ||
      !holdoutLeavesBothSides(train, fitRows, input.seed)
    )
      continue;
    input.onProgress?.(`backtest ${target.asOf}: training on ${fitRows.length} examples`);
    const trained = trainModel({
      set: train,
      rows: fitRows,
      nFeatures,
      categorical: features.catalogue.map((f) => f.kind === "categorical"),
      featureNames: features.catalogue.map((f) => f.name),
      settings: input.settings,
      seed: input.seed,
    });
    const target_ = selectRows(train, nFeatures, targetRows);
    const probability = calibrate(trained.calibration.calibrator, predictMargin(trained.model, target_.X));
    out.push(...bucketOutcomes(target.asOf, probability, target_.y, input.buckets));
  }
  return out.sort((a, b) => a.cutoff.localeCompare(b.cutoff) || BUCKETS.indexOf(a.bucket) - BUCKETS.indexOf(b.bucket));
}
