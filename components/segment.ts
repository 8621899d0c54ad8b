/**
 * Segments: named groups of scored people defined by conditions on the scores table (score, percentile, bucket,
 * influential factors, profile attributes and features), combined with AND ("all") or OR ("any").
 *
 * This module is pure logic, shared by the scores page and the segment builder and unit-tested in Node. A segment
 * compiles to a SQL `WHERE` clause with `?` parameters: values a person typed never enter the SQL text, and
 * identifiers come only from the whitelist of known columns built from the instance summary.
 */
import type { ExplorerColumn, FeatureInfo, InstanceSummary } from "../loaders/pipeline/schema.js";

/** A value a query parameter may take. */
export type SqlParam = string | number | boolean | null;

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
}

/** A compiled `WHERE` clause and its parameters, in order. */
export interface CompiledSql {
  where: string;
  params: SqlParam[];
}

/** Buckets in display order. */
export const BUCKETS = ["High", "Medium", "Low"] as const;

/** The most factors a condition can look at: the scores table holds each person's top 3 (top1..top3). */
export const MAX_FACTOR_RANK = 3;

const SAFE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

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

function explorerColumn(column: ExplorerColumn, feature: FeatureInfo | undefined): ColumnInfo {
  const common = { field: column.column, label: feature?.label ?? column.column, feature: column.feature, name: feature?.name };
  if (feature?.kind === "categorical") {
    return { ...common, kind: "categorical", categories: feature.categories ?? [], group: feature.group, unit: feature.unit };
  }
  return { ...common, kind: "numeric", min: column.min, max: column.max, group: feature?.group, unit: feature?.unit ?? null };
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
  if (!Number.isInteger(rank) || rank < 1 || rank > MAX_FACTOR_RANK) throw new Error(`factor: rank ${String(rank)} is not 1 to ${MAX_FACTOR_RANK}`);
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
  if (typeof number !== "number" || !Number.isFinite(number)) throw new Error(`${field}: expected a number, got ${String(value)}`);
  return number;
}

/**
 * Where a compiled condition points: the SQL of a column and of a factor rank, how a category code is written
 * (the code itself, or its name in the readable export) and how a value enters the SQL (a `?` parameter, or a
 * literal in the readable export).
 */
interface Target {
  column(column: ColumnInfo): string;
  top(rank: number, column: ColumnInfo): string;
  category(column: ColumnInfo, code: number): SqlParam;
  factor(column: ColumnInfo, code: number): SqlParam;
  value(value: SqlParam): string;
}

/** The scores table itself, with `?` parameters collected into `params`. */
function tableTarget(params: SqlParam[]): Target {
  return {
    column: (column) => quote(column.field),
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
  const parts = Array.from({ length: rank }, (_, i) => inList(target.top(i + 1, column), codes.map((c) => target.factor(column, c)), target));
  return parts.length === 1 ? parts[0]! : `(${parts.join(" OR ")})`;
}

function compileBetween(values: Condition["value"], column: ColumnInfo, sql: string, target: Target): string {
  if (column.kind !== "numeric") throw new Error(`${column.field}: "between" needs a numeric field`);
  if (values.length !== 2) throw new Error(`${column.field}: "between" needs two values`);
  const [low, high] = values.map((v) => (v === null ? null : finite(v, column.field))) as [number | null, number | null];
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
  const parts = segment.conditions.map((item) => (isGroup(item) ? compileWith(item, columns, target) : compileCondition(item, columns, target)));
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
export function compileReadable(segment: Segment, columns: ColumnInfo[], name: { column(c: ColumnInfo): string; top(rank: number): string }): string {
  const label = (labels: string[] | undefined, code: number) => labels?.[code] ?? String(code);
  return compileWith(segment, columns, {
    column: (column) => name.column(column),
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
  return {
    where: `SELECT COUNT(*)::INTEGER AS people,
      COALESCE(SUM(p), 0)::DOUBLE AS expected,
      COALESCE(SUM(p * (1 - p)), 0)::DOUBLE AS variance,
      COALESCE(SUM(p * (1 - p) * (1 - 2 * p)), 0)::DOUBLE AS third,
      MIN(percentile)::INTEGER AS lowest,
      (SELECT COUNT(*) FROM ${quote(table)})::INTEGER AS total
    FROM (SELECT probability::DOUBLE AS p, percentile FROM ${quote(table)} WHERE ${where})`,
    params,
  };
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

/** Ready-made segments from the instance summary, in the builder's own form. */
export function suggestedSegments(summary: Pick<InstanceSummary, "suggestedSegments">): { name: string; description: string; segment: Segment }[] {
  return (summary.suggestedSegments ?? []).map((s) => ({
    name: s.name,
    description: s.description,
    segment: { match: "all", conditions: s.where.map((w) => ({ field: w.field, op: w.op, value: [...w.value] })) },
  }));
}
