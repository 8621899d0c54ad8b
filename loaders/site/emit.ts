/**
 * Turning DuckDB query results into the compact files the site ships (Parquet for DuckDB-WASM, JSON for small
 * facts). Data loaders call these and write the bytes to stdout, as Observable Framework expects.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../db/duckdb.js";
import { str as sqlString } from "../sql/quote.js";

/**
 * Runs `sql` and returns the result as Parquet bytes (Snappy, which the browser decodes without extra code).
 * `setup` statements (e.g. views over input files) run first on the same connection.
 */
export async function queryToParquet(sql: string, setup: string[] = []): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), "customer-ai-"));
  const file = join(dir, "out.parquet");
  const db = await openDatabase();
  try {
    for (const statement of setup) await db.connection.run(statement);
    await db.connection.run(`COPY (${sql}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION snappy)`);
    return readFileSync(file);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a loader's output to stdout and resolves once it is flushed. */
export function writeOutput(bytes: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(bytes, (error) => (error ? reject(error) : resolve())));
}
