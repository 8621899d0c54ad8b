/**
 * SQL of the scoring outputs: the tables the pipeline fills from JavaScript, and the COPY statements that write
 * them as the Parquet files the site reads (see loaders/contract/schema.ts). Files are sorted by person id so the
 * browser can find one person's rows from row-group statistics, and compressed with Snappy, which the browser's
 * Parquet decoder reads without extra code.
 */
import { ident, int, str } from "../sql/quote.js";

/** Column types the outputs use. */
export type OutputType = "VARCHAR" | "FLOAT" | "DOUBLE" | "UTINYINT" | "USMALLINT" | "TIMESTAMP";

/** A column of an output table. */
export interface OutputColumn {
  name: string;
  type: OutputType;
}

/** Creates (or replaces) an output table. */
export function createOutputTableSql(table: string, columns: readonly OutputColumn[]): string {
  return `CREATE OR REPLACE TABLE ${ident(table)} (${columns.map((c) => `${ident(c.name)} ${c.type}`).join(", ")})`;
}

/** Writes a table to a Parquet file, ordered by the given columns. */
export function copyToParquetSql(
  table: string,
  file: string,
  orderBy: readonly string[],
  rowGroupSize: number,
): string {
  const order = orderBy.length ? ` ORDER BY ${orderBy.map(ident).join(", ")}` : "";
  const options = `FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${int(rowGroupSize)}`;
  return `COPY (SELECT * FROM ${ident(table)}${order}) TO ${str(file)} (${options})`;
}

/** Drops an output table. */
export function dropOutputTableSql(table: string): string {
  return `DROP TABLE IF EXISTS ${ident(table)}`;
}

/** Events per person kept for the timeline, and how far back. */
export const TIMELINE = { events: 20, days: 90 } as const;

/**
 * Writes every person's most recent used events (at most `TIMELINE.events`, within `TIMELINE.days` days before
 * `scoreDay`, the day after the as-of date) from the ingest session's tables to a Parquet file:
 * `id, time (DATE: the day of the event), event (event type), amount`. Events of one day are kept by type name, not
 * by type code: codes follow the frequency of types in the data read, which a shard of partitioned input sees only
 * part of.
 */
export function copyTimelineSql(file: string, scoreDay: number): string {
  return `COPY (
    SELECT p.person_id AS id, (DATE '1970-01-01' + e.day) AS time, e.__type_name AS event, e.amount::DOUBLE AS amount
    FROM (
      SELECT pk, day, t.__type_name, amount,
        row_number() OVER (PARTITION BY pk ORDER BY day DESC, t.__type_name, amount) AS k
      FROM events JOIN ev_types t ON t.__type_code = events.type
      WHERE day >= ${int(scoreDay - TIMELINE.days)} AND day < ${int(scoreDay)}
    ) e
    JOIN people p USING (pk)
    WHERE e.k <= ${int(TIMELINE.events)}
    ORDER BY id, time DESC, event, amount
  ) TO ${str(file)} (FORMAT parquet, COMPRESSION snappy)`;
}

/**
 * Writes the data overview's daily activity from the daily counts (one row per person, day and event type, every
 * used event): `day (DATE), event_type, events, people`.
 */
export function copyActivitySql(dailyTypes: string, file: string): string {
  return `COPY (
    SELECT (DATE '1970-01-01' + d.day) AS day, t.__type_name AS event_type,
      sum(d.n)::INTEGER AS events, count(*)::INTEGER AS people
    FROM ${ident(dailyTypes)} d JOIN ev_types t ON t.__type_code = d.type
    GROUP BY ALL ORDER BY day, event_type
  ) TO ${str(file)} (FORMAT parquet, COMPRESSION snappy)`;
}

/** Writes the data overview's new people per day (the day of their first used event): `day (DATE), people`. */
export function copyNewPeopleSql(firstDays: string, file: string): string {
  return `COPY (
    SELECT (DATE '1970-01-01' + first_day) AS day, count(*)::INTEGER AS people
    FROM ${ident(firstDays)} GROUP BY ALL ORDER BY day
  ) TO ${str(file)} (FORMAT parquet, COMPRESSION snappy)`;
}

/** Writes the timeline rows of the people in a scores file, sorted by id then most recent first (then event type and
 * amount: a total order, so that events of one day and type are written in the same order by any run or merge). */
export function copyInstanceTimelineSql(timeline: string, scores: string, file: string, rowGroupSize: number): string {
  return `COPY (
    SELECT t.* FROM read_parquet(${str(timeline)}) t SEMI JOIN read_parquet(${str(scores)}) s USING (id)
    ORDER BY t.id, t.time DESC, t.event, t.amount
  ) TO ${str(file)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${int(rowGroupSize)})`;
}
