/**
 * Segments: named groups of scored people defined by conditions on the scores table (score, percentile, bucket,
 * influential factors, profile attributes and features), combined with AND ("all") or OR ("any").
 *
 * This module is pure logic, shared by the scores page and the segment builder and unit-tested in Node. A segment
 * compiles to a SQL `WHERE` clause with `?` parameters: values a person typed never enter the SQL text, and
 * identifiers come only from the whitelist of known columns built from the instance summary.
 */
import { BUCKETS } from "../loaders/contract/buckets.js";
import type {
  ExplorerColumn,
  FeatureInfo,
  InstanceSummary,
  InstanceValue,
  SqlParam,
} from "../loaders/contract/schema.js";

/** How a condition compares: a range, a set of values, a substring (ids) or missing values. */
export type ConditionOp = "between" | "in" | "contains" | "missing";

/**
 * One condition. `field` names a column of the scores table (`score`, `percentile`, `bucket`, `id`, an explorer
 * column such as `f_12`) or `factor` (the value lists feature codes: any of them is among the person's top `rank`
 * factors; `rank` 1 means "is the top factor", and a condition without `rank`, as saved before it existed, means
 * the top 3). Categorical values are category codes; `null` in an `in` list means "missing". A `between` end that
 * is `null` is open. A condition that chooses nothing (an empty `in` list, an empty id search, a range open at both
 * ends) restricts nothing: it matches everyone.
 */
export interface Condition {
  field: string;
  op: ConditionOp;
  value: (number | string | null)[];
  /** Factor conditions: among the person's top `rank` factors (1-3; absent = 3). */
  rank?: number;
}

/** A group of conditions (or nested groups): all must hold, or any. */
export interface Segment {
  match: "all" | "any";
  conditions: (Condition | Segment)[];
}

/** A known column a condition may use. */
export interface ColumnInfo {
  /** Field name in conditions; also the SQL column (except `factor`, which spans top1..top3). */
  field: string;
  label: string;
  kind: "numeric" | "categorical" | "factor" | "id";
  /** Labels of categorical codes (index = code), or the values of a text column (`bucket`); factors: feature labels. */
  categories?: string[];
  /** Whether the categorical values are the strings themselves (bucket) rather than codes. */
  textValues?: boolean;
  min?: number;
  max?: number;
  /** Feature group, e.g. "Profile" for profile attributes. */
  group?: string;
  unit?: string | null;
  /** The feature's code and stable name (explorer columns); factors: every feature's name, by code. */
  feature?: number;
  name?: string;
  names?: string[];
  /** Amounts (customer value): the currency they are in (ISO 4217), or null for plain numbers. */
  currency?: string | null;
  /**
   * A column of another instance of the site: the condition is on that instance's scores table (`column` of it),
   * joined by person id; people that instance did not score never match it. In the page the other instance's
   * columns are in the table `linked` (LINKED_TABLE), named by the field (`<instance>:<column>`).
   */
  source?: { instance: string; label: string; column: "score" | "percentile" | "bucket" };
}

/** A compiled `WHERE` clause and its parameters, in order. */
export interface CompiledSql {
  where: string;
  params: SqlParam[];
}

/** The most factors a condition can look at: the scores table holds each person's top 3 (top1..top3). */
export const MAX_FACTOR_RANK = 3;

const SAFE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The page's table of the other instances' scores of this instance's people (see `ColumnInfo.source`). */
export const LINKED_TABLE = "linked";

/** Customer value columns of scores.parquet (instances whose goal carries an amount), and the value percentile. */
export const VALUE_FIELDS = [
  "expected_value",
  "value_percentile",
  "expected_events",
  "p_alive",
  "expected_spend",
] as const;

/**
 * The value percentile in SQL over scores.parquet, defined like the score's percentile: among the people with an
 * expected value, the share whose value is at or below theirs, in percent, rounded up (1-100; 100 is the top 1%;
 * ties share a percentile); NULL without a value. Integer arithmetic, so that every engine gets the same numbers
 * (loaders/site/explorer-arrow.ts computes the same for the page's table).
 */
export const VALUE_PERCENTILE_SQL =
  "CASE WHEN expected_value IS NULL THEN NULL ELSE ((100 * COUNT(expected_value) OVER (ORDER BY expected_value ASC NULLS LAST) + COUNT(expected_value) OVER () - 1) // COUNT(expected_value) OVER ())::INTEGER END";

/** The empty segment: everyone. */
export function emptySegment(): Segment {
  return { match: "all", conditions: [] };
}

/** Whether an item of a segment is a nested group. */
export function isGroup(item: Condition | Segment): item is Segment {
  return Array.isArray((item as Segment).conditions);
}

/** The columns conditions may use, from the instance summary: the whitelist of identifiers. */
export function segmentColumns(summary: Pick<InstanceSummary, "features" | "explorer">): ColumnInfo[] {
  const columns: ColumnInfo[] = [
    { field: "score", label: "Score (0-100)", kind: "numeric", min: 0, max: 100 },
    { field: "percentile", label: "Percentile (1-100)", kind: "numeric", min: 1, max: 100 },
    { field: "bucket", label: "Bucket", kind: "categorical", categories: [...BUCKETS], textValues: true },
    {
      field: "factor",
      label: "Influential factor",
      kind: "factor",
      categories: summary.features.map((f) => f.label),
      names: summary.features.map((f) => f.name),
    },
    { field: "id", label: "Id contains", kind: "id" },
  ];
  for (const column of summary.explorer) columns.push(explorerColumn(column, summary.features[column.feature]));
  return columns.filter((c) => SAFE_IDENTIFIER.test(c.field));
}

/** Another instance of the site, whose scores the segment builder offers as conditions. */
export interface OtherInstance {
  name: string;
  label: string;
}

/** The value group's name in the field lists. */
export const VALUE_GROUP = "Customer value";

/**
 * The columns of the segment builder: those of `segmentColumns`, then customer value where the instance has it
 * (expected value over the horizon, its percentile, expected goal days in the window, P(alive), expected amount per
 * goal day), then the score, percentile and bucket of every other instance of the site.
 */
export function builderColumns(
  summary: Pick<
    InstanceSummary,
    "features" | "explorer" | "window" | "rules" | "eventLabels" | "currency" | "value" | "name"
  >,
  others: OtherInstance[] = [],
): ColumnInfo[] {
  const columns = segmentColumns(summary);
  const value = summary.value;
  if (value && !("unavailable" in value) && value.people > 0) columns.push(...valueColumns(summary, value));
  for (const other of others) {
    if (other.name === summary.name || !/^[A-Za-z0-9_-]+$/.test(other.name)) continue;
    columns.push(...otherInstanceColumns(other));
  }
  return columns;
}

/** The customer value columns of an instance that has values: expected value, its percentile and its parts. */
function valueColumns(
  summary: Pick<InstanceSummary, "window" | "rules" | "eventLabels" | "currency">,
  value: InstanceValue,
): ColumnInfo[] {
  const noun = goalNoun(summary);
  const currency = summary.currency ?? null;
  const lowest = value.deciles.at(-1)?.min;
  const highest = value.deciles[0]?.max;
  const group = VALUE_GROUP;
  return [
    {
      field: "expected_value",
      label: `Expected value, next ${value.horizonDays} days`,
      kind: "numeric",
      group,
      unit: "amount",
      currency,
      min: floor(lowest),
      max: ceil(highest),
    },
    {
      field: "value_percentile",
      label: "Expected value percentile (1-100)",
      kind: "numeric",
      group,
      min: 1,
      max: 100,
    },
    {
      field: "expected_events",
      label: `Expected days with ${article(noun)} ${noun}, next ${value.window} days`,
      kind: "numeric",
      group,
      unit: "count",
      min: 0,
    },
    { field: "p_alive", label: "Chance of still being a customer (0-1)", kind: "numeric", group, min: 0, max: 1 },
    {
      field: "expected_spend",
      label: `Expected amount per ${noun}`,
      kind: "numeric",
      group,
      unit: "amount",
      currency,
      min: 0,
    },
  ];
}

/** The score, percentile and bucket of another instance, joined by person id. */
function otherInstanceColumns(other: OtherInstance): ColumnInfo[] {
  const source = (column: "score" | "percentile" | "bucket") => ({
    instance: other.name,
    label: other.label,
    column,
  });
  const group = `${other.label} (another instance)`;
  /** The score or the percentile, from `min` to `max`. */
  const numeric = (column: "score" | "percentile", label: string, min: number, max: number): ColumnInfo => ({
    field: `${other.name}:${column}`,
    label: `${other.label}: ${label}`,
    kind: "numeric",
    min,
    max,
    group,
    source: source(column),
  });
  return [
    numeric("score", "score (0-100)", 0, 100),
    numeric("percentile", "percentile (1-100)", 1, 100),
    {
      field: `${other.name}:bucket`,
      label: `${other.label}: bucket`,
      kind: "categorical",
      categories: [...BUCKETS],
      textValues: true,
      group,
      source: source("bucket"),
    },
  ];
}

const article = (noun: string) => (/^[aeiou]/i.test(noun) ? "an" : "a");
const floor = (x: number | undefined) => (x === undefined ? undefined : Math.floor(x));
const ceil = (x: number | undefined) => (x === undefined ? undefined : Math.ceil(x));

/** The goal event's name for people ("purchase"), from the event names the goal's rule mentions; else "goal event". */
export function goalNoun(summary: Pick<InstanceSummary, "rules" | "eventLabels">): string {
  const rule = summary.rules?.goal ?? "";
  const found = Object.entries(summary.eventLabels ?? {})
    .filter(([type]) =>
      new RegExp(`(^|[^A-Za-z0-9_.])${type.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}($|[^A-Za-z0-9_])`).test(rule),
    )
    .sort((a, b) => b[0].length - a[0].length);
  return found[0]?.[1] ?? "goal event";
}

function explorerColumn(column: ExplorerColumn, feature: FeatureInfo | undefined): ColumnInfo {
  const common = {
    field: column.column,
    label: feature?.label ?? column.column,
    feature: column.feature,
    name: feature?.name,
  };
  if (feature?.kind === "categorical") {
    return {
      ...common,
      kind: "categorical",
      categories: feature.categories ?? [],
      group: feature.group,
      unit: feature.unit,
    };
  }
  return {
    ...common,
    kind: "numeric",
    min: column.min,
    max: column.max,
    group: feature?.group,
    unit: feature?.unit ?? null,
  };
}

/** Looks a column up by field name. */
export function columnOf(columns: ColumnInfo[], field: string): ColumnInfo {
  const column = columns.find((c) => c.field === field);
  if (!column) throw new Error(`Unknown field: ${field}`);
  return column;
}

/** The factor rank of a condition: 1 (the top factor) to 3; 3 when absent (definitions saved before ranks). */
export function factorRank(condition: Condition): number {
  const rank = condition.rank ?? MAX_FACTOR_RANK;
  if (!Number.isInteger(rank) || rank < 1 || rank > MAX_FACTOR_RANK)
    throw new Error(`factor: rank ${String(rank)} is not 1 to ${MAX_FACTOR_RANK}`);
  return rank;
}

/** Whether a condition restricts nothing (nothing chosen yet): it then matches everyone. */
export function matchesEveryone(condition: Condition): boolean {
  const values = condition.value ?? [];
  if (condition.op === "in") return values.length === 0;
  if (condition.op === "contains") return String(values[0] ?? "") === "";
  if (condition.op === "between") return (values[0] ?? null) === null && (values[1] ?? null) === null;
  return false;
}

/** Double-quotes a SQL identifier (any text: quotes are doubled). */
export function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quote(identifier: string): string {
  if (!SAFE_IDENTIFIER.test(identifier)) throw new Error(`Unsafe column name: ${identifier}`);
  return `"${identifier}"`;
}

function finite(value: unknown, field: string): number {
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isFinite(number))
    throw new Error(`${field}: expected a number, got ${String(value)}`);
  return number;
}

/**
 * Where a compiled condition points: the SQL of a column and of a factor rank, how a category code is written
 * (the code itself, or its name in the readable export) and how a value enters the SQL (a `?` parameter, or a
 * literal in the readable export).
 */
interface Target {
  column(column: ColumnInfo): string;
  /** Wraps a compiled condition on another instance's column (`source`), e.g. as a subquery joined by id. */
  linked(column: ColumnInfo, condition: string): string;
  top(rank: number, column: ColumnInfo): string;
  category(column: ColumnInfo, code: number): SqlParam;
  factor(column: ColumnInfo, code: number): SqlParam;
  value(value: SqlParam): string;
}

/** The scores table itself, with `?` parameters collected into `params`. */
function tableTarget(params: SqlParam[]): Target {
  return {
    column: (column) => (column.source ? quoteName(column.field) : quote(column.field)),
    linked: (_, condition) => `"id" IN (SELECT "id" FROM ${quoteName(LINKED_TABLE)} WHERE ${condition})`,
    top: (rank) => `"top${rank}"`,
    category: (_, code) => code,
    factor: (_, code) => code,
    value: (value) => {
      params.push(value);
      return "?";
    },
  };
}

/** `column IN (values)` (or `FALSE` for an empty list). */
function inList(sql: string, values: SqlParam[], target: Target): string {
  return values.length === 0 ? "FALSE" : `${sql} IN (${values.map((v) => target.value(v)).join(", ")})`;
}

function compileFactor(condition: Condition, column: ColumnInfo, target: Target): string {
  if (condition.op !== "in") throw new Error(`factor: unsupported operator ${condition.op}`);
  const rank = factorRank(condition);
  const codes = (condition.value ?? []).map((v) => finite(v, "factor"));
  if (codes.length === 0) return "TRUE";
  const parts = Array.from({ length: rank }, (_, i) =>
    inList(
      target.top(i + 1, column),
      codes.map((c) => target.factor(column, c)),
      target,
    ),
  );
  return parts.length === 1 ? parts[0]! : `(${parts.join(" OR ")})`;
}

function compileBetween(values: Condition["value"], column: ColumnInfo, sql: string, target: Target): string {
  if (column.kind !== "numeric") throw new Error(`${column.field}: "between" needs a numeric field`);
  if (values.length !== 2) throw new Error(`${column.field}: "between" needs two values`);
  const [low, high] = values.map((v) => (v === null ? null : finite(v, column.field))) as [
    number | null,
    number | null,
  ];
  if (low === null && high === null) return "TRUE";
  if (low === null) return `${sql} <= ${target.value(high)}`;
  if (high === null) return `${sql} >= ${target.value(low)}`;
  return `${sql} BETWEEN ${target.value(Math.min(low, high))} AND ${target.value(Math.max(low, high))}`;
}

function compileIn(values: Condition["value"], column: ColumnInfo, sql: string, target: Target): string {
  if (column.kind !== "categorical") throw new Error(`${column.field}: "in" needs a categorical field`);
  if (values.length === 0) return "TRUE";
  const present = values
    .filter((v) => v !== null)
    .map((v) => (column.textValues ? String(v) : target.category(column, finite(v, column.field))));
  const parts: string[] = [];
  if (present.length > 0) parts.push(inList(sql, present, target));
  if (values.includes(null)) parts.push(`${sql} IS NULL`);
  return parts.length === 1 ? parts[0]! : `(${parts.join(" OR ")})`;
}

/** Compiles one condition; throws on an unknown field or an operator the field does not take. */
function compileCondition(condition: Condition, columns: ColumnInfo[], target: Target): string {
  const column = columnOf(columns, condition.field);
  if (column.source) {
    if (condition.op === "missing")
      throw new Error(`${column.field}: "missing" does not apply to another instance's scores`);
    const sql = compileOne(condition, column, target);
    // A condition that chooses nothing matches everyone, also those the other instance did not score.
    return sql === "TRUE" ? sql : target.linked(column, sql);
  }
  return compileOne(condition, column, target);
}

function compileOne(condition: Condition, column: ColumnInfo, target: Target): string {
  const values = condition.value ?? [];
  if (column.kind === "factor") return compileFactor(condition, column, target);
  const sql = target.column(column);
  switch (condition.op) {
    case "between":
      return compileBetween(values, column, sql, target);
    case "in":
      return compileIn(values, column, sql, target);
    case "contains": {
      if (column.kind !== "id") throw new Error(`${column.field}: "contains" needs the id`);
      const text = String(values[0] ?? "");
      return text === "" ? "TRUE" : `POSITION(lower(${target.value(text)}) IN lower(${sql})) > 0`;
    }
    case "missing":
      if (column.kind === "id") throw new Error(`${column.field}: ids are never missing`);
      return `${sql} IS NULL`;
    default:
      throw new Error(`${column.field}: unknown operator ${String(condition.op)}`);
  }
}

function compileWith(segment: Segment, columns: ColumnInfo[], target: Target): string {
  const parts = segment.conditions.map((item) =>
    isGroup(item) ? compileWith(item, columns, target) : compileCondition(item, columns, target),
  );
  if (parts.length === 0) return "TRUE";
  if (parts.length === 1) return parts[0]!;
  const joiner = segment.match === "any" ? " OR " : " AND ";
  // NULL comparisons (missing values) count as "does not match", also under OR and NOT.
  return parts.map((p) => `COALESCE(${p}, FALSE)`).join(joiner);
}

/** Compiles a segment to a `WHERE` clause with `?` parameters. An empty segment is `TRUE` (everyone). */
export function compileSegment(segment: Segment, columns: ColumnInfo[]): CompiledSql {
  const params: SqlParam[] = [];
  const where = compileWith(segment, columns, tableTarget(params));
  return { where, params };
}

/** A SQL literal for the SQL export. */
export function sqlLiteral(value: SqlParam): string {
  if (value === null) return "NULL";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "NULL";
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Compiles a segment with literal values over columns named by `name` (the readable SQL export): categories by
 * their names and factors by their labels, as the export's labelled columns hold them.
 */
export function compileReadable(
  segment: Segment,
  columns: ColumnInfo[],
  name: { column(c: ColumnInfo): string; top(rank: number): string },
): string {
  const label = (labels: string[] | undefined, code: number) => labels?.[code] ?? String(code);
  return compileWith(segment, columns, {
    column: (column) => name.column(column),
    // The readable SQL joins the other instances' columns into its rows (NULL for people they did not score).
    linked: (_, condition) => condition,
    top: (rank) => name.top(rank),
    category: (column, code) => label(column.categories, code),
    factor: (column, code) => label(column.categories, code),
    value: sqlLiteral,
  });
}

/**
 * Size and expected outcomes of a segment, in one query: `{people, expected, variance, third, lowest, total}`:
 * the members' count, the sums of p, p(1 - p) and p(1 - p)(1 - 2p) over their probabilities p (the mean, variance
 * and third central moment of how many reach the goal), their lowest percentile, and everyone's count.
 */
export function segmentStatsSql(segment: Segment, columns: ColumnInfo[], table = "scores"): CompiledSql {
  const { where, params } = compileSegment(segment, columns);
  // With customer value: the members' total expected value and how many of them have one.
  const value = hasValue(columns);
  return {
    where: `SELECT COUNT(*)::INTEGER AS people,
      COALESCE(SUM(p), 0)::DOUBLE AS expected,
      COALESCE(SUM(p * (1 - p)), 0)::DOUBLE AS variance,
      COALESCE(SUM(p * (1 - p) * (1 - 2 * p)), 0)::DOUBLE AS third,
      MIN(percentile)::INTEGER AS lowest,${
        value
          ? `
      COALESCE(SUM(v), 0)::DOUBLE AS value_total,
      COUNT(v)::INTEGER AS value_people,`
          : ""
      }
      (SELECT COUNT(*) FROM ${quote(table)})::INTEGER AS total
    FROM (SELECT probability::DOUBLE AS p, percentile${value ? ", expected_value::DOUBLE AS v" : ""} FROM ${quote(table)} WHERE ${where})`,
    params,
  };
}

/** Whether the columns include customer value (the instance's goal carries an amount). */
export function hasValue(columns: ColumnInfo[]): boolean {
  return columns.some((c) => c.field === "expected_value");
}

/** Whether a segment has a condition on another instance's scores that chooses something. */
export function linkedInstances(segment: Segment, columns: ColumnInfo[]): string[] {
  const found = new Set<string>();
  const walk = (s: Segment): void =>
    s.conditions.forEach((c) => {
      if (isGroup(c)) return walk(c);
      const source = columns.find((k) => k.field === c.field)?.source;
      if (source && !matchesEveryone(c)) found.add(source.instance);
    });
  walk(segment);
  return [...found];
}

/** The members' probabilities (for the exact interval of a small segment): `{p}` rows. */
export function segmentProbabilitiesSql(segment: Segment, columns: ColumnInfo[], table = "scores"): CompiledSql {
  const { where, params } = compileSegment(segment, columns);
  return { where: `SELECT probability::DOUBLE AS p FROM ${quote(table)} WHERE ${where}`, params };
}

/**
 * How many members of a segment have each feature among their top `rank` factors: `{code, people, total}` rows,
 * most common first (`total`: the segment's size).
 */
export function factorCountsSql(segment: Segment, columns: ColumnInfo[], rank: number, table = "scores"): CompiledSql {
  const k = factorRank({ field: "factor", op: "in", value: [], rank });
  const { where, params } = compileSegment(segment, columns);
  return {
    where: `WITH members AS (SELECT top1, top2, top3 FROM ${quote(table)} WHERE ${where})
    SELECT code::INTEGER AS code, COUNT(*)::INTEGER AS people, (SELECT COUNT(*) FROM members)::INTEGER AS total
    FROM (SELECT UNNEST(list_distinct([top1, top2, top3][1:${k}])) AS code FROM members)
    WHERE code IS NOT NULL GROUP BY code ORDER BY people DESC, code`,
    params,
  };
}

/** People in A, in B and in both: `{a, b, both}`. */
export function overlapSql(a: Segment, b: Segment, columns: ColumnInfo[], table = "scores"): CompiledSql {
  const ca = compileSegment(a, columns);
  const cb = compileSegment(b, columns);
  return {
    where: `SELECT COUNT(*) FILTER (WHERE ${ca.where})::INTEGER AS a,
      COUNT(*) FILTER (WHERE ${cb.where})::INTEGER AS b,
      COUNT(*) FILTER (WHERE (${ca.where}) AND (${cb.where}))::INTEGER AS both
    FROM ${quote(table)}`,
    params: [...ca.params, ...cb.params, ...ca.params, ...cb.params],
  };
}

/** Ready-made segments of customer value (instances that have it): the top 10% by expected value. */
export function valueSuggestions(columns: ColumnInfo[]): { name: string; description: string; segment: Segment }[] {
  if (!columns.some((c) => c.field === "value_percentile")) return [];
  return [
    {
      name: "Most valuable",
      description: "The top 10% by expected value",
      segment: { match: "all", conditions: [{ field: "value_percentile", op: "between", value: [91, 100] }] },
    },
  ];
}

/** Ready-made segments from the instance summary, in the builder's own form. */
export function suggestedSegments(
  summary: Pick<InstanceSummary, "suggestedSegments">,
): { name: string; description: string; segment: Segment }[] {
  return (summary.suggestedSegments ?? []).map((s) => ({
    name: s.name,
    description: s.description,
    segment: { match: "all", conditions: s.where.map((w) => ({ field: w.field, op: w.op, value: [...w.value] })) },
  }));
}
