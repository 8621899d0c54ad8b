/**
 * SQL of the scoring outputs: the tables the pipeline fills from JavaScript, and the COPY statements that write
 * them as the Parquet files the site reads (see `pipeline/schema.ts`). Files are sorted by person id so the
 * browser can find one person's rows from row-group statistics, and compressed with Snappy, which the browser's
 * Parquet decoder reads without extra code.
 */
import { ident, int, str } from "./quote.js";

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
export function copyToParquetSql(table: string, file: string, orderBy: readonly string[], rowGroupSize: number): string {
  const order = orderBy.length ? ` ORDER BY ${orderBy.map(ident).join(", ")}` : "";
  return `COPY (SELECT * FROM ${ident(table)}${order}) TO ${str(file)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${int(rowGroupSize)})`;
}

/** Drops an output table. */
export function dropOutputTableSql(table: string): string {
  return `DROP TABLE IF EXISTS ${ident(table)}`;
}
