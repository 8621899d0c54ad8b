/**
 * Reader SQL for the input formats. Every reader yields the file's columns plus `_file` (index into the file list)
 * and `_row` (1-based data row within the file, header excluded). CSV is read as text (types are parsed and
 * checked by the ingest step), with malformed lines skipped and recorded in a rejects table.
 */
import type { InputFormat } from "../config/types.js";
import { ident, int, str } from "./quote.js";

/** What to read. */
export interface ReaderSpec {
  /** Absolute file paths, in a fixed order. */
  files: readonly string[];
  format: InputFormat;
  csv: { delimiter: string | null; header: boolean; encoding: string };
  /** Read CSV with DuckDB's `strict_mode = false`: for files whose line endings are mixed (a header ending in LF,
   * rows in CRLF), which the strict sniffer refuses. */
  lenient?: boolean;
  /** Prefix of the rejects tables of CSV files (`<prefix>_<i>`), one per file. */
  rejectsPrefix: string;
}

/** The format implied by a file name, or null. */
export function formatOfPath(path: string): InputFormat | null {
  const p = path.toLowerCase();
  if (/\.(csv|tsv|txt)(\.gz|\.zst)?$/.test(p)) return "csv";
  if (/\.parquet$/.test(p)) return "parquet";
  if (/\.(jsonl|ndjson|json)(\.gz|\.zst)?$/.test(p)) return "jsonl";
  return null;
}

/** Names of the rejects tables of file `i` (CSV only). */
export function rejectsTables(prefix: string, i: number): { errors: string; scans: string } {
  return { errors: `${prefix}_${i}`, scans: `${prefix}_scan_${i}` };
}

function csvReader(file: string, i: number, spec: ReaderSpec): string {
  const options = ["all_varchar = true", `header = ${spec.csv.header ? "true" : "false"}`];
  const delimiter = spec.csv.delimiter ?? (/\.tsv(\.gz|\.zst)?$/i.test(file) ? "\t" : null);
  if (delimiter !== null) options.push(`delim = ${str(delimiter)}`);
  if (spec.csv.encoding !== "utf-8") options.push(`encoding = ${str(spec.csv.encoding)}`);
  if (spec.lenient) options.push("strict_mode = false");
  const rejects = rejectsTables(spec.rejectsPrefix, i);
  options.push("ignore_errors = true", "store_rejects = true", `rejects_table = ${str(rejects.errors)}`, `rejects_scan = ${str(rejects.scans)}`);
  return `read_csv(${str(file)}, ${options.join(", ")})`;
}

/** A SELECT yielding `_file`, `_row` and every column of the input files. */
export function readerSql(spec: ReaderSpec): string {
  if (spec.format === "parquet") {
    const list = `[${spec.files.map(str).join(", ")}]`;
    return `SELECT file_index::USMALLINT AS _file, (file_row_number + 1)::BIGINT AS _row, * EXCLUDE (file_row_number)
      FROM read_parquet(${list}, file_row_number = true, union_by_name = true)`;
  }
  const parts = spec.files.map((file, i) => {
    const reader = spec.format === "csv" ? csvReader(file, i, spec) : `read_json(${str(file)}, format = 'auto')`;
    return `SELECT ${int(i)}::USMALLINT AS _file, (row_number() OVER ())::BIGINT AS _row, * FROM ${reader}`;
  });
  return parts.length === 1 ? parts[0] : parts.map((p) => `(${p})`).join(" UNION ALL BY NAME ");
}

/** The schema of a reader: `DESCRIBE` over it. */
export function describeSql(spec: ReaderSpec): string {
  return `DESCRIBE SELECT * FROM (${readerSql(spec)})`;
}

/** Null counts per top-level column from Parquet metadata (no data scan). */
export function parquetNullsSql(files: readonly string[]): string {
  return `SELECT path_in_schema AS name, sum(stats_null_count) AS nulls, count(*) FILTER (stats_null_count IS NULL) AS unknown
    FROM parquet_metadata([${files.map(str).join(", ")}]) GROUP BY 1`;
}

/** Rows per Parquet file from metadata. */
export function parquetRowsSql(files: readonly string[]): string {
  return `SELECT sum(num_rows) AS n FROM parquet_file_metadata([${files.map(str).join(", ")}])`;
}

/** Files matching a path or glob, sorted. */
export function globSql(pattern: string): string {
  return `SELECT file FROM glob(${str(pattern)}) ORDER BY file`;
}

/** Malformed CSV lines recorded by the last scan of file `i`: one row per line, `encoding` when its bytes are
 * not valid in the file's encoding. */
export function rejectsSql(prefix: string, i: number): string {
  return `SELECT line::BIGINT AS line, bool_or(error_type::VARCHAR = 'INVALID ENCODING') AS encoding FROM ${ident(rejectsTables(prefix, i).errors)}
    GROUP BY line ORDER BY line`;
}

/** Drops the rejects tables of file `i`, so a new scan starts empty. */
export function dropRejectsSql(prefix: string, i: number): string[] {
  const t = rejectsTables(prefix, i);
  return [`DROP TABLE IF EXISTS ${ident(t.errors)}`, `DROP TABLE IF EXISTS ${ident(t.scans)}`];
}
