/**
 * Segments across instances and on customer value: the builder's extra columns (only where the instance has value
 * columns, and one set per other instance), conditions on another instance's scores compiled as a join by person
 * id (people it did not score never match), the value percentile computed at build time exactly as the exported SQL
 * computes it, the table of other instances' scores the page loads, and the readable SQL of such segments run on
 * the scores tables, checked against DuckDB in Node.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as arrow from "apache-arrow";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LOYALTY_TIER, type ScoredRow } from "./fixtures.js";
import { openDatabase, type Database } from "../../loaders/db/duckdb.js";
import type { InstanceValue, SqlParam } from "../../loaders/contract/schema.js";
import { explorerArrow, linkedArrow, valuePercentiles } from "../../loaders/site/explorer-arrow.js";
import { str } from "../../loaders/sql/quote.js";
import {
  builderColumns,
  compileSegment,
  goalNoun,
  linkedInstances,
  segmentStatsSql,
  VALUE_PERCENTILE_SQL,
  valueSuggestions,
  type Segment,
} from "../../components/segment.js";
import { describeSegment, labelledSegment, readableSql } from "../../components/segment-export.js";
import { importSegment } from "../../components/segment-io.js";
import { fieldGroups } from "../../components/segment-form.js";

const value: InstanceValue = {
  horizonDays: 365,
  window: 30,
  people: 600,
  withoutValue: 400,
  total: 1,
  expectedEvents: 1,
  expectedEventsHorizon: 1,
  perBucket: [],
  deciles: [
    { decile: 1, people: 60, min: 100, max: 812.5, total: 1, mean: 1, share: 1 },
    { decile: 10, people: 60, min: 0.4, max: 2, total: 1, mean: 1, share: 0 },
  ],
  params: { bgnbd: { r: 1, alpha: 1, a: 1, b: 1 }, gammaGamma: { p: 1, q: 2, gamma: 1 }, meanSpend: 50 },
};
const summary: Parameters<typeof builderColumns>[0] = {
  name: "purchase",
  window: 30,
  currency: "EUR",
  rules: {
    goal: "At least one event where event type is commerce.purchases, within 30 days after the as-of date.",
    eligible: "",
  },
  eventLabels: { "commerce.purchases": "purchase", "commerce.productViews": "product view" },
  features: [LOYALTY_TIER],
  explorer: [{ column: "f_0", feature: 0 }],
  value,
};
const others = [
  { name: "purchase", label: "Purchase within 30 days" },
  { name: "churn", label: "No activity within 60 days" },
];
const columns = builderColumns(summary, others);

// 1,000 people here; the other instance ("churn") scored 700 of them (every third person it did not) and 100 people
// who are not here.
interface Row extends ScoredRow {
  f_0: number;
  expected_value: number | null;
}
const bucketOf = (score: number) => (score >= 75 ? "High" : score >= 25 ? "Medium" : "Low");
const rows: Row[] = Array.from({ length: 1000 }, (_, i) => {
  const probability = ((i * 7919) % 1000) / 1000;
  const score = Math.round(100 * probability);
  // Expected values with ties and people without one.
  const expected_value = i % 5 === 0 ? null : Math.round(((i * 104729) % 997) / 7) / 2;
  return {
    id: `p-${String(i).padStart(4, "0")}`,
    probability,
    score,
    percentile: Math.min(100, Math.floor(probability * 100) + 1),
    bucket: bucketOf(score),
    f_0: i % 3,
    expected_value,
  };
});
interface Other {
  id: string;
  score: number;
  percentile: number;
  bucket: string;
}
const churn: Other[] = [
  ...rows
    .filter((_, i) => i % 3 !== 0)
    .map((r, i) => {
      const score = (i * 37) % 101;
      return { id: r.id, score, percentile: Math.max(1, score), bucket: bucketOf(score) };
    }),
  ...Array.from({ length: 100 }, (_, i) => ({ id: `q-${i}`, score: 90, percentile: 90, bucket: "High" })),
];
const churnOf = new Map(churn.map((c) => [c.id, c]));

let db: Database;
let folder: string;
const file = (name: string) => join(folder, name);

beforeAll(async () => {
  db = await openDatabase();
  folder = mkdtempSync(join(tmpdir(), "segment-linked-"));
  const values = (list: string[]) => list.join(", ");
  await db.connection
    .run(`CREATE TABLE own AS SELECT * FROM (VALUES ${values(rows.map((r) => `(${str(r.id)}, ${r.probability}::FLOAT, ${r.score}::UTINYINT, ${r.percentile}::UTINYINT, ${str(r.bucket)}, ${r.f_0}::USMALLINT, ${r.expected_value ?? "NULL"}::FLOAT)`))})
    AS t(id, probability, score, percentile, bucket, f_0, expected_value) ORDER BY id`);
  await db.connection
    .run(`CREATE TABLE other AS SELECT * FROM (VALUES ${values(churn.map((c) => `(${str(c.id)}, ${c.score / 100}::FLOAT, ${c.score}::UTINYINT, ${c.percentile}::UTINYINT, ${str(c.bucket)})`))})
    AS t(id, probability, score, percentile, bucket) ORDER BY id`);
  await db.connection.run(`COPY own TO ${str(file("own.parquet"))} (FORMAT parquet)`);
  await db.connection.run(`COPY other TO ${str(file("other.parquet"))} (FORMAT parquet)`);
  // The page's tables, from the files the build makes: explorer.arrow as "scores", linked.arrow as "linked".
  await loadIPC("scores", await explorerArrow(readFileSync(file("own.parquet"))));
  await loadIPC(
    "linked",
    await linkedArrow(readFileSync(file("own.parquet")), [
      { name: "churn", scores: readFileSync(file("other.parquet")) },
    ]),
  );
  // The exported SQL's tables: the instances' scores.parquet.
  await db.connection.run(`CREATE VIEW scores_file AS SELECT * FROM read_parquet(${str(file("own.parquet"))})`);
  await db.connection.run(`CREATE VIEW scores_file_churn AS SELECT * FROM read_parquet(${str(file("other.parquet"))})`);
});

afterAll(() => {
  db?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** Loads an Arrow IPC stream into DuckDB as a table (through its rows: Node's DuckDB has no IPC reader). */
async function loadIPC(name: string, bytes: Uint8Array): Promise<void> {
  const table = arrow.tableFromIPC(bytes);
  const types = table.schema.fields.map((f) => {
    const t = String(f.type);
    return `"${f.name}" ${t === "Utf8" ? "VARCHAR" : t === "Float32" ? "FLOAT" : t === "Uint8" ? "UTINYINT" : t === "Uint16" ? "USMALLINT" : t === "Float64" ? "DOUBLE" : "INTEGER"}`;
  });
  await db.connection.run(`CREATE TABLE ${name} (${types.join(", ")})`);
  const appender = await db.connection.createAppender(name);
  for (let i = 0; i < table.numRows; i++) {
    for (const f of table.schema.fields) {
      const v = table.getChild(f.name)!.get(i) as unknown;
      if (v === null || v === undefined) appender.appendNull();
      else if (typeof v === "string") appender.appendVarchar(v);
      else if (String(f.type) === "Float32") appender.appendFloat(v as number);
      else if (String(f.type) === "Float64") appender.appendDouble(v as number);
      else if (String(f.type) === "Uint8") appender.appendUTinyInt(v as number);
      else if (String(f.type) === "Uint16") appender.appendUSmallInt(v as number);
      else appender.appendInteger(v as number);
    }
    appender.endRow();
  }
  appender.closeSync();
}

async function ids(sql: string, params: SqlParam[] = []): Promise<string[]> {
  const reader = await db.connection.runAndReadAll(sql, params as never);
  return reader
    .getRowObjects()
    .map((r) => String(r["id"]))
    .sort();
}

const between = (field: string, low: number | null, high: number | null) => ({
  field,
  op: "between" as const,
  value: [low, high],
});

describe("the builder's columns", () => {
  test("customer value where the instance has it, in the goal's and the currency's words; other instances' scores by their labels", () => {
    const fields = columns.map((c) => c.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "expected_value",
        "value_percentile",
        "expected_events",
        "p_alive",
        "expected_spend",
        "churn:score",
        "churn:percentile",
        "churn:bucket",
      ]),
    );
    // The instance itself is not "another instance".
    expect(fields.some((f) => f.startsWith("purchase:"))).toBe(false);
    expect(columns.find((c) => c.field === "expected_events")!.label).toBe(
      "Expected days with a purchase, next 30 days",
    );
    expect(columns.find((c) => c.field === "expected_value")).toMatchObject({
      label: "Expected value, next 365 days",
      currency: "EUR",
      min: 0,
      max: 813,
    });
    expect(
      goalNoun({
        rules: { goal: "An event where event type is application.launches", eligible: "" },
        eventLabels: { "application.launches": "app launch" },
      }),
    ).toBe("app launch");
    expect(fieldGroups(columns).map((g) => g.label)).toEqual([
      "Score",
      "Why",
      "Customer value",
      "Profile attributes",
      "Person",
      "No activity within 60 days (another instance)",
    ]);
    expect(valueSuggestions(columns)).toHaveLength(1);
  });

  test("no value columns, fields or suggestions when the instance has none, or when its value is unavailable", () => {
    for (const without of [
      { ...summary, value: undefined },
      { ...summary, value: { horizonDays: 365, window: 30, unavailable: "no amounts" } },
    ]) {
      const cols = builderColumns(without, []);
      expect(cols.some((c) => c.group === "Customer value")).toBe(false);
      expect(fieldGroups(cols).map((g) => g.label)).not.toContain("Customer value");
      expect(valueSuggestions(cols)).toEqual([]);
      expect(segmentStatsSql({ match: "all", conditions: [] }, cols).where).not.toContain("expected_value");
    }
  });
});

/** Segments on another instance's scores, with what they select in JavaScript (joined by id). */
const CASES: [string, Segment, (r: Row) => boolean][] = [
  [
    "another instance's percentile",
    { match: "all", conditions: [between("churn:percentile", 81, 100)] },
    (r) => (churnOf.get(r.id)?.percentile ?? -1) >= 81,
  ],
  [
    "another instance's bucket AND this one's top 10%",
    {
      match: "all",
      conditions: [{ field: "churn:bucket", op: "in", value: ["High", "Medium"] }, between("percentile", 91, 100)],
    },
    (r) => ["High", "Medium"].includes(churnOf.get(r.id)?.bucket ?? "") && r.percentile >= 91,
  ],
  [
    "OR across instances",
    { match: "any", conditions: [between("churn:score", null, 10), between("score", 95, null)] },
    (r) => (churnOf.has(r.id) && churnOf.get(r.id)!.score <= 10) || r.score >= 95,
  ],
  [
    "an open range still leaves out the people it did not score",
    { match: "all", conditions: [between("churn:score", 0, null)] },
    (r) => churnOf.has(r.id),
  ],
  [
    "a condition that chooses nothing matches everyone",
    { match: "all", conditions: [{ field: "churn:bucket", op: "in", value: [] }] },
    () => true,
  ],
  [
    "value top 10% and another instance's bucket",
    {
      match: "all",
      conditions: [between("value_percentile", 91, 100), { field: "churn:bucket", op: "in", value: ["Low"] }],
    },
    (r) => (valuePercentileOf.get(r.id) ?? 0) >= 91 && churnOf.get(r.id)?.bucket === "Low",
  ],
  [
    "expected value above an amount",
    { match: "all", conditions: [between("expected_value", 40, null)] },
    (r) => r.expected_value !== null && r.expected_value >= 40,
  ],
  [
    "no expected value",
    { match: "all", conditions: [{ field: "expected_value", op: "missing", value: [] }] },
    (r) => r.expected_value === null,
  ],
];
const valuePercentileOf = new Map(rows.map((r, i) => [r.id, valuePercentiles(rows.map((x) => x.expected_value))[i]]));

describe("conditions across instances and on customer value", () => {
  test.each(CASES)("%s: the page's query selects the people a join by id selects", async (_, segment, keep) => {
    const { where, params } = compileSegment(segment, columns);
    const expected = rows
      .filter(keep)
      .map((r) => r.id)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(await ids(`SELECT id FROM scores WHERE ${where}`, params)).toEqual(expected);
  });

  test.each(CASES)(
    "%s: the exported SQL on the instances' scores.parquet selects the same people",
    async (_, segment, keep) => {
      const sql = readableSql(
        segment,
        columns,
        {
          name: "Test",
          instance: "purchase",
          goal: "Purchase within 30 days",
          asOf: "2026-10-31",
          sort: "expected_value",
        },
        "scores_file",
      );
      expect(await ids(sql.trim().replace(/;$/, ""))).toEqual(
        rows
          .filter(keep)
          .map((r) => r.id)
          .sort(),
      );
    },
  );

  test("people the other instance did not score are never in such a segment, and the SQL says how to load its table", async () => {
    const segment: Segment = { match: "all", conditions: [between("churn:percentile", 1, 100)] };
    const { where, params } = compileSegment(segment, columns);
    const chosen = await ids(`SELECT id FROM scores WHERE ${where}`, params);
    expect(chosen).toHaveLength(rows.filter((r) => churnOf.has(r.id)).length);
    expect(chosen.some((id) => !churnOf.has(id))).toBe(false);
    expect(linkedInstances(segment, columns)).toEqual(["churn"]);
    expect(
      linkedInstances({ match: "all", conditions: [{ field: "churn:bucket", op: "in", value: [] }] }, columns),
    ).toEqual([]);
    const sql = readableSql(segment, columns, {
      name: "Test",
      instance: "purchase",
      goal: "Purchase within 30 days",
      asOf: "2026-10-31",
    });
    expect(sql).toContain(`CREATE VIEW "scores_churn" AS SELECT * FROM read_parquet('churn-scores.parquet');`);
    expect(sql).toContain(
      `"No activity within 60 days: percentile (1-100)" BETWEEN 1 AND 100  -- No activity within 60 days: percentile is 1 to 100`,
    );
    // The output carries the other instance's column by its label.
    expect(sql).toMatch(
      /SELECT id, probability, score, percentile, bucket, "No activity within 60 days: percentile \(1-100\)"\nFROM people/,
    );
    expect(() =>
      compileSegment({ match: "all", conditions: [{ field: "churn:score", op: "missing", value: [] }] }, columns),
    ).toThrow(/another instance/);
  });

  test("in words, in the JSON definition (with the other instance's label) and back", () => {
    const segment: Segment = {
      match: "all",
      conditions: [
        { field: "churn:bucket", op: "in", value: ["High"] },
        between("percentile", 91, 100),
        between("expected_value", 500, null),
      ],
    };
    expect(describeSegment(segment, columns)).toBe(
      "No activity within 60 days: bucket is High and percentile is 91 to 100 and expected value, next 365 days is at least €500.00",
    );
    const labelled = labelledSegment(segment, columns, {
      name: "At risk, likely buyers",
      instance: "purchase",
      goal: "Purchase within 30 days",
      asOf: "2026-10-31",
    });
    expect(labelled.conditions[0]).toMatchObject({
      field: "churn:bucket",
      label: "No activity within 60 days: bucket",
      instance: { name: "churn", label: "No activity within 60 days", column: "bucket" },
    });
    expect(importSegment(JSON.parse(JSON.stringify(labelled)), columns).segment).toEqual(segment);
    // On a site without that instance, the import says so in words.
    expect(() => importSegment(JSON.parse(JSON.stringify(labelled)), builderColumns(summary, []))).toThrow(
      /uses the scores of the instance "churn", which this site does not have/,
    );
  });
});

describe("the files the page loads", () => {
  test("explorer.arrow's value percentile is the exported SQL's, ties and missing values included", async () => {
    const reader = await db.connection
      .runAndReadAll(`SELECT s.id, s.value_percentile::INTEGER AS page, f.sql FROM scores s
      JOIN (SELECT id, ${VALUE_PERCENTILE_SQL} AS sql FROM scores_file) f USING (id) ORDER BY id`);
    const out = reader.getRowObjects();
    expect(out).toHaveLength(1000);
    expect(out.filter((r) => r["page"] !== r["sql"]).length).toBe(0);
    expect(out.filter((r) => r["page"] === null).length).toBe(200);
    expect(Math.max(...out.map((r) => Number(r["page"] ?? 0)))).toBe(100);
    // Ties share a percentile.
    expect(valuePercentiles([5, 1, 5, null, 3])).toEqual([100, 25, 100, null, 50]);
  });

  test("linked.arrow holds the other instance's scores of this instance's people only, by id", async () => {
    const reader = await db.connection.runAndReadAll(`SELECT COUNT(*)::INTEGER AS n,
      COUNT(*) FILTER (WHERE l."churn:score" = o.score AND l."churn:percentile" = o.percentile AND l."churn:bucket" = o.bucket)::INTEGER AS same
      FROM linked l LEFT JOIN other o USING (id)`);
    expect(reader.getRowObjects()[0]).toEqual({ n: 666, same: 666 });
  });

  test("the segment's total expected value", async () => {
    const segment: Segment = { match: "all", conditions: [between("percentile", 50, 100)] };
    const { where, params } = segmentStatsSql(segment, columns);
    const row = (await db.connection.runAndReadAll(where, params as never)).getRowObjects()[0]!;
    const members = rows.filter((r) => r.percentile >= 50);
    expect(row["value_people"]).toBe(members.filter((r) => r.expected_value !== null).length);
    expect(row["value_total"] as number).toBeCloseTo(
      members.reduce((t, r) => t + (r.expected_value ?? 0), 0),
      2,
    );
  });
});
