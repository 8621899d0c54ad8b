/**
 * Opening an input (events or profiles): expanding the path or glob, checking that files exist and are not empty,
 * choosing the format, and describing the columns (struct fields of Parquet/JSON are reachable by dotted paths,
 * e.g. `identityMap.ECID` inside a nested `identityMap` object). Structural problems raise a `UserError`.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { DuckDBListType, DuckDBMapType, DuckDBStructType, type DuckDBType } from "@duckdb/node-api";
import { UserError, closestHint, printable } from "../config/errors.js";
import type { InputFormat, ResolvedInput } from "../config/types.js";
import { type FieldType, fieldTypeOf } from "../sql/conditions.js";
import { ident, str } from "../sql/quote.js";
import { basename } from "node:path";
import {
  type ReaderSpec,
  dropRejectsSql,
  formatOfPath,
  globSql,
  readerSql,
  rejectsSql,
  scanRowCountsSql,
  scansOf,
} from "./readers.js";
import { UNREADABLE_LINE_REASONS } from "./reasons.js";
import type { SetAsideEntry } from "../contract/data-quality.js";
import type { Session } from "./session.js";
import { type InputLayout, type Shard, layoutOf, shardFiles } from "./shard.js";

/** A column (or struct field) of an input. */
export interface SourceColumn {
  /** Name as written in configurations: the column name, or a dotted path into struct fields. */
  name: string;
  /** SQL reference over the reader's output. */
  sql: string;
  /** DuckDB type name, e.g. VARCHAR, TIMESTAMP, STRUCT(...). */
  type: string;
  fieldType: FieldType;
  /** Whether it is a top-level column (struct fields are not). */
  topLevel: boolean;
  /** For a list of `{key, value}` structs (GA4's `event_params`) or a map with text keys: how to read the value of
   * a key, named as `<column>.<key>`. `fields`: the value's struct fields, read as text, first present wins (GA4's
   * `string_value`, `int_value`, ...); null when the value is a plain value of type `valueType`. */
  keyValue?: { kind: "list" | "map"; fields: string[] | null; valueType: string };
}

/** An opened input. */
export interface Source {
  /** `inputs.events` or `inputs.profiles`, for messages. */
  key: string;
  files: string[];
  format: InputFormat;
  spec: ReaderSpec;
  /** SQL yielding `_file`, `_row` and the input's columns. */
  reader: string;
  columns: SourceColumn[];
  /** Person-partitioned (`person_part=K` folders; a shard then reads its partitions only) or not (see shard.ts). */
  layout: InputLayout;
}

const GLOB_CHARS = /[*?[\]{}]/;

/**
 * Decompresses a gzip file to nowhere, to prove it is whole: DuckDB reads a truncated or corrupted gzip file up to
 * the damage and stops without an error, which would silently lose the rest of its rows.
 * @throws UserError naming the file when it is not a complete gzip stream.
 */
async function checkGzip(file: string, key: string): Promise<void> {
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  try {
    await pipeline(createReadStream(file), createGunzip(), sink);
  } catch (error) {
    const why = (error as Error).message;
    throw new UserError(
      "unreadable",
      `${key}: ${file} is not a complete gzip file (${why}); it may be truncated or corrupted: copy or export it again`,
    );
  }
}

/** Whether every byte is white space (spaces, tabs, line breaks). */
function blank(chunk: Buffer): boolean {
  return chunk.every((b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d);
}

/**
 * Refuses a text file (decompressed, for .gz) that holds nothing but white space: DuckDB would read it as one column
 * `column0` (CSV) or `json` and no rows, and the run would stop on a mapped column that is not found. Reads up to the
 * first byte that is not white space.
 * @throws UserError naming the file.
 */
async function refuseBlankFile(file: string, key: string): Promise<void> {
  if (/\.zst$/i.test(file)) return;
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
  const input = /\.gz$/i.test(file) ? stream.pipe(createGunzip()) : stream;
  let bytes = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      if (!blank(chunk)) return;
      bytes += chunk.length;
    }
  } finally {
    stream.destroy();
    input.destroy();
  }
  const decompressed = bytes === 0 ? "it decompresses to nothing" : "it decompresses to blank lines only";
  const what = /\.gz$/i.test(file) ? decompressed : "blank lines only";
  throw new UserError(
    "file_empty",
    `${key}: ${file} is empty (${what}): no header and no data rows; ` +
      `export the data again, or point ${key}.path at the file that holds it`,
  );
}

/**
 * Refuses JSON whose records are not all objects: DuckDB then reads every record as one value in a column `json`,
 * so no mapped column is found. An empty array (`[]`) has no data rows; otherwise one line names the file and the
 * line (JSON Lines) or the record (a JSON array) of the first record that is not an object.
 * @throws UserError when the only column is `json`.
 */
async function refuseNonObjectJson(session: Session, source: Source): Promise<void> {
  const top = source.columns.filter((c) => c.topLevel);
  if (source.format !== "jsonl" || top.length !== 1 || top[0]!.name !== "json") return;
  const files = source.files.length === 1 ? `${source.files[0]} contains` : `the ${source.files.length} files contain`;
  const first = await session.row(
    `SELECT _file, _row, CAST(json AS VARCHAR) AS value FROM (${source.reader})
      WHERE NOT starts_with(ltrim(CAST(json AS VARCHAR)), '{') ORDER BY _file, _row LIMIT 1`,
  );
  if (first._file === undefined) {
    const any = await session.row(`SELECT count(*) AS n FROM (${source.reader})`);
    if (Number(any.n) === 0) {
      throw new UserError("file_empty", `${source.key}: ${files} no data rows (an empty JSON array, or no records)`);
    }
    return;
  }
  const file = source.files[Number(first._file)]!;
  const value = printable(String(first.value).slice(0, 40));
  const line = /\.(gz|zst)$/i.test(file) ? undefined : await recordLine(file, Number(first._row));
  const where = line ? `line ${line}` : `record ${first._row}${line === null ? " of the array" : ""}`;
  throw new UserError(
    "unreadable",
    `${source.key}: ${file} ${where} is not a JSON object (${value}); every record must be an object of fields, ` +
      'such as {"id": "p1", "ts": "2025-01-01"}: fix or remove that record and rerun',
  );
}

/** The line of record `n` (1-based) of a JSON Lines file, blank lines skipped as DuckDB skips them; null for a file
 * that is one JSON array (its records are not lines). */
async function recordLine(file: string, n: number): Promise<number | null> {
  let line = 0;
  let records = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    line++;
    if (text.trim() === "") continue;
    if (records === 0 && text.trimStart().startsWith("[")) return null;
    if (++records === n) return line;
  }
  return null;
}

/** DuckDB's longest CSV line in bytes, where a scan keeps its default read buffer (see `bufferSize`). */
const MAX_LINE_BYTES = 2_000_000;

/**
 * Refuses CSV files with a line longer than DuckDB reads (`MAX_LINE_BYTES`): one in the lines its sniffer samples
 * stops the read with an error naming line 1, whatever the line. One line naming the file, the line, its length and
 * the limit. Does nothing when no line is that long (the read failed for another reason).
 * @throws UserError for the first such line of the first file that has one.
 */
async function refuseLongLine(files: readonly string[], key: string): Promise<void> {
  for (const file of files) {
    const long = await firstLongLine(file, MAX_LINE_BYTES);
    if (!long) continue;
    const n = (x: number) => x.toLocaleString("en-US");
    throw new UserError(
      "unreadable",
      `${key}: ${file} line ${n(long.line)} is ${n(long.bytes)} bytes long, ` +
        `over the limit of ${n(MAX_LINE_BYTES)} bytes per CSV line; ` +
        "shorten or remove that line (no event field needs that much) and rerun",
    );
  }
}

/** The first line (1-based) of a file (decompressed, for .gz) longer than `limit` bytes, and its length in bytes
 * (its line break excluded); null when there is none. */
async function firstLongLine(file: string, limit: number): Promise<{ line: number; bytes: number } | null> {
  if (/\.zst$/i.test(file)) return null;
  const stream = createReadStream(file, { highWaterMark: 1024 * 1024 });
  const input = /\.gz$/i.test(file) ? stream.pipe(createGunzip()) : stream;
  let line = 1;
  let length = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      for (let start = 0; start <= chunk.length; ) {
        const end = chunk.indexOf(10, start);
        length += (end < 0 ? chunk.length : end) - start;
        if (end < 0) break;
        if (length > limit) return { line, bytes: length };
        line++;
        length = 0;
        start = end + 1;
      }
    }
  } finally {
    stream.destroy();
    input.destroy();
  }
  return length > limit ? { line, bytes: length } : null;
}

/** The names and types of a reader's columns (fails as DuckDB does when the files cannot be read). */
async function describeColumns(session: Session, spec: ReaderSpec): Promise<{ name: string; type: DuckDBType }[]> {
  await dropRejectsOf(session, spec);
  const result = await session.stream(`SELECT * FROM (${readerSql(spec)}) LIMIT 0`);
  return result.columnNames().map((name, i) => ({ name, type: result.columnType(i) }));
}

async function dropRejectsOf(session: Session, spec: ReaderSpec): Promise<void> {
  if (spec.format !== "csv") return;
  for (let g = 0; g < scansOf(spec).length; g++) await session.run(...dropRejectsSql(spec.rejectsPrefix, g));
}

/** Empties the rejects tables of a CSV source, so that they hold exactly the malformed lines of the next scan. */
export async function dropRejects(session: Session, source: Source): Promise<void> {
  await dropRejectsOf(session, source.spec);
}

/** The first line of a file (of its decompressed text for .gz), as bytes in a string; null when it cannot be read
 * here (.zst). At most 1 MiB is read. */
async function firstLine(file: string): Promise<string | null> {
  if (/\.zst$/i.test(file)) return null;
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
  const input = /\.gz$/i.test(file) ? stream.pipe(createGunzip()) : stream;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      const end = chunk.indexOf(10);
      chunks.push(end < 0 ? chunk : chunk.subarray(0, end));
      size += chunk.length;
      if (end >= 0 || size > 2 ** 20) break;
    }
  } finally {
    stream.destroy();
    input.destroy();
  }
  return Buffer.concat(chunks).toString("latin1");
}

/**
 * The scans that read the files: CSV files with the same header line are read by one scan (a year of daily
 * files is one scan, whatever the number of files), JSON files by one. Files whose header differs get scans of their
 * own, united by column name. Without a header, every CSV file is one scan (columns are read by position).
 */
async function scansFor(files: readonly string[], format: InputFormat, header: boolean): Promise<number[][]> {
  if (format !== "csv" || !header || files.length === 1) return [files.map((_, i) => i)];
  const byHeader = new Map<string, number[]>();
  for (let i = 0; i < files.length; i++) {
    const key = (await firstLine(files[i]!)) ?? `\u0000${i}`;
    const scan = byHeader.get(key) ?? byHeader.set(key, []).get(key)!;
    scan.push(i);
  }
  return [...byHeader.values()];
}

/** Files up to this size get a read buffer of their own size; larger or compressed ones DuckDB's default. */
const SMALL_FILE = 8 * 2 ** 20;

/** The read buffer of a scan of small uncompressed files: twice the largest (a line re-encoded from latin-1 or
 * UTF-16 to UTF-8 can grow), at least 64 KiB; null (DuckDB's 32 MiB) otherwise. No line is longer than its file. */
function bufferSize(files: readonly string[]): number | null {
  if (files.some((f) => /\.(gz|zst)$/i.test(f))) return null;
  const largest = Math.max(...files.map((f) => statSync(f).size));
  return largest <= SMALL_FILE ? Math.max(2 ** 16, 2 * largest + 1024) : null;
}

/** Per file, the rows its scan yields before the file's first (0 for the first file of each scan): one count over
 * each scan of several files. */
async function rowOffsets(session: Session, spec: ReaderSpec): Promise<number[]> {
  const offsets = spec.files.map(() => 0);
  const scans = scansOf(spec);
  for (let g = 0; g < scans.length; g++) {
    if (scans[g]!.length === 1) continue;
    const counts = new Map((await session.rows(scanRowCountsSql(spec, g))).map((r) => [Number(r.file), Number(r.n)]));
    let before = 0;
    scans[g]!.forEach((file, k) => {
      offsets[file] = before;
      before += counts.get(k) ?? 0;
    });
  }
  return offsets;
}

/** Expands the path, checks files and format, and describes the columns. With `shard`, a person-partitioned input
 * is opened on the shard's partitions only (see shard.ts). */
export async function openSource(session: Session, input: ResolvedInput, key: string, shard?: Shard): Promise<Source> {
  const all = await expand(session, input.path, key);
  const layout = layoutOf(all, key);
  const files = shard && layout === "partitioned" ? shardFiles(all, shard, key) : all;
  const format = input.format ?? formatOfPath(files[0]);
  if (!format) {
    throw new UserError(
      "unknown_format",
      `${key}.path: cannot tell the format of ${files[0]}; ` +
        "expected a .csv, .csv.gz, .tsv, .parquet, .jsonl, .ndjson or .json file, " +
        `or set ${key}.format to csv, parquet or jsonl`,
    );
  }
  for (const file of files) {
    if (statSync(file).size === 0) throw new UserError("file_empty", `${key}: ${file} is empty (0 bytes)`);
    if (/\.gz$/i.test(file)) await checkGzip(file, key);
    if (format !== "parquet") await refuseBlankFile(file, key);
  }
  const scans = await scansFor(files, format, input.csv.header);
  const spec: ReaderSpec = {
    files,
    format,
    csv: input.csv,
    rejectsPrefix: `rej_${key.replace(/\W/g, "_")}`,
    scans,
    bufferSizes: scans.map((s) => bufferSize(s.map((i) => files[i]!))),
  };
  let types: { name: string; type: DuckDBType }[];
  try {
    types = await describeColumns(session, spec);
  } catch (error) {
    if (error instanceof UserError) throw error;
    const detail = String((error as Error).message).split("\n")[0]!;
    // DuckDB's strict sniffer refuses mixed line endings (a header ending in LF, rows in CRLF): read leniently.
    const sniffing = format === "csv" && detail.includes("sniffing");
    const lenient = sniffing ? await describeColumns(session, { ...spec, lenient: true }).catch(() => null) : null;
    const tooLong = /CSV Error on Line|line size/i.test(detail);
    if (lenient === null && format === "csv" && tooLong) await refuseLongLine(files, key);
    if (lenient === null) {
      const what = files.length === 1 ? files[0] : `${files.length} files`;
      throw new UserError("unreadable", `${key}: could not read ${what} as ${format}: ${detail}`);
    }
    spec.lenient = true;
    types = lenient;
  }
  // Parquet rows are numbered per file by the reader itself (file_row_number).
  if (format !== "parquet" && scans.some((scan) => scan.length > 1)) spec.rowOffsets = await rowOffsets(session, spec);
  const reader = readerSql(spec);
  const columns: SourceColumn[] = [];
  for (const { name, type } of types) {
    if (name === "_file" || name === "_row") continue;
    flatten(columns, [name], type);
  }
  if (columns.length === 0) throw new UserError("file_empty", `${key}: ${files[0]} has no columns`);
  const source: Source = { key, files, format, spec, reader, columns, layout };
  await refuseNonObjectJson(session, source);
  return source;
}

/** The files a path names: the file itself when one exists at that path (even when its name holds glob characters,
 * as `events[1].csv` may), else the files matching it as a glob, sorted. */
async function expand(session: Session, path: string, key: string): Promise<string[]> {
  if (!GLOB_CHARS.test(path) || existsSync(path)) {
    if (!existsSync(path)) throw new UserError("file_missing", `${key}.path: file not found: ${path}`);
    if (statSync(path).isDirectory()) {
      const what = `${path} is a folder; expected a file or a glob such as ${path}/*.parquet`;
      throw new UserError("file_missing", `${key}.path: ${what}`);
    }
    return [path];
  }
  let files: string[];
  try {
    files = (await session.rows(globSql(path))).map((r) => String(r.file));
  } catch {
    files = [];
  }
  if (files.length === 0) throw new UserError("file_missing", `${key}.path: no file matches ${path}`);
  return files;
}

function flatten(out: SourceColumn[], path: string[], type: DuckDBType): void {
  const name = path.join(".");
  const keyValue = keyValueOf(type);
  const text = type.toString();
  const sql = path.map(ident).join(".");
  const topLevel = path.length === 1;
  out.push({ name, sql, type: text, fieldType: fieldTypeOf(text), topLevel, ...(keyValue ? { keyValue } : {}) });
  if (type instanceof DuckDBStructType) {
    type.entryNames.forEach((entry, i) => flatten(out, [...path, entry], type.entryTypes[i]!));
  }
}

/** How a list of `{key, value}` structs or a map with text keys holds its values; undefined for other types. */
function keyValueOf(type: DuckDBType): SourceColumn["keyValue"] {
  const isText = (t: DuckDBType | undefined) => t !== undefined && fieldTypeOf(t.toString()) === "text";
  let kind: "list" | "map";
  let value: DuckDBType | undefined;
  if (type instanceof DuckDBMapType && isText(type.keyType)) [kind, value] = ["map", type.valueType];
  else if (
    type instanceof DuckDBListType &&
    type.valueType instanceof DuckDBStructType &&
    isText(entryType(type.valueType, "key"))
  ) {
    [kind, value] = ["list", entryType(type.valueType, "value")];
  } else return undefined;
  if (value instanceof DuckDBStructType) {
    const fields = value.entryNames.filter((_, i) => fieldTypeOf(value.entryTypes[i]!.toString()) !== "other");
    return fields.length ? { kind, fields, valueType: "VARCHAR" } : undefined;
  }
  if (value === undefined || fieldTypeOf(value.toString()) === "other") return undefined;
  return { kind, fields: null, valueType: value.toString() };
}

/** The type of a struct's entry, undefined when it has none of that name. */
function entryType(struct: DuckDBStructType, name: string): DuckDBType | undefined {
  const i = struct.entryNames.indexOf(name);
  return i < 0 ? undefined : struct.entryTypes[i];
}

/** A column by name (exact; top-level names win over struct paths), else the value of a key in a key-value
 * column (`event_params.page_location`). */
export function findColumn(source: Source, name: string): SourceColumn | undefined {
  const topLevel = source.columns.find((c) => c.name === name && c.topLevel);
  return topLevel ?? source.columns.find((c) => c.name === name) ?? keyValueField(source, name);
}

/** The value of key `<key>` of a key-value column, named `<column>.<key>`: a plain value, or the first present
 * field of a struct value as text. */
function keyValueField(source: Source, name: string): SourceColumn | undefined {
  const column = source.columns.find((c) => c.keyValue && name.startsWith(`${c.name}.`));
  if (!column?.keyValue) return undefined;
  const { kind, fields, valueType } = column.keyValue;
  const key = str(name.slice(column.name.length + 1));
  const value =
    kind === "map" ? `${column.sql}[${key}]` : `list_filter(${column.sql}, lambda x: x."key" = ${key})[1]."value"`;
  const texts = fields?.map((f) => `CAST(struct_extract(${value}, ${str(f)}) AS VARCHAR)`);
  const sql = texts === undefined ? value : `COALESCE(${texts.join(", ")})`;
  return { name, sql, type: valueType, fieldType: fieldTypeOf(valueType), topLevel: false };
}

/** A hint naming the key-value columns of a source, for "column not found" messages ("" when there are none). */
export function keyValueHint(source: Source): string {
  const columns = source.columns.filter((c) => c.keyValue).map((c) => c.name);
  if (columns.length === 0) return "";
  const hold = columns.length === 1 ? "holds" : "hold";
  return `; ${columns.join(", ")} ${hold} key-value pairs: name a key as ${columns[0]}.<key>`;
}

/** The top-level column names, for messages. */
function columnNames(source: Source): string[] {
  return source.columns.filter((c) => c.topLevel).map((c) => c.name);
}

/**
 * A column that must exist; otherwise a `UserError` naming the configuration key, the file, the columns found and
 * the closest names.
 */
export function requireColumn(source: Source, name: string, what: string, configKey: string): SourceColumn {
  const column = findColumn(source, name);
  if (column) return column;
  const found = columnNames(source);
  const shown = found.length > 40 ? [...found.slice(0, 40), `... (${found.length} in all)`] : found;
  const more = source.files.length > 1 ? ` (and ${source.files.length - 1} more files)` : "";
  const closest = closestHint(
    name,
    source.columns.map((c) => c.name),
  );
  const hints = `${closest}${keyValueHint(source)}${encodingHint(source, found)}`;
  throw new UserError(
    "column_missing",
    `${configKey}: ${what} column "${name}" not found in ${source.files[0]}${more}; ` +
      `columns found: ${shown.map(printable).join(", ")}${hints}`,
  );
}

/** A hint when a CSV's header reads as blank or NUL-ridden names: the sign of a UTF-16 file read as UTF-8. */
function encodingHint(source: Source, found: string[]): string {
  if (source.format !== "csv" || source.spec.csv.encoding !== "utf-8") return "";
  const garbled = found.filter((n) => n.trim() === "" || n.includes("\u0000")).length;
  if (garbled * 2 < found.length) return "";
  return (
    "; the header reads as blank names: if the file is UTF-16 (as Excel and some exports write it), " +
    'set csv: { encoding: "utf-16" }'
  );
}

/** Lines of a CSV input its last scan could not read, as counts with up to five examples ("file line N"). */
export interface RejectedLines {
  /** All of them. */
  count: number;
  /** Wrong number of fields or broken quoting. */
  malformed: { count: number; examples: string[] };
  /** Bytes that are not valid in the file's encoding. */
  encoding: { count: number; examples: string[] };
  /** Per file, the data rows skipped (so that later rows keep their numbers in examples). */
  skipped: Map<number, number[]>;
  /** The first rejected record that spans several lines: a quote opened in it and not closed on its line swallowed
   * the lines after it, which DuckDB neither reads nor counts (null when there is none). */
  unclosedQuote: { file: number; line: number; lines: number } | null;
  /** The first file read without quoting (DuckDB's sniffer chose none, as it does when a quote in its sample is
   * never closed) whose rejected lines hold a double quote, with the delimiter it was read with. */
  unquoted: { file: number; delimiter: string } | null;
}

/** The lines the last scan of a CSV source rejected (none for other formats). */
export async function rejectedLines(session: Session, source: Source): Promise<RejectedLines> {
  const out: RejectedLines = {
    count: 0,
    malformed: { count: 0, examples: [] },
    encoding: { count: 0, examples: [] },
    skipped: new Map(),
    unclosedQuote: null,
    unquoted: null,
  };
  if (source.format !== "csv") return out;
  const header = source.spec.csv.header ? 1 : 0;
  const indexOf = new Map(source.files.map((f, i) => [f, i]));
  const rows: { file: number; line: number; encoding: boolean; lines: number }[] = [];
  const unquoted: NonNullable<RejectedLines["unquoted"]>[] = [];
  for (let g = 0; g < scansOf(source.spec).length; g++) {
    for (const r of await session.rows(rejectsSql(source.spec.rejectsPrefix, g))) {
      const file = indexOf.get(String(r.path));
      if (file === undefined) throw new Error(`rejected line of an unknown file: ${String(r.path)}`);
      rows.push({ file, line: Number(r.line), encoding: r.encoding === true, lines: Number(r.lines) });
      if (r.unquoted === true && r.quoted === true) unquoted.push({ file, delimiter: String(r.delimiter) });
    }
  }
  rows.sort((a, b) => a.file - b.file || a.line - b.line);
  out.unquoted = unquoted.sort((a, b) => a.file - b.file)[0] ?? null;
  for (const r of rows) {
    const skipped = out.skipped.get(r.file) ?? out.skipped.set(r.file, []).get(r.file)!;
    skipped.push(r.line - header);
    out.count++;
    const kind = r.encoding ? out.encoding : out.malformed;
    kind.count++;
    if (kind.examples.length < 5) kind.examples.push(`${basename(source.files[r.file]!)} line ${r.line}`);
    if (r.lines > 1 && !out.unclosedQuote) out.unclosedQuote = { file: r.file, line: r.line, lines: r.lines };
  }
  return out;
}

/**
 * Refuses a CSV input in which a quote opened in a field is not closed on its line. Either DuckDB read the lines
 * after it as one field of one broken record (up to the next quote, or to the end of the file), so they are neither
 * events nor counted and pieces of them can turn up as values; or its sniffer, meeting the quote early, read the
 * whole file without quoting, so every quoted value keeps its quotes and every quoted delimiter splits a field.
 * One line naming the file and line.
 * @throws UserError when the last scan rejected such a record, or read a file without quoting whose first line
 *   opening an unclosed quote is found.
 */
export async function refuseUnclosedQuote(source: Source, rejected: RejectedLines): Promise<void> {
  const at = rejected.unclosedQuote;
  if (at) {
    const lost = `the lines after it (at least ${at.lines - 1}) were read as part of that field and would be lost`;
    throw unclosedQuoteError(source, at.file, at.line, lost);
  }
  const unquoted = rejected.unquoted;
  if (!unquoted) return;
  const line = await firstUnclosedQuoteLine(source.files[unquoted.file]!, unquoted.delimiter, source.spec.csv.encoding);
  const n = rejected.malformed.count;
  if (line === null) return;
  const unparsed = `the file was read without quotes and ${n} ${n === 1 ? "line" : "lines"} could not be parsed`;
  throw unclosedQuoteError(source, unquoted.file, line, unparsed);
}

/** The one-line error for a quote opened at `line` of file `file` and not closed on its line; `what` says what it
 * did. */
export function unclosedQuoteError(source: Source, file: number, line: number, what: string): UserError {
  return new UserError(
    "unreadable",
    `${source.key}: ${source.files[file]} line ${line}: a field opens a quote (") that is not closed on its line, ` +
      `so ${what}; close or remove that quote (or export the file again) and rerun`,
  );
}

/** The first file of a CSV source with a line in which a field opens a double quote that the line does not close,
 * and that line; null when there is none. */
export async function findUnclosedQuote(
  source: Source,
  delimiter: string,
): Promise<{ file: number; line: number } | null> {
  for (let file = 0; file < source.files.length; file++) {
    const line = await firstUnclosedQuoteLine(source.files[file]!, delimiter, source.spec.csv.encoding);
    if (line !== null) return { file, line };
  }
  return null;
}

/** The first line (1-based, the header included) of a CSV file in which a field opens a double quote that the line
 * does not close; null when there is none. */
async function firstUnclosedQuoteLine(file: string, delimiter: string, encoding: string): Promise<number | null> {
  const stream = createReadStream(file);
  const input = /\.gz$/i.test(file) ? stream.pipe(createGunzip()) : stream;
  const decoded = input.setEncoding(encoding === "latin-1" ? "latin1" : encoding === "utf-16" ? "utf16le" : "utf8");
  let n = 0;
  try {
    for await (const text of createInterface({ input: decoded, crlfDelay: Infinity })) {
      n++;
      if (text.includes('"') && opensUnclosedQuote(text, delimiter)) return n;
    }
  } finally {
    stream.destroy();
  }
  return null;
}

/** Whether a field of `line` starts with a double quote that is not closed (`""` inside quotes is a quote). */
export function opensUnclosedQuote(line: string, delimiter: string): boolean {
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let end = line.indexOf('"', i + 1);
      while (end >= 0 && line[end + 1] === '"') end = line.indexOf('"', end + 2);
      if (end < 0) return true;
      i = end + 1;
    }
    const next = line.indexOf(delimiter, i);
    if (next < 0) return false;
    i = next + delimiter.length;
  }
}

/** The set-aside entries of the lines a scan could not read, by reason. */
export function unreadableEntries(rejected: RejectedLines): SetAsideEntry[] {
  const lines = { malformed_row: rejected.malformed, encoding_invalid: rejected.encoding };
  return UNREADABLE_LINE_REASONS.filter((r) => lines[r.key].count > 0).map((r) => {
    return { reason: r.key, message: r.message, rows: lines[r.key].count, examples: lines[r.key].examples };
  });
}

/** A warning when lines are not valid in the source's encoding, naming the setting that reads them. */
export function encodingWarning(source: Source, rejected: RejectedLines): string[] {
  if (rejected.encoding.count === 0) return [];
  const n = rejected.encoding.count;
  return [
    `${source.key}: ${n} ${n === 1 ? "line is" : "lines are"} not valid ${source.spec.csv.encoding.toUpperCase()} ` +
      `(e.g. ${rejected.encoding.examples[0]}); ` +
      `if the file uses another encoding, set ${source.key}.csv.encoding to utf-8, latin-1 or utf-16`,
  ];
}
