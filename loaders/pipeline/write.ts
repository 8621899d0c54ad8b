/**
 * Writing output tables from JavaScript arrays to Parquet: rows go into an in-memory DuckDB table through the
 * appender, 2,048 at a time, and DuckDB writes the sorted file (spilling to disk if the table outgrows its memory
 * limit).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DOUBLE,
  DuckDBDataChunk,
  type DuckDBType,
  type DuckDBValue,
  FLOAT,
  TIMESTAMP,
  USMALLINT,
  UTINYINT,
  VARCHAR,
} from "@duckdb/node-api";
import { type Database, openDatabase } from "../db/duckdb.js";
import {
  type OutputColumn,
  type OutputType,
  copyToParquetSql,
  createOutputTableSql,
  dropOutputTableSql,
} from "./outputs-sql.js";

const TYPES: Record<OutputType, DuckDBType> = { VARCHAR, FLOAT, DOUBLE, UTINYINT, USMALLINT, TIMESTAMP };
const CHUNK = 2048;

/** Output tables being filled, then written as Parquet. */
export class TableWriter {
  private readonly tables = new Map<string, OutputColumn[]>();

  private constructor(
    private readonly db: Database,
    private readonly spill: string,
  ) {}

  /** Opens an in-memory DuckDB with a memory limit and a private spill folder. */
  static async open(memoryLimit = "2GB"): Promise<TableWriter> {
    const spill = mkdtempSync(join(tmpdir(), "customer-ai-out-"));
    return new TableWriter(await openDatabase({ memoryLimit, tempDirectory: spill }), spill);
  }

  /** Creates an empty table. */
  async create(table: string, columns: OutputColumn[]): Promise<void> {
    await this.db.connection.run(createOutputTableSql(table, columns));
    this.tables.set(table, columns);
  }

  /** Appends rows given as one array per column (in the table's column order; null = NULL). */
  async append(table: string, columns: readonly (readonly DuckDBValue[])[]): Promise<void> {
    const spec = this.tables.get(table);
    if (!spec) throw new Error(`TableWriter: unknown table ${table}`);
    const rows = columns[0]?.length ?? 0;
    const appender = await this.db.connection.createAppender(table);
    try {
      for (let from = 0; from < rows; from += CHUNK) {
        const n = Math.min(CHUNK, rows - from);
        const chunk = DuckDBDataChunk.create(
          spec.map((c) => TYPES[c.type]),
          n,
        );
        chunk.setColumns(columns.map((values) => values.slice(from, from + n)));
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  /** Writes a table to a Parquet file sorted by `orderBy`, then drops it. */
  async writeParquet(table: string, file: string, orderBy: string[], rowGroupSize = 122_880): Promise<void> {
    await this.db.connection.run(copyToParquetSql(table, file, orderBy, rowGroupSize));
    await this.db.connection.run(dropOutputTableSql(table));
    this.tables.delete(table);
  }

  /** Runs a statement on the writer's database (e.g. to create a table from a query). */
  async run(sql: string): Promise<void> {
    await this.db.connection.run(sql);
  }

  /** Closes the database and removes the spill folder. */
  close(): void {
    this.db.close();
    rmSync(this.spill, { recursive: true, force: true });
  }
}
