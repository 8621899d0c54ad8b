/**
 * Compiles conditions (goal, eligibility, custom events, exclusions) to SQL boolean expressions. Values are
 * quoted literals (see `quote.ts`); comparisons are typed by the value: numbers compare numerically (text columns
 * are parsed, unparseable values never match), dates compare as timestamps, strings as text. Every compiled
 * expression is NULL-free: a missing value makes `equals`, `in`, `gt`, ... false and `notEquals` true.
 */
import { UserError } from "../config/errors.js";
import type { Condition, ResolvedGroup, Scalar } from "../config/types.js";
import { bool, num, str, timestamp } from "./quote.js";

/** What kind of values a field holds in DuckDB. */
export type FieldType = "text" | "number" | "boolean" | "timestamp" | "other";

/** A field as SQL: an expression (usually a quoted column) and its type. */
export interface FieldRef {
  sql: string;
  type: FieldType;
}

/** Maps a condition's field name to SQL; throws a `UserError` naming `path` when the field does not exist. */
export type FieldResolver = (field: string, path: string) => FieldRef;

const DATE_LIKE = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$/;

/** The DuckDB type family of a DuckDB type name (`VARCHAR`, `DOUBLE`, `TIMESTAMP WITH TIME ZONE`, ...). */
export function fieldTypeOf(duckdbType: string): FieldType {
  const t = duckdbType.toUpperCase();
  if (t.endsWith("]")) return "other"; // lists and arrays, e.g. BIGINT[] or TIMESTAMP[3]
  if (t === "VARCHAR" || t.startsWith("ENUM")) return "text";
  if (t === "BOOLEAN") return "boolean";
  if (t.startsWith("TIMESTAMP") || t === "DATE") return "timestamp";
  if (
    /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/.test(
      t,
    )
  )
    return "number";
  return "other";
}

/** The field as a value comparable with `value`, plus the literal to compare it with. */
function typed(field: FieldRef, value: Scalar, path: string): { left: string; right: string } {
  if (typeof value === "number") {
    if (field.type === "timestamp")
      throw new UserError(
        "config",
        `${path}: "${value}" is a number but the field holds timestamps; expected a date like 2025-05-01`,
      );
    const left = field.type === "number" ? `CAST(${field.sql} AS DOUBLE)` : `TRY_CAST(${field.sql} AS DOUBLE)`;
    return { left, right: num(value) };
  }
  if (typeof value === "boolean") {
    return { left: field.type === "boolean" ? field.sql : `TRY_CAST(${field.sql} AS BOOLEAN)`, right: bool(value) };
  }
  if (field.type === "timestamp") {
    if (!DATE_LIKE.test(value))
      throw new UserError(
        "config",
        `${path}: the field holds timestamps; expected a date like 2025-05-01 but got ${JSON.stringify(value)}`,
      );
    return { left: `CAST(${field.sql} AS TIMESTAMP)`, right: timestamp(value) };
  }
  return { left: field.type === "text" ? field.sql : `CAST(${field.sql} AS VARCHAR)`, right: str(value) };
}

/** For ordering comparisons: numbers numerically, date strings as timestamps. */
function ordered(field: FieldRef, value: Scalar, path: string): { left: string; right: string } {
  if (typeof value === "string") {
    if (!DATE_LIKE.test(value))
      throw new UserError(
        "config",
        `${path}: expected a number or a date like 2025-05-01 but got ${JSON.stringify(value)}`,
      );
    // A date against a field of numbers would match nothing, silently.
    if (field.type === "number")
      throw new UserError(
        "config",
        `${path}: ${JSON.stringify(value)} is a date but the field holds numbers; expected a number`,
      );
    const left = field.type === "timestamp" ? `CAST(${field.sql} AS TIMESTAMP)` : `TRY_CAST(${field.sql} AS TIMESTAMP)`;
    return { left, right: timestamp(value) };
  }
  return typed(field, value, path);
}

function text(field: FieldRef): string {
  return field.type === "text" ? field.sql : `CAST(${field.sql} AS VARCHAR)`;
}

/**
 * One condition as a SQL boolean expression that is never NULL.
 * @param path key path of the condition in the configuration, for error messages.
 */
export function compileCondition(condition: Condition, resolve: FieldResolver, path: string): string {
  const field = resolve(condition.field, `${path}.field`);
  const v = condition.value;
  const vp = `${path}.value`;
  let expr: string;
  switch (condition.op) {
    case "equals":
    case "notEquals": {
      const { left, right } = typed(field, v as Scalar, vp);
      expr = `${left} = ${right}`;
      break;
    }
    case "in": {
      const values = v as Scalar[];
      const left = typed(field, values[0], vp).left;
      expr = `${left} IN (${values.map((x) => typed(field, x, vp).right).join(", ")})`;
      break;
    }
    case "startsWith":
      expr = `starts_with(${text(field)}, ${str(v as string)})`;
      break;
    case "contains":
      expr = `contains(${text(field)}, ${str(v as string)})`;
      break;
    case "exists": {
      const present =
        field.type === "text" ? `(${field.sql} IS NOT NULL AND ${field.sql} <> '')` : `(${field.sql} IS NOT NULL)`;
      expr = v === false ? `NOT ${present}` : present;
      break;
    }
    case "between": {
      const [low, high] = v as Scalar[];
      const a = ordered(field, low, vp);
      expr = `${a.left} BETWEEN ${a.right} AND ${ordered(field, high, vp).right}`;
      break;
    }
    default: {
      const symbol = { gt: ">", gte: ">=", lt: "<", lte: "<=" }[condition.op];
      const { left, right } = ordered(field, v as Scalar, vp);
      expr = `${left} ${symbol} ${right}`;
    }
  }
  const negate = (condition.op === "notEquals") !== (condition.not === true);
  return negate ? `(NOT COALESCE(${expr}, FALSE))` : `COALESCE(${expr}, FALSE)`;
}

/** A condition group (ALL = AND, ANY = OR) as a SQL boolean expression that is never NULL. */
export function compileGroup(group: ResolvedGroup, resolve: FieldResolver, path: string): string {
  const parts = group.conditions.map((c, i) => compileCondition(c, resolve, `${path}.conditions[${i}]`));
  if (parts.length === 1) return parts[0];
  return `(${parts.join(group.match === "any" ? " OR " : " AND ")})`;
}
