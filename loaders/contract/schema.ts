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
 * DIR/<instance>/value.json           ValueReport: the customer value model and its out-of-time validation
 *                                     (conversion instances with `value`, see loaders/pipeline/value.ts)
 * DIR/<instance>/insights.json        Insights: global, per-bucket and per-value-range factors
 * DIR/<instance>/model.json           the saved model (loaders/pipeline/saved.ts): the GBDT, calibrator, feature
 *                                     catalogue and layout, the settings it was trained with, its as-of date
 * DIR/<instance>/data-quality.json    the run's DataQualityReport (loaders/ingest/report.ts)
 * DIR/<instance>/scores.parquet       one row per scored person (the explorer's table), sorted by id
 * DIR/<instance>/factors.parquet      top factors per person, long form, sorted by id then rank
 * DIR/<instance>/timeline.parquet     each scored person's most recent events, sorted by id then time
 * DIR/<instance>/history.json         InstanceHistory, in a run of a history folder (loaders/pipeline/dated-runs.ts)
 * DIR/<instance>/score-history.parquet  in a run of a history folder: its people's scores in every run there
 * ```
 *
 * Parquet columns (types as DuckDB writes them):
 * - `scores.parquet`: `id VARCHAR, probability FLOAT, score UTINYINT (0-100), percentile UTINYINT (1-100),
 *   bucket VARCHAR ("High" | "Medium" | "Low", dictionary-encoded), top1 USMALLINT, top2 USMALLINT,
 *   top3 USMALLINT` (feature codes of the person's three most influential factors, NULL when fewer), then one
 *   column per explorer feature named by `InstanceSummary.explorer[].column` (FLOAT for numeric features, codes
 *   as USMALLINT for categorical ones, NULL = missing). Instances with customer value (`InstanceSummary.value`) end
 *   with `expected_events FLOAT` (expected goal days in the window), `expected_events_horizon FLOAT` (in the value
 *   horizon), `p_alive FLOAT` (BG/NBD's probability that the person still buys), `expected_spend FLOAT` (expected
 *   amount per goal day, Gamma-Gamma) and `expected_value FLOAT` (expected_events_horizon x expected_spend,
 *   undiscounted): NULL for people without a goal day before the as-of date, or when the value is unavailable.
 * - `factors.parquet`: `id VARCHAR, rank UTINYINT (1 = most influential; 0 = all other features together),
 *   feature USMALLINT (code into `InstanceSummary.features`; NULL for rank 0), contribution FLOAT (log-odds),
 *   value VARCHAR (the person's value in words, NULL for rank 0)`. For every person the contributions of all
 *   ranks plus `InstanceSummary.base` equal the model's margin (log-odds before calibration).
 * - `timeline.parquet`: `id VARCHAR, time DATE (the day of the event), event VARCHAR (event type), amount DOUBLE
 *   (NULL = none)`: each scored person's last 20 events within 90 days before the as-of date, most recent first.
 *   Row groups are small so the browser can read one person's rows by HTTP range requests.
 * - `score-history.parquet`: `id VARCHAR, as_of DATE, probability FLOAT, score UTINYINT, bucket VARCHAR`: the
 *   scores of this run's people in each run of its history folder, sorted by id then date (small row groups).
 *
 * This folder (loaders/contract) is the contract between the build and the browser, imported by both sides and
 * first in the flow: it imports nothing from the project (test/architecture/imports.test.ts). Pages load components
 * through `src/components` (a link to `components/`) and Framework resolves their imports inside `src/`, so
 * `src/loaders/contract` links here for the modules components import at run time.
 */
import type { Bucket, BucketRule } from "./buckets.js";

/** A 95% interval. */
export interface Interval {
  low: number;
  high: number;
}

/** The metrics with intervals. */
export interface MetricIntervals {
  auc: Interval;
  prAuc: Interval;
  topDecileLift: Interval;
  ece: Interval;
  resamples: number;
}

/** One group of a slice. */
export interface SliceGroup {
  /** The category, "Not known" for missing values, or "Other (small groups)". */
  category: string;
  people: number;
  positives: number;
  /** Mean predicted probability and actual outcome rate. */
  predicted: number;
  actual: number;
  /** NaN when the group has one class only. */
  auc: number;
  /** Why the group stands out, in words (empty when it does not). */
  flags: string[];
}

/** The slices of one attribute. */
export interface Slice {
  /** Feature code of the attribute. */
  feature: number;
  groups: SliceGroup[];
  /** People in the smallest group listed. */
  smallestGroup: number;
  /** Categories merged into "Other (small groups)". */
  merged: string[];
  /** The AUC within groups: over the pairs of a positive and a negative person of the same group (NaN when no
   * group has both); each group is compared with it. */
  withinAuc: number;
}

/** What the site's build says about an instance's sample (`sample` in the instance summary the site ships). */
export interface SampleInfo {
  /** The hash rate: a person is in the sample when the hash of their id, in [0, 1), is below it. */
  rate: number;
  /** People in the sample (m). */
  people: number;
  /** Everyone scored (M). */
  total: number;
  /** The size above which the site samples. */
  above: number;
}

/** A value a query parameter may take: the segments' queries bind these in the browser (DuckDB-WASM) and in the
 * headless export (DuckDB in Node). */
export type SqlParam = string | number | boolean | null;

/** Bumped when a field changes meaning. */
export const SCHEMA_VERSION = 1;

/** File names of the run's folder: the index and the data overview (used events, instances aside). */
export const RUN_FILES = {
  index: "index.json",
  activity: "activity.parquet",
  newPeople: "new-people.parquet",
} as const;

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
  history: "history.json",
  scoreHistory: "score-history.parquet",
  value: "value.json",
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
  /** Categorical: the category codes in their natural order, lowest first (the configuration's `order`, else by
   * the mean effect on the score, from the least to the most favourable for the goal). */
  order?: number[];
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
  /** The goal in plain words, e.g. "People who will buy in the next 30 days." */
  goalText: string;
  /** What the probability means, e.g. "How likely a person is to buy in the next 30 days." */
  outcomeText: string;
  /** Who is scored, e.g. "People active in the 45 days before the as-of date, not counting emails sent." */
  eligibleText: string;
  /** What score, percentile and bucket mean, in one line (with the bucket thresholds). */
  scoreText?: string;
  /** The configuration's description of the instance, or null. */
  description?: string | null;
  /** The exact goal and eligibility rules, for data scientists ("No event where event type is not ..."). */
  rules?: { goal: string; eligible: string };
  /** Names of the data's event types for people (e.g. `{"commerce.purchases": "purchase"}`). */
  eventLabels?: Record<string, string>;
  /** ISO 4217 code of amounts (the configuration's `currency`), or null: plain numbers. */
  currency?: string | null;
  window: number;
  asOf: string;
  /** People eligible at asOf (all scored). */
  scored: number;
  /** People with any event. */
  people: number;
  buckets: { rule: BucketRule; counts: { bucket: Bucket; people: number; meanProbability: number }[] };
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
  suggestedSegments: {
    name: string;
    description: string;
    where: { field: "percentile" | "score" | "bucket"; op: "between" | "in"; value: (number | string)[] }[];
  }[];
  /** Customer value of the scored people (conversion instances with `value`; see `ValueReport` for the model). */
  value?: InstanceValue | UnavailableValue;
}

/** Customer value over the scored people, from the columns `expected_*` and `p_alive` of scores.parquet. */
export interface InstanceValue {
  /** Days the expected value covers, and the instance's window (of `expected_events`). */
  horizonDays: number;
  window: number;
  /** Scored people with a value (a goal day before the as-of date), and without. */
  people: number;
  withoutValue: number;
  /** Sums over the scored people: expected value over the horizon, expected goal days in the window and horizon. */
  total: number;
  expectedEvents: number;
  expectedEventsHorizon: number;
  /** Per bucket: people with a value, their total and mean expected value. */
  perBucket: { bucket: Bucket; people: number; total: number; mean: number }[];
  /** Tenths of the people with a value, highest value first: lowest and highest value, total, mean, share of the
   * total. */
  deciles: { decile: number; people: number; min: number; max: number; total: number; mean: number; share: number }[];
  /** The fitted parameters (BG/NBD in weeks; Gamma-Gamma in the data's amounts) and the population's mean amount per
   * goal day. */
  params: {
    bgnbd: { r: number; alpha: number; a: number; b: number };
    gammaGamma: { p: number; q: number; gamma: number };
    meanSpend: number;
  };
}

/** Customer value that could not be computed, and why (the columns of scores.parquet are then NULL). */
export interface UnavailableValue {
  horizonDays: number;
  window: number;
  unavailable: string;
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
  calibration: {
    method: "platt" | "isotonic";
    why: string;
    logLoss: { platt: number; isotonic: number; uncalibrated: number };
  };
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
  /** Calibration over quantile bins that get finer towards the top (top 0.5%, 0.5-1%, 1-2%, ...), so that the
   * highest probabilities are checked too; `low` and `high` are the bin's lowest and highest probability. */
  calibrationDetail?: { bin: number; count: number; predicted: number; observed: number; low: number; high: number }[];
  deciles: {
    decile: number;
    count: number;
    positives: number;
    rate: number;
    lift: number;
    cumulativeGain: number;
    cumulativeLift: number;
  }[];
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
  /** `roc`: the baseline's ROC curve on the same test (at most ~100 points). */
  baselines: ({
    name: "recency" | "rfm" | "bgnbd";
    label: string;
    roc?: { fpr: number; tpr: number; threshold: number }[];
  } & Metrics)[];
  /** Per past cutoff: the actual outcome rate per bucket (Adobe's performance summary), with Wilson's 95% interval
   * of the actual rate (NaN, written null, for an empty bucket). */
  backtest: {
    cutoff: string;
    bucket: Bucket;
    people: number;
    predicted: number;
    actual: number;
    actualLow?: number;
    actualHigh?: number;
  }[];
  /** 95% intervals of the test metrics: a seeded bootstrap over the test's people (loaders/evaluation/bootstrap.ts). */
  intervals?: MetricIntervals;
  /** Quality per value of each categorical profile attribute (loaders/evaluation/slices.ts). */
  slices?: Slice[];
}

/** One way of predicting each customer's spend in a period, against what they spent. */
export interface ValueScorer {
  name: "model" | "last-period" | "lifetime-rate";
  label: string;
  /** Totals over the customers: predicted and actual spend, predicted / actual, and (predicted - actual) / actual. */
  predicted: number;
  actual: number;
  ratio: number;
  relativeError: number;
  /** Mean absolute error per customer. */
  meanAbsoluteError: number;
  /** Share of the actual spend that the scorer's top tenth of customers made. */
  topDecileShare: number;
  /** Tenths of the customers by this scorer's prediction, highest first: predicted and actual totals. */
  deciles: { decile: number; people: number; predicted: number; actual: number; ratio: number }[];
}

/** The customer value model tested out of time: fitted at `cutoff` on the history before it, compared with what the
 * same customers spent in the `periodDays` after it. */
export interface ValueValidation {
  periodDays: number;
  /** The as-of date of the test cutoff (the period starts the day after). */
  cutoff: string;
  /** Customers with a goal day before the cutoff (new customers of the period are not predicted). */
  customers: number;
  /** Why the period was not tested (too little history before the cutoff, too few customers). */
  skipped?: string;
  /** Goal days: predicted (BG/NBD) and actual totals. */
  events?: { predicted: number; actual: number };
  /** Amount per goal day of the customers who bought in the period: predicted (Gamma-Gamma) and actual. */
  spendPerEvent?: { predicted: number; actual: number };
  /** The model and naive peers: last period's spend, and the lifetime spend per period (lifetime spend / max(age,
   * period) x period). */
  scorers?: ValueScorer[];
}

/** `value.json`: the customer value model fitted at the as-of date and its out-of-time validation. */
export interface ValueReport {
  schemaVersion: number;
  asOf: string;
  window: number;
  horizonDays: number;
  /** Why there is no value (no amounts on the goal events, too few customers); the rest is then absent. */
  unavailable?: string;
  /** Customers (a goal day before the as-of date), those with a repeat goal day that has an amount. */
  customers?: number;
  repeatSpenders?: number;
  bgnbd?: {
    params: { r: number; alpha: number; a: number; b: number };
    logLikelihood: number;
    converged: boolean;
    people: number;
  };
  gammaGamma?: {
    params: { p: number; q: number; gamma: number };
    logLikelihood: number;
    converged: boolean;
    atBound: boolean;
    people: number;
  };
  /** Population mean amount per goal day, p gamma / (q - 1). */
  meanSpend?: number;
  /** Correlation of repeat goal days and their mean amount: Gamma-Gamma assumes none. */
  spendFrequencyCorrelation?: number;
  /** Per period (the window, and the horizon when the history allows). */
  validation: ValueValidation[];
}

/** `insights.json`. */
export interface Insights {
  schemaVersion: number;
  /** Mean |contribution| per feature over the scored people, most important first (at most 30). */
  global: { feature: number; importance: number; meanContribution: number }[];
  /** Per bucket, the top 10 factors. */
  buckets: {
    bucket: Bucket;
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
    ranges: {
      range: string;
      low: number | null;
      high: number | null;
      people: number;
      meanProbability: number;
      relative: number;
    }[];
    sample: { value: number | null; contribution: number; bucket: Bucket }[];
  }[];
  /** Per categorical feature: the scored people with each category (code) and its mean contribution (log-odds). */
  categories?: { feature: number; effects: { code: number; people: number; meanContribution: number }[] }[];
}

/** A bucket, or null for "not scored in that run". */
export type BucketOrNone = Bucket | null;

/** How far a distribution moved between two runs (population stability index and its reading). */
export interface Drift {
  psi: number;
  level: "stable" | "watch" | "act";
}

/** What happened to the people an earlier run scored, once its outcome window has closed. */
export interface RealisedOutcome {
  /** The earlier run's as-of date; its window covered the days after it. */
  asOf: string;
  /** The last day of that window. */
  windowEnd: string;
  people: number;
  /** People for whom the predicted outcome happened (for churn: who did not come back). */
  positives: number;
  /** Sum of that run's probabilities: the outcomes it expected. */
  predicted: number;
  /** How well that run's scores ranked what happened. */
  auc: number;
  buckets: { bucket: Bucket; people: number; predicted: number; actual: number }[];
  /** Tenths of the people by probability, highest first: mean predicted and actual rate. */
  deciles: { decile: number; people: number; predicted: number; actual: number }[];
}

/** `history.json`: a run of a history folder against the folder's earlier runs. */
export interface InstanceHistory {
  schemaVersion: number;
  /** Every run of the folder that scored this instance, oldest first, this one last. */
  runs: {
    asOf: string;
    /** The as-of date its model was trained at (equal to `asOf` when that run trained it). */
    trainedAsOf: string;
    scored: number;
    expectedPositives: number;
    buckets: { bucket: Bucket; people: number; meanProbability: number }[];
  }[];
  /** This run against the one before it (null for the first run). */
  previous: {
    asOf: string;
    /** People per (bucket then, bucket now); null = not scored in that run. */
    movement: { from: BucketOrNone; to: BucketOrNone; people: number }[];
    /** People in High now who were not before, and the first of them by probability (at most 1,000 ids). */
    enteredHigh: number;
    enteredHighIds: string[];
    drift: {
      score: Drift;
      /** The shipped (explorer) features both runs have, by feature code of this run. */
      features: (Drift & { feature: number })[];
      /** The worst level of the above, and what it means, in words. */
      level: "stable" | "watch" | "act";
      text: string;
    };
  } | null;
  /** Earlier runs whose outcome window has closed by this run's as-of date, oldest first. */
  outcomes: RealisedOutcome[];
}
