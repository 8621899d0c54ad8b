/**
 * The browser data layer: DuckDB-WASM loaded from our own origin, fed with the site's Parquet files.
 *
 * DuckDB-WASM has no built-in Parquet reader (it would download an extension), so files are decoded in the page
 * with hyparquet, turned into Arrow columns and inserted as tables. Queries take parameters, never spliced values.
 *
 * Pages import this module through `src/lib/data.js`, a bundle built by esbuild at build time: it keeps only the
 * parts of DuckDB-WASM we use (no CDN bundle helpers) and shares one Apache Arrow between us and DuckDB-WASM.
 */
import * as duckdb from "@duckdb/duckdb-wasm";
import * as arrow from "apache-arrow";
import { parquetMetadata, parquetRead, parquetSchema } from "hyparquet";
import type { SchemaTree } from "hyparquet";

/** URLs of the DuckDB-WASM engine and its worker, served as plain files (see src/lib). */
export interface DuckDBBundle {
  wasm: string;
  worker: string;
}

/** A value a query parameter may take. */
export type SqlParam = string | number | boolean | null;

/** A DuckDB-WASM database holding the site's tables. */
export class ScoreDatabase {
  private constructor(
    private readonly db: duckdb.AsyncDuckDB,
    private readonly connection: duckdb.AsyncDuckDBConnection,
  ) {}

  /** Starts DuckDB-WASM in a worker. */
  static async open(bundle: DuckDBBundle): Promise<ScoreDatabase> {
    const worker = new Worker(bundle.worker);
    const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
    await db.instantiate(bundle.wasm);
    const connection = await db.connect();
    // Everything is local: never try to install or load an extension from the network.
    await connection.query("SET autoinstall_known_extensions = false; SET autoload_known_extensions = false");
    return new ScoreDatabase(db, connection);
  }

  /** Fetches a Parquet file and loads it as table `name` (replacing any table of that name). */
  async loadParquet(name: string, url: string): Promise<void> {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`Could not load ${url}: HTTP ${response.status}`);
    const table = await parquetToArrow(await response.arrayBuffer());
    await this.connection.query(`DROP TABLE IF EXISTS ${quoteIdentifier(name)}`);
    await this.connection.insertArrowTable(table, { name, create: true });
  }

  /** Runs a query with positional parameters (`?`) and returns plain row objects. */
  async query<T = Record<string, unknown>>(sql: string, params: SqlParam[] = []): Promise<T[]> {
    const result =
      params.length === 0
        ? await this.connection.query(sql)
        : await (async () => {
            const statement = await this.connection.prepare(sql);
            try {
              return await statement.query(...params);
            } finally {
              await statement.close();
            }
          })();
    const dates = result.schema.fields
      .filter((f) => arrow.DataType.isDate(f.type) || arrow.DataType.isTimestamp(f.type))
      .map((f) => f.name);
    return result.toArray().map((row) => normalizeRow(row.toJSON(), dates) as T);
  }

  /** Shuts the worker down. */
  async close(): Promise<void> {
    await this.connection.close();
    await this.db.terminate();
  }
}

/** Double-quotes an identifier for DuckDB. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Converts DuckDB's BIGINTs to numbers and its dates and timestamps (epoch milliseconds in Arrow) to Dates, which
 * is what pages and Plot expect. (Cast HUGEINT sums to BIGINT or DOUBLE in SQL: Arrow has no plain 128-bit integer.)
 */
function normalizeRow(row: Record<string, unknown>, dates: string[]): Record<string, unknown> {
  for (const key of Object.keys(row)) {
    const value = row[key];
    if (typeof value === "bigint") row[key] = Number(value);
  }
  for (const key of dates) {
    const value = row[key];
    if (typeof value === "number" || typeof value === "bigint") row[key] = new Date(Number(value));
  }
  return row;
}

/** Decodes a Parquet file into an Arrow table with matching column types. */
export async function parquetToArrow(buffer: ArrayBuffer): Promise<arrow.Table> {
  const metadata = parquetMetadata(buffer);
  const fields = parquetSchema(metadata).children;
  const columns = new Map<string, unknown[]>();
  await parquetRead({
    file: buffer,
    metadata,
    onChunk: ({ columnName, columnData, rowStart }) => {
      let target = columns.get(columnName);
      if (!target) columns.set(columnName, (target = []));
      for (let i = 0; i < columnData.length; i++) {
        const value = columnData[i];
        target[rowStart + i] = typeof value === "bigint" ? Number(value) : value;
      }
    },
  });
  const vectors: Record<string, arrow.Vector> = {};
  for (const field of fields) {
    const name = field.element.name;
    vectors[name] = arrow.vectorFromArray(columns.get(name) ?? [], arrowType(field));
  }
  return new arrow.Table(vectors);
}

/** The Arrow type that holds a flat Parquet column as hyparquet decodes it. */
function arrowType(field: SchemaTree): arrow.DataType {
  const { type, converted_type, logical_type } = field.element;
  if (logical_type?.type === "DATE" || converted_type === "DATE") return new arrow.DateMillisecond();
  if (logical_type?.type === "TIMESTAMP" || converted_type === "TIMESTAMP_MILLIS" || converted_type === "TIMESTAMP_MICROS") {
    return new arrow.TimestampMillisecond();
  }
  switch (type) {
    case "BOOLEAN":
      return new arrow.Bool();
    case "INT32":
      return new arrow.Int32();
    case "INT64":
    case "DOUBLE":
      return new arrow.Float64();
    case "FLOAT":
      return new arrow.Float32();
    default:
      return new arrow.Utf8();
  }
}

/** Opens DuckDB-WASM and loads each named Parquet file as a table. */
export async function openTables(bundle: DuckDBBundle, tables: Record<string, string>): Promise<ScoreDatabase> {
  const db = await ScoreDatabase.open(bundle);
  await Promise.all(Object.entries(tables).map(([name, url]) => db.loadParquet(name, url)));
  return db;
}
