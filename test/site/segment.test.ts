/**
 * The segment builder's logic: compiling conditions to parameterised SQL (checked against DuckDB in Node on a
 * table shaped like scores.parquet), the identifier whitelist, URL state, saved segments, CSV and outcomes.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openDatabase, type Database } from "../../loaders/db/duckdb.js";
import type { InstanceSummary } from "../../loaders/pipeline/schema.js";
import {
  compileSegment, overlapSql, segmentColumns, segmentSql, segmentStatsSql, suggestedSegments, type Segment,
} from "../../components/segment.js";
import {
  deleteSegment, loadSavedSegments, parseSegment, saveSegment, segmentFromHash, segmentOutcomes, segmentToHash, toCsv,
} from "../../components/segment-io.js";

const summary: Pick<InstanceSummary, "features" | "explorer" | "suggestedSegments"> = {
  features: [
    { name: "recency", label: "Days since last visit", kind: "numeric", unit: "days", group: "Recency" },
    { name: "tier", label: "Loyalty tier", kind: "categorical", unit: null, group: "Profile", categories: ["none", "silver", "gold"] },
    { name: "visits", label: "Visits", kind: "numeric", unit: null, group: "Frequency" },
  ],
  explorer: [{ column: "f_0", feature: 0, min: 0, max: 90 }, { column: "f_1", feature: 1 }],
  suggestedSegments: [
    { name: "Ready to buy", description: "Top 20%", where: [{ field: "percentile", op: "between", value: [81, 100] }] },
    { name: "High", description: "High bucket", where: [{ field: "bucket", op: "in", value: ["High"] }] },
  ],
};
const columns = segmentColumns(summary);

/** A person of the test table, as plain values. */
interface Row { id: string; probability: number; score: number; percentile: number; bucket: string; top1: number | null; top2: number | null; top3: number | null; f_0: number | null; f_1: number | null }

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
  await db.connection.run(`CREATE TABLE scores (id VARCHAR, probability FLOAT, score UTINYINT, percentile UTINYINT, bucket VARCHAR,
    top1 USMALLINT, top2 USMALLINT, top3 USMALLINT, f_0 FLOAT, f_1 USMALLINT)`);
  const appender = await db.connection.createAppender("scores");
  for (const r of rows) {
    appender.appendVarchar(r.id);
    appender.appendFloat(r.probability);
    appender.appendUTinyInt(r.score);
    appender.appendUTinyInt(r.percentile);
    appender.appendVarchar(r.bucket);
    for (const v of [r.top1, r.top2, r.top3]) (v === null ? appender.appendNull() : appender.appendUSmallInt(v));
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

describe("compiling segments to SQL", () => {
  test("the empty segment is everyone", async () => {
    expect(compileSegment({ match: "all", conditions: [] }, columns)).toEqual({ where: "TRUE", params: [] });
    expect(await count({ match: "all", conditions: [] })).toBe(1000);
  });

  test.each<[string, Segment, (r: Row) => boolean]>([
    ["percentile range", { match: "all", conditions: [between("percentile", 81, 100)] }, (r) => r.percentile >= 81],
    ["score range (reversed bounds)", { match: "all", conditions: [between("score", 60, 20)] }, (r) => r.score >= 20 && r.score <= 60],
    ["bucket", { match: "all", conditions: [{ field: "bucket", op: "in", value: ["High", "Low"] }] }, (r) => r.bucket !== "Medium"],
    ["factor among the top 3", { match: "all", conditions: [{ field: "factor", op: "in", value: [1] }] }, (r) => [r.top1, r.top2, r.top3].includes(1)],
    ["categorical with missing", { match: "all", conditions: [{ field: "f_1", op: "in", value: [2, null] }] }, (r) => r.f_1 === 2 || r.f_1 === null],
    ["feature range skips missing", { match: "all", conditions: [between("f_0", 10, 40)] }, (r) => r.f_0 !== null && r.f_0 >= 10 && r.f_0 <= 40],
    ["missing feature", { match: "all", conditions: [{ field: "f_0", op: "missing", value: [] }] }, (r) => r.f_0 === null],
    ["id contains (case-insensitive)", { match: "all", conditions: [{ field: "id", op: "contains", value: ["P-00"] }] }, (r) => r.id.startsWith("p-00")],
    ["AND", { match: "all", conditions: [between("percentile", 50, 100), { field: "f_1", op: "in", value: [0] }] }, (r) => r.percentile >= 50 && r.f_1 === 0],
    ["OR with missing values", { match: "any", conditions: [between("f_0", 0, 5), { field: "bucket", op: "in", value: ["High"] }] }, (r) => (r.f_0 !== null && r.f_0 <= 5) || r.bucket === "High"],
    ["nested groups", { match: "all", conditions: [between("score", 30, 100), { match: "any", conditions: [{ field: "factor", op: "in", value: [0, 2] }, { field: "f_1", op: "missing", value: [] }] }] },
      (r) => r.score >= 30 && ([r.top1, r.top2, r.top3].some((t) => t === 0 || t === 2) || r.f_1 === null)],
  ])("%s matches the same people as the filter in JavaScript", async (_, segment, keep) => {
    expect(await count(segment)).toBe(rows.filter(keep).length);
  });

  test("values never enter the SQL text", () => {
    const hostile = `'); DROP TABLE scores; --`;
    const { where, params } = compileSegment({ match: "all", conditions: [{ field: "id", op: "contains", value: [hostile] }, { field: "bucket", op: "in", value: [hostile] }] }, columns);
    expect(where).not.toContain("DROP");
    expect(params).toEqual([hostile, hostile]);
  });

  test("a hostile id search runs as a parameter", async () => {
    expect(await count({ match: "all", conditions: [{ field: "id", op: "contains", value: ["<img src=x"] }] })).toBe(1);
    expect(await count({ match: "all", conditions: [{ field: "id", op: "contains", value: [`'brien,"`] }] })).toBe(1);
  });

  test("only whitelisted columns and valid operators compile", () => {
    const bad = (segment: Segment) => () => compileSegment(segment, columns);
    expect(bad({ match: "all", conditions: [between("probability; DROP TABLE scores", 0, 1)] })).toThrow(/Unknown field/);
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
    expect(Number(s!["expected"])).toBeCloseTo(members.reduce((t, r) => t + Math.fround(r.probability), 0), 3);
    const overlap = overlapSql(a, b, columns);
    const [o] = (await db.connection.runAndReadAll(overlap.where, overlap.params)).getRowObjectsJson();
    expect(o).toEqual({ a: await count(a), b: await count(b), both: await count({ match: "all", conditions: [a, b] }) });
  });

  test("the SQL export runs as is and selects the same people", async () => {
    const segment: Segment = { match: "any", conditions: [{ field: "id", op: "contains", value: [`o'brien`] }, between("score", 90, 100)] };
    const sql = segmentSql(segment, columns);
    const exported = (await db.connection.runAndReadAll(sql.replace(/;$/, ""))).getRowObjects().length;
    expect(exported).toBe(await count(segment));
  });

  test("suggested segments compile", async () => {
    const suggested = suggestedSegments(summary);
    expect(suggested.map((s) => s.name)).toEqual(["Ready to buy", "High"]);
    expect(await count(suggested[0]!.segment)).toBe(rows.filter((r) => r.percentile >= 81).length);
  });
});

describe("segments in and out of the page", () => {
  const segment: Segment = { match: "any", conditions: [between("score", 10, 20), { field: "id", op: "contains", value: ["a&b=c#d"] }] };

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
    expect(() => parseSegment({ match: "all", conditions: [{ field: "score", op: "like", value: [] }] })).toThrow(/operator/);
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
    map.set("customer-ai:segments:purchase", JSON.stringify([{ name: "ok", segment }, { name: "bad", segment: { match: 1 } }, null]));
    expect(loadSavedSegments(store, "purchase").map((s) => s.name)).toEqual(["ok"]);
    expect(deleteSegment(store, "purchase", "ok")).toEqual([]);
    map.set("customer-ai:segments:purchase", "{broken");
    expect(loadSavedSegments(store, "purchase")).toEqual([]);
  });

  test("CSV quotes fields that need it", () => {
    const csv = toCsv([{ id: `a,"b"`, score: 3 }, { id: "plain", score: null }], ["id", "score"]);
    expect(csv).toBe(`id,score\r\n"a,""b""",3\r\nplain,\r\n`);
  });

  test("CSV defuses text a spreadsheet would run as a formula; numbers stay numbers", () => {
    const ids = ["=HYPERLINK(\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "=1,2", "-0.5", "+3", "1e5", "a=b", "ecid-0000001"];
    const csv = toCsv(ids.map((id) => ({ id, p: -0.5 })), ["id", "p"]);
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

  test("outcomes: sum of probabilities and the measured precision at the segment's lowest percentile", () => {
    const thresholds = [{ percent: 20, threshold: 0.3, people: 200, truePositives: 50, falsePositives: 150, expectedTruePositives: 48, expectedFalsePositives: 152, precision: 0.25, recall: 0.5 }];
    const outcomes = segmentOutcomes(100, 30, 81, thresholds);
    expect(outcomes.expected).toBe(30);
    expect(outcomes.expectedNot).toBe(70);
    expect(outcomes.threshold).toEqual({ percent: 20, precision: 0.25, recall: 0.5, truePositives: 25, falsePositives: 75 });
    expect(segmentOutcomes(0, 0, null, thresholds).threshold).toBeNull();
  });
});
