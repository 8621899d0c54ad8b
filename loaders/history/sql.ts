/**
 * The SQL of the history stage: what happened to the people an earlier run scored, and how two runs' scores
 * compare. Buckets are read as codes (0 High, 1 Medium, 2 Low; -1 not scored in that run).
 */
import { ident, int, str } from "../sql/quote.js";

/** A bucket name as its code. */
function bucketCode(column: string): string {
  return `CASE ${column} WHEN 'High' THEN 0 WHEN 'Medium' THEN 1 ELSE 2 END`;
}

/**
 * An earlier run's scored people (`probability`, `bucket` code, `occurred` 0/1: a goal day within the window that
 * followed that run's as-of date), from its scores file and the current events' goal days (`goalDays(pk, day)`,
 * with `people(person_id, pk)`). People absent from the current events had no goal event. In id order.
 */
export function realisedOutcomesSql(scores: string, goalDays: string, cutoffDay: number, window: number): string {
  return `WITH hit AS (SELECT DISTINCT pk FROM ${ident(goalDays)} WHERE day >= ${int(cutoffDay)} AND day < ${int(cutoffDay + window)})
    SELECT s.probability::DOUBLE AS probability, ${bucketCode("s.bucket")} AS bucket, (h.pk IS NOT NULL)::INTEGER AS occurred
    FROM read_parquet(${str(scores)}) s LEFT JOIN people p ON p.person_id = s.id LEFT JOIN hit h ON h.pk = p.pk
    ORDER BY s.id`;
}

/** People per (bucket in the earlier run, bucket in the later run); -1 = not scored in that run. */
export function movementSql(earlier: string, later: string): string {
  return `SELECT coalesce(${bucketCode("e.bucket")}, -1) AS "from", coalesce(${bucketCode("l.bucket")}, -1) AS "to", count(*)::DOUBLE AS people
    FROM read_parquet(${str(earlier)}) e FULL OUTER JOIN read_parquet(${str(later)}) l ON e.id = l.id
    GROUP BY ALL ORDER BY ALL`;
}

/** The ids of people in the later run's High bucket who were not in High in the earlier run, most likely first. */
export function enteredHighSql(earlier: string, later: string, limit: number): string {
  return `SELECT l.id FROM read_parquet(${str(later)}) l LEFT JOIN read_parquet(${str(earlier)}) e ON e.id = l.id
    WHERE l.bucket = 'High' AND (e.bucket IS NULL OR e.bucket <> 'High')
    ORDER BY l.probability DESC, l.id LIMIT ${int(limit)}`;
}

/** One run's probabilities and the named columns (NULL as NaN when read), in id order. */
export function scoreColumnsSql(scores: string, columns: readonly string[]): string {
  return `SELECT probability::DOUBLE AS probability${columns.map((c) => `, ${ident(c)}::DOUBLE`).join("")}
    FROM read_parquet(${str(scores)}) ORDER BY id`;
}
