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
import { parquetToArrow } from "../loaders/contract/parquet-arrow.js";
import type { SqlParam } from "../loaders/contract/schema.js";

export * from "./remote-parquet.js";

/** URLs of the DuckDB-WASM engine and its worker, served as plain files (see src/lib). */
export interface DuckDBBundle {
  wasm: string;
  worker: string;
}

/** A DuckDB-WASM database holding the site's tables. */
export class ScoreDatabase {
  /** Prepared statements by SQL text: a filter change reuses its statement (one worker round trip per query). */
  private readonly statements = new Map<string, Promise<duckdb.AsyncPreparedStatement>>();

  private constructor(
    private readonly db: duckdb.AsyncDuckDB,
    private readonly connection: duckdb.AsyncDuckDBConnection,
  ) {}

  /**
   * Starts DuckDB-WASM in a worker; `onBytes` follows the engine's download. The engine is downloaded here, on the
   * page (so that a `<link rel="preload">` of it, which starts with the page, is used), and handed to the worker as
   * a blob.
   */
  static async open(bundle: DuckDBBundle, onBytes?: (loaded: number, total: number) => void): Promise<ScoreDatabase> {
    const worker = new Worker(bundle.worker);
    const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
    const response = await fetch(bundle.wasm);
    if (!response.ok) throw new Error(`Could not load ${bundle.wasm}: HTTP ${response.status}`);
    const engine = URL.createObjectURL(
      new Blob([onBytes ? await readCounting(response, onBytes) : await response.arrayBuffer()], {
        type: "application/wasm",
      }),
    );
    try {
      await db.instantiate(engine);
    } finally {
      URL.revokeObjectURL(engine);
    }
    const connection = await db.connect();
    // Everything is local: never try to install or load an extension from the network.
    await connection.query("SET autoinstall_known_extensions = false; SET autoload_known_extensions = false");
    return new ScoreDatabase(db, connection);
  }

  /**
   * Fetches a Parquet file and loads it as table `name` (replacing any table of that name). With `columns`, only
   * those columns are decoded and loaded.
   */
  async loadParquet(name: string, url: string, options: { columns?: string[] } = {}): Promise<void> {
    await this.insertArrow(name, await fetchArrow(url, options.columns));
  }

  /** Loads an Arrow IPC stream as table `name` (replacing any table of that name): DuckDB reads it natively. */
  async insertIPC(name: string, stream: Uint8Array): Promise<void> {
    await this.connection.query(`DROP TABLE IF EXISTS ${quoteIdentifier(name)}`);
    await this.connection.insertArrowFromIPCStream(stream, { name, create: true });
  }

  /** Loads an Arrow table as table `name` (replacing any table of that name). */
  async insertArrow(name: string, table: arrow.Table): Promise<void> {
    await this.connection.query(`DROP TABLE IF EXISTS ${quoteIdentifier(name)}`);
    await this.connection.insertArrowTable(table, { name, create: true });
  }

  /** A prepared statement for `sql`, kept for reuse (the least recently prepared of 64 is closed). */
  private statement(sql: string): Promise<duckdb.AsyncPreparedStatement> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.connection.prepare(sql);
      statement.catch(() => this.statements.delete(sql));
      this.statements.set(sql, statement);
      if (this.statements.size > 64) {
        const [oldest, evicted] = this.statements.entries().next().value!;
        this.statements.delete(oldest);
        void evicted.then((s) => s.close()).catch(() => undefined);
      }
    }
    return statement;
  }

  /** Runs a query with positional parameters (`?`) and returns plain row objects. */
  async query<T = Record<string, unknown>>(sql: string, params: SqlParam[] = []): Promise<T[]> {
    const result =
      params.length === 0 ? await this.connection.query(sql) : await (await this.statement(sql)).query(...params);
    const dates = result.schema.fields
      .filter((f) => arrow.DataType.isDate(f.type) || arrow.DataType.isTimestamp(f.type))
      .map((f) => f.name);
    return result.toArray().map((row) => normalizeRow(row.toJSON(), dates) as T);
  }

  /** Shuts the worker down. */
  async close(): Promise<void> {
    for (const statement of this.statements.values()) await statement.then((s) => s.close()).catch(() => undefined);
    this.statements.clear();
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

/** Fetches a Parquet file and decodes it (or some of its columns) into an Arrow table; `onBytes` follows the download. */
export async function fetchArrow(
  url: string,
  columns?: string[],
  onBytes?: (loaded: number, total: number) => void,
): Promise<arrow.Table> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Could not load ${url}: HTTP ${response.status}`);
  return parquetToArrow(onBytes ? await readCounting(response, onBytes) : await response.arrayBuffer(), columns);
}

/** A response's body, reporting the bytes received so far and the total (0 when the server does not say). */
async function readCounting(
  response: Response,
  onBytes: (loaded: number, total: number) => void,
): Promise<ArrayBuffer> {
  const total = Number(response.headers.get("content-length") ?? 0);
  if (!response.body) return response.arrayBuffer();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onBytes(loaded, total);
  }
  const buffer = new Uint8Array(loaded);
  let at = 0;
  for (const chunk of chunks) {
    buffer.set(chunk, at);
    at += chunk.byteLength;
  }
  return buffer.buffer;
}

/** A table to load: a Parquet file's URL, or the URL and the columns to keep; a URL ending in `.arrow` is an Arrow
 * IPC stream, which DuckDB reads natively (columns are then all kept). */
export type TableSource = string | { url: string; columns?: string[] };

/** Whether a URL names an Arrow IPC stream (by its extension, before any query string). */
function isArrowStream(url: string): boolean {
  return /\.arrow(?:[?#].*)?$/.test(url);
}

/** Downloads a table's source: Arrow IPC bytes as they are, Parquet decoded into an Arrow table. */
async function fetchTable(
  source: TableSource,
  onBytes?: (loaded: number, total: number) => void,
): Promise<arrow.Table | Uint8Array> {
  const { url, columns } = typeof source === "string" ? { url: source, columns: undefined } : source;
  if (!isArrowStream(url)) return fetchArrow(url, columns, onBytes);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Could not load ${url}: HTTP ${response.status}`);
  return new Uint8Array(onBytes ? await readCounting(response, onBytes) : await response.arrayBuffer());
}

/** How far `openTables` is: bytes downloaded of the engine and the files (totals 0 while unknown), and the stage. */
export interface LoadProgress {
  loaded: number;
  total: number;
  stage: "downloading" | "loading";
}

/**
 * Opens DuckDB-WASM and loads each named Parquet file as a table. `onProgress` follows the downloads (engine and
 * files together), then the loading of the tables.
 */
export async function openTables(
  bundle: DuckDBBundle,
  tables: Record<string, TableSource>,
  onProgress?: (progress: LoadProgress) => void,
): Promise<ScoreDatabase> {
  const parts = new Map<string, { loaded: number; total: number }>();
  const report = (part: string) => (loaded: number, total: number) => {
    parts.set(part, { loaded, total });
    const all = [...parts.values()];
    onProgress?.({
      loaded: all.reduce((t, p) => t + p.loaded, 0),
      total: all.reduce((t, p) => t + p.total, 0),
      stage: "downloading",
    });
  };
  // Start the engine while the files download and decode.
  const [db, decoded] = await Promise.all([
    ScoreDatabase.open(bundle, onProgress && report("engine")),
    Promise.all(
      Object.entries(tables).map(
        async ([name, source]) => [name, await fetchTable(source, onProgress && report(name))] as const,
      ),
    ),
  ]);
  onProgress?.({
    ...[...parts.values()].reduce((t, p) => ({ loaded: t.loaded + p.loaded, total: t.total + p.total }), {
      loaded: 0,
      total: 0,
    }),
    stage: "loading",
  });
  for (const [name, table] of decoded)
    await (table instanceof Uint8Array ? db.insertIPC(name, table) : db.insertArrow(name, table));
  return db;
}
