/**
 * Training one model: the labelled rows are split by person into a fitting part and a held-out part (20% of the
 * people). The held-out part picks the number of trees (early stopping on log-loss) and fits the calibration map
 * (Platt or isotonic, whichever has the lower cross-fitted log-loss there). Early stopping only chooses a tree
 * count, so reusing those rows for calibration costs little and keeps every fitting row for the trees.
 */
import { type CalibrationChoice, chooseCalibrator } from "../calibration/calibrate.js";
import type { ModelSettings } from "../config/types.js";
import type { FeatureSet, InstanceFeatures } from "../features/build.js";
import type { RequirementResult } from "../contract/data-quality.js";
import { type GBDTParams, type Model, fitGBDT, predictMargin } from "../model/index.js";
import { concatSets, personDraw, rowsWhere, selectRows, splitByPerson, subsetOf } from "./matrix.js";

/** Hyper-parameters used unless the configuration says otherwise. Depth 3: on transaction logs (`npm run
 * bench:real`) shallower trees generalise better across cutoffs (the cases meeting the target margin: 2 of 8 at
 * depth 6, 5 at depth 4, 7 at depth 3 and at depth 2), on the demo depths 3 to 6 give out-of-time AUCs within 0.001
 * of each other, and TreeSHAP for every scored person costs less (it grows with leaves x depth squared). The
 * early-stopping tolerance ends the long tail of negligible gains: on the 100k bench, churn's held-out log-loss
 * improved by 0.00036 over its last 130 trees. Each tree sees a random half of the features, which halves the
 * histogram work (most of training time) and on the demo raised the out-of-time AUC slightly (purchase 0.8488 to
 * 0.8506, churn 0.8003 to 0.8010). */
export const MODEL_DEFAULTS: Partial<GBDTParams> = {
  nTrees: 400,
  learningRate: 0.1,
  maxDepth: 3,
  minChildWeight: 5,
  lambda: 1,
  earlyStoppingRounds: 30,
  earlyStoppingTolerance: 3e-4,
  earlyStoppingMetric: "logloss",
  colsampleByTree: 0.5,
  maxBins: 255,
};

/** Share of people held out for early stopping and calibration. */
export const HOLDOUT_SHARE = 0.2;

/** What to train on. */
export interface TrainInput {
  set: FeatureSet;
  /** Rows of `set` to use (all labelled). */
  rows: Int32Array;
  nFeatures: number;
  categorical: boolean[];
  featureNames: string[];
  settings: ModelSettings;
  seed: number;
  /** Held-out rows that fit the calibration map when there are enough of them (`MIN_CALIBRATION_ROWS`, and 50 of
   * each class): the most recent periods, whose outcome rate is closest to the one ahead. Default: every held-out
   * row. */
  calibrateOn?: (row: number) => boolean;
}

/** Held-out rows needed to calibrate on the most recent periods only. */
export const MIN_CALIBRATION_ROWS = 1000;

/** A trained, calibrated model. */
export interface TrainedModel {
  model: Model;
  calibration: CalibrationChoice;
  fitExamples: number;
  fitPositives: number;
  holdoutExamples: number;
}

/** Fits the trees and the calibration map. */
export function trainModel(input: TrainInput): TrainedModel {
  const [fitRows, holdoutRows] = splitByPerson(input.set, input.rows, HOLDOUT_SHARE, input.seed);
  const fit = selectRows(input.set, input.nFeatures, fitRows);
  const holdout = selectRows(input.set, input.nFeatures, holdoutRows);
  const params: Partial<GBDTParams> = { ...MODEL_DEFAULTS, ...input.settings, seed: input.seed };
  const model = fitGBDT(fit.X, fit.y, params, {
    validation: { X: holdout.X, y: holdout.y },
    categorical: input.categorical,
    featureNames: input.featureNames,
  });
  const recent = input.calibrateOn ? Int32Array.from(holdoutRows.filter((r) => input.calibrateOn!(r))) : holdoutRows;
  const recentPositives = recent.reduce((a, r) => a + input.set.labels![r]!, 0);
  const enough =
    recent.length >= MIN_CALIBRATION_ROWS && recentPositives >= 50 && recent.length - recentPositives >= 50;
  const calibrationSet = enough && recent !== holdoutRows ? selectRows(input.set, input.nFeatures, recent) : holdout;
  const calibration = chooseCalibrator(predictMargin(model, calibrationSet.X), calibrationSet.y);
  let fitPositives = 0;
  for (const v of fit.y) fitPositives += v;
  return { model, calibration, fitExamples: fit.y.length, fitPositives, holdoutExamples: holdout.y.length };
}

/** Why the calibration method was chosen, in words. */
export function calibrationWhy(choice: CalibrationChoice): string {
  const { platt, isotonic, uncalibrated } = choice.logLoss;
  const [won, lost] = choice.calibrator.kind === "isotonic" ? ["Isotonic", "Platt"] : ["Platt", "Isotonic"];
  const [a, b] = choice.calibrator.kind === "isotonic" ? [isotonic, platt] : [platt, isotonic];
  return `${won} calibration had the lower log-loss on held-out people (${a.toFixed(4)} vs ${b.toFixed(4)} for ${lost}, cross-fitted in two halves; ${uncalibrated.toFixed(4)} uncalibrated).`;
}

/** Out-of-time evaluation needs at least this many positive and negative examples in its training cutoffs;
 * with fewer, the evaluation holds out people instead. */
export const MIN_OUT_OF_TIME_CLASS = 100;
/** Share of the test cutoff's people held out when the evaluation cannot be out of time. */
export const HELD_OUT_PEOPLE_SHARE = 0.3;

/** The examples the evaluation model learns from and is tested on. */
export interface EvaluationSplit {
  /** `out-of-time`: training cutoffs whose outcome windows closed by the test cutoff, tested on every sampled person
   * there; `held-out people`: too little history for that, so a share of people is held out from every cutoff and
   * tested at the latest one (not out of time: said wherever the figures are shown). */
  kind: "out-of-time" | "held-out people";
  train: FeatureSet;
  test: FeatureSet;
}

/** Chooses the evaluation split of an instance's sets (see `EvaluationSplit`). */
export function evaluationSplit(features: InstanceFeatures, seed: number): EvaluationSplit {
  const { train, test, window } = features;
  const nFeatures = features.catalogue.length;
  const testDay = features.cutoffs.find((c) => c.part === "test")!.day;
  const dayOfCut = new Map(features.cutoffs.map((c) => [c.index, c.day]));
  const outOfTime = rowsWhere(train, (r) => dayOfCut.get(train.cutoff[r]!)! + window <= testDay);
  let positives = 0;
  for (const r of outOfTime) positives += train.labels![r]!;
  if (positives >= MIN_OUT_OF_TIME_CLASS && outOfTime.length - positives >= MIN_OUT_OF_TIME_CLASS) {
    return { kind: "out-of-time", train: subsetOf(train, nFeatures, outOfTime), test };
  }
  const heldOut = (set: FeatureSet, r: number) => personDraw(set.person[r]!, seed + 7) < HELD_OUT_PEOPLE_SHARE;
  const kept = (set: FeatureSet) =>
    subsetOf(
      set,
      nFeatures,
      rowsWhere(set, (r) => !heldOut(set, r)),
    );
  return {
    kind: "held-out people",
    train: concatSets(kept(train), kept(test), nFeatures),
    test: subsetOf(
      test,
      nFeatures,
      rowsWhere(test, (r) => heldOut(test, r)),
    ),
  };
}

/** Whether holding out `HOLDOUT_SHARE` of the people of `rows` leaves rows on both sides: the trees need rows to fit
 * on, early stopping and the calibration rows held out. */
export function holdoutLeavesBothSides(set: FeatureSet, rows: Int32Array, seed: number): boolean {
  const [fit, holdout] = splitByPerson(set, rows, HOLDOUT_SHARE, seed);
  return fit.length > 0 && holdout.length > 0;
}

/**
 * The data requirement that the splits by person put examples on every side, or null when they do: the evaluation
 * split (its training and its test examples) and, in the evaluation and the scoring model, the people fitted on and
 * those held out. With a handful of people a split can leave one side empty, whatever the examples' count; said in
 * words, as the other requirements are (`features/plan.ts`), instead of a model with nothing to learn from.
 */
export function splitRequirement(features: InstanceFeatures, seed: number): RequirementResult | null {
  const split = evaluationSplit(features, seed);
  const all = (set: FeatureSet) => Int32Array.from({ length: set.rows }, (_, i) => i);
  const labelled = concatSets(features.train, features.test, features.catalogue.length);
  const empty =
    split.train.rows === 0
      ? "no example to train the evaluation model on"
      : split.test.rows === 0
        ? "no example to test the evaluation model on"
        : !holdoutLeavesBothSides(split.train, all(split.train), seed) ||
            !holdoutLeavesBothSides(labelled, all(labelled), seed)
          ? `no example on one side of the ${HOLDOUT_SHARE * 100}% of people held out to choose the number of trees and calibrate`
          : null;
  if (!empty) return null;
  const people = new Set(labelled.person).size;
  const test =
    split.kind === "held-out people" ? `${HELD_OUT_PEOPLE_SHARE * 100}% of them to test the evaluation model, ` : "";
  return {
    check: "people",
    ok: false,
    message:
      `the ${labelled.rows} labelled examples come from ${people} ${people === 1 ? "person" : "people"}; the models hold people out ` +
      `(${test}${HOLDOUT_SHARE * 100}% to choose the number of trees and calibrate), which here leaves ${empty}`,
    hint: "Provide examples from more people (every split is by person: a few dozen at least), or use looser eligibility.",
  };
}

/** Days in a year of whole weeks (a year-ago cutoff falls on the same weekday). */
const YEAR_DAYS = 364;

/**
 * Trains a model on every row of a labelled set, to predict the outcome window that starts on cutoff day `target`.
 * It is calibrated on the periods most like that one: the cutoffs of its last window, and those within half a
 * window of the same season a year before `target` (when the history reaches back that far), so neither a recent
 * swing nor the time of year alone sets the level of the probabilities.
 */
export function trainOnSet(
  set: FeatureSet,
  features: InstanceFeatures,
  settings: ModelSettings,
  seed: number,
  target: number,
): TrainedModel {
  const { catalogue, window } = features;
  const dayOf = new Map(features.cutoffs.map((c) => [c.index, c.day]));
  let newest = -Infinity;
  for (const c of new Set(set.cutoff)) newest = Math.max(newest, dayOf.get(c)!);
  const likeTarget = (day: number) => day > newest - window || Math.abs(day - (target - YEAR_DAYS)) <= window / 2;
  return trainModel({
    calibrateOn: (r) => likeTarget(dayOf.get(set.cutoff[r]!)!),
    set,
    rows: Int32Array.from({ length: set.rows }, (_, i) => i),
    nFeatures: catalogue.length,
    categorical: catalogue.map((f) => f.kind === "categorical"),
    featureNames: catalogue.map((f) => f.name),
    settings,
    seed,
  });
}
