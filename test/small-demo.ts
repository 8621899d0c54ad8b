/**
 * Shared by the tests that run the whole pipeline on a small generated demo (not a test file itself): the demo's
 * configuration made small enough to train in seconds, and DuckDB queries over the files a run wrote.
 */
import { resolvedDemoConfig } from "../loaders/config/demo.js";
import type { ResolvedConfig } from "../loaders/config/types.js";
import { openDatabase } from "../loaders/db/duckdb.js";

/**
 * The demo's configuration for the demo data in `dataDir`, with `nTrees` trees and 50 positive and 50 negative
 * examples required of every instance (what a few thousand generated people meet).
 */
export function smallDemoConfig(dataDir: string, nTrees: number): ResolvedConfig {
  const config = resolvedDemoConfig(dataDir);
  config.training.model = { nTrees };
  for (const inst of config.instances) inst.requirements = { minPositive: 50, minNegative: 50 };
  return config;
}

/** The rows of a query as plain objects, in a DuckDB database opened for it. */
export async function queryRows(sql: string): Promise<Record<string, unknown>[]> {
  const db = await openDatabase();
  try {
    return (await db.connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}
