/**
 * The browser data layer in Node: Parquet written by DuckDB decodes into Arrow with the right values and nulls
 * (only the asked-for columns), and one key's rows are read from an id-sorted file touching only the row groups
 * that can hold it.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parquetMetadataAsync } from "hyparquet";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as arrow from "apache-arrow";
import { readRowsByKey, type RemoteParquet } from "../../components/data.js";
import { parquetToArrow } from "../../loaders/contract/parquet-arrow.js";
import { explorerArrow } from "../../loaders/site/explorer-arrow.js";
import { openDatabase } from "../../loaders/db/duckdb.js";

let dir: string;
let scores: ArrayBuffer;
let factors: ArrayBuffer;

const bytesOf = (file: string) => {
  const b = readFileSync(file);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "data-test-"));
  const db = await openDatabase();
  await db.connection
    .run(`COPY (SELECT 'p' || lpad(i::VARCHAR, 4, '0') AS id, (i / 1000)::FLOAT AS probability, (i % 101)::UTINYINT AS score,
      CASE WHEN i % 7 = 0 THEN NULL ELSE (i % 5)::USMALLINT END AS f_1, CASE WHEN i % 3 = 0 THEN NULL ELSE i * 1.5 END::FLOAT AS f_2,
      ['High', 'Medium', 'Low'][i % 3 + 1] AS bucket, TIMESTAMP '2026-01-01' + INTERVAL (i) MINUTE AS time
    FROM range(1000) t(i)) TO '${dir}/scores.parquet' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 300)`);
  await db.connection
    .run(`COPY (SELECT 'p' || lpad((i // 4)::VARCHAR, 5, '0') AS id, (i % 4)::UTINYINT AS rank, (i * 0.25)::FLOAT AS contribution
    FROM range(40000) t(i) ORDER BY 1, 2) TO '${dir}/factors.parquet' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 2048)`);
  db.close();
  scores = bytesOf(join(dir, "scores.parquet"));
  factors = bytesOf(join(dir, "factors.parquet"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("decoding Parquet into Arrow", () => {
  test("values, nulls and types survive", async () => {
    const table = await parquetToArrow(scores);
    expect(table.numRows).toBe(1000);
    const row = (i: number) => table.get(i)!.toJSON();
    expect(row(10)).toMatchObject({ id: "p0010", score: 10, f_1: 0, f_2: 15, bucket: "Medium" });
    expect(row(11)).toMatchObject({ f_1: 1, f_2: 16.5 });
    expect(row(999)["probability"]).toBeCloseTo(0.999, 6);
    expect(row(12)["f_2"]).toBeNull();
    expect(row(14)["f_1"]).toBeNull();
    expect(new Date(row(61)["time"] as number).toISOString()).toBe("2026-01-01T01:01:00.000Z");
    expect(table.getChild("f_1")!.nullCount).toBe(143);
  });

  test("only the asked-for columns", async () => {
    const table = await parquetToArrow(scores, ["id", "score"]);
    expect(table.schema.fields.map((f) => f.name)).toEqual(["id", "score"]);
    expect(table.get(500)!.toJSON()).toEqual({ id: "p0500", score: 500 % 101 });
  });
});

describe("reading one key's rows", () => {
  test("only the row groups that can hold the key are fetched", async () => {
    const fetched: [number, number][] = [];
    const file = {
      byteLength: factors.byteLength,
      slice: (start: number, end?: number) => (
        fetched.push([start, end ?? factors.byteLength]),
        factors.slice(start, end)
      ),
    };
    const metadata = await parquetMetadataAsync(file);
    expect(metadata.row_groups.length).toBeGreaterThan(10);
    const source: RemoteParquet = { file, metadata, bytesRead: () => 0 };
    fetched.length = 0;
    const rows = await readRowsByKey(source, "p05130");
    expect(rows.map((r) => [r["rank"], r["contribution"]])).toEqual(
      [0, 1, 2, 3].map((k) => [k, (5130 * 4 + k) * 0.25]),
    );
    const read = fetched.reduce((t, [a, b]) => t + b - a, 0);
    expect(read).toBeLessThan(factors.byteLength / 5);
    expect(await readRowsByKey(source, "nobody")).toEqual([]);
    expect(await readRowsByKey(source, "<img src=x onerror=alert(1)>")).toEqual([]);
  });
});

describe("the scores page's table as Arrow IPC", () => {
  test("holds the Parquet file's rows and values, integers in the narrowest unsigned type", async () => {
    const table = arrow.tableFromIPC(await explorerArrow(new Uint8Array(scores)));
    const decoded = await parquetToArrow(scores);
    expect(table.numRows).toBe(1000);
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      "id:Utf8",
      "probability:Float32",
      "score:Uint8",
      "f_1:Uint8",
      "f_2:Float32",
      "bucket:Utf8",
      "time:Timestamp<MILLISECOND>",
    ]);
    for (const name of ["id", "probability", "score", "f_1", "f_2", "bucket"]) {
      expect(table.getChild(name)!.toArray().length).toBe(1000);
      for (const i of [0, 1, 6, 7, 300, 999])
        expect(table.getChild(name)!.get(i)).toEqual(decoded.getChild(name)!.get(i));
    }
    expect(table.getChild("f_1")!.nullCount).toBe(143);
  });
});
