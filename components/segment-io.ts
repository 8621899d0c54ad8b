/**
 * Segments in and out of the page: parsing untrusted definitions (a URL, a saved segment, an imported JSON),
 * the state in the URL, saved segments in localStorage, the members as CSV, and expected outcomes.
 *
 * Pure logic, unit-tested in Node (test/site/segment.test.ts).
 */
import type { Evaluation } from "../loaders/pipeline/schema.js";
import { isGroup, type Condition, type ConditionOp, type Segment } from "./segment.js";

const OPS: ConditionOp[] = ["between", "in", "contains", "missing"];
const MAX_DEPTH = 4;
const MAX_ITEMS = 50;

/** Checks the shape of an untrusted segment (from a URL, storage or a file) and returns a clean copy; throws if bad. */
export function parseSegment(input: unknown, depth = 0): Segment {
  if (depth > MAX_DEPTH) throw new Error("Segment nested too deeply");
  if (typeof input !== "object" || input === null) throw new Error("A segment is an object");
  const { match, conditions } = input as Record<string, unknown>;
  if (match !== "all" && match !== "any") throw new Error('A segment\'s "match" is "all" or "any"');
  if (!Array.isArray(conditions) || conditions.length > MAX_ITEMS) throw new Error('A segment\'s "conditions" is a list');
  return {
    match,
    conditions: conditions.map((item: unknown) => {
      if (typeof item === "object" && item !== null && Array.isArray((item as Segment).conditions)) return parseSegment(item, depth + 1);
      return parseCondition(item);
    }),
  };
}

function parseCondition(input: unknown): Condition {
  if (typeof input !== "object" || input === null) throw new Error("A condition is an object");
  const { field, op, value } = input as Record<string, unknown>;
  if (typeof field !== "string" || field.length > 100) throw new Error('A condition\'s "field" is a column name');
  if (!OPS.includes(op as ConditionOp)) throw new Error(`Unknown operator: ${String(op)}`);
  const values = value === undefined ? [] : value;
  if (!Array.isArray(values) || values.length > 1000) throw new Error('A condition\'s "value" is a list');
  for (const v of values) {
    if (v !== null && typeof v !== "number" && typeof v !== "string") throw new Error("Condition values are numbers, text or null");
  }
  return { field, op: op as ConditionOp, value: [...(values as (number | string | null)[])] };
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
  if (typeof value !== "number" && typeof value !== "bigint" && FORMULA.test(text) && !NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows as CSV text with a header line. */
export function toCsv(rows: Record<string, unknown>[], columns: string[]): string {
  const lines = [columns.map(csvField).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c])).join(","));
  return lines.join("\r\n") + "\r\n";
}

/** What a segment is expected to yield. */
export interface SegmentOutcomes {
  /** Sum of the members' probabilities: the expected number of people who reach the goal. */
  expected: number;
  /** Expected members who do not: size minus expected. */
  expectedNot: number;
  /** Targeting everyone from the segment's lowest percentile up, as measured on the out-of-time test. */
  threshold: null | {
    percent: number;
    precision: number;
    recall: number;
    truePositives: number;
    falsePositives: number;
  };
}

/**
 * Expected outcomes of a segment of `people` members whose probabilities sum to `expected` and whose lowest
 * percentile is `lowest`: the model's own expectation, and the precision the out-of-time test measured when
 * targeting the top (101 - lowest)% (applied to the segment's size).
 */
export function segmentOutcomes(people: number, expected: number, lowest: number | null, thresholds: Evaluation["thresholds"] = []): SegmentOutcomes {
  const outcomes: SegmentOutcomes = { expected, expectedNot: Math.max(0, people - expected), threshold: null };
  if (people === 0 || lowest === null) return outcomes;
  const percent = 101 - lowest;
  const row = thresholds.find((t) => t.percent === percent);
  if (!row) return outcomes;
  outcomes.threshold = {
    percent,
    precision: row.precision,
    recall: row.recall,
    truePositives: row.precision * people,
    falsePositives: (1 - row.precision) * people,
  };
  return outcomes;
}

/** Counts the conditions of a segment, nested groups included. */
export function conditionCount(segment: Segment): number {
  return segment.conditions.reduce((n, item) => n + (isGroup(item) ? conditionCount(item) : 1), 0);
}
