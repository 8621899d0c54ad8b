/**
 * The output schema of a scoring run: what `npm run score` writes and what the site reads. It is stable: fields
 * are only ever added. `SCHEMA_VERSION` changes when a field changes meaning.
 *
 * ```
 * DIR/index.json                      RunIndex: the instances and where their files are
 * DIR/activity.parquet                day, event_type, events, people: every used event per day and type
 * DIR/new-people.parquet              day, people: people by the day of their first used event
 * DIR/<instance>/instance.json        InstanceSummary: goal in words, counts, buckets, quality, model card, ...
 * DIR/<instance>/evaluation.json      Evaluation: out-of-time metrics, curves, baselines, backtest
 * DIR/<instance>/insights.json        Insights: global, per-bucket and per-value-range factors
 * DIR/<instance>/model.json           the saved model (loaders/pipeline/saved.ts): the GBDT, calibrator, feature
 *                                     catalogue and layout, the settings it was trained with, its as-of date
 * DIR/<instance>/data-quality.json    the run's DataQualityReport (loaders/ingest/report.ts)
 * DIR/<instance>/scores.parquet       one row per scored person (the explorer's table), sorted by id
 * DIR/<instance>/factors.parquet      top factors per person, long form, sorted by id then rank
 * DIR/<instance>/timeline.parquet     each scored person's most recent events, sorted by id then time
 * ```
 *
 * Parquet columns (types as DuckDB writes them):
 * - `scores.parquet`: `id VARCHAR, probability FLOAT, score UTINYINT (0-100), percentile UTINYINT (1-100),
 *   bucket VARCHAR ("High" | "Medium" | "Low", dictionary-encoded), top1 USMALLINT, top2 USMALLINT,
 *   top3 USMALLINT` (feature codes of the person's three most influential factors, NULL when fewer), then one
 *   column per explorer feature named by `InstanceSummary.explorer[].column` (FLOAT for numeric features, codes
 *   as USMALLINT for categorical ones, NULL = missing).
 * - `factors.parquet`: `id VARCHAR, rank UTINYINT (1 = most influential; 0 = all other features together),
 *   feature USMALLINT (code into `InstanceSummary.features`; NULL for rank 0), contribution FLOAT (log-odds),
 *   value VARCHAR (the person's value in words, NULL for rank 0)`. For every person the contributions of all
 *   ranks plus `InstanceSummary.base` equal the model's margin (log-odds before calibration).
 * - `timeline.parquet`: `id VARCHAR, time DATE (the day of the event), event VARCHAR (event type), amount DOUBLE
 *   (NULL = none)`: each scored person's last 20 events within 90 days before the as-of date, most recent first.
 *   Row groups are small so the browser can read one person's rows by HTTP range requests.
 */
import type { BucketRule } from "../scoring/scores.js";

/** Bumped when a field changes meaning. */
export const SCHEMA_VERSION = 1;

/** File names of the run's folder: the index and the data overview (used events, instances aside). */
export const RUN_FILES = { index: "index.json", activity: "activity.parquet", newPeople: "new-people.parquet" } as const;

/** File names inside an instance's directory. */
export const FILES = {
  instance: "instance.json",
  evaluation: "evaluation.json",
  insights: "insights.json",
  model: "model.json",
  dataQuality: "data-quality.json",
  scores: "scores.parquet",
  factors: "factors.parquet",
  timeline: "timeline.parquet",
} as const;

/** `DIR/index.json`. */
export interface RunIndex {
  schemaVersion: number;
  /** When the run happened is deliberately absent: same inputs give identical files. */
  asOf: string;
  instances: { name: string; label: string; type: "conversion" | "churn"; dir: string }[];
  /** Instances of the configuration that did not meet their data requirements (not written), with why. */
  failed: { name: string; message: string }[];
}

/** A feature as pages show it (index in the array = feature code). */
export interface FeatureInfo {
  name: string;
  label: string;
  kind: "numeric" | "categorical";
  unit: string | null;
  group: string;
  categories?: string[];
}

/** A feature column shipped in `scores.parquet` for filtering. */
export interface ExplorerColumn {
  /** Parquet column name, e.g. `f_12` (12 = feature code). */
  column: string;
  feature: number;
  /** Observed range over the scored people (numeric). */
  min?: number;
  max?: number;
}

/** `instance.json`. */
export interface InstanceSummary {
  schemaVersion: number;
  name: string;
  label: string;
  type: "conversion" | "churn";
  /** The goal in plain words, e.g. "Makes a purchase (event type is commerce.purchases) within 30 days". */
  goalText: string;
  /** What the probability means, e.g. "Probability of a purchase within the next 30 days". */
  outcomeText: string;
  eligibleText: string;
  window: number;
  asOf: string;
  /** People eligible at asOf (all scored). */
  scored: number;
  /** People with any event. */
  people: number;
  buckets: { rule: BucketRule; counts: { bucket: "High" | "Medium" | "Low"; people: number; meanProbability: number }[] };
  /** People per score 0..100 (index = score). */
  scoreHistogram: number[];
  /** Sum of probabilities: the expected number of positives among the scored people. */
  expectedPositives: number;
  quality: QualityRating;
  /** Data-quality warnings in words. */
  warnings: string[];
  /** Every feature, by code. */
  features: FeatureInfo[];
  /** Features shipped in scores.parquet, most important first. */
  explorer: ExplorerColumn[];
  /** Base value (log-odds) of the contributions: mean margin of the training data under the model. */
  base: number;
  /** The calibrator maps margin to probability (see loaders/calibration). */
  modelCard: ModelCard;
  /** Ready-made segments (conditions in the segment builder's own form, see components). */
  suggestedSegments: { name: string; description: string; where: { field: "percentile" | "score" | "bucket"; op: "between" | "in"; value: (number | string)[] }[] }[];
}

/** A quality rating in plain words, from the out-of-time AUC and top-decile lift. */
export interface QualityRating {
  rating: "Poor" | "Fair" | "Good" | "Excellent";
  auc: number;
  topDecileLift: number;
  /** One or two sentences for people. */
  text: string;
}

/** What a model card shows. */
export interface ModelCard {
  /** First and last event day used. */
  dataRange: [string, string];
  /** The evaluation model's training cutoffs (as-of dates), oldest first. */
  trainingCutoffs: string[];
  testCutoff: string;
  /** How the evaluation model was tested (see `Evaluation.kind`). */
  evaluation: Evaluation["kind"];
  trainingExamples: number;
  trainingPositives: number;
  validationExamples: number;
  testExamples: number;
  testPositives: number;
  features: number;
  trees: number;
  /** The model that produced the scores: trained on every labelled cutoff, the latest included. */
  scoringModel: { cutoffs: string[]; examples: number; positives: number; validationExamples: number; trees: number };
  params: Record<string, number | string | boolean>;
  calibration: { method: "platt" | "isotonic"; why: string; logLoss: { platt: number; isotonic: number; uncalibrated: number } };
  limits: string[];
  /** Present when the scores come from a model saved by an earlier run (`score --model`): nothing was trained, and
   * the figures above are that run's, from its as-of date `trainedAsOf`. */
  frozen?: { trainedAsOf: string };
}

/** Metrics of one scorer on the out-of-time test. */
export interface Metrics {
  auc: number;
  prAuc: number;
  logLoss: number;
  brier: number;
  ece: number;
  topDecileLift: number;
}

/** `evaluation.json`. */
export interface Evaluation extends Metrics {
  schemaVersion: number;
  /** `out-of-time`: a model trained on earlier cutoffs only, tested on the latest labelled one; `held-out people`:
   * (too little history for that) people held out from training, tested at the latest labelled cutoff. */
  kind: "out-of-time" | "held-out people";
  testCutoff: string;
  testExamples: number;
  testPositives: number;
  baseRate: number;
  quality: QualityRating;
  roc: { fpr: number; tpr: number; threshold: number }[];
  calibration: { bin: number; count: number; predicted: number; observed: number }[];
  deciles: { decile: number; count: number; positives: number; rate: number; lift: number; cumulativeGain: number; cumulativeLift: number }[];
  /** Per percentile 1..100 (targeting the top `percent`%): observed and expected true/false positives. */
  thresholds: {
    percent: number;
    threshold: number;
    people: number;
    truePositives: number;
    falsePositives: number;
    expectedTruePositives: number;
    expectedFalsePositives: number;
    precision: number;
    recall: number;
  }[];
  baselines: ({ name: "recency" | "rfm" | "bgnbd"; label: string } & Metrics)[];
  /** Per past cutoff: the actual outcome rate per bucket (Adobe's performance summary). */
  backtest: { cutoff: string; bucket: "High" | "Medium" | "Low"; people: number; predicted: number; actual: number }[];
}

/** `insights.json`. */
export interface Insights {
  schemaVersion: number;
  /** Mean |contribution| per feature over the scored people, most important first (at most 30). */
  global: { feature: number; importance: number; meanContribution: number }[];
  /** Per bucket, the top 10 factors. */
  buckets: {
    bucket: "High" | "Medium" | "Low";
    people: number;
    factors: {
      feature: number;
      importance: number;
      meanContribution: number;
      coverage: number;
      distribution: { quantiles?: number[]; missing: number; categories?: { category: string; share: number }[] };
    }[];
  }[];
  /** Per important feature: likelihood per value range, and a sample of (value, contribution) pairs. */
  factors: {
    feature: number;
    ranges: { range: string; low: number | null; high: number | null; people: number; meanProbability: number; relative: number }[];
    sample: { value: number | null; contribution: number; bucket: "High" | "Medium" | "Low" }[];
  }[];
}
