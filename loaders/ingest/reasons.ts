/**
 * Why an input row is set aside. Each reason has a stable key (used in the data-quality report), a numeric code
 * (stored per staged row) and a message for people. A row gets the first reason that applies, in this order.
 */

/** Reasons of every input for CSV lines a scan cannot read, first in both lists. */
export const UNREADABLE_LINE_REASONS = [
  { key: "malformed_row", message: "line could not be parsed (wrong number of fields or broken quoting)" },
  {
    key: "encoding_invalid",
    message: "line is not valid text in the file's encoding (UTF-8 unless csv.encoding names another)",
  },
] as const;

const PERSON_ID_MISSING = { key: "person_id_missing", message: "person id missing or empty" } as const;

/** Reasons an events row is set aside, in order of precedence (codes are positions + 1). */
export const EVENT_REASONS = [
  ...UNREADABLE_LINE_REASONS,
  { key: "timestamp_invalid", message: "timestamp missing or not readable" },
  PERSON_ID_MISSING,
  { key: "event_type_missing", message: "event type missing or empty" },
  { key: "amount_invalid", message: "amount present but not a finite number" },
  { key: "after_as_of", message: "timestamp after the as-of date" },
  { key: "excluded", message: "matches an exclusion rule" },
  { key: "negative_amount", message: "negative amount where amounts cannot be negative" },
  { key: "duplicate", message: "exact duplicate of an earlier row" },
] as const;

/** Key of an events set-aside reason. */
export type EventReason = (typeof EVENT_REASONS)[number]["key"];

/** The code of an events reason as stored in the staged table. */
export function reasonCode(key: EventReason): number {
  return EVENT_REASONS.findIndex((r) => r.key === key) + 1;
}

/** Reasons a profiles row is set aside. */
export const PROFILE_REASONS = [
  ...UNREADABLE_LINE_REASONS,
  PERSON_ID_MISSING,
  { key: "duplicate_person", message: "a later row for a person who already has a profile (the first row is used)" },
] as const;

/** Key of a profiles set-aside reason. */
export type ProfileReason = (typeof PROFILE_REASONS)[number]["key"];
