/**
 * Segments in and out of the page: parsing untrusted definitions (a URL, a saved segment, an imported JSON file,
 * in the builder's own form or as the labelled export), the state in the URL, saved segments in localStorage and
 * CSV. Definitions saved before factor ranks existed keep their meaning (a factor among the top 3).
 *
 * Pure logic, unit-tested in Node (test/components/segment.test.ts).
 */
import {
  columnOf,
  MAX_FACTOR_RANK,
  type ColumnInfo,
  type Condition,
  type ConditionOp,
  type Segment,
} from "./segment.js";

const OPS: ConditionOp[] = ["between", "in", "contains", "missing"];
const MAX_DEPTH = 4;
const MAX_ITEMS = 50;

/** Checks the shape of an untrusted segment (from a URL, storage or a file) and returns a clean copy; throws if bad. */
export function parseSegment(input: unknown, depth = 0): Segment {
  if (depth > MAX_DEPTH) throw new Error("Segment nested too deeply");
  if (typeof input !== "object" || input === null) throw new Error("A segment is an object");
  const { match, conditions } = input as Record<string, unknown>;
  if (match !== "all" && match !== "any") throw new Error('A segment\'s "match" is "all" or "any"');
  if (!Array.isArray(conditions) || conditions.length > MAX_ITEMS)
    throw new Error('A segment\'s "conditions" is a list');
  return {
    match,
    conditions: conditions.map((item: unknown) => {
      if (typeof item === "object" && item !== null && Array.isArray((item as Segment).conditions))
        return parseSegment(item, depth + 1);
      return parseCondition(item);
    }),
  };
}

function parseCondition(input: unknown): Condition {
  if (typeof input !== "object" || input === null) throw new Error("A condition is an object");
  const { field, op, value, rank } = input as Record<string, unknown>;
  if (typeof field !== "string" || field.length > 100) throw new Error('A condition\'s "field" is a column name');
  if (!OPS.includes(op as ConditionOp)) throw new Error(`Unknown operator: ${String(op)}`);
  const values = value === undefined ? [] : value;
  if (!Array.isArray(values) || values.length > 1000) throw new Error('A condition\'s "value" is a list');
  for (const v of values) {
    if (v !== null && typeof v !== "number" && typeof v !== "string")
      throw new Error("Condition values are numbers, text or null");
  }
  const condition: Condition = { field, op: op as ConditionOp, value: [...(values as (number | string | null)[])] };
  if (rank !== undefined) {
    if (typeof rank !== "number" || !Number.isInteger(rank) || rank < 1 || rank > MAX_FACTOR_RANK)
      throw new Error(`A factor's "rank" is 1 to ${MAX_FACTOR_RANK}`);
    condition.rank = rank;
  }
  return condition;
}

/** A code from a name in a list of names (category names, feature labels or names); throws naming what is unknown. */
function codeOf(names: (string[] | undefined)[], value: string, what: string): number {
  for (const list of names) {
    const code = list?.indexOf(value) ?? -1;
    if (code >= 0) return code;
  }
  throw new Error(`${what}: unknown value "${value}"`);
}

/** The column of a field; a condition on another instance's scores ("churn:percentile") that this site does not
 * have is refused in words. */
function knownColumn(columns: ColumnInfo[], field: string): ColumnInfo {
  const other = /^([A-Za-z0-9_-]+):(score|percentile|bucket)$/.exec(field);
  if (other && !columns.some((k) => k.field === field))
    throw new Error(`This definition uses the scores of the instance "${other[1]}", which this site does not have`);
  return columnOf(columns, field);
}

/** One condition of the labelled export in the builder's form: its column found by feature name, names to codes. */
function unlabelCondition(input: Record<string, unknown>, columns: ColumnInfo[]): unknown {
  const byName = typeof input["feature"] === "string" ? columns.find((c) => c.name === input["feature"]) : undefined;
  const column = byName ?? knownColumn(columns, String(input["field"]));
  const values = Array.isArray(input["value"]) ? (input["value"] as unknown[]) : [];
  const out: Record<string, unknown> = { field: column.field, op: input["op"], value: values };
  if (input["rank"] !== undefined) out["rank"] = input["rank"];
  if (column.kind === "factor") {
    const names = Array.isArray(input["features"]) ? (input["features"] as unknown[]) : values;
    out["value"] = names.map((v) =>
      typeof v === "string" ? codeOf([column.names, column.categories], v, column.label) : v,
    );
  } else if (column.kind === "categorical" && !column.textValues) {
    out["value"] = values.map((v) => (typeof v === "string" ? codeOf([column.categories], v, column.label) : v));
  }
  return out;
}

function unlabelGroup(input: unknown, columns: ColumnInfo[], depth: number): unknown {
  if (depth > MAX_DEPTH || typeof input !== "object" || input === null) return input;
  const { match, conditions } = input as Record<string, unknown>;
  if (!Array.isArray(conditions)) return input;
  return {
    match,
    conditions: conditions.map((c: unknown) =>
      typeof c === "object" && c !== null && Array.isArray((c as Segment).conditions)
        ? unlabelGroup(c, columns, depth + 1)
        : unlabelCondition(c as Record<string, unknown>, columns),
    ),
  };
}

/**
 * Reads an imported definition: the labelled JSON export (format "customer-ai-segment": fields found by feature
 * name, category names and factor labels turned back into codes) or the builder's own form (a saved segment or
 * an older export). Throws with a message for people when it cannot be read or uses an unknown field.
 */
export function importSegment(input: unknown, columns: ColumnInfo[]): { name: string | null; segment: Segment } {
  const labelled =
    typeof input === "object" &&
    input !== null &&
    (input as Record<string, unknown>)["format"] === "customer-ai-segment";
  const segment = parseSegment(labelled ? unlabelGroup(input, columns, 0) : input);
  const check = (s: Segment): void =>
    s.conditions.forEach((c) => {
      if ("conditions" in c) return check(c);
      knownColumn(columns, c.field);
    });
  check(segment);
  const name = labelled ? (input as Record<string, unknown>)["name"] : null;
  return { name: typeof name === "string" && name.trim() !== "" ? name.slice(0, 200) : null, segment };
}

/** Encodes a segment for the URL hash (`#segment=...`). */
export function segmentToHash(segment: Segment, extra: Record<string, Segment | null> = {}): string {
  const params = new URLSearchParams();
  params.set("segment", JSON.stringify(segment));
  for (const [key, value] of Object.entries(extra)) if (value) params.set(key, JSON.stringify(value));
  return "#" + params.toString();
}

/** Reads a segment from a URL hash; `null` when absent or malformed. */
export function segmentFromHash(hash: string, key = "segment"): Segment | null {
  const raw = new URLSearchParams(hash.replace(/^#/, "")).get(key);
  if (raw === null) return null;
  try {
    return parseSegment(JSON.parse(raw));
  } catch {
    return null;
  }
}

/** A segment saved by name. */
export interface SavedSegment {
  name: string;
  segment: Segment;
}

/** The part of `Storage` saved segments need (localStorage in the page, a Map in tests). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

function storageKey(instance: string): string {
  return `customer-ai:segments:${instance}`;
}

/** The segments saved for an instance (malformed entries are skipped). */
export function loadSavedSegments(store: KeyValueStore, instance: string): SavedSegment[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(store.getItem(storageKey(instance)) ?? "[]");
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const saved: SavedSegment[] = [];
  for (const entry of parsed) {
    try {
      if (typeof entry?.name !== "string" || entry.name === "") continue;
      saved.push({ name: entry.name.slice(0, 200), segment: parseSegment(entry.segment) });
    } catch {
      // Skip a malformed entry rather than losing the others.
    }
  }
  return saved;
}

/** Saves (or replaces, by name) a segment; returns the new list. */
export function saveSegment(store: KeyValueStore, instance: string, name: string, segment: Segment): SavedSegment[] {
  const trimmed = name.trim();
  if (trimmed === "") throw new Error("A saved segment needs a name");
  const list = loadSavedSegments(store, instance).filter((s) => s.name !== trimmed);
  list.push({ name: trimmed, segment: parseSegment(segment) });
  store.setItem(storageKey(instance), JSON.stringify(list));
  return list;
}

/** Deletes a saved segment by name; returns the new list. */
export function deleteSegment(store: KeyValueStore, instance: string, name: string): SavedSegment[] {
  const list = loadSavedSegments(store, instance).filter((s) => s.name !== name);
  store.setItem(storageKey(instance), JSON.stringify(list));
  return list;
}

/** Text a spreadsheet would run as a formula: it starts with =, +, -, @, a tab or a carriage return (OWASP). */
const FORMULA = /^[=+\-@\t\r]/;
/** A plain decimal number, which a spreadsheet reads as that number: no formula. */
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Text that a spreadsheet would run
 * as a formula gets a leading single quote (OWASP's advice against CSV injection); numbers stay numbers.
 */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (typeof value !== "number" && typeof value !== "bigint" && FORMULA.test(text) && !NUMBER.test(text))
    text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows as CSV text with a header line. */
export function toCsv(rows: Record<string, unknown>[], columns: string[]): string {
  const lines = [columns.map(csvField).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c])).join(","));
  return lines.join("\r\n") + "\r\n";
}
