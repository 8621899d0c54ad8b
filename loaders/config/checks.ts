/**
 * Small building blocks for validating untyped configuration values. Each check records a problem as
 * `path: expected ... but got ...` and returns `undefined`, so that one run reports every mistake at once.
 */
import { closestHint } from "./errors.js";

/** Collects problems found while validating. */
export class Issues {
  readonly list: string[] = [];
  add(path: string, message: string): void {
    this.list.push(`${path}: ${message}`);
  }
  /** Records "expected X but got Y". */
  expected(path: string, what: string, got: unknown): void {
    this.add(path, `expected ${what} but got ${describe(got)}`);
  }
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? value.slice(0, 57) + "..." : value);
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

/** Joins a key onto a path: `a` + `b` = `a.b`, `a` + 0 = `a[0]`. */
export function at(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/** A plain object, reporting unknown keys (with the closest allowed key). */
export function object(
  issues: Issues,
  value: unknown,
  path: string,
  allowed: readonly string[],
): Record<string, unknown> | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    issues.expected(path || "configuration", "an object", value);
    return undefined;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) {
      issues.add(at(path, key), `unknown key; expected one of ${allowed.join(", ")}${closestHint(key, allowed)}`);
    }
  }
  return record;
}

/** A string (non-empty unless `allowEmpty`); `undefined` stays `undefined` unless `required`. */
export function string(issues: Issues, value: unknown, path: string, required = false): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== "string" || value.length === 0) {
    issues.expected(path, "a non-empty string", value);
    return undefined;
  }
  if (value.includes("\u0000")) {
    issues.add(path, "expected text without NUL characters");
    return undefined;
  }
  return value;
}

/** An identifier: letters, digits, `_` and `-`, starting with a letter. */
export function identifier(issues: Issues, value: unknown, path: string): string | undefined {
  const text = string(issues, value, path, true);
  if (text === undefined) return undefined;
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(text)) {
    issues.expected(path, "a name of letters, digits, _ and - starting with a letter (at most 64 characters)", text);
    return undefined;
  }
  return text;
}

/** An integer in [min, max]; `undefined` gives `fallback`. */
export function integer(
  issues: Issues,
  value: unknown,
  path: string,
  min: number,
  max: number,
  fallback?: number,
): number | undefined {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    issues.expected(path, `a whole number from ${min} to ${max}`, value);
    return undefined;
  }
  return value;
}

/** A boolean; `undefined` gives `fallback`. */
export function boolean(issues: Issues, value: unknown, path: string, fallback: boolean): boolean | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") {
    issues.expected(path, "true or false", value);
    return undefined;
  }
  return value;
}

/** One of the given strings; `undefined` gives `fallback` (if any). */
export function oneOf<T extends string>(
  issues: Issues,
  value: unknown,
  path: string,
  options: readonly T[],
  fallback?: T,
): T | undefined {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== "string" || !options.includes(value as T)) {
    const hint = typeof value === "string" ? closestHint(value, options) : "";
    issues.add(path, `expected one of ${options.join(", ")} but got ${describe(value)}${hint}`);
    return undefined;
  }
  return value as T;
}

/** A list, each item checked by `item`; `undefined` gives an empty list unless `required`. */
export function list<T>(
  issues: Issues,
  value: unknown,
  path: string,
  item: (v: unknown, p: string) => T | undefined,
  required = false,
): T[] {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value)) {
    issues.expected(path, "a list", value);
    return [];
  }
  if (required && value.length === 0) issues.expected(path, "a non-empty list", value);
  const out: T[] = [];
  value.forEach((v, i) => {
    const checked = item(v, at(path, i));
    if (checked !== undefined) out.push(checked);
  });
  return out;
}

/** A calendar date written `YYYY-MM-DD`. */
export function isoDate(issues: Issues, value: unknown, path: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !isCalendarDate(value)) {
    issues.expected(path, "a date written YYYY-MM-DD", value);
    return undefined;
  }
  return value;
}

/** Whether `text` is a real calendar date `YYYY-MM-DD`. */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** Whether `text` is a date or date-time (`YYYY-MM-DD`, optionally ` HH:MM[:SS]` or `THH:MM[:SS]`). */
export function isDateTime(text: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?)?$/.exec(text);
  if (!m || !isCalendarDate(m[1])) return false;
  return m[2] === undefined || (Number(m[2]) < 24 && Number(m[3]) < 60 && (m[4] === undefined || Number(m[4]) < 60));
}
