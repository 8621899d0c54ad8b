/**
 * Calendar days as integers: day 0 is 1970-01-01 (UTC), matching the `day` column of `events`.
 */

const DAY_MS = 86_400_000;

/** The day number of a `YYYY-MM-DD` date. */
export function dayOf(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

/** The `YYYY-MM-DD` date of a day number. */
export function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The date `days` after `date`. */
export function addDays(date: string, days: number): string {
  return dateOf(dayOf(date) + days);
}
