/**
 * The segment builder's logic: compiling conditions to parameterised SQL (checked against DuckDB in Node on a
 * table shaped like scores.parquet), the identifier whitelist, URL state, saved segments, CSV and outcomes.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LOYALTY_TIER, type ScoredRow } from "./fixtures.js";
import { openDatabase, type Database } from "../../loaders/db/duckdb.js";
import type { InstanceSummary, SqlParam } from "../../loaders/contract/schema.js";
import {
  compileSegment,
  factorCountsSql,
  overlapSql,
  segmentColumns,
  segmentStatsSql,
  suggestedSegments,
  type Segment,
} from "../../components/segment.js";
import {
  deleteSegment,
  importSegment,
  loadSavedSegments,
  parseSegment,
  saveSegment,
  segmentFromHash,
  segmentToHash,
  toCsv,
} from "../../components/segment-io.js";
import { describeSegment, labelledSegment, membersCsv, readableSql } from "../../components/segment-export.js";
import { chipOrder } from "../../components/segment-form.js";
import { goalWords, sameSegment, segmentName } from "../../components/segment-page.js";

const summary: Pick<InstanceSummary, "features" | "explorer" | "suggestedSegments"> = {
  features: [
    { name: "recency", label: "Days since last visit", kind: "numeric", unit: "days", group: "Recency" },
    LOYALTY_TIER,
    { name: "visits", label: "Visits", kind: "numeric", unit: null, group: "Frequency" },
  ],
  explorer: [
    { column: "f_0", feature: 0, min: 0, max: 90 },
    { column: "f_1", feature: 1 },
  ],
  suggestedSegments: [
    { name: "Ready to buy", description: "Top 20%", where: [{ field: "percentile", op: "between", value: [81, 100] }] },
    { name: "High", description: "High bucket", where: [{ field: "bucket", op: "in", value: ["High"] }] },
  ],
};
const columns = segmentColumns(summary);

/** A person of the test table, as plain values. */
interface Row extends ScoredRow {
  top1: number | null;
  top2: number | null;
  top3: number | null;
  f_0: number | null;
  f_1: number | null;
}

// 1,000 deterministic people, with missing values and ids that need quoting.
const rows: Row[] = Array.from({ length: 1000 }, (_, i) => {
  const probability = ((i * 7919) % 1000) / 1000;
  const score = Math.round(probability * 100);
  return {
    id: i === 5 ? `<img src=x onerror=alert(1)>` : i === 6 ? `o'brien,"x"` : `p-${String(i).padStart(4, "0")}`,
    probability,
    score,
    percentile: Math.min(100, Math.floor(probability * 100) + 1),
    bucket: score >= 75 ? "High" : score >= 25 ? "Medium" : "Low",
    top1: i % 3,
    top2: i % 4 === 0 ? null : (i + 1) % 3,
    top3: i % 5 === 0 ? null : 2,
    f_0: i % 11 === 0 ? null : i % 91,
    f_1: i % 13 === 0 ? null : i % 3,
  };
});

let db: Database;

beforeAll(async () => {
  db = await openDatabase();
  await db.connection
    .run(`CREATE TABLE scores (id VARCHAR, probability FLOAT, score UTINYINT, percentile UTINYINT, bucket VARCHAR,
    top1 USMALLINT, top2 USMALLINT, top3 USMALLINT, f_0 FLOAT, f_1 USMALLINT)`);
  const appender = await db.connection.createAppender("scores");
  for (const r of rows) {
    appender.appendVarchar(r.id);
    appender.appendFloat(r.probability);
    appender.appendUTinyInt(r.score);
    appender.appendUTinyInt(r.percentile);
    appender.appendVarchar(r.bucket);
    for (const v of [r.top1, r.top2, r.top3]) v === null ? appender.appendNull() : appender.appendUSmallInt(v);
    r.f_0 === null ? appender.appendNull() : appender.appendFloat(r.f_0);
    r.f_1 === null ? appender.appendNull() : appender.appendUSmallInt(r.f_1);
    appender.endRow();
  }
  appender.closeSync();
});

afterAll(() => db?.close());

async function count(segment: Segment): Promise<number> {
  const { where, params } = compileSegment(segment, columns);
  const reader = await db.connection.runAndReadAll(`SELECT COUNT(*)::INTEGER AS n FROM scores WHERE ${where}`, params);
  return reader.getRowObjects()[0]!["n"] as number;
}

const between = (field: string, low: number, high: number) => ({ field, op: "between" as const, value: [low, high] });

/** Segments and the same filter in JavaScript. */
const CASES: [string, Segment, (r: Row) => boolean][] = [
  ["percentile range", { match: "all", conditions: [between("percentile", 81, 100)] }, (r) => r.percentile >= 81],
  [
    "score range (reversed bounds)",
    { match: "all", conditions: [between("score", 60, 20)] },
    (r) => r.score >= 20 && r.score <= 60,
  ],
  [
    "bucket",
    { match: "all", conditions: [{ field: "bucket", op: "in", value: ["High", "Low"] }] },
    (r) => r.bucket !== "Medium",
  ],
  [
    "factor among the top 3 (saved before ranks)",
    { match: "all", conditions: [{ field: "factor", op: "in", value: [1] }] },
    (r) => [r.top1, r.top2, r.top3].includes(1),
  ],
  [
    "the top factor",
    { match: "all", conditions: [{ field: "factor", op: "in", value: [1, 2], rank: 1 }] },
    (r) => r.top1 === 1 || r.top1 === 2,
  ],
  [
    "among the top 2 factors",
    { match: "all", conditions: [{ field: "factor", op: "in", value: [0], rank: 2 }] },
    (r) => r.top1 === 0 || r.top2 === 0,
  ],
  [
    "open-ended range",
    { match: "all", conditions: [{ field: "f_0", op: "between", value: [null, 20] }] },
    (r) => r.f_0 !== null && r.f_0 <= 20,
  ],
  [
    "open-ended range from below",
    { match: "all", conditions: [{ field: "score", op: "between", value: [70, null] }] },
    (r) => r.score >= 70,
  ],
  [
    "conditions that choose nothing match everyone",
    {
      match: "all",
      conditions: [
        { field: "f_1", op: "in", value: [] },
        { field: "factor", op: "in", value: [], rank: 1 },
        { field: "score", op: "between", value: [null, null] },
        { field: "id", op: "contains", value: [""] },
      ],
    },
    () => true,
  ],
  [
    "categorical with missing",
    { match: "all", conditions: [{ field: "f_1", op: "in", value: [2, null] }] },
    (r) => r.f_1 === 2 || r.f_1 === null,
  ],
  [
    "feature range skips missing",
    { match: "all", conditions: [between("f_0", 10, 40)] },
    (r) => r.f_0 !== null && r.f_0 >= 10 && r.f_0 <= 40,
  ],
  [
    "missing feature",
    { match: "all", conditions: [{ field: "f_0", op: "missing", value: [] }] },
    (r) => r.f_0 === null,
  ],
  [
    "id contains (case-insensitive)",
    { match: "all", conditions: [{ field: "id", op: "contains", value: ["P-00"] }] },
    (r) => r.id.startsWith("p-00"),
  ],
  [
    "AND",
    { match: "all", conditions: [between("percentile", 50, 100), { field: "f_1", op: "in", value: [0] }] },
    (r) => r.percentile >= 50 && r.f_1 === 0,
  ],
  [
    "OR with missing values",
    { match: "any", conditions: [between("f_0", 0, 5), { field: "bucket", op: "in", value: ["High"] }] },
    (r) => (r.f_0 !== null && r.f_0 <= 5) || r.bucket === "High",
  ],
  [
    "nested groups",
    {
      match: "all",
      conditions: [
        between("score", 30, 100),
        {
          match: "any",
          conditions: [
            { field: "factor", op: "in", value: [0, 2] },
            { field: "f_1", op: "missing", value: [] },
          ],
        },
      ],
    },
    (r) => r.score >= 30 && ([r.top1, r.top2, r.top3].some((t) => t === 0 || t === 2) || r.f_1 === null),
  ],
];

describe("compiling segments to SQL", () => {
  test("the empty segment is everyone", async () => {
    expect(compileSegment({ match: "all", conditions: [] }, columns)).toEqual({ where: "TRUE", params: [] });
    expect(await count({ match: "all", conditions: [] })).toBe(1000);
  });

  test.each(CASES)("%s matches the same people as the filter in JavaScript", async (_, segment, keep) => {
    expect(await count(segment)).toBe(rows.filter(keep).length);
  });

  test("values never enter the SQL text", () => {
    const hostile = `'); DROP TABLE scores; --`;
    const { where, params } = compileSegment(
      {
        match: "all",
        conditions: [
          { field: "id", op: "contains", value: [hostile] },
          { field: "bucket", op: "in", value: [hostile] },
        ],
      },
      columns,
    );
    expect(where).not.toContain("DROP");
    expect(params).toEqual([hostile, hostile]);
  });

  test("a hostile id search runs as a parameter", async () => {
    expect(await count({ match: "all", conditions: [{ field: "id", op: "contains", value: ["<img src=x"] }] })).toBe(1);
    expect(await count({ match: "all", conditions: [{ field: "id", op: "contains", value: [`'brien,"`] }] })).toBe(1);
  });

  test("only whitelisted columns and valid operators compile", () => {
    const bad = (segment: Segment) => () => compileSegment(segment, columns);
    expect(bad({ match: "all", conditions: [between("probability; DROP TABLE scores", 0, 1)] })).toThrow(
      /Unknown field/,
    );
    expect(bad({ match: "all", conditions: [between("f_9", 0, 1)] })).toThrow(/Unknown field/);
    expect(bad({ match: "all", conditions: [{ field: "bucket", op: "between", value: [0, 1] }] })).toThrow(/numeric/);
    expect(bad({ match: "all", conditions: [between("score", 0, Number.NaN)] })).toThrow(/number/);
    expect(bad({ match: "all", conditions: [{ field: "f_1", op: "in", value: ["1 OR 1=1"] }] })).toThrow(/number/);
  });

  test("stats and overlap queries count like the plain query", async () => {
    const a: Segment = { match: "all", conditions: [between("percentile", 60, 100)] };
    const b: Segment = { match: "all", conditions: [{ field: "factor", op: "in", value: [2] }] };
    const stats = segmentStatsSql(a, columns);
    const [s] = (await db.connection.runAndReadAll(stats.where, stats.params)).getRowObjectsJson();
    const members = rows.filter((r) => r.percentile >= 60);
    expect(s).toMatchObject({ people: members.length, total: 1000, lowest: 60 });
    expect(Number(s!["expected"])).toBeCloseTo(
      members.reduce((t, r) => t + Math.fround(r.probability), 0),
      3,
    );
    const overlap = overlapSql(a, b, columns);
    const [o] = (await db.connection.runAndReadAll(overlap.where, overlap.params)).getRowObjectsJson();
    expect(o).toEqual({
      a: await count(a),
      b: await count(b),
      both: await count({ match: "all", conditions: [a, b] }),
    });
  });

  test("factor counts: people per feature among their top k, within a segment", async () => {
    const scope: Segment = { match: "all", conditions: [between("percentile", 50, 100)] };
    for (const rank of [1, 2, 3]) {
      const { where, params } = factorCountsSql(scope, columns, rank);
      const got = (await db.connection.runAndReadAll(where, params)).getRowObjectsJson();
      const members = rows.filter((r) => r.percentile >= 50);
      for (const code of [0, 1, 2]) {
        const expected = members.filter((r) => [r.top1, r.top2, r.top3].slice(0, rank).includes(code)).length;
        expect(got.find((g) => g["code"] === code)?.["people"] ?? 0).toBe(expected);
      }
      expect(got[0]!["total"]).toBe(members.length);
    }
  });
  test("suggested segments compile", async () => {
    const suggested = suggestedSegments(summary);
    expect(suggested.map((s) => s.name)).toEqual(["Ready to buy", "High"]);
    expect(await count(suggested[0]!.segment)).toBe(rows.filter((r) => r.percentile >= 81).length);
  });
});

describe("segments in and out of the page", () => {
  const segment: Segment = {
    match: "any",
    conditions: [between("score", 10, 20), { field: "id", op: "contains", value: ["a&b=c#d"] }],
  };

  test("the URL hash round-trips, with a second segment", () => {
    const other: Segment = { match: "all", conditions: [{ field: "bucket", op: "in", value: ["High"] }] };
    const hash = segmentToHash(segment, { compare: other });
    expect(segmentFromHash(hash)).toEqual(segment);
    expect(segmentFromHash(hash, "compare")).toEqual(other);
    expect(segmentFromHash("#segment=%7Bnot-json")).toBeNull();
    expect(segmentFromHash("")).toBeNull();
  });

  test("untrusted definitions are checked", () => {
    expect(() => parseSegment({ match: "some", conditions: [] })).toThrow();
    expect(() => parseSegment({ match: "all", conditions: [{ field: "score", op: "like", value: [] }] })).toThrow(
      /operator/,
    );
    expect(() => parseSegment({ match: "all", conditions: [{ field: "score", op: "in", value: [{}] }] })).toThrow();
    expect(parseSegment(JSON.parse(JSON.stringify(segment)))).toEqual(segment);
  });

  test("saved segments persist by name and skip malformed entries", () => {
    const map = new Map<string, string>();
    const store = { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v) };
    saveSegment(store, "purchase", "Mine", segment);
    saveSegment(store, "purchase", "Mine", { match: "all", conditions: [] });
    saveSegment(store, "purchase", "Other", segment);
    expect(loadSavedSegments(store, "purchase").map((s) => s.name)).toEqual(["Mine", "Other"]);
    expect(loadSavedSegments(store, "churn")).toEqual([]);
    map.set(
      "customer-ai:segments:purchase",
      JSON.stringify([{ name: "ok", segment }, { name: "bad", segment: { match: 1 } }, null]),
    );
    expect(loadSavedSegments(store, "purchase").map((s) => s.name)).toEqual(["ok"]);
    expect(deleteSegment(store, "purchase", "ok")).toEqual([]);
    map.set("customer-ai:segments:purchase", "{broken");
    expect(loadSavedSegments(store, "purchase")).toEqual([]);
  });

  test("CSV quotes fields that need it", () => {
    const csv = toCsv(
      [
        { id: `a,"b"`, score: 3 },
        { id: "plain", score: null },
      ],
      ["id", "score"],
    );
    expect(csv).toBe(`id,score\r\n"a,""b""",3\r\nplain,\r\n`);
  });

  test("CSV defuses text a spreadsheet would run as a formula; numbers stay numbers", () => {
    const ids = [
      '=HYPERLINK("x")',
      "+1+1",
      "-2+3",
      "@SUM(A1)",
      "\tx",
      "\rx",
      "=1,2",
      "-0.5",
      "+3",
      "1e5",
      "a=b",
      "ecid-0000001",
    ];
    const csv = toCsv(
      ids.map((id) => ({ id, p: -0.5 })),
      ["id", "p"],
    );
    expect(csv.split("\r\n").slice(1, -1)).toEqual([
      `"'=HYPERLINK(""x"")",-0.5`,
      "'+1+1,-0.5",
      "'-2+3,-0.5",
      "'@SUM(A1),-0.5",
      "'\tx,-0.5",
      `"'\rx",-0.5`,
      `"'=1,2",-0.5`,
      "-0.5,-0.5",
      "+3,-0.5",
      "1e5,-0.5",
      "a=b,-0.5",
      "ecid-0000001,-0.5",
    ]);
    expect(toCsv([{ n: -1, b: -2n, d: null }], ["n", "b", "d"])).toBe("n,b,d\r\n-1,-2,\r\n");
  });
});

/** The ids a query selects, sorted. */
async function idsOf(sql: string, params: SqlParam[] = []): Promise<string[]> {
  const reader = await db.connection.runAndReadAll(sql, params);
  return reader
    .getRowObjects()
    .map((r) => String(r["id"]))
    .sort();
}

const context = { name: "Test segment", instance: "purchase", goal: "Purchase within 30 days", asOf: "2026-10-31" };

describe("exports ready for activation", () => {
  test.each(CASES)(
    "the readable SQL of %s runs on the scores table and selects the same people",
    async (_, segment) => {
      const { where, params } = compileSegment(segment, columns);
      const sql = readableSql(segment, columns, context);
      expect(await idsOf(sql.replace(/;\s*$/, ""))).toEqual(
        await idsOf(`SELECT id FROM scores WHERE ${where}`, params),
      );
    },
  );

  test("the readable SQL names columns by their labels and values by category names, not codes", () => {
    const segment: Segment = {
      match: "all",
      conditions: [
        { field: "f_1", op: "in", value: [2, null] },
        { field: "factor", op: "in", value: [2], rank: 1 },
        between("f_0", 0, 30),
      ],
    };
    const sql = readableSql(segment, columns, context);
    expect(sql).toContain(`"Loyalty tier" IN ('gold')`);
    expect(sql).toContain(`"Top factor 1" IN ('Visits')`);
    expect(sql).toContain(`"Days since last visit" BETWEEN 0 AND 30`);
    expect(sql).toContain(
      "-- Who: Loyalty tier is gold or missing and the top factor is Visits and days since last visit is 0 to 30.",
    );
    const where = sql.slice(sql.indexOf("\nWHERE"));
    expect(where).not.toMatch(/f_\d|top\d/);
  });

  test("labels with quotes and line breaks stay inside their identifiers, literals and comments", async () => {
    const hostile = {
      ...summary,
      features: summary.features.map((f, i) => ({
        ...f,
        label: `${f.label} "q" 'a'\n-- DROP TABLE scores; ${i}`,
        categories: f.categories?.map((c) => `${c}'); DROP TABLE scores; --`),
      })),
    };
    const cols = segmentColumns(hostile);
    const segment: Segment = {
      match: "any",
      conditions: [
        { field: "f_1", op: "in", value: [1] },
        { field: "factor", op: "in", value: [0], rank: 2 },
      ],
    };
    const sql = readableSql(segment, cols, { ...context, name: "x\nDROP TABLE scores;" });
    const { where, params } = compileSegment(segment, cols);
    expect(await idsOf(sql.replace(/;\s*$/, ""))).toEqual(await idsOf(`SELECT id FROM scores WHERE ${where}`, params));
    expect(await count({ match: "all", conditions: [] })).toBe(1000);
  });

  test("the JSON definition carries labels and names, and imports back to the same segment", async () => {
    const segment: Segment = {
      match: "all",
      conditions: [
        between("percentile", 50, 100),
        { field: "f_1", op: "in", value: [2, null] },
        { field: "factor", op: "in", value: [0, 2], rank: 2 },
      ],
    };
    const labelled = labelledSegment(segment, columns, { ...context, people: 12 });
    const text = JSON.stringify(labelled);
    expect(labelled.conditions[1]).toMatchObject({ label: "Loyalty tier", value: ["gold", null], feature: "tier" });
    expect(labelled.conditions[2]).toMatchObject({
      label: "Influential factor",
      rank: 2,
      value: ["Days since last visit", "Visits"],
      features: ["recency", "visits"],
    });
    expect(labelled.description).toBe(
      "Percentile is 50 to 100 and loyalty tier is gold or missing and days since last visit or Visits are among the top 2 factors",
    );
    expect(importSegment(JSON.parse(text), columns)).toEqual({ name: "Test segment", segment });
  });

  test("an imported definition finds its features by name when a new run numbered them differently", async () => {
    const segment: Segment = {
      match: "all",
      conditions: [
        { field: "f_1", op: "in", value: [1] },
        { field: "factor", op: "in", value: [2], rank: 1 },
      ],
    };
    const json = JSON.parse(JSON.stringify(labelledSegment(segment, columns, context)));
    const rerun = segmentColumns({
      features: [
        summary.features[2]!,
        summary.features[0]!,
        { ...summary.features[1]!, categories: ["gold", "none", "silver"] },
      ],
      explorer: [{ column: "f_2", feature: 2 }],
    });
    expect(importSegment(json, rerun).segment).toEqual({
      match: "all",
      conditions: [
        { field: "f_2", op: "in", value: [2] },
        { field: "factor", op: "in", value: [0], rank: 1 },
      ],
    });
  });

  test("imports: definitions saved before labels load as they are; unknown names and fields are refused in words", () => {
    const old = {
      match: "all",
      conditions: [
        { field: "factor", op: "in", value: [1] },
        { field: "f_1", op: "in", value: [0] },
      ],
    };
    expect(importSegment(old, columns)).toEqual({ name: null, segment: old });
    const bad = {
      ...labelledSegment({ match: "all", conditions: [{ field: "f_1", op: "in", value: [0] }] }, columns, context),
    };
    (bad.conditions[0] as { value: unknown[] }).value = ["diamond"];
    expect(() => importSegment(bad, columns)).toThrow(/Loyalty tier: unknown value "diamond"/);
    expect(() => importSegment({ match: "all", conditions: [between("f_9", 0, 1)] }, columns)).toThrow(/Unknown field/);
    expect(() =>
      parseSegment({ match: "all", conditions: [{ field: "factor", op: "in", value: [1], rank: 7 }] }),
    ).toThrow(/rank/);
  });

  test("the segment in words", () => {
    expect(describeSegment({ match: "all", conditions: [] }, columns)).toBe("Everyone scored");
    expect(
      describeSegment(
        {
          match: "any",
          conditions: [
            { field: "score", op: "between", value: [null, 40] },
            { field: "bucket", op: "in", value: ["High"] },
          ],
        },
        columns,
      ),
    ).toBe("Score is at most 40 or bucket is High");
    expect(
      describeSegment(
        {
          match: "all",
          conditions: [
            { field: "factor", op: "in", value: [1], rank: 1 },
            { field: "f_1", op: "in", value: [] },
          ],
        },
        columns,
      ),
    ).toBe("The top factor is Loyalty tier");
  });

  test("the members' CSV: reasons in words, attributes by label with category names", () => {
    const rows = [
      { id: "a", probability: 0.123456789, score: 12, percentile: 40, bucket: "Low", f_1: 2, f_0: 3.0000001192092896 },
      { id: "b", probability: 0.9, score: 90, percentile: 100, bucket: "High", f_1: null, f_0: null },
    ];
    const reasons = new Map([
      [
        "a",
        [
          { rank: 2, feature: 1, contribution: -0.2, value: "gold" },
          { rank: 1, feature: 0, contribution: 0.7, value: "3 days" },
          { rank: 4, feature: 2, contribution: 0.1, value: "1" },
        ],
      ],
    ]);
    const cols = columns.filter((c) => c.field === "f_1" || c.field === "f_0");
    const csv = membersCsv(rows, reasons, cols, summary.features, "conversion").split("\r\n");
    expect(csv[0]).toBe(
      "id,score,probability,percentile,bucket,reason_1,reason_2,reason_3,Days since last visit,Loyalty tier",
    );
    expect(csv[1]).toBe(
      "a,12,0.123457,40,Low,Days since last visit: 3 days (raises the likelihood),Loyalty tier: gold (lowers the likelihood),,3,gold",
    );
    expect(csv[2]).toBe("b,90,0.9,100,High,,,,,");
    expect(membersCsv(rows.slice(0, 1), reasons, [], summary.features, "churn")).toContain("(raises the risk)");
  });
});

describe("the editor's chips", () => {
  test("ranges by their numbers, other values in the feature's order, then the rest as listed", () => {
    const bands = ["25-34", "35-44", "45-54", "18-24", "55-64", "65+", "<18"];
    expect(chipOrder(bands, [2, 1, 0]).map((c) => bands[c])).toEqual([
      "<18",
      "18-24",
      "25-34",
      "35-44",
      "45-54",
      "55-64",
      "65+",
    ]);
    const tiers = ["gold", "none", "platinum", "silver"];
    expect(chipOrder(tiers, [1, 3, 0, 2]).map((c) => tiers[c])).toEqual(["none", "silver", "gold", "platinum"]);
    expect(chipOrder(tiers, [1, 9, 1]).map((c) => tiers[c])).toEqual(["none", "gold", "platinum", "silver"]);
    expect(chipOrder(tiers)).toEqual([0, 1, 2, 3]);
  });
});

describe("which segment is loaded", () => {
  const top: Segment = { match: "all", conditions: [between("percentile", 81, 100)] };
  test("the same conditions, whatever their key order, with conditions that choose nothing aside", () => {
    const same: Segment = {
      match: "any",
      conditions: [
        { value: [81, 100], op: "between", field: "percentile" } as never,
        { field: "f_1", op: "in", value: [] },
      ],
    };
    expect(sameSegment(top, same)).toBe(true);
    expect(sameSegment(top, { match: "all", conditions: [between("percentile", 80, 100)] })).toBe(false);
    expect(
      sameSegment(
        { match: "all", conditions: [{ field: "factor", op: "in", value: [1] }] },
        { match: "all", conditions: [{ field: "factor", op: "in", value: [1], rank: 3 }] },
      ),
    ).toBe(true);
    expect(
      sameSegment(
        { match: "all", conditions: [{ field: "factor", op: "in", value: [1] }] },
        { match: "all", conditions: [{ field: "factor", op: "in", value: [1], rank: 1 }] },
      ),
    ).toBe(false);
    expect(
      segmentName(same, [
        { name: "High", segment: { match: "all", conditions: [] } },
        { name: "Top 20%", segment: top },
      ]),
    ).toBe("Top 20%");
    expect(
      segmentName({ match: "all", conditions: [between("score", 1, 2)] }, [{ name: "Top 20%", segment: top }]),
    ).toBe("Custom segment");
  });

  test("the goal in words, from the goal sentence", () => {
    expect(goalWords({ goalText: "People who will buy in the next 30 days.", type: "conversion", window: 30 })).toBe(
      "buy in the next 30 days",
    );
    expect(
      goalWords({
        goalText: "People who will go inactive in the next 60 days: no activity other than emails sent.",
        type: "churn",
        window: 60,
      }),
    ).toBe("go inactive in the next 60 days");
    expect(goalWords({ goalText: "Will occur: an event where ...", type: "churn", window: 60 })).toBe(
      "churn in the next 60 days",
    );
  });
});
