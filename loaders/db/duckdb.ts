/**
 * Opening DuckDB for build-time work: an in-memory database with a memory limit and a spill directory, so scans
 * over large event files stay within bounded memory.
 */
import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { mkdirSync } from "node:fs";

/** Options for a build-time DuckDB session. */
export interface DatabaseOptions {
  /** DuckDB memory limit, e.g. "4GB" (default: DuckDB's own, 80% of RAM). */
  memoryLimit?: string;
  /** Folder where DuckDB spills intermediate results that do not fit in memory. */
  tempDirectory?: string;
  /** Worker threads (default: all cores). */
  threads?: number;
}

/** A connection plus the instance it belongs to; `close()` releases both. */
export interface Database {
  connection: DuckDBConnection;
  close(): void;
}

/** Opens an in-memory DuckDB with the given limits. */
export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const config: Record<string, string> = {};
  if (options.memoryLimit) config["memory_limit"] = options.memoryLimit;
  if (options.threads) config["threads"] = String(options.threads);
  if (options.tempDirectory) {
    mkdirSync(options.tempDirectory, { recursive: true });
    config["temp_directory"] = options.tempDirectory;
  }
  const instance = await DuckDBInstance.create(":memory:", config);
  const connection = await instance.connect();
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
