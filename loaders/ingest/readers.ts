/**
 * Reader SQL for the input formats. Every reader yields the file's columns plus `_file` (index into the file list)
 * and `_row` (1-based data row within the file, header excluded). CSV is read as text (types are parsed and
 * checked by the ingest step), with malformed lines skipped and recorded in a rejects table.
 */
import type { InputFormat } from "../config/types.js";
import { ident, int, str } from "../sql/quote.js";

/** What to read. */
export interface ReaderSpec {
  /** Absolute file paths, in a fixed order. */
  files: readonly string[];
  format: InputFormat;
  csv: { delimiter: string | null; header: boolean; encoding: string };
  /** Read CSV with DuckDB's `strict_mode = false`: for files whose line endings are mixed (a header ending in LF,
   * rows in CRLF), which the strict sniffer refuses. */
  lenient?: boolean;
  /** Prefix of the rejects tables of CSV scans (`<prefix>_<g>`), one per scan. */
  rejectsPrefix: string;
  /** The files each scan reads, as indices into `files` (default: one scan of every file). CSV files are read by
   * one scan per distinct header line, so that a glob of a year of daily files is one scan, not 365: DuckDB holds
   * a buffer per scan, and cannot store rejected lines of a scan that unites files by column name. */
  scans?: readonly (readonly number[])[];
  /** Per file, the rows its scan yields before its first (from `scanRowCountsSql`), so that `_row` counts from 1 in
   * every file; default: none (each scan reads one file). */
  rowOffsets?: readonly number[];
  /** Per CSV scan, DuckDB's read buffer and longest line in bytes, or null for its default (32 MiB, held by every
   * scan at once): set for scans of small uncompressed files, so that many scans of files with different headers
   * do not hold a 32 MiB buffer each. */
  bufferSizes?: readonly (number | null)[];
}

/** The format implied by a file name, or null. */
export function formatOfPath(path: string): InputFormat | null {
  const p = path.toLowerCase();
  if (/\.(csv|tsv|txt)(\.gz|\.zst)?$/.test(p)) return "csv";
  if (/\.parquet$/.test(p)) return "parquet";
  if (/\.(jsonl|ndjson|json)(\.gz|\.zst)?$/.test(p)) return "jsonl";
  return null;
}

/**
 * A file's path as DuckDB's readers take it, quoted: they expand every path as a glob, so `events[1].csv` would read
 * `events1.csv`. Each glob character of the path (`[`, `*`, `?`) becomes a class holding only itself (`[[]`), which
 * matches that character alone; `]` outside a class is itself.
 */
function fileSql(file: string): string {
  return str(file.replace(/[[*?]/g, "[$&]"));
}

/** Names of the rejects tables of CSV scan `g` (see `ReaderSpec.scans`). */
function rejectsTables(prefix: string, g: number): { errors: string; scans: string } {
  return { errors: `${prefix}_${g}`, scans: `${prefix}_scan_${g}` };
}

/** The scans of a spec: `spec.scans`, or one scan of every file. */
export function scansOf(spec: ReaderSpec): readonly (readonly number[])[] {
  return spec.scans ?? [spec.files.map((_, i) => i)];
}

/** The table function reading the files of scan `g`; DuckDB's `file_index` is the position in its list. */
function scanFunction(spec: ReaderSpec, g: number): string {
  const files = scansOf(spec)[g]!.map((i) => spec.files[i]!);
  const list = files.length === 1 ? fileSql(files[0]!) : `[${files.map(fileSql).join(", ")}]`;
  if (spec.format === "jsonl") {
    return `read_json(${list}, format = 'auto'${files.length > 1 ? ", union_by_name = true" : ""})`;
  }
  const options = ["all_varchar = true", `header = ${spec.csv.header ? "true" : "false"}`];
  const delimiter = spec.csv.delimiter ?? (/\.tsv(\.gz|\.zst)?$/i.test(files[0]!) ? "\t" : null);
  if (delimiter !== null) options.push(`delim = ${str(delimiter)}`);
  if (spec.csv.encoding !== "utf-8") options.push(`encoding = ${str(spec.csv.encoding)}`);
  if (spec.lenient) options.push("strict_mode = false");
  const buffer = spec.bufferSizes?.[g];
  if (buffer) options.push(`buffer_size = ${int(buffer)}`, `max_line_size = ${int(buffer)}`);
  const rejects = rejectsTables(spec.rejectsPrefix, g);
  options.push("ignore_errors = true", "store_rejects = true");
  options.push(`rejects_table = ${str(rejects.errors)}`, `rejects_scan = ${str(rejects.scans)}`);
  return `read_csv(${list}, ${options.join(", ")})`;
}

/** A SQL list literal of whole numbers. */
function intList(values: readonly number[]): string {
  return `[${values.map(int).join(", ")}]`;
}

/**
 * A SELECT yielding `_file`, `_row` and every column of the input files. CSV and JSON: one scan per entry of
 * `spec.scans`, its rows numbered in file order (`row_number() OVER ()` streams, in insertion order) less the rows
 * of the scan's earlier files; scans of different columns are united by name.
 */
export function readerSql(spec: ReaderSpec): string {
  if (spec.format === "parquet") {
    const list = `[${spec.files.map(fileSql).join(", ")}]`;
    return `SELECT file_index::USMALLINT AS _file, (file_row_number + 1)::BIGINT AS _row, * EXCLUDE (file_row_number)
      FROM read_parquet(${list}, file_row_number = true, union_by_name = true)`;
  }
  const parts = scansOf(spec).map((files, g) => {
    const single = files.length === 1;
    const file = single ? int(files[0]!) : `${intList(files)}[file_index::BIGINT + 1]`;
    const offsets = spec.rowOffsets;
    const offset = single || !offsets ? "" : ` - ${intList(files.map((i) => offsets[i]!))}[file_index::BIGINT + 1]`;
    const row = `(row_number() OVER ()${offset})::BIGINT AS _row`;
    return `SELECT ${file}::USMALLINT AS _file, ${row}, * FROM ${scanFunction(spec, g)}`;
  });
  return parts.length === 1 ? parts[0]! : parts.map((p) => `(${p})`).join(" UNION ALL BY NAME ");
}

/** Rows per file of CSV or JSON scan `g`, as `file` (position in the scan's list) and `n`. */
export function scanRowCountsSql(spec: ReaderSpec, g: number): string {
  return `SELECT file_index AS file, count(*) AS n FROM ${scanFunction(spec, g)} GROUP BY 1`;
}

/** Null counts per top-level column from Parquet metadata (no data scan). */
export function parquetNullsSql(files: readonly string[]): string {
  return `SELECT path_in_schema AS name, sum(stats_null_count) AS nulls,
      count(*) FILTER (stats_null_count IS NULL) AS unknown
    FROM parquet_metadata([${files.map(fileSql).join(", ")}]) GROUP BY 1`;
}

/** Rows per Parquet file from metadata. */
export function parquetRowsSql(files: readonly string[]): string {
  return `SELECT sum(num_rows) AS n FROM parquet_file_metadata([${files.map(fileSql).join(", ")}])`;
}

/** Files matching a path or glob, sorted. */
export function globSql(pattern: string): string {
  return `SELECT file FROM glob(${str(pattern)}) ORDER BY file`;
}

/** Malformed CSV lines recorded by the last run of scan `g`: one row per file and line, with the file's path,
 * `encoding` when its bytes are not valid in the file's encoding, and `lines` the physical lines the rejected
 * record spans (more than 1 when a quote opened in it is not closed on its line: the lines after it were read as
 * part of it; DuckDB keeps at most 10,000 characters of the record, so this is a lower bound), `quoted` when the
 * line holds a double quote, `unquoted` when the scan read the file without quoting (its sniffer chose none) and
 * the scan's `delimiter`. */
export function rejectsSql(prefix: string, g: number): string {
  const t = rejectsTables(prefix, g);
  return `SELECT s.file_path AS path, e.line::BIGINT AS line,
      bool_or(e.error_type::VARCHAR = 'INVALID ENCODING') AS encoding,
      max(1 + length(e.csv_line) - length(replace(e.csv_line, chr(10), ''))) AS lines,
      bool_or(contains(e.csv_line, '"')) AS quoted, any_value(s.quote) IN ('', '(empty)') AS unquoted,
      any_value(s.delimiter) AS delimiter
    FROM ${ident(t.errors)} e JOIN ${ident(t.scans)} s USING (scan_id, file_id)
    GROUP BY ALL ORDER BY path, line`;
}

/** Drops the rejects tables of scan `g`, so a new run of it starts empty. */
export function dropRejectsSql(prefix: string, g: number): string[] {
  const t = rejectsTables(prefix, g);
  return [`DROP TABLE IF EXISTS ${ident(t.errors)}`, `DROP TABLE IF EXISTS ${ident(t.scans)}`];
}

/** The delimiter DuckDB's sniffer finds in a CSV file, as `delimiter`. */
export function sniffDelimiterSql(file: string, encoding: string): string {
  const options = encoding !== "utf-8" ? `, encoding = ${str(encoding)}` : "";
  return `SELECT Delimiter AS delimiter FROM sniff_csv(${fileSql(file)}${options})`;
}
