/**
 * Opening an input (events or profiles): expanding the path or glob, checking that files exist and are not empty,
 * choosing the format, and describing the columns (struct fields of Parquet/JSON are reachable by dotted paths,
 * e.g. `identityMap.ECID` inside a nested `identityMap` object). Structural problems raise a `UserError`.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { DuckDBListType, DuckDBMapType, DuckDBStructType, type DuckDBType } from "@duckdb/node-api";
import { UserError, closestHint, printable } from "../config/errors.js";
import type { InputFormat, ResolvedInput } from "../config/types.js";
import { type FieldType, fieldTypeOf } from "../sql/conditions.js";
import { ident, str } from "../sql/quote.js";
import { basename } from "node:path";
import { type ReaderSpec, dropRejectsSql, formatOfPath, globSql, readerSql, rejectsSql } from "../sql/readers.js";
import { UNREADABLE_LINE_REASONS } from "./reasons.js";
import type { SetAsideEntry } from "./report.js";
import type { Session } from "./session.js";

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
    throw new UserError("unreadable", `${key}: ${file} is not a complete gzip file (${why}); it may be truncated or corrupted: copy or export it again`);
  }
}

/** The names and types of a reader's columns (fails as DuckDB does when the files cannot be read). */
async function describeColumns(session: Session, spec: ReaderSpec): Promise<{ name: string; type: DuckDBType }[]> {
  for (let i = 0; i < spec.files.length && spec.format === "csv"; i++) await session.run(...dropRejectsSql(spec.rejectsPrefix, i));
  const result = await session.stream(`SELECT * FROM (${readerSql(spec)}) LIMIT 0`);
  return result.columnNames().map((name, i) => ({ name, type: result.columnType(i) }));
}

/** Expands the path, checks files and format, and describes the columns. */
export async function openSource(session: Session, input: ResolvedInput, key: string): Promise<Source> {
  const files = await expand(session, input.path, key);
  const format = input.format ?? formatOfPath(files[0]);
  if (!format) {
    throw new UserError(
      "unknown_format",
      `${key}.path: cannot tell the format of ${files[0]}; expected a .csv, .csv.gz, .tsv, .parquet, .jsonl, .ndjson or .json file, or set ${key}.format to csv, parquet or jsonl`,
    );
  }
  for (const file of files) {
    if (statSync(file).size === 0) throw new UserError("file_empty", `${key}: ${file} is empty (0 bytes)`);
    if (/\.gz$/i.test(file)) await checkGzip(file, key);
  }
  const spec: ReaderSpec = { files, format, csv: input.csv, rejectsPrefix: `rej_${key.replace(/\W/g, "_")}` };
  let types: { name: string; type: DuckDBType }[];
  try {
    types = await describeColumns(session, spec);
  } catch (error) {
    const detail = String((error as Error).message).split("\n")[0]!;
    // DuckDB's strict sniffer refuses mixed line endings (a header ending in LF, rows in CRLF): read leniently.
    const lenient = format === "csv" && detail.includes("sniffing") ? await describeColumns(session, { ...spec, lenient: true }).catch(() => null) : null;
    if (lenient === null) throw new UserError("unreadable", `${key}: could not read ${files.length === 1 ? files[0] : `${files.length} files`} as ${format}: ${detail}`);
    spec.lenient = true;
    types = lenient;
  }
  const reader = readerSql(spec);
  const columns: SourceColumn[] = [];
  for (const { name, type } of types) {
    if (name === "_file" || name === "_row") continue;
    flatten(columns, [name], type);
  }
  if (columns.length === 0) throw new UserError("file_empty", `${key}: ${files[0]} has no columns`);
  return { key, files, format, spec, reader, columns };
}

async function expand(session: Session, path: string, key: string): Promise<string[]> {
  if (!GLOB_CHARS.test(path)) {
    if (!existsSync(path)) throw new UserError("file_missing", `${key}.path: file not found: ${path}`);
    if (statSync(path).isDirectory()) throw new UserError("file_missing", `${key}.path: ${path} is a folder; expected a file or a glob such as ${path}/*.parquet`);
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
  out.push({ name, sql: path.map(ident).join("."), type: type.toString(), fieldType: fieldTypeOf(type.toString()), topLevel: path.length === 1, ...(keyValue ? { keyValue } : {}) });
  if (type instanceof DuckDBStructType) type.entryNames.forEach((entry, i) => flatten(out, [...path, entry], type.entryTypes[i]!));
}

/** How a list of `{key, value}` structs or a map with text keys holds its values; undefined for other types. */
function keyValueOf(type: DuckDBType): SourceColumn["keyValue"] {
  const isText = (t: DuckDBType | undefined) => t !== undefined && fieldTypeOf(t.toString()) === "text";
  let kind: "list" | "map";
  let value: DuckDBType | undefined;
  if (type instanceof DuckDBMapType && isText(type.keyType)) [kind, value] = ["map", type.valueType];
  else if (type instanceof DuckDBListType && type.valueType instanceof DuckDBStructType && isText(entryType(type.valueType, "key"))) {
    [kind, value] = ["list", entryType(type.valueType, "value")];
  } else return undefined;
  if (value instanceof DuckDBStructType) {
    const fields = value.entryNames.filter((_, i) => fieldTypeOf(value.entryTypes[i]!.toString()) !== "other");
    return fields.length ? { kind, fields, valueType: "VARCHAR" } : undefined;
  }
  return value === undefined || fieldTypeOf(value.toString()) === "other" ? undefined : { kind, fields: null, valueType: value.toString() };
}

/** The type of a struct's entry, undefined when it has none of that name. */
function entryType(struct: DuckDBStructType, name: string): DuckDBType | undefined {
  const i = struct.entryNames.indexOf(name);
  return i < 0 ? undefined : struct.entryTypes[i];
}

/** A column by name (exact; top-level names win over struct paths), else the value of a key in a key-value
 * column (`event_params.page_location`). */
export function findColumn(source: Source, name: string): SourceColumn | undefined {
  return source.columns.find((c) => c.name === name && c.topLevel) ?? source.columns.find((c) => c.name === name) ?? keyValueField(source, name);
}

/** The value of key `<key>` of a key-value column, named `<column>.<key>`: a plain value, or the first present
 * field of a struct value as text. */
function keyValueField(source: Source, name: string): SourceColumn | undefined {
  const column = source.columns.find((c) => c.keyValue && name.startsWith(`${c.name}.`));
  if (!column?.keyValue) return undefined;
  const { kind, fields, valueType } = column.keyValue;
  const key = str(name.slice(column.name.length + 1));
  const value = kind === "map" ? `${column.sql}[${key}]` : `list_filter(${column.sql}, lambda x: x."key" = ${key})[1]."value"`;
  const sql = fields === null ? value : `COALESCE(${fields.map((f) => `CAST(struct_extract(${value}, ${str(f)}) AS VARCHAR)`).join(", ")})`;
  return { name, sql, type: valueType, fieldType: fieldTypeOf(valueType), topLevel: false };
}

/** A hint naming the key-value columns of a source, for "column not found" messages ("" when there are none). */
export function keyValueHint(source: Source): string {
  const columns = source.columns.filter((c) => c.keyValue).map((c) => c.name);
  return columns.length ? `; ${columns.join(", ")} ${columns.length === 1 ? "holds" : "hold"} key-value pairs: name a key as ${columns[0]}.<key>` : "";
}

/** The top-level column names, for messages. */
export function columnNames(source: Source): string[] {
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
  throw new UserError(
    "column_missing",
    `${configKey}: ${what} column "${name}" not found in ${source.files[0]}${source.files.length > 1 ? ` (and ${source.files.length - 1} more files)` : ""}; ` +
      `columns found: ${shown.map(printable).join(", ")}${closestHint(name, source.columns.map((c) => c.name))}${keyValueHint(source)}${encodingHint(source, found)}`,
  );
}

/** A hint when a CSV's header reads as blank or NUL-ridden names: the sign of a UTF-16 file read as UTF-8. */
function encodingHint(source: Source, found: string[]): string {
  if (source.format !== "csv" || source.spec.csv.encoding !== "utf-8") return "";
  const garbled = found.filter((n) => n.trim() === "" || n.includes("\u0000")).length;
  return garbled * 2 >= found.length ? '; the header reads as blank names: if the file is UTF-16 (as Excel and some exports write it), set csv: { encoding: "utf-16" }' : "";
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
}

/** The lines the last scan of a CSV source rejected (none for other formats). */
export async function rejectedLines(session: Session, source: Source): Promise<RejectedLines> {
  const out: RejectedLines = { count: 0, malformed: { count: 0, examples: [] }, encoding: { count: 0, examples: [] }, skipped: new Map() };
  if (source.format !== "csv") return out;
  const header = source.spec.csv.header ? 1 : 0;
  for (let i = 0; i < source.files.length; i++) {
    const rows = await session.rows(rejectsSql(source.spec.rejectsPrefix, i));
    out.skipped.set(i, rows.map((r) => Number(r.line) - header).sort((a, b) => a - b));
    out.count += rows.length;
    for (const r of rows) {
      const kind = r.encoding ? out.encoding : out.malformed;
      kind.count++;
      if (kind.examples.length < 5) kind.examples.push(`${basename(source.files[i])} line ${Number(r.line)}`);
    }
  }
  return out;
}

/** The set-aside entries of the lines a scan could not read, by reason. */
export function unreadableEntries(rejected: RejectedLines): SetAsideEntry[] {
  const lines = { malformed_row: rejected.malformed, encoding_invalid: rejected.encoding };
  return UNREADABLE_LINE_REASONS.filter((r) => lines[r.key].count > 0).map((r) => ({ reason: r.key, message: r.message, rows: lines[r.key].count, examples: lines[r.key].examples }));
}

/** A warning when lines are not valid in the source's encoding, naming the setting that reads them. */
export function encodingWarning(source: Source, rejected: RejectedLines): string[] {
  if (rejected.encoding.count === 0) return [];
  const n = rejected.encoding.count;
  return [
    `${source.key}: ${n} ${n === 1 ? "line is" : "lines are"} not valid ${source.spec.csv.encoding.toUpperCase()} (e.g. ${rejected.encoding.examples[0]}); ` +
      `if the file uses another encoding, set ${source.key}.csv.encoding to utf-8, latin-1 or utf-16`,
  ];
}
