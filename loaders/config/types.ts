/**
 * The configuration format: inputs (events, optional profiles), shared settings and one or more instances.
 *
 * `CustomerAIConfig` is what a user writes (most keys optional); `ResolvedConfig` is the same with every default
 * filled in, produced by `validateConfig`. Condition fields name either a role (`personId`, `timestamp`,
 * `eventType`, `amount`: the mapped, parsed values) or a column of the events file (e.g. `web.webPageDetails.name`,
 * `InvoiceNo`); conditions on profile attributes name profile columns.
 */
import type { PrivacySettings } from "./privacy.js";

/** Comparison operators of a condition. */
export const CONDITION_OPS = [
  "equals",
  "notEquals",
  "in",
  "startsWith",
  "contains",
  "exists",
  "gt",
  "gte",
  "lt",
  "lte",
  "between",
] as const;

/** A comparison operator. */
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** A value a condition compares with. Strings compare as text, numbers as numbers, `YYYY-MM-DD[ HH:MM:SS]` strings
 * as timestamps when the field holds timestamps. */
export type Scalar = string | number | boolean;

/**
 * One condition on a field.
 * - `equals`, `notEquals` (true for missing values): `value` is one scalar;
 * - `in`: `value` is a non-empty list of scalars of one type;
 * - `startsWith`, `contains`: `value` is a non-empty string (case-sensitive);
 * - `exists`: `value` is `true` (default: present and not empty) or `false` (missing or empty);
 * - `gt`, `gte`, `lt`, `lte`: `value` is a number or a date;
 * - `between`: `value` is `[low, high]`, both inclusive.
 * `not: true` negates the condition.
 */
export interface Condition {
  field: string;
  op: ConditionOp;
  value?: Scalar | Scalar[];
  not?: boolean;
}

/** Conditions combined with ALL (every condition holds; the default) or ANY (at least one holds). */
export interface ConditionGroup {
  match?: "all" | "any";
  conditions: Condition[];
}

/** A named rule whose matching events are ignored entirely (e.g. test traffic). */
export interface ExclusionRule extends ConditionGroup {
  name: string;
}

/** Supported input formats. CSV and JSON may be gzipped (`.csv.gz`, `.json.gz`); `jsonl` reads JSON records one
 * per line (`.jsonl`, `.ndjson`, Amplitude's and Mixpanel's `.json.gz`) or as one array (`.json`). */
export type InputFormat = "csv" | "parquet" | "jsonl";

/** CSV reading options. */
export interface CsvOptions {
  /** Field separator (default: `,`, or tab for `.tsv`). */
  delimiter?: string;
  /** Whether the first line holds column names (default true). */
  header?: boolean;
  /** Character encoding: `utf-8` (default), `latin-1` (ISO-8859-1, as many Windows exports) or `utf-16`. */
  encoding?: "utf-8" | "latin-1" | "utf-16";
}

/** Columns of the events input for each role; defaults are the XDM paths of the demo data. A name may be a
 * dotted path into nested objects (`properties.revenue`) or a key of a list of key-value pairs or a map
 * (`event_params.value` in GA4 exports). */
export interface EventColumns {
  /** Person identifier (default `identityMap.ECID`). */
  personId?: string;
  /** Event time (default `timestamp`). */
  timestamp?: string;
  /** Event type (default `eventType`); omit when `eventType` declares one type for all rows. */
  eventType?: string;
  /** Monetary amount (default `commerce.order.priceTotal`, used when present). */
  amount?: string;
  /** Channel of the event (default `channel.typeAtSource`, used when present). */
  channel?: string;
  /** Device type (default `device.type`, used when present). */
  device?: string;
}

/** The events input: one file or a glob of files of one format. */
export interface EventsInput {
  /** File path or glob, relative to the configuration file; a path naming an existing file is that file, glob
   * characters in its name included. */
  path: string;
  /** Format; default from the file extension (.csv, .csv.gz, .tsv, .parquet, .jsonl, .ndjson). */
  format?: InputFormat;
  csv?: CsvOptions;
  /** Column mapping per role. */
  columns?: EventColumns;
  /** Column of an anonymous id (cookie or device id, e.g. Segment's `anonymousId`, GA4's `user_pseudo_id`) for
   * rows without a person id. Such a row goes to the person id that its anonymous id appears with on other rows
   * (the first it appears with, when several); an anonymous id that never appears with one becomes a person of
   * its own, with the id `anonymous:<id>`. */
  anonymousId?: string;
  /** Declares every row as this event type, for files without an event-type column (e.g. transactions). */
  eventType?: string;
  /** Amount as an arithmetic expression of columns, e.g. `Quantity * UnitPrice` (instead of `columns.amount`). */
  amountExpression?: string;
  /** How timestamps are written when they are text: a strptime format (e.g. `%m/%d/%Y %H:%M`), or `epoch_s`,
   * `epoch_ms` or `epoch_us` (GA4's `event_timestamp`) for numbers. Default: ISO 8601 text or native timestamp
   * columns. Times before 1900 or from 2200 on are set aside as unreadable. */
  timestampFormat?: string;
  /** Decimal separator of amounts written as text (the amount column and the columns of `amountExpression`):
   * `"."` (default) or `","`, as in "1.234,50". With `","` a dot may only group thousands. */
  decimalSeparator?: "." | ",";
  /** Rows with the same person and value of this column are one event (e.g. invoice lines become one purchase):
   * earliest timestamp, summed amount; the event matches a condition when any of its rows does. */
  groupRowsBy?: string;
  /** Negative amounts: set aside (default, `false`), always allowed (`true`), or allowed for matching events. */
  allowNegativeAmounts?: boolean | ConditionGroup;
}

/** The optional profiles input: one row per person. */
export interface ProfilesInput {
  path: string;
  format?: InputFormat;
  csv?: CsvOptions;
  /** Person identifier column (default `identityMap.ECID`). */
  columns?: { personId?: string };
}

/** A named event condition that becomes a feature. */
export interface CustomEvent extends ConditionGroup {
  /** Stable identifier used in feature names (letters, digits, `_`, `-`). */
  name: string;
  /** Display name, e.g. "Watch purchase". */
  label: string;
  /** Plural display name (default: `label` + "s"). */
  plural?: string;
}

/** A profile column used as a feature. */
export interface ProfileAttribute {
  column: string;
  /** Display name (default: the column name made readable). */
  label?: string;
  /** Default from the column type: numbers, booleans and dates are numeric (dates as days before the cutoff),
   * text is categorical. */
  kind?: "numeric" | "categorical";
  /** A categorical attribute's values from the lowest to the highest (e.g. `["bronze", "silver", "gold"]`), the
   * order pages show them in. Default: by their effect on the score, from the least to the most favourable. */
  order?: string[];
}

/** Who is scored. */
export interface EligibleConfig {
  /** Active (at least one activity event) within this many days before the cutoff; `null`: at least one activity
   * event at any time before it. Default: `null` for conversion instances (everyone with history is scored, lapsed
   * customers included), 45 for churn instances (people who are still active). */
  activeWithinDays?: number | null;
  /** Which events count as activity (default: every event). */
  activity?: ConditionGroup;
  /** Additionally require at least one event matching these conditions within the feature lookback. */
  events?: ConditionGroup;
  /** Conditions on profile attributes (people without a profile do not match). */
  attributes?: ConditionGroup;
}

/** Minimum numbers of training examples per class. */
export interface RequirementsConfig {
  minPositive?: number;
  minNegative?: number;
}

/** One prediction task. */
export interface InstanceConfig {
  /** Identifier (letters, digits, `_`, `-`), unique. */
  name: string;
  /** Display name (default: `name`). */
  label?: string;
  /** One or two sentences for the pages, e.g. "Who to target with the spring campaign." */
  description?: string;
  /** `conversion`: the goal will occur; `churn`: the goal will not occur. */
  type: "conversion" | "churn";
  goal: ConditionGroup;
  /** Prediction window in days. */
  window: number;
  eligible?: EligibleConfig;
  customEvents?: CustomEvent[];
  /** Profile columns used as features (names or detailed entries). */
  profileAttributes?: (string | ProfileAttribute)[];
  /** Events ignored by this instance only. */
  exclusions?: ExclusionRule[];
  /** Scoring date for this instance (YYYY-MM-DD, at most the global `asOf`). */
  asOf?: string;
  requirements?: RequirementsConfig;
  /** Bucket thresholds (default: High >= 75, Medium 25-74, Low < 25, on the score). */
  buckets?: BucketSettings;
  /** Influential factors kept per person (default 10). */
  topFactors?: number;
  /** Customer value (conversion instances whose goal events carry an amount): per person the expected goal days in
   * the window and in `horizonDays` (default 365), P(alive), the expected amount per goal day and the expected value
   * over the horizon (BG/NBD x Gamma-Gamma, undiscounted). On by default for conversion instances; `false` turns it
   * off. Churn instances have none. */
  value?: ValueSettings | false;
}

/** Settings of an instance's customer value. */
export interface ValueSettings {
  /** Days ahead the expected value covers (default 365, from 1 to 3650). */
  horizonDays?: number;
}

/** Feature engineering settings shared by all instances. */
export interface FeatureSettings {
  /** Feature lookback in days: the longest feature window, and the history every training cutoff needs before
   * it (default 180, at least 30). Windows of 7, 30 and 90 days that do not fit are left out. */
  lookbackDays?: number;
  /** Event type used for regularity features (default `commerce.purchases`). */
  purchaseEventType?: string;
  /** Event types of email sends, opens and clicks, for engagement rates (defaults: XDM direct marketing). */
  email?: { sent?: string; opened?: string; clicked?: string };
  /** At most this many event types (the most frequent) get their own features (default 30). */
  maxEventTypes?: number;
  /** At most this many categories per categorical column; rarer values become "(other)" (default 20). */
  maxCategories?: number;
}

/** How training examples are drawn. */
export interface TrainingSettings {
  /** Per labelled cutoff (training and test), at most this many eligible people become examples (a deterministic
   * random sample by person id hash; default 50,000). The scoring set is never sampled. */
  maxExamplesPerCutoff?: number;
  /** At most this many training examples in all, spread evenly over the training cutoffs (default 200,000). */
  maxExamples?: number;
  /** Use at most this many labelled cutoffs, the most recent ones (default: as many as the history allows). */
  maxCutoffs?: number;
  /** Days between labelled cutoffs (default: 7 per 28 days of window, from 7 to 28). Outcome windows of
   * neighbouring cutoffs may overlap; none reaches past the cutoff it is tested or scored at. */
  cutoffStride?: number;
  /** Seed of every random choice (validation split, tree sampling); default 1. Same data + config + seed =
   * identical outputs. */
  seed?: number;
  /** Gradient-boosted trees settings (defaults: 400 trees, learning rate 0.1, depth 5, early stopping after 30
   * rounds without improvement of the validation log-loss). */
  model?: ModelSettings;
}

/** Hyper-parameters a configuration may set (see loaders/model GBDTParams). */
export interface ModelSettings {
  nTrees?: number;
  learningRate?: number;
  maxDepth?: number;
  minChildWeight?: number;
  lambda?: number;
  earlyStoppingRounds?: number;
  earlyStoppingTolerance?: number;
  subsample?: number;
  colsampleByTree?: number;
}

/** How people are put into buckets (High / Medium / Low). */
export interface BucketSettings {
  /** What the thresholds apply to: the score (0-100, default) or the percentile (1-100). */
  on?: "score" | "percentile";
  /** Lowest value of High (default 75). */
  high?: number;
  /** Lowest value of Medium (default 25). */
  medium?: number;
}

/** The whole configuration as written by a user. */
export interface CustomerAIConfig {
  inputs: { events: EventsInput; profiles?: ProfilesInput };
  /** Scoring date (YYYY-MM-DD); default: the date of the last event. Later events are set aside. */
  asOf?: string;
  /** Events ignored everywhere (counted in the data-quality report). */
  exclusions?: ExclusionRule[];
  features?: FeatureSettings;
  training?: TrainingSettings;
  /** Defaults for every instance (500 positive and 500 negative training examples). */
  requirements?: RequirementsConfig;
  instances: InstanceConfig[];
  /** Names of event types in sentences and on pages, e.g. `{ order_completed: "order" }` or
   * `{ order_completed: { one: "order", many: "orders", verb: "place an order" } }`. Known XDM event types have
   * names by default ("purchase", "email sent", "page view"); others are made readable from the type. */
  eventLabels?: Record<string, string | { one: string; many?: string; verb?: string }>;
  /** ISO 4217 code of the amounts (e.g. "EUR"), to write them with their currency; default: plain numbers. */
  currency?: string;
  resources?: ResourceSettings;
  /** Personal columns (`pii`: never features, never on the site) and pseudonymous ids on the site (loaders/config/privacy.ts). */
  privacy?: { pii?: string[]; pseudonymousIds?: boolean; optOut?: ConditionGroup };
}

/** Resources a run may use. */
export interface ResourceSettings {
  /** Memory DuckDB may hold while reading the inputs and building features, before it spills to disk (in the OS
   * temporary folder, `TMPDIR`): an amount (`"4GB"`, `"512MB"`, `"6GiB"`, at least 128MB) or a share of the
   * machine's memory (`"50%"`). Default `"40%"`; the environment variable `CUSTOMER_AI_MEMORY_LIMIT` overrides it
   * for one run. It does not bound training, scoring and explanations, whose memory grows with people x features. */
  memoryLimit?: string;
}

/** A condition group with its combinator filled in. */
export interface ResolvedGroup {
  match: "all" | "any";
  conditions: Condition[];
}

/** An instance with defaults filled in. */
export interface ResolvedInstance {
  name: string;
  label: string;
  /** null when none was given. */
  description: string | null;
  type: "conversion" | "churn";
  goal: ResolvedGroup;
  window: number;
  eligible: {
    /** null: any activity before the cutoff. */
    activeWithinDays: number | null;
    activity: ResolvedGroup | null;
    events: ResolvedGroup | null;
    attributes: ResolvedGroup | null;
  };
  customEvents: (ResolvedGroup & { name: string; label: string; plural: string })[];
  profileAttributes: { column: string; label: string; kind: "numeric" | "categorical" | null; order?: string[] }[];
  exclusions: (ResolvedGroup & { name: string })[];
  asOf: string | null;
  requirements: { minPositive: number; minNegative: number };
  buckets: { on: "score" | "percentile"; high: number; medium: number };
  topFactors: number;
  /** Customer value settings; null: no customer value (churn instances, or `value: false`). */
  value: { horizonDays: number } | null;
  /** Where this instance sits in `instances`, for error messages (`instances[1]...`). */
  index: number;
}

/** A resolved input (paths absolute). */
export interface ResolvedInput {
  path: string;
  format: InputFormat | null;
  csv: { delimiter: string | null; header: boolean; encoding: "utf-8" | "latin-1" | "utf-16" };
}

/** The configuration with every default filled in and paths made absolute. */
export interface ResolvedConfig {
  inputs: {
    events: ResolvedInput & {
      columns: Required<Omit<EventColumns, "eventType">> & { eventType: string | null };
      /** Which role columns were set explicitly (missing explicit columns are errors; missing defaults are not). */
      explicit: (keyof EventColumns)[];
      anonymousId: string | null;
      eventType: string | null;
      amountExpression: string | null;
      timestampFormat: string | null;
      decimalSeparator: "." | ",";
      groupRowsBy: string | null;
      allowNegativeAmounts: boolean | ResolvedGroup;
    };
    profiles: (ResolvedInput & { columns: { personId: string } }) | null;
  };
  asOf: string | null;
  exclusions: (ResolvedGroup & { name: string })[];
  features: {
    lookbackDays: number;
    purchaseEventType: string;
    email: { sent: string; opened: string; clicked: string };
    maxEventTypes: number;
    maxCategories: number;
  };
  training: {
    maxExamplesPerCutoff: number;
    maxExamples: number;
    maxCutoffs: number | null;
    cutoffStride: number | null;
    seed: number;
    model: ModelSettings;
  };
  instances: ResolvedInstance[];
  /** Names of event types given by the configuration (the XDM defaults are in loaders/features/names.ts). */
  eventLabels: Record<string, { one: string; many: string; verb?: string }>;
  currency: string | null;
  resources: { memoryLimit: string | null };
  privacy: PrivacySettings;
}
