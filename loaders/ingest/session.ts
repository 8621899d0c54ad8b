/**
 * A DuckDB session for ingest and feature work: a temporary file-backed database (stored tables are compressed;
 * TEMP tables are kept in memory), a memory limit and a spill folder (so large queries and TEMP tables spill to
 * disk instead of exhausting memory), UTC time zone, and helpers that return plain JavaScript values. The database
 * file and spill folder are removed on close.
 */
import { mkdirSync, rmSync } from "node:fs";
import { totalmem, tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBConnection, DuckDBInstance, type DuckDBResult } from "@duckdb/node-api";
import { UserError } from "../config/errors.js";
import {
  DEFAULT_MEMORY_LIMIT,
  MEMORY_LIMIT_ENV,
  MEMORY_LIMIT_EXPECTED,
  memoryLimitBytes,
} from "../config/resources.js";

/** Options of `openSession`. */
export interface SessionOptions {
  /** DuckDB memory limit, e.g. "6GB" or "50%" of physical memory (default: the environment variable
   * `CUSTOMER_AI_MEMORY_LIMIT`, else the configuration's `resources.memoryLimit` once `useConfiguredLimit` is
   * called, else 40%). */
  memoryLimit?: string;
  /** Folder for the temporary database file and spilled data (default: a fresh folder in the OS temp
   * directory). The session removes what it created there on close. */
  tempDirectory?: string;
  /** Worker threads (default: all cores). */
  threads?: number;
  /** Called after every statement with its SQL and duration (for profiling). */
  onQuery?: (sql: string, ms: number) => void;
}

/** A plain value read from DuckDB: numbers (BIGINTs that fit), strings, booleans, null, or lists of them. */
export type Plain = number | string | boolean | null | Plain[];

/** A DuckDB connection with the settings used throughout ingest and features. */
export class Session {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    /** The memory limit in effect, e.g. "6144MiB". */
    public memoryLimit: string,
    /** Whether the limit is the default one, which a configuration's `resources.memoryLimit` replaces. */
    private byDefault: boolean,
    /** The folder holding the database file and spilled data (removed on close). */
    readonly folder: string,
    private readonly onQuery: ((sql: string, ms: number) => void) | undefined,
  ) {}

  /** Opens a session. */
  static async open(options: SessionOptions = {}): Promise<Session> {
    const env = process.env[MEMORY_LIMIT_ENV]?.trim() || undefined;
    const limitKey = options.memoryLimit ? "memoryLimit" : env ? MEMORY_LIMIT_ENV : "default";
    const memoryLimit = duckdbLimit(options.memoryLimit ?? env ?? DEFAULT_MEMORY_LIMIT, limitKey);
    const unique = `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const folder = join(options.tempDirectory ?? tmpdir(), `customer-ai-duckdb-${unique}`);
    mkdirSync(join(folder, "spill"), { recursive: true });
    OPEN_FOLDERS.add(folder);
    const config: Record<string, string> = { memory_limit: memoryLimit, temp_directory: join(folder, "spill") };
    if (options.threads) config.threads = String(options.threads);
    const instance = await DuckDBInstance.create(join(folder, "work.duckdb"), config);
    const connection = await instance.connect();
    const defaultLimit = !options.memoryLimit && !env;
    const session = new Session(instance, connection, memoryLimit, defaultLimit, folder, options.onQuery);
    await session.run("SET TimeZone = 'UTC'");
    await session.run("SET preserve_insertion_order = true");
    return session;
  }

  /** Applies a configuration's `resources.memoryLimit` (null: keep the default) unless the session's limit was
   * given explicitly or by `CUSTOMER_AI_MEMORY_LIMIT`. */
  async useConfiguredLimit(limit: string | null): Promise<void> {
    if (limit === null || !this.byDefault) return;
    this.memoryLimit = duckdbLimit(limit, "resources.memoryLimit");
    this.byDefault = false;
    await this.run(`SET memory_limit = '${this.memoryLimit}'`);
  }

  /** Runs statements, in order. */
  async run(...statements: string[]): Promise<void> {
    for (const sql of statements) {
      const started = performance.now();
      await this.connection.run(sql).catch((error: unknown) => this.fail(error));
      this.onQuery?.(sql, performance.now() - started);
    }
  }

  /** Rethrows a DuckDB error; running out of memory under the limit is one line naming the settings. */
  private fail(error: unknown): never {
    const message = error instanceof Error ? error.message : String(error);
    if (!message.startsWith("Out of Memory Error")) throw error;
    throw new UserError(
      "config",
      `DuckDB needs more memory than its limit of ${this.memoryLimit} allows (${message.split("\n")[0]}); ` +
        `raise resources.memoryLimit in the configuration or ${MEMORY_LIMIT_ENV}, or free memory on this machine`,
    );
  }

  /** Runs a query and returns its rows as objects of plain values. */
  async rows(sql: string): Promise<Record<string, Plain>[]> {
    const started = performance.now();
    const reader = await this.connection.runAndReadAll(sql).catch((error: unknown) => this.fail(error));
    this.onQuery?.(sql, performance.now() - started);
    return (reader.getRowObjectsJS() as Record<string, unknown>[]).map((row) => {
      const out: Record<string, Plain> = {};
      for (const [k, v] of Object.entries(row)) out[k] = plain(v);
      return out;
    });
  }

  /** The first row of a query (or an empty object). */
  async row(sql: string): Promise<Record<string, Plain>> {
    return (await this.rows(sql))[0] ?? {};
  }

  /** Runs a query and returns a streaming result, to read large outputs chunk by chunk. */
  async stream(sql: string): Promise<DuckDBResult> {
    return this.connection.stream(sql).catch((error: unknown) => this.fail(error));
  }

  /** DuckDB's current memory use in bytes (buffer manager). */
  async memoryUsage(): Promise<number> {
    const r = await this.row("SELECT sum(memory_usage_bytes)::DOUBLE AS bytes FROM duckdb_memory()");
    return Number(r.bytes ?? 0);
  }

  /** Closes the connection and removes the database file and spill folder. */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
    rmSync(this.folder, { recursive: true, force: true });
    OPEN_FOLDERS.delete(this.folder);
  }
}

/** Folders of open sessions, removed when the process exits without closing them (an error thrown past `close`). */
const OPEN_FOLDERS = new Set<string>();
process.on("exit", () => {
  for (const folder of OPEN_FOLDERS) rmSync(folder, { recursive: true, force: true });
});

/** A memory limit as DuckDB takes it (whole MiB), from an amount or a share of physical memory; `key` names the
 * setting in the error. */
function duckdbLimit(text: string, key: string): string {
  const bytes = memoryLimitBytes(text, totalmem());
  if (bytes === null) {
    throw new UserError("config", `${key}: expected ${MEMORY_LIMIT_EXPECTED} but got ${JSON.stringify(text)}`);
  }
  return `${Math.floor(bytes / 2 ** 20)}MiB`;
}

/** Converts a DuckDB JS value to a plain value. */
function plain(value: unknown): Plain {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") {
    const safe = value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
    return safe ? Number(value) : value.toString();
  }
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(plain);
  return String(value);
}
