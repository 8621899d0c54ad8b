/**
 * The SQL of the history stage: what happened to the people an earlier run scored, and how two runs' scores
 * compare. Buckets are read as codes (0 High, 1 Medium, 2 Low; -1 not scored in that run).
 */
import { ident, int, str } from "../sql/quote.js";

/** A bucket name as its code (NULL, for a person the run did not score, stays NULL). */
function bucketCode(column: string): string {
  return `CASE ${column} WHEN 'High' THEN 0 WHEN 'Medium' THEN 1 WHEN 'Low' THEN 2 END`;
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

/**
 * Writes each person's scores over the runs (`id, as_of DATE, probability FLOAT, score UTINYINT, bucket VARCHAR`)
 * for the people of the newest run, sorted by id then date, in small row groups (the person page reads one
 * person's rows by range requests).
 */
export function copyScoreHistorySql(
  runs: readonly { asOf: string; scores: string }[],
  file: string,
  rowGroupSize: number,
): string {
  const newest = runs.at(-1)!.scores;
  const union = runs
    .map(
      (r) => `SELECT id, DATE ${str(r.asOf)} AS as_of, probability, score, bucket FROM read_parquet(${str(r.scores)})`,
    )
    .join("\n    UNION ALL ");
  return `COPY (
    SELECT h.id, h.as_of, h.probability::FLOAT AS probability, h.score::UTINYINT AS score, h.bucket::VARCHAR AS bucket
    FROM (${union}) h SEMI JOIN read_parquet(${str(newest)}) n USING (id)
    ORDER BY h.id, h.as_of
  ) TO ${str(file)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${int(rowGroupSize)})`;
}

/** Writes a score-history.parquet with no rows (for a run outside a history folder, so pages read one schema). */
export function copyEmptyScoreHistorySql(file: string): string {
  return `COPY (SELECT NULL::VARCHAR AS id, NULL::DATE AS as_of, NULL::FLOAT AS probability, NULL::UTINYINT AS score,
    NULL::VARCHAR AS bucket WHERE false) TO ${str(file)} (FORMAT parquet, COMPRESSION snappy)`;
}
