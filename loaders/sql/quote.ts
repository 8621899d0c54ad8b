/**
 * Quoting of identifiers and literals: the only way user-supplied names and values enter SQL. Identifiers are
 * double-quoted (column names contain dots, e.g. `"identityMap.ECID"`), strings single-quoted with quotes doubled,
 * numbers checked to be finite, dates checked to be real dates. Nothing is spliced raw.
 */
import { UserError } from "../config/errors.js";

function assertNoNul(text: string, what: string): void {
  if (text.includes("\u0000"))
    throw new UserError("config", `${what} must not contain NUL characters: ${JSON.stringify(text)}`);
}

/** A quoted identifier: `identityMap.ECID` -> `"identityMap.ECID"`. */
export function ident(name: string): string {
  assertNoNul(name, "a column name");
  return `"${name.replaceAll('"', '""')}"`;
}

/** A string literal: `it's` -> `'it''s'`. */
export function str(text: string): string {
  assertNoNul(text, "a text value");
  return `'${text.replaceAll("'", "''")}'`;
}

/** A numeric literal typed DOUBLE; rejects NaN and infinities. */
export function num(value: number): string {
  if (!Number.isFinite(value)) throw new UserError("config", `expected a finite number but got ${value}`);
  return `CAST(${String(value)} AS DOUBLE)`;
}

/** An integer literal (day counts, codes); rejects non-integers. */
export function int(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`expected an integer but got ${value}`);
  return String(value);
}

/** A boolean literal. */
export function bool(value: boolean): string {
  return value ? "TRUE" : "FALSE";
}

/** A timestamp literal from `YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]` (or with `T`). */
export function timestamp(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?))?$/.exec(text);
  if (!m)
    throw new UserError(
      "config",
      `expected a date like 2025-05-01 or 2025-05-01 13:45:00 but got ${JSON.stringify(text)}`,
    );
  return `TIMESTAMP '${m[1]}${m[2] ? " " + m[2] : ""}'`;
}

/** A DATE literal from `YYYY-MM-DD`. */
export function date(text: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text))
    throw new UserError("config", `expected a date written YYYY-MM-DD but got ${JSON.stringify(text)}`);
  return `DATE '${text}'`;
}
