/**
 * Validates a configuration and fills in defaults. Every problem is reported with its key path and what was
 * expected, e.g. `instances[1].goal.conditions[0].op: expected one of equals, notEquals, ... but got "equal"`.
 */
import { isAbsolute, resolve } from "node:path";
import {
  Issues,
  at,
  boolean,
  describe,
  identifier,
  integer,
  isDateTime,
  isoDate,
  list,
  object,
  oneOf,
  string,
} from "./checks.js";
import { currencyOf, descriptionOf, eventLabelsOf, valueOrderOf } from "./display.js";
import { UserError } from "./errors.js";
import { checkPiiAttributes, privacyOf } from "./privacy.js";
import { resourcesOf } from "./resources.js";
import {
  CONDITION_OPS,
  type Condition,
  type ModelSettings,
  type ResolvedConfig,
  type ResolvedGroup,
  type ResolvedInput,
  type ResolvedInstance,
  type Scalar,
} from "./types.js";

/** Default column of each events role (the XDM paths of the demo data). */
export const DEFAULT_EVENT_COLUMNS = {
  personId: "identityMap.ECID",
  timestamp: "timestamp",
  eventType: "eventType",
  amount: "commerce.order.priceTotal",
  channel: "channel.typeAtSource",
  device: "device.type",
} as const;

/** Defaults of settings that are not inputs or instances. */
export const DEFAULTS = {
  /** Churn instances score people active within this many days; conversion instances score everyone with history. */
  churnActiveWithinDays: 45,
  lookbackDays: 180,
  maxExamplesPerCutoff: 50_000,
  maxExamples: 200_000,
  minPositive: 500,
  minNegative: 500,
  purchaseEventType: "commerce.purchases",
  email: {
    sent: "directMarketing.emailSent",
    opened: "directMarketing.emailOpened",
    clicked: "directMarketing.emailClicked",
  },
  maxEventTypes: 30,
  maxCategories: 20,
} as const;

const FORMATS = ["csv", "parquet", "jsonl"] as const;
const ENCODINGS = ["utf-8", "latin-1", "utf-16"] as const;

/** Options of `validateConfig`. */
export interface ValidateOptions {
  /** Folder that relative input paths are resolved against (default: the working directory). */
  baseDir?: string;
}

/**
 * Checks an untyped configuration value and returns it with defaults filled in.
 * @throws UserError (code `config`) listing every problem found.
 */
export function validateConfig(raw: unknown, options: ValidateOptions = {}): ResolvedConfig {
  const issues = new Issues();
  const baseDir = resolve(options.baseDir ?? process.cwd());
  const root = object(issues, raw, "", [
    "inputs",
    "asOf",
    "exclusions",
    "features",
    "training",
    "requirements",
    "instances",
    "eventLabels",
    "currency",
    "resources",
    "privacy",
  ]);
  if (!root) throw configError(issues);
  const inputs = object(issues, root.inputs, "inputs", ["events", "profiles"]);
  const events = inputs ? eventsInput(issues, inputs.events, baseDir) : undefined;
  const profiles = inputs && inputs.profiles !== undefined ? profilesInput(issues, inputs.profiles, baseDir) : null;
  const asOf = isoDate(issues, root.asOf, "asOf") ?? null;
  const exclusions = list(issues, root.exclusions, "exclusions", (v, p) => namedGroup(issues, v, p, []));
  const features = featureSettings(issues, root.features);
  const training = trainingSettings(issues, root.training);
  const requirements = requirementsOf(issues, root.requirements, "requirements", {
    minPositive: DEFAULTS.minPositive,
    minNegative: DEFAULTS.minNegative,
  });
  const instances = list(issues, root.instances, "instances", (v, p) => instance(issues, v, p, requirements), true);
  instances.forEach((inst, i) => {
    inst.index = i;
    if (instances.findIndex((o) => o.name === inst.name) < i)
      issues.add(`instances[${i}].name`, `expected a unique name but "${inst.name}" is used twice`);
    if (inst.asOf && asOf && inst.asOf > asOf)
      issues.add(`instances[${i}].asOf`, `expected a date on or before the global asOf ${asOf} but got "${inst.asOf}"`);
  });
  const eventLabels = eventLabelsOf(issues, root.eventLabels, pluralOf);
  const currency = currencyOf(issues, root.currency);
  const resources = resourcesOf(issues, root.resources);
  const privacy = privacyOf(issues, root.privacy, (v, p) => group(issues, v, p, []));
  checkPiiAttributes(issues, privacy.pii, instances);
  if (issues.list.length || !events || !requirements) throw configError(issues);
  return {
    inputs: { events, profiles: profiles ?? null },
    asOf,
    exclusions,
    features,
    training,
    instances,
    eventLabels,
    currency,
    resources,
    privacy,
  };
}

function configError(issues: Issues): UserError {
  const n = issues.list.length;
  if (n === 1) return new UserError("config", `Invalid configuration: ${issues.list[0]}`);
  return new UserError("config", `Invalid configuration (${n} problems):\n- ${issues.list.join("\n- ")}`);
}

/** The strptime specifiers DuckDB reads (letters after "%", and those that take a "-" for no padding). */
const STRPTIME_SPECIFIERS = new Set("abcdfghjmnpuwxyzABGHIMSTUVWXYZ%");
const UNPADDED_SPECIFIERS = new Set("djmyHIMS");

/** The first specifier of a strptime format that DuckDB does not read ("%Q", "%-a", a trailing "%"), or null. */
function unknownSpecifier(format: string): string | null {
  for (let i = format.indexOf("%"); i >= 0; i = format.indexOf("%", i)) {
    const unpadded = format[i + 1] === "-";
    const letter = format[i + (unpadded ? 2 : 1)];
    if (letter === undefined) return format.slice(i);
    if (!(unpadded ? UNPADDED_SPECIFIERS : STRPTIME_SPECIFIERS).has(letter))
      return format.slice(i, i + (unpadded ? 3 : 2));
    i += unpadded ? 3 : 2;
  }
  return null;
}

function input(
  issues: Issues,
  value: unknown,
  path: string,
  baseDir: string,
  extra: string[],
): { record: Record<string, unknown>; input: ResolvedInput } | undefined {
  const record = object(issues, value, path, ["path", "format", "csv", "columns", ...extra]);
  if (!record) return undefined;
  const file = string(issues, record.path, at(path, "path"), true);
  const format = record.format === undefined ? null : oneOf(issues, record.format, at(path, "format"), FORMATS);
  let csv: ResolvedInput["csv"] = { delimiter: null, header: true, encoding: "utf-8" };
  if (record.csv !== undefined) {
    const c = object(issues, record.csv, at(path, "csv"), ["delimiter", "header", "encoding"]);
    if (c) {
      const delimiter = string(issues, c.delimiter, at(path, "csv.delimiter")) ?? null;
      if (delimiter !== null && (delimiter.length !== 1 || '"\r\n'.includes(delimiter))) {
        issues.expected(at(path, "csv.delimiter"), "a single character other than a quote or a line break", delimiter);
      }
      const encoding = oneOf(issues, c.encoding, at(path, "csv.encoding"), ENCODINGS, "utf-8") ?? "utf-8";
      csv = { delimiter, header: boolean(issues, c.header, at(path, "csv.header"), true) ?? true, encoding };
    }
  }
  if (file === undefined || format === undefined) return undefined;
  return { record, input: { path: isAbsolute(file) ? file : resolve(baseDir, file), format, csv } };
}

function eventsInput(issues: Issues, value: unknown, baseDir: string): ResolvedConfig["inputs"]["events"] | undefined {
  const path = "inputs.events";
  const extra = [
    "anonymousId",
    "eventType",
    "amountExpression",
    "timestampFormat",
    "decimalSeparator",
    "groupRowsBy",
    "allowNegativeAmounts",
  ];
  const base = input(issues, value, path, baseDir, extra);
  if (!base) return undefined;
  const { record } = base;
  const roles = Object.keys(DEFAULT_EVENT_COLUMNS) as (keyof typeof DEFAULT_EVENT_COLUMNS)[];
  const columns: Record<string, string | null> = { ...DEFAULT_EVENT_COLUMNS };
  const explicit: (keyof typeof DEFAULT_EVENT_COLUMNS)[] = [];
  const mapped = record.columns === undefined ? {} : object(issues, record.columns, at(path, "columns"), roles);
  for (const role of roles) {
    const v = mapped?.[role];
    if (v === undefined) continue;
    const name = string(issues, v, at(path, `columns.${role}`));
    if (name !== undefined) {
      columns[role] = name;
      explicit.push(role);
    }
  }
  const anonymousId = string(issues, record.anonymousId, at(path, "anonymousId")) ?? null;
  if (anonymousId !== null && anonymousId === columns.personId)
    issues.add(at(path, "anonymousId"), `expected a column other than the person id column ("${anonymousId}")`);
  const eventType = string(issues, record.eventType, at(path, "eventType")) ?? null;
  if (eventType !== null) {
    if (explicit.includes("eventType"))
      issues.add(
        at(path, "eventType"),
        "expected either eventType (one type for every row) or columns.eventType, not both",
      );
    columns.eventType = null;
  }
  const amountExpression = string(issues, record.amountExpression, at(path, "amountExpression")) ?? null;
  if (amountExpression !== null && explicit.includes("amount")) {
    issues.add(at(path, "amountExpression"), "expected either amountExpression or columns.amount, not both");
  }
  const timestampFormat = string(issues, record.timestampFormat, at(path, "timestampFormat")) ?? null;
  if (timestampFormat !== null && !/^epoch_(s|ms|us)$/.test(timestampFormat)) {
    const unknown = unknownSpecifier(timestampFormat);
    if (!timestampFormat.includes("%")) {
      issues.expected(
        at(path, "timestampFormat"),
        'a strptime format such as "%m/%d/%Y %H:%M", "epoch_s", "epoch_ms" or "epoch_us"',
        timestampFormat,
      );
    } else if (unknown !== null) {
      issues.add(
        at(path, "timestampFormat"),
        `"${unknown}" is not a strptime specifier (in ${JSON.stringify(timestampFormat)}); use e.g. %Y %m %d %H %M %S %f %p %b %z, %% for a literal %, or epoch_s / epoch_ms / epoch_us for numbers`,
      );
    }
  }
  const decimalSeparator = record.decimalSeparator ?? ".";
  if (decimalSeparator !== "." && decimalSeparator !== ",")
    issues.expected(at(path, "decimalSeparator"), '"." or ","', decimalSeparator);
  const groupRowsBy = string(issues, record.groupRowsBy, at(path, "groupRowsBy")) ?? null;
  let allowNegativeAmounts: boolean | ResolvedGroup = false;
  const neg = record.allowNegativeAmounts;
  if (typeof neg === "boolean") allowNegativeAmounts = neg;
  else if (neg !== undefined) allowNegativeAmounts = group(issues, neg, at(path, "allowNegativeAmounts"), []) ?? false;
  return {
    ...base.input,
    columns: columns as ResolvedConfig["inputs"]["events"]["columns"],
    explicit,
    anonymousId,
    eventType,
    amountExpression,
    timestampFormat,
    decimalSeparator: decimalSeparator === "," ? "," : ".",
    groupRowsBy,
    allowNegativeAmounts,
  };
}

function profilesInput(
  issues: Issues,
  value: unknown,
  baseDir: string,
): ResolvedConfig["inputs"]["profiles"] | undefined {
  const base = input(issues, value, "inputs.profiles", baseDir, []);
  if (!base) return undefined;
  let personId: string = DEFAULT_EVENT_COLUMNS.personId;
  if (base.record.columns !== undefined) {
    const c = object(issues, base.record.columns, "inputs.profiles.columns", ["personId"]);
    personId = (c && string(issues, c.personId, "inputs.profiles.columns.personId")) || personId;
  }
  return { ...base.input, columns: { personId } };
}

function featureSettings(issues: Issues, value: unknown): ResolvedConfig["features"] {
  const path = "features";
  const r =
    value === undefined
      ? {}
      : (object(issues, value, path, [
          "lookbackDays",
          "purchaseEventType",
          "email",
          "maxEventTypes",
          "maxCategories",
        ]) ?? {});
  const email: { sent: string; opened: string; clicked: string } = { ...DEFAULTS.email };
  if (r.email !== undefined) {
    const e = object(issues, r.email, at(path, "email"), ["sent", "opened", "clicked"]);
    for (const k of ["sent", "opened", "clicked"] as const)
      email[k] = (e && string(issues, e[k], at(path, `email.${k}`))) || email[k];
  }
  return {
    lookbackDays:
      integer(issues, r.lookbackDays, at(path, "lookbackDays"), 30, 3650, DEFAULTS.lookbackDays) ??
      DEFAULTS.lookbackDays,
    purchaseEventType: string(issues, r.purchaseEventType, at(path, "purchaseEventType")) ?? DEFAULTS.purchaseEventType,
    email,
    maxEventTypes:
      integer(issues, r.maxEventTypes, at(path, "maxEventTypes"), 1, 200, DEFAULTS.maxEventTypes) ??
      DEFAULTS.maxEventTypes,
    maxCategories:
      integer(issues, r.maxCategories, at(path, "maxCategories"), 2, 1000, DEFAULTS.maxCategories) ??
      DEFAULTS.maxCategories,
  };
}

function trainingSettings(issues: Issues, value: unknown): ResolvedConfig["training"] {
  const r =
    value === undefined
      ? {}
      : (object(issues, value, "training", [
          "maxExamplesPerCutoff",
          "maxExamples",
          "maxCutoffs",
          "cutoffStride",
          "seed",
          "model",
        ]) ?? {});
  const max = DEFAULTS.maxExamplesPerCutoff;
  return {
    seed: integer(issues, r.seed, "training.seed", 0, 2 ** 31 - 1, 1) ?? 1,
    model: modelSettings(issues, r.model),
    maxExamplesPerCutoff:
      integer(issues, r.maxExamplesPerCutoff, "training.maxExamplesPerCutoff", 100, 1e9, max) ?? max,
    maxExamples:
      integer(issues, r.maxExamples, "training.maxExamples", 100, 1e9, DEFAULTS.maxExamples) ?? DEFAULTS.maxExamples,
    maxCutoffs:
      r.maxCutoffs === undefined ? null : (integer(issues, r.maxCutoffs, "training.maxCutoffs", 1, 1000) ?? null),
    cutoffStride:
      r.cutoffStride === undefined ? null : (integer(issues, r.cutoffStride, "training.cutoffStride", 1, 3650) ?? null),
  };
}

/** Hyper-parameters with their allowed ranges: [min, max, integer?]. */
const MODEL_RANGES: Record<keyof ModelSettings, [number, number, boolean]> = {
  nTrees: [1, 5000, true],
  learningRate: [1e-4, 1, false],
  maxDepth: [1, 12, true],
  minChildWeight: [0, 1e6, false],
  lambda: [0, 1e6, false],
  earlyStoppingRounds: [0, 1000, true],
  earlyStoppingTolerance: [0, 0.1, false],
  subsample: [0.05, 1, false],
  colsampleByTree: [0.05, 1, false],
};

function modelSettings(issues: Issues, value: unknown): ModelSettings {
  if (value === undefined) return {};
  const r = object(issues, value, "training.model", Object.keys(MODEL_RANGES)) ?? {};
  const out: ModelSettings = {};
  for (const [key, [min, max, whole]] of Object.entries(MODEL_RANGES) as [
    keyof ModelSettings,
    [number, number, boolean],
  ][]) {
    const v = r[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (whole && !Number.isInteger(v))) {
      issues.expected(`training.model.${key}`, `${whole ? "a whole number" : "a number"} from ${min} to ${max}`, v);
    } else out[key] = v;
  }
  return out;
}

function bucketSettings(issues: Issues, value: unknown, path: string): ResolvedInstance["buckets"] | undefined {
  const r = value === undefined ? {} : object(issues, value, path, ["on", "high", "medium"]);
  if (!r) return undefined;
  const on = oneOf(issues, r.on, at(path, "on"), ["score", "percentile"] as const, "score");
  const high = integer(issues, r.high, at(path, "high"), 1, 100, 75);
  const medium = integer(issues, r.medium, at(path, "medium"), 1, 100, 25);
  if (!on || high === undefined || medium === undefined) return undefined;
  if (medium >= high) return void issues.expected(at(path, "medium"), `a value below high (${high})`, medium);
  return { on, high, medium };
}

/** An instance's customer value settings: on by default for conversion instances, none for churn instances. */
function valueSettings(
  issues: Issues,
  value: unknown,
  path: string,
  type: ResolvedInstance["type"] | undefined,
): ResolvedInstance["value"] | undefined {
  if (value === false || (value === undefined && type !== "conversion")) return null;
  if (type === "churn")
    return void issues.expected(path, "false or no value: churn instances have no customer value", value);
  const r = value === undefined ? {} : object(issues, value, path, ["horizonDays"]);
  const horizonDays = r && integer(issues, r.horizonDays, at(path, "horizonDays"), 1, 3650, 365);
  return horizonDays === undefined ? undefined : { horizonDays };
}

function requirementsOf(
  issues: Issues,
  value: unknown,
  path: string,
  fallback: { minPositive: number; minNegative: number },
) {
  if (value === undefined) return fallback;
  const r = object(issues, value, path, ["minPositive", "minNegative"]);
  if (!r) return undefined;
  return {
    minPositive:
      integer(issues, r.minPositive, at(path, "minPositive"), 1, 1e9, fallback.minPositive) ?? fallback.minPositive,
    minNegative:
      integer(issues, r.minNegative, at(path, "minNegative"), 1, 1e9, fallback.minNegative) ?? fallback.minNegative,
  };
}

function instance(
  issues: Issues,
  value: unknown,
  path: string,
  requirements: { minPositive: number; minNegative: number } | undefined,
): ResolvedInstance | undefined {
  const keys = [
    "name",
    "label",
    "description",
    "type",
    "goal",
    "window",
    "eligible",
    "customEvents",
    "profileAttributes",
    "exclusions",
    "asOf",
    "requirements",
    "buckets",
    "topFactors",
    "value",
  ];
  const r = object(issues, value, path, keys);
  if (!r) return undefined;
  const name = identifier(issues, r.name, at(path, "name"));
  const label = string(issues, r.label, at(path, "label"));
  const type = oneOf(issues, r.type, at(path, "type"), ["conversion", "churn"] as const);
  const goal = group(issues, r.goal, at(path, "goal"), []);
  const window = integer(issues, r.window, at(path, "window"), 1, 3650);
  const eligible = eligibleOf(issues, r.eligible, at(path, "eligible"), type);
  const customEvents = customEventsOf(issues, r.customEvents, at(path, "customEvents"));
  const profileAttributes = profileAttributesOf(issues, r.profileAttributes, at(path, "profileAttributes"));
  const exclusions = list(issues, r.exclusions, at(path, "exclusions"), (v, p) => namedGroup(issues, v, p, []));
  const asOf = isoDate(issues, r.asOf, at(path, "asOf")) ?? null;
  const req = requirements ? requirementsOf(issues, r.requirements, at(path, "requirements"), requirements) : undefined;
  const buckets = bucketSettings(issues, r.buckets, at(path, "buckets"));
  const topFactors = integer(issues, r.topFactors, at(path, "topFactors"), 1, 50, 10);
  const description = descriptionOf(issues, r.description, path);
  const customerValue = valueSettings(issues, r.value, at(path, "value"), type);
  if (!name || !type || !goal || !window || !eligible || !req || !buckets || !topFactors || customerValue === undefined)
    return undefined;
  return {
    name,
    label: label ?? name,
    description,
    type,
    goal,
    window,
    eligible,
    customEvents,
    profileAttributes,
    exclusions,
    asOf,
    requirements: req,
    buckets,
    topFactors,
    value: customerValue,
    index: 0,
  };
}

/** An instance's custom events: named condition groups with a label (and plural), each name used once. */
function customEventsOf(issues: Issues, value: unknown, path: string): ResolvedInstance["customEvents"] {
  const customEvents = list(issues, value, path, (v, p) => {
    const g = namedGroup(issues, v, p, ["label", "plural"]);
    const rec = v as Record<string, unknown>;
    const lbl = g ? string(issues, rec.label, at(p, "label"), true) : undefined;
    const plural = g ? string(issues, rec.plural, at(p, "plural")) : undefined;
    return g && lbl ? { ...g, label: lbl, plural: plural ?? pluralOf(lbl) } : undefined;
  });
  customEvents.forEach((c, i) => {
    if (customEvents.findIndex((o) => o.name === c.name) < i)
      issues.add(at(at(path, i), "name"), `expected a unique name but "${c.name}" is used twice`);
  });
  return customEvents;
}

/** An instance's profile attributes: column names, or `{ column, label?, kind?, order? }`. */
function profileAttributesOf(issues: Issues, value: unknown, path: string): ResolvedInstance["profileAttributes"] {
  return list(issues, value, path, (v, p) => {
    if (typeof v === "string")
      return v ? { column: v, label: readable(v), kind: null } : (issues.expected(p, "a column name", v), undefined);
    const a = object(issues, v, p, ["column", "label", "kind", "order"]);
    const column = a && string(issues, a.column, at(p, "column"), true);
    if (!a || !column) return undefined;
    const kind =
      a.kind === undefined ? null : oneOf(issues, a.kind, at(p, "kind"), ["numeric", "categorical"] as const);
    const order = valueOrderOf(issues, a.order, p);
    if (kind === undefined) return undefined;
    return {
      column,
      label: string(issues, a.label, at(p, "label")) ?? readable(column),
      kind,
      ...(order ? { order } : {}),
    };
  });
}

function eligibleOf(
  issues: Issues,
  value: unknown,
  path: string,
  type: ResolvedInstance["type"] | undefined,
): ResolvedInstance["eligible"] | undefined {
  const r =
    value === undefined ? {} : object(issues, value, path, ["activeWithinDays", "activity", "events", "attributes"]);
  if (!r) return undefined;
  const fallback = type === "churn" ? DEFAULTS.churnActiveWithinDays : null;
  const activeWithinDays =
    r.activeWithinDays === undefined
      ? fallback
      : r.activeWithinDays === null
        ? null
        : integer(issues, r.activeWithinDays, at(path, "activeWithinDays"), 1, 36_500);
  const optional = (key: string) => (r[key] === undefined ? null : (group(issues, r[key], at(path, key), []) ?? null));
  if (activeWithinDays === undefined) return undefined;
  return {
    activeWithinDays,
    activity: optional("activity"),
    events: optional("events"),
    attributes: optional("attributes"),
  };
}

function namedGroup(
  issues: Issues,
  value: unknown,
  path: string,
  extraKeys: string[],
): (ResolvedGroup & { name: string }) | undefined {
  const g = group(issues, value, path, ["name", ...extraKeys]);
  const name = g ? identifier(issues, (value as Record<string, unknown>).name, at(path, "name")) : undefined;
  return g && name ? { ...g, name } : undefined;
}

/** A condition group `{ match?: "all" | "any", conditions: [...] }`. */
function group(issues: Issues, value: unknown, path: string, extraKeys: string[]): ResolvedGroup | undefined {
  const r = object(issues, value, path, ["match", "conditions", ...extraKeys]);
  if (!r) return undefined;
  const match = oneOf(issues, r.match, at(path, "match"), ["all", "any"] as const, "all");
  const before = issues.list.length;
  const conditions = list(issues, r.conditions, at(path, "conditions"), (v, p) => condition(issues, v, p), true);
  if (!match || issues.list.length > before) return undefined;
  return { match, conditions };
}

function condition(issues: Issues, value: unknown, path: string): Condition | undefined {
  const r = object(issues, value, path, ["field", "op", "value", "not"]);
  if (!r) return undefined;
  const field = string(issues, r.field, at(path, "field"), true);
  const op = oneOf(issues, r.op, at(path, "op"), CONDITION_OPS);
  const not = boolean(issues, r.not, at(path, "not"), false);
  if (!field || !op || not === undefined) return undefined;
  const v = r.value;
  const vp = at(path, "value");
  const isScalar = (x: unknown): x is Scalar =>
    typeof x === "string" || typeof x === "boolean" || (typeof x === "number" && Number.isFinite(x));
  const isOrdered = (x: unknown) =>
    (typeof x === "number" && Number.isFinite(x)) || (typeof x === "string" && isDateTime(x));
  switch (op) {
    case "equals":
    case "notEquals":
      if (!isScalar(v)) return void issues.expected(vp, "a string, number or boolean", v);
      break;
    case "in":
      if (!Array.isArray(v) || v.length === 0 || !v.every(isScalar) || new Set(v.map((x) => typeof x)).size !== 1) {
        return void issues.expected(vp, "a non-empty list of values of one type", v);
      }
      break;
    case "startsWith":
    case "contains":
      if (typeof v !== "string" || v.length === 0) return void issues.expected(vp, "a non-empty string", v);
      break;
    case "exists":
      if (v !== undefined && typeof v !== "boolean") return void issues.expected(vp, "true, false or nothing", v);
      break;
    case "between":
      if (!Array.isArray(v) || v.length !== 2 || !v.every(isOrdered) || typeof v[0] !== typeof v[1]) {
        return void issues.expected(vp, "[low, high]: two numbers or two dates (YYYY-MM-DD)", v);
      }
      if (v[0] > v[1]) return void issues.expected(vp, "low <= high", v);
      break;
    default:
      if (!isOrdered(v)) return void issues.expected(vp, "a number or a date (YYYY-MM-DD)", v);
  }
  if (typeof v === "string" && v.includes("\u0000"))
    return void issues.add(vp, `expected text without NUL characters but got ${describe(v)}`);
  const out: Condition = { field, op, value: v as Scalar | Scalar[] | undefined };
  if (not) out.not = true;
  return out;
}

/** English plural of a display name: "Watch purchase" -> "Watch purchases". */
export function pluralOf(label: string): string {
  if (/[^aeiou]y$/i.test(label)) return label.slice(0, -1) + "ies";
  if (/(s|x|z|ch|sh)$/i.test(label)) return label + "es";
  return label + "s";
}

/** A column name made readable: `loyalty.tier` -> "Loyalty tier", `person.ageBand` -> "Person age band". */
export function readable(column: string): string {
  const words = column
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[._\s-]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
  const text = words.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
