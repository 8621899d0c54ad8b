/**
 * How pages write numbers, shares, probabilities, dates and feature values for people. Every function returns
 * plain text (never HTML) and writes a missing or non-finite value as an en dash, so a page can put the result
 * anywhere with htl or textContent.
 */
import type { FeatureInfo } from "../loaders/contract/schema.js";

/** What a missing value reads as. */
export const MISSING = "–";

const LOCALE = "en-US";

function finite(x: number | null | undefined): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

/** A whole count with thousands separators: 12345 → "12,345". */
export function formatCount(n: number | null | undefined): string {
  return finite(n) ? Math.round(n).toLocaleString(LOCALE) : MISSING;
}

/** A number with at most `digits` decimals and thousands separators: 1234.567 → "1,234.57", 3 → "3". */
export function formatNumber(x: number | null | undefined, digits = 2): string {
  return finite(x) ? x.toLocaleString(LOCALE, { maximumFractionDigits: digits }) : MISSING;
}

/** A number with exactly `digits` decimals, e.g. an AUC: 0.81234 → "0.812". */
export function formatFixed(x: number | null | undefined, digits = 3): string {
  return finite(x) ? x.toFixed(digits) : MISSING;
}

/**
 * A share (0 to 1) as a percentage, with more decimals for small shares so that they do not read as zero:
 * 0.5 → "50%", 0.083 → "8.3%", 0.0042 → "0.42%", 0 → "0%", 0.0000023 → "<0.001%". `digits` fixes the number
 * of decimals instead.
 */
export function formatPercent(share: number | null | undefined, digits?: number): string {
  if (!finite(share)) return MISSING;
  const percent = 100 * share;
  const size = Math.abs(percent);
  const decimals = digits ?? (size === 0 || size >= 10 ? 0 : size >= 1 ? 1 : size >= 0.1 ? 2 : 3);
  const text = percent.toLocaleString(LOCALE, { maximumFractionDigits: decimals });
  // A share that is not zero never reads as zero: 0.000001 → "<0.001%".
  if (size > 0 && Number(text.replace(/[^0-9.]/g, "")) === 0)
    return `${percent < 0 ? ">-" : "<"}${(10 ** -decimals).toFixed(decimals)}%`;
  return `${text}%`;
}

/**
 * A probability for people: like a percentage, but tiny and near-certain values are written as bounds rather
 * than rounded to 0% or 100%: 0.00004 → "<0.01%", 0.99996 → ">99.99%".
 */
export function formatProbability(p: number | null | undefined): string {
  if (!finite(p)) return MISSING;
  if (p > 0 && p < 0.0001) return "<0.01%";
  if (p < 1 && p > 0.9999) return ">99.99%";
  if (p > 0.99 && p < 1) return `${(100 * p).toFixed(2)}%`;
  return formatPercent(p);
}

/**
 * An amount of money with two decimals and thousands separators, with its currency when one is configured
 * (an ISO 4217 code): 1234.5 → "1,234.50", with "EUR" → "€1,234.50".
 */
export function formatAmount(x: number | null | undefined, currency?: string | null): string {
  if (!finite(x)) return MISSING;
  const digits = { minimumFractionDigits: 2, maximumFractionDigits: 2 };
  return currency
    ? x.toLocaleString(LOCALE, { style: "currency", currency, ...digits })
    : x.toLocaleString(LOCALE, digits);
}

/**
 * A sum of money rounded to whole units (totals and means of expected value), with its currency when one is
 * configured: 815804.09 → "815,804", with "EUR" → "€815,804"; below 10 it keeps two decimals (3.456 → "3.46").
 */
export function formatMoney(x: number | null | undefined, currency?: string | null): string {
  if (!finite(x)) return MISSING;
  const digits =
    Math.abs(x) < 10
      ? { minimumFractionDigits: 2, maximumFractionDigits: 2 }
      : { minimumFractionDigits: 0, maximumFractionDigits: 0 };
  return currency
    ? x.toLocaleString(LOCALE, { style: "currency", currency, ...digits })
    : x.toLocaleString(LOCALE, digits);
}

/** A sum of money for an axis, short: 815804 → "816K", with "EUR" → "€816K". */
export function formatCompactMoney(x: number | null | undefined, currency?: string | null): string {
  if (!finite(x)) return MISSING;
  const compact = { notation: "compact", maximumFractionDigits: 1 } as const;
  return currency
    ? x.toLocaleString(LOCALE, { style: "currency", currency, ...compact })
    : x.toLocaleString(LOCALE, compact);
}

/** A ratio to an average: 2.04 → "2.0×", 0.456 → "0.46×". */
export function formatRatio(x: number | null | undefined): string {
  if (!finite(x)) return MISSING;
  return `${x.toLocaleString(LOCALE, { maximumFractionDigits: Math.abs(x) >= 1 ? 1 : 2, minimumFractionDigits: Math.abs(x) >= 1 ? 1 : 0 })}×`;
}

/** A signed log-odds contribution: 0.4213 → "+0.42", -1.5 → "−1.50". */
export function formatContribution(c: number | null | undefined): string {
  if (!finite(c)) return MISSING;
  const text = Math.abs(c).toFixed(2);
  return text === "0.00" ? text : `${c > 0 ? "+" : "−"}${text}`;
}

/**
 * What a log-odds contribution does to the odds, in words: 0.5 → "raises the odds by 65%", -0.7 → "lowers the
 * odds by 50%", 1.5 → "multiplies the odds by 4.5" (from three times on), below 0.005 in size → "hardly changes
 * the odds".
 */
export function formatOddsChange(c: number | null | undefined): string {
  if (!finite(c)) return MISSING;
  if (Math.abs(c) < 0.005) return "hardly changes the odds";
  if (c < 0) return `lowers the odds by ${formatPercent(1 - Math.exp(c), c > -0.1 ? 1 : 0)}`;
  const factor = Math.exp(c);
  if (factor >= 3) return `multiplies the odds by ${formatNumber(factor, 1)}`;
  return `raises the odds by ${formatPercent(factor - 1, c < 0.1 ? 1 : 0)}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Reads `YYYY-MM-DD`, an ISO timestamp, a Date or epoch milliseconds as a UTC date; null if it is not one. */
export function parseDate(value: string | number | Date | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  const date =
    value instanceof Date
      ? value
      : new Date(typeof value === "string" && /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A day for people, in UTC so it never shifts with the reader's time zone: "2026-10-31" → "31 Oct 2026". */
export function formatDate(value: string | number | Date | null | undefined): string {
  const date = parseDate(value);
  if (!date) return MISSING;
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/** A day range: ["2025-05-01", "2026-10-31"] → "1 May 2025 to 31 Oct 2026". */
export function formatDateRange(range: readonly [string, string] | readonly string[]): string {
  return `${formatDate(range[0])} to ${formatDate(range[1])}`;
}

/** Text as a sentence: trimmed, with a full stop unless it already ends with punctuation. */
export function sentence(text: string | null | undefined): string {
  const t = (text ?? "").trim();
  return t === "" || /[.!?…]$/.test(t) ? t : `${t}.`;
}

/** "1 day", "2 days", "1,200 people": a count with its noun, plural when it is not exactly one. */
export function formatQuantity(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/**
 * A feature's value in words, as the site's factors read: days "3 days", counts "2", amounts "123.40" (or
 * "€123.40" with a `currency`), shares
 * "35%", ratios "1.5×", flags "yes"/"no", categories by name. A missing value (null or NaN) reads "never" for a
 * number of days (days since an event that never happened) and "missing" otherwise.
 */
export function formatFeatureValue(
  feature: FeatureInfo,
  value: number | null | undefined,
  currency?: string | null,
): string {
  if (value === null || value === undefined || Number.isNaN(value))
    return feature.unit === "days" ? "never" : "missing";
  if (feature.kind === "categorical") return feature.categories?.[value] ?? String(value);
  switch (feature.unit) {
    case "days":
      return formatQuantity(Math.round(value * 100) / 100, "day");
    case "count":
      return formatNumber(value, 1);
    case "amount":
      return formatAmount(value, currency);
    case "share":
      return formatPercent(value);
    case "ratio":
      return formatRatio(value);
    case "log ratio":
      return formatContribution(value);
    case "flag":
      return value ? "yes" : "no";
    default:
      return formatNumber(value);
  }
}

/** A tick format for a feature's numeric axis (same units as formatFeatureValue, shorter). */
export function featureTickFormat(feature: FeatureInfo): (value: number) => string {
  if (feature.kind === "categorical") return (value) => formatFeatureValue(feature, value);
  switch (feature.unit) {
    case "share":
      return (value) => formatPercent(value, 0);
    case "flag":
      return (value) => (value === 0 ? "no" : value === 1 ? "yes" : "");
    default:
      return (value) => formatNumber(value);
  }
}

/** A feature's axis label: its label, with the unit when the values do not say it themselves. */
export function featureAxisLabel(feature: FeatureInfo): string {
  const unit =
    feature.unit === "amount" || feature.unit === "log ratio" || feature.unit === "ratio" ? ` (${feature.unit})` : "";
  return `${feature.label}${unit}`;
}
