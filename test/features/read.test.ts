/**
 * Reading query results as numbers: the direct path over node-api's typed vectors must give exactly what reading
 * item by item gives, NULLs included, for every numeric type the feature queries return.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Session } from "../../loaders/ingest/session.js";
import { forEachChunk, forEachNamedChunk, forEachNumericChunk, numberAt } from "../../loaders/features/read.js";

let session: Session;
beforeAll(async () => {
  session = await Session.open({ memoryLimit: "1GB", threads: 2 });
});
afterAll(() => session.close());

const SQL = `SELECT
    i::INTEGER AS int, (i % 200)::UTINYINT AS tiny, (i % 60000)::USMALLINT AS small, i::BIGINT * 3 AS big,
    CASE WHEN i % 7 = 0 THEN NULL ELSE i / 3 END::FLOAT AS float, CASE WHEN i % 5 = 0 THEN NULL ELSE ln(i + 1) END AS double,
    CASE WHEN i % 3 = 0 THEN NULL ELSE i END::INTEGER AS sparse, (i % 2 = 0) AS flag, NULL::FLOAT AS empty
  FROM range(5000) t(i) ORDER BY i`;

describe("numeric chunks", () => {
  it("gives the same numbers and NaN for NULL as reading item by item", async () => {
    const slow: number[][] = [];
    await forEachChunk(session, SQL, (cols, n) => {
      for (let i = 0; i < n; i++) slow.push(cols.map((c) => numberAt(c, i)));
    });
    const fast: number[][] = [];
    await forEachNumericChunk(session, SQL, (cols, n) => {
      for (let i = 0; i < n; i++) fast.push(cols.map((c) => c[i]!));
    });
    expect(fast.length).toBe(5000);
    expect(fast).toEqual(slow);
    expect(fast[7]![4]).toBeNaN();
    expect(fast[1]![4]).toBe(Math.fround(1 / 3));
    expect(fast[4999]![3]).toBe(4999 * 3);
  });
});

describe("named chunks", () => {
  it("give each column under its name, the same numbers as by position", async () => {
    const names = ["int", "tiny", "small", "big", "float", "double", "sparse", "flag", "empty"];
    const byPosition: number[][] = [];
    await forEachNumericChunk(session, SQL, (cols, n) => {
      for (let i = 0; i < n; i++) byPosition.push(cols.map((c) => c[i]!));
    });
    const byName: number[][] = [];
    await forEachNamedChunk(session, SQL, (cols, n) => {
      expect(Object.keys(cols)).toEqual(names);
      for (let i = 0; i < n; i++) byName.push(names.map((name) => cols[name]![i]!));
    });
    expect(byName).toEqual(byPosition);
    expect(byName[10]![names.indexOf("big")]).toBe(30);
  });

  it("refuses a query whose columns share a name (a column read by name would be ambiguous)", async () => {
    const read = forEachNamedChunk(session, "SELECT 1 AS a, 2 AS b, 3 AS a", () => {});
    await expect(read).rejects.toThrow(/duplicate column names: a, b, a/);
  });
});
