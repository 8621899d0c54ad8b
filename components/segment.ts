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

/** How a condition compares: a closed range, a set of values, a substring (ids) or missing values. */
export type ConditionOp = "between" | "in" | "contains" | "missing";

/**
 * One condition. `field` names a column of the scores table (`score`, `percentile`, `bucket`, `id`, an explorer
 * column such as `f_12`) or `factor` (the value lists feature codes: any of them is among the person's top 3 factors).
 * Categorical values are category codes; `null` in an `in` list means "missing".
 */
export interface Condition {
  field: string;
  op: ConditionOp;
  value: (number | string | null)[];
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
  /** Labels of categorical codes (index = code), or the values of a text column (`bucket`). */
  categories?: string[];
  /** Whether the categorical values are the strings themselves (bucket) rather than codes. */
  textValues?: boolean;
  min?: number;
  max?: number;
  /** Feature group, e.g. "Profile" for profile attributes. */
  group?: string;
  unit?: string | null;
}

/** A compiled `WHERE` clause and its parameters, in order. */
export interface CompiledSql {
  where: string;
  params: SqlParam[];
}

/** Buckets in display order. */
export const BUCKETS = ["High", "Medium", "Low"] as const;

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
    { field: "factor", label: "Among the top 3 factors", kind: "factor", categories: summary.features.map((f) => f.label) },
    { field: "id", label: "Id contains", kind: "id" },
  ];
  for (const column of summary.explorer) columns.push(explorerColumn(column, summary.features[column.feature]));
  return columns.filter((c) => SAFE_IDENTIFIER.test(c.field));
}

function explorerColumn(column: ExplorerColumn, feature: FeatureInfo | undefined): ColumnInfo {
  const label = feature?.label ?? column.column;
  if (feature?.kind === "categorical") {
    return { field: column.column, label, kind: "categorical", categories: feature.categories ?? [], group: feature.group, unit: feature.unit };
  }
  return { field: column.column, label, kind: "numeric", min: column.min, max: column.max, group: feature?.group, unit: feature?.unit ?? null };
}

/** Looks a column up by field name. */
function columnOf(columns: ColumnInfo[], field: string): ColumnInfo {
  const column = columns.find((c) => c.field === field);
  if (!column) throw new Error(`Unknown field: ${field}`);
  return column;
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

/** Compiles one condition; throws on an unknown field or an operator the field does not take. */
function compileCondition(condition: Condition, columns: ColumnInfo[]): CompiledSql {
  const column = columnOf(columns, condition.field);
  const values = condition.value ?? [];
  if (column.kind === "factor") {
    if (condition.op !== "in") throw new Error(`factor: unsupported operator ${condition.op}`);
    const codes = values.map((v) => finite(v, "factor"));
    if (codes.length === 0) return { where: "FALSE", params: [] };
    const list = codes.map(() => "?").join(", ");
    return { where: `("top1" IN (${list}) OR "top2" IN (${list}) OR "top3" IN (${list}))`, params: [...codes, ...codes, ...codes] };
  }
  const sql = quote(column.field);
  switch (condition.op) {
    case "between": {
      if (column.kind !== "numeric") throw new Error(`${column.field}: "between" needs a numeric field`);
      if (values.length !== 2) throw new Error(`${column.field}: "between" needs two values`);
      const [low, high] = values.map((v) => finite(v, column.field)) as [number, number];
      return { where: `${sql} BETWEEN ? AND ?`, params: [Math.min(low, high), Math.max(low, high)] };
    }
    case "in": {
      if (column.kind !== "categorical") throw new Error(`${column.field}: "in" needs a categorical field`);
      const missing = values.includes(null);
      const present = values.filter((v) => v !== null).map((v) => (column.textValues ? String(v) : finite(v, column.field)));
      const parts: string[] = [];
      if (present.length > 0) parts.push(`${sql} IN (${present.map(() => "?").join(", ")})`);
      if (missing) parts.push(`${sql} IS NULL`);
      if (parts.length === 0) return { where: "FALSE", params: [] };
      return { where: parts.length === 1 ? parts[0]! : `(${parts.join(" OR ")})`, params: present };
    }
    case "contains": {
      if (column.kind !== "id") throw new Error(`${column.field}: "contains" needs the id`);
      const text = String(values[0] ?? "");
      if (text === "") return { where: "TRUE", params: [] };
      return { where: `contains(lower(${sql}), lower(?))`, params: [text] };
    }
    case "missing":
      if (column.kind === "id") throw new Error(`${column.field}: ids are never missing`);
      return { where: `${sql} IS NULL`, params: [] };
    default:
      throw new Error(`${column.field}: unknown operator ${String(condition.op)}`);
  }
}

/** Compiles a segment to a `WHERE` clause with `?` parameters. An empty segment is `TRUE` (everyone). */
export function compileSegment(segment: Segment, columns: ColumnInfo[]): CompiledSql {
  const parts: CompiledSql[] = segment.conditions.map((item) => (isGroup(item) ? compileSegment(item, columns) : compileCondition(item, columns)));
  if (parts.length === 0) return { where: "TRUE", params: [] };
  if (parts.length === 1) return parts[0]!;
  const joiner = segment.match === "any" ? " OR " : " AND ";
  // NULL comparisons (missing values) count as "does not match", also under OR and NOT.
  return { where: parts.map((p) => `COALESCE(${p.where}, FALSE)`).join(joiner), params: parts.flatMap((p) => p.params) };
}

/** A SQL literal for the standalone SQL export (never executed by the site). */
function literal(value: SqlParam): string {
  if (value === null) return "NULL";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "NULL";
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  return `'${value.replaceAll("'", "''")}'`;
}

/** Replaces each `?` of compiled SQL with its parameter as a literal, for people to run elsewhere. */
export function inlineParams(compiled: CompiledSql): string {
  let index = 0;
  // Our compiled SQL has no string literals of its own, so every `?` is a parameter.
  return compiled.where.replace(/\?/g, () => literal(compiled.params[index++] ?? null));
}

/** The segment as a standalone query over a `scores` table (the SQL export). */
export function segmentSql(segment: Segment, columns: ColumnInfo[], table = "scores"): string {
  return `SELECT id, probability, score, percentile, bucket\nFROM ${quote(table)}\nWHERE ${inlineParams(compileSegment(segment, columns))}\nORDER BY probability DESC;`;
}

/** Size, share and expected outcomes of a segment, in one query: `{people, expected, lowest, total}`. */
export function segmentStatsSql(segment: Segment, columns: ColumnInfo[], table = "scores"): CompiledSql {
  const { where, params } = compileSegment(segment, columns);
  return {
    where: `SELECT COUNT(*) FILTER (WHERE ${where})::INTEGER AS people,
      COALESCE(SUM(probability) FILTER (WHERE ${where}), 0)::DOUBLE AS expected,
      MIN(percentile) FILTER (WHERE ${where})::INTEGER AS lowest,
      COUNT(*)::INTEGER AS total
    FROM ${quote(table)}`,
    params: [...params, ...params, ...params],
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
