/**
 * Reads DuckDB query results column-wise, chunk by chunk, straight into typed arrays: no per-row JavaScript
 * objects, so large feature sets stay in compact memory.
 */
import type { DuckDBVector } from "@duckdb/node-api";
import type { Session } from "../ingest/session.js";

/** Called per chunk with the chunk's column vectors and row count. */
export type ChunkVisitor = (columns: DuckDBVector[], rows: number) => void;

/** Streams a query and calls `visit` for every chunk. */
export async function forEachChunk(session: Session, sql: string, visit: ChunkVisitor): Promise<void> {
  const result = await session.stream(sql);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const columns: DuckDBVector[] = [];
    for (let i = 0; i < chunk.columnCount; i++) columns.push(chunk.getColumnVector(i));
    visit(columns, chunk.rowCount);
  }
}

/** A numeric value of a vector (NULL -> NaN). */
export function numberAt(vector: DuckDBVector, row: number): number {
  const v = vector.getItem(row);
  return v === null ? Number.NaN : Number(v);
}
