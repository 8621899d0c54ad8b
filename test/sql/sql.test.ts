import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../loaders/config/errors.js";
import type { Condition } from "../../loaders/config/types.js";
import { Session } from "../../loaders/ingest/session.js";
import { type FieldResolver, compileCondition, compileGroup, fieldTypeOf } from "../../loaders/sql/conditions.js";
import { columnsOf, compileExpression, parseExpression } from "../../loaders/sql/expression.js";
import { ident, num, str, timestamp } from "../../loaders/sql/quote.js";

let session: Session;

beforeAll(async () => {
  session = await Session.open({ memoryLimit: "1GB", threads: 1 });
  await session.run(`CREATE TABLE t AS SELECT * FROM (VALUES
    (1, 'commerce.purchases', '12.5', 12.5, TIMESTAMP '2025-05-01 10:00:00', 'Holiday offers 2025'),
    (2, 'commerce.productViews', 'abc', NULL, TIMESTAMP '2025-06-01 00:00:00', NULL),
    (3, 'search', '', 3.0, NULL, 'it''s "quoted"'),
    (4, NULL, '7', 7.0, TIMESTAMP '2025-07-15 12:00:00', 'Weekly picks')
  ) AS v(id, "eventType", "text.amount", "num.amount", ts, "marketing.campaignName")`);
});
afterAll(() => session.close());

const resolve: FieldResolver = (field, path) => {
  const types: Record<string, "text" | "number" | "timestamp"> = {
    eventType: "text",
    "text.amount": "text",
    "num.amount": "number",
    ts: "timestamp",
    "marketing.campaignName": "text",
  };
  if (!(field in types)) throw new UserError("column_missing", `${path}: no column "${field}"`);
  return { sql: ident(field), type: types[field] };
};

/** Ids of the rows matching a condition. */
async function matching(condition: Condition): Promise<number[]> {
  const rows = await session.rows(
    `SELECT id FROM t WHERE ${compileCondition(condition, resolve, "goal.conditions[0]")} ORDER BY id`,
  );
  return rows.map((r) => Number(r.id));
}

describe("quoting", () => {
  it("quotes identifiers with dots and quotes, and strings with quotes", () => {
    expect(ident("identityMap.ECID")).toBe('"identityMap.ECID"');
    expect(ident('we"ird')).toBe('"we""ird"');
    expect(str("it's")).toBe("'it''s'");
    expect(num(2.5)).toBe("CAST(2.5 AS DOUBLE)");
    expect(timestamp("2025-05-01")).toBe("TIMESTAMP '2025-05-01'");
    expect(() => num(Number.NaN)).toThrow("expected a finite number but got NaN");
    expect(() => timestamp("May 1st")).toThrow(
      'expected a date like 2025-05-01 or 2025-05-01 13:45:00 but got "May 1st"',
    );
    expect(() => str("a\u0000b")).toThrow("must not contain NUL characters");
  });

  it("never lets a value escape its literal", async () => {
    const hostile = "x' OR 1=1; DROP TABLE t; --";
    expect(await matching({ field: "eventType", op: "equals", value: hostile })).toEqual([]);
    expect(await matching({ field: "marketing.campaignName", op: "equals", value: `it's "quoted"` })).toEqual([3]);
    expect(Number((await session.row("SELECT count(*) AS n FROM t")).n)).toBe(4);
  });
});

describe("field types", () => {
  it("maps DuckDB types to families; lists and arrays are none of them", () => {
    const cases = {
      VARCHAR: "text",
      "DECIMAL(10,2)": "number",
      BIGINT: "number",
      "TIMESTAMP WITH TIME ZONE": "timestamp",
      DATE: "timestamp",
      BOOLEAN: "boolean",
    };
    for (const [type, family] of Object.entries(cases)) expect(fieldTypeOf(type)).toBe(family);
    for (const type of ["BIGINT[]", "VARCHAR[]", "TIMESTAMP[3]", 'STRUCT("id" VARCHAR)[]', 'STRUCT("id" VARCHAR)'])
      expect(fieldTypeOf(type)).toBe("other");
  });
});

describe("conditions", () => {
  it("compiles every operator with typed comparisons and NULL-free results", async () => {
    expect(await matching({ field: "eventType", op: "equals", value: "search" })).toEqual([3]);
    expect(await matching({ field: "eventType", op: "notEquals", value: "search" })).toEqual([1, 2, 4]);
    expect(await matching({ field: "eventType", op: "in", value: ["search", "commerce.purchases"] })).toEqual([1, 3]);
    expect(await matching({ field: "eventType", op: "startsWith", value: "commerce." })).toEqual([1, 2]);
    expect(await matching({ field: "eventType", op: "contains", value: "View" })).toEqual([2]);
    expect(await matching({ field: "text.amount", op: "exists" })).toEqual([1, 2, 4]);
    expect(await matching({ field: "text.amount", op: "exists", value: false })).toEqual([3]);
    expect(await matching({ field: "num.amount", op: "exists" })).toEqual([1, 3, 4]);
    // Numbers compare numerically, also in text columns (unparseable text never matches).
    expect(await matching({ field: "text.amount", op: "gt", value: 10 })).toEqual([1]);
    expect(await matching({ field: "text.amount", op: "lte", value: 7 })).toEqual([4]);
    expect(await matching({ field: "num.amount", op: "gte", value: 7 })).toEqual([1, 4]);
    expect(await matching({ field: "num.amount", op: "lt", value: 7 })).toEqual([3]);
    expect(await matching({ field: "num.amount", op: "between", value: [3, 7] })).toEqual([3, 4]);
    expect(await matching({ field: "text.amount", op: "equals", value: 12.5 })).toEqual([1]);
    // Dates compare as timestamps.
    expect(await matching({ field: "ts", op: "gte", value: "2025-06-01" })).toEqual([2, 4]);
    expect(await matching({ field: "ts", op: "between", value: ["2025-05-01", "2025-06-30"] })).toEqual([1, 2]);
    expect(await matching({ field: "eventType", op: "startsWith", value: "commerce.", not: true })).toEqual([3, 4]);
  });

  it("combines conditions with ALL and ANY", async () => {
    const group = (match: "all" | "any") =>
      compileGroup(
        {
          match,
          conditions: [
            { field: "eventType", op: "startsWith", value: "commerce." },
            { field: "marketing.campaignName", op: "startsWith", value: "Holiday" },
          ],
        },
        resolve,
        "customEvents[0]",
      );
    expect((await session.rows(`SELECT id FROM t WHERE ${group("all")} ORDER BY id`)).map((r) => r.id)).toEqual([1]);
    expect((await session.rows(`SELECT id FROM t WHERE ${group("any")} ORDER BY id`)).map((r) => r.id)).toEqual([1, 2]);
  });

  it("names the condition when a field is unknown or a value does not fit the field", () => {
    expect(() =>
      compileCondition({ field: "evenType", op: "equals", value: "x" }, resolve, "instances[0].goal.conditions[0]"),
    ).toThrow('instances[0].goal.conditions[0].field: no column "evenType"');
    expect(() =>
      compileCondition({ field: "ts", op: "equals", value: 5 }, resolve, "instances[0].goal.conditions[1]"),
    ).toThrow('instances[0].goal.conditions[1].value: "5" is a number but the field holds timestamps');
    expect(() =>
      compileCondition({ field: "num.amount", op: "gt", value: "soon" }, resolve, "exclusions[0].conditions[0]"),
    ).toThrow('exclusions[0].conditions[0].value: expected a number or a date like 2025-05-01 but got "soon"');
    // A date against numbers would match nothing: said instead of "the goal matches no event".
    expect(() =>
      compileCondition(
        { field: "num.amount", op: "gt", value: "2025-01-01" },
        resolve,
        "instances[0].goal.conditions[2]",
      ),
    ).toThrow(
      'instances[0].goal.conditions[2].value: "2025-01-01" is a date but the field holds numbers; expected a number',
    );
  });
});

describe("expressions", () => {
  it("parses arithmetic over columns and compiles it with quoted names", async () => {
    const expr = parseExpression('Quantity * UnitPrice - "Discount amount" / 2', "amountExpression");
    expect(columnsOf(expr)).toEqual(["Quantity", "UnitPrice", "Discount amount"]);
    const sql = compileExpression(expr, (name) => `CAST(${ident(name)} AS DOUBLE)`);
    const row = await session.row(
      `SELECT ${sql} AS v FROM (SELECT 3 AS "Quantity", 2.5 AS "UnitPrice", 1 AS "Discount amount")`,
    );
    expect(row.v).toBe(7);
    const neg = compileExpression(parseExpression("-(a + 1) / b", "x"), (n) => ident(n));
    expect((await session.row(`SELECT ${neg} AS v FROM (SELECT 3 AS a, 0 AS b)`)).v).toBeNull();
  });

  it("explains malformed expressions", () => {
    expect(() => parseExpression("Quantity *", "inputs.events.amountExpression")).toThrow(
      'inputs.events.amountExpression: unexpected end in "Quantity *"; expected e.g. "Quantity * UnitPrice"',
    );
    expect(() => parseExpression("Quantity; DROP TABLE x", "inputs.events.amountExpression")).toThrow(
      'inputs.events.amountExpression: unexpected ";" at position 9',
    );
    expect(() => parseExpression("(a + b", "e")).toThrow("missing )");
    // A number beyond a double's range would print as "Infinity", which SQL reads as a column name.
    expect(() => parseExpression("amount * 1e400", "inputs.events.amountExpression")).toThrow(
      "inputs.events.amountExpression: number 1e400 is beyond the range of a double at position 10",
    );
  });

  it("keeps numbers literals, however they print", async () => {
    const sql = compileExpression(parseExpression("a * 1e300 + 0.000001", "x"), (n) => ident(n));
    expect((await session.row(`SELECT ${sql} AS v FROM (SELECT 2 AS a)`)).v).toBeCloseTo(2e300, -290);
  });
});
