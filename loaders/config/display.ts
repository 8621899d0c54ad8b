/**
 * Display settings of a configuration: how pages and sentences name event types (`eventLabels`), which currency
 * amounts are in (`currency`), an instance's `description`, and the natural order of a profile attribute's
 * values (`order`). They change words, never scores.
 */
import { type Issues, at, describe, list, object, string } from "./checks.js";

/** Singular and plural names of an event type, and optionally what a person does, as a verb ("buy"). */
export interface EventLabel {
  one: string;
  many: string;
  verb?: string;
}

/**
 * `eventLabels`: event type to its name, either one word (`"order"`, plural made by adding s) or
 * `{ one, many?, verb? }`.
 */
export function eventLabelsOf(
  issues: Issues,
  value: unknown,
  plural: (one: string) => string,
): Record<string, EventLabel> {
  const path = "eventLabels";
  if (value === undefined) return {};
  const record =
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  if (!record) {
    issues.expected(path, "an object of event type to name", value);
    return {};
  }
  const out: Record<string, EventLabel> = {};
  for (const [type, entry] of Object.entries(record)) {
    const p = at(path, type);
    if (typeof entry === "string") {
      const one = string(issues, entry, p, true);
      if (one) out[type] = { one, many: plural(one) };
      continue;
    }
    const r = object(issues, entry, p, ["one", "many", "verb"]);
    const one = r && string(issues, r.one, at(p, "one"), true);
    if (!r || !one) continue;
    const many = string(issues, r.many, at(p, "many")) ?? plural(one);
    const verb = string(issues, r.verb, at(p, "verb"));
    out[type] = verb ? { one, many, verb } : { one, many };
  }
  return out;
}

/** `currency`: an ISO 4217 code such as "EUR" (amounts are then written "€1,234.50"); null: plain numbers. */
export function currencyOf(issues: Issues, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || !/^[A-Z]{3}$/.test(value)) {
    issues.expected("currency", 'an ISO 4217 currency code of three capital letters, such as "EUR" or "USD"', value);
    return null;
  }
  return value;
}

/** An instance's `description`: one or two sentences shown under its name on the pages. */
export function descriptionOf(issues: Issues, value: unknown, path: string): string | null {
  return string(issues, value, at(path, "description")) ?? null;
}

/** A profile attribute's `order`: its values from the lowest to the highest (e.g. bronze, silver, gold). */
export function valueOrderOf(issues: Issues, value: unknown, path: string): string[] | undefined {
  if (value === undefined) return undefined;
  const p = at(path, "order");
  const values = list(issues, value, p, (v, q) => string(issues, v, q, true), true);
  const repeated = values.find((v, i) => values.indexOf(v) < i);
  if (repeated !== undefined) issues.add(p, `expected each value once but ${describe(repeated)} is listed twice`);
  return values;
}
