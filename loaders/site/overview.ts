/**
 * The data overview the site ships: daily event counts per event type, and one row per person with their first
 * and last event. Small enough for the browser at any scale (days x types, and people).
 */
import { str as sqlString } from "../sql/quote.js";

/** Daily events and distinct people per event type. */
export function dailyActivitySql(eventsFile: string): string {
  return `SELECT CAST("timestamp" AS DATE) AS day, "eventType" AS event_type,
      COUNT(*)::INTEGER AS events, COUNT(DISTINCT "identityMap.ECID")::INTEGER AS people
    FROM read_parquet(${sqlString(eventsFile)})
    GROUP BY ALL ORDER BY day, event_type`;
}

/** New people per day (by their first event), which also gives the number of people in the data. */
export function newPeopleSql(eventsFile: string): string {
  return `SELECT first_day AS day, COUNT(*)::INTEGER AS people
    FROM (SELECT MIN("timestamp")::DATE AS first_day FROM read_parquet(${sqlString(eventsFile)}) GROUP BY "identityMap.ECID")
    GROUP BY ALL ORDER BY day`;
}
