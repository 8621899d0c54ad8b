/**
 * `segment`: a segment's full membership, headless, over a run's scores: the people equal DuckDB's own selection
 * from the Parquet files (also across instances and on customer value), in the page's order and columns, the same
 * whatever the chunk size; mistakes are one line with exit 2 and never overwrite a file.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { segmentCommand } from "../../loaders/cli/commands/segment.js";
import { exitStatusOf } from "../../loaders/cli/run.js";
import { openDatabase } from "../../loaders/db/duckdb.js";
import { generateDemo } from "../../loaders/demo/generate.js";
import { runPipeline } from "../../loaders/pipeline/run.js";
import { valuePercentiles } from "../../loaders/site/explorer-arrow.js";
import { str } from "../../loaders/sql/quote.js";
import { instanceSample, sampledScores } from "../../loaders/site/sample.js";
import { estimateCount } from "../../components/sample.js";
import { builderColumns, segmentStatsSql } from "../../components/segment.js";
import { smallDemoConfig } from "../small-demo.js";

let dir: string;
let run: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "customer-ai-segment-"));
  await generateDemo({ profiles: 3000, seed: 11, outDir: join(dir, "data") });
  const config = smallDemoConfig(join(dir, "data"), 40);
  run = join(dir, "run");
  await runPipeline(config, { out: run });
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the command; returns its status, the lines it wrote on stderr, and the CSV's lines. */
async function segment(definition: unknown, extra: string[] = [], chunkPeople?: number) {
  const file = join(dir, `def-${Math.random().toString(36).slice(2)}.json`);
  const out = join(dir, `members-${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, typeof definition === "string" ? definition : JSON.stringify(definition));
  const errors: string[] = [];
  const output = { log: () => {}, table: () => {}, error: (line: string) => errors.push(line) };
  const status = await exitStatusOf(
    () =>
      segmentCommand(["--run", run, "--instance", "purchase", "--definition", file, "--out", out, ...extra], output, {
        chunkPeople,
      }),
    output,
  );
  const lines = existsSync(out) ? readFileSync(out, "utf8").trimEnd().split("\n") : [];
  return { status, errors, lines, out };
}

/** Rows of a query over the run's files, by DuckDB in Node. */
async function query(sql: string): Promise<unknown[][]> {
  const db = await openDatabase();
  try {
    return (await db.connection.runAndReadAll(sql)).getRows() as unknown[][];
  } finally {
    db.close();
  }
}

const scores = (instance: string) => `read_parquet(${str(join(run, instance, "scores.parquet"))})`;
const ids = (lines: string[]) => lines.slice(1).map((l) => l.split(",")[0]!.replace(/^"|"$/g, ""));

describe("segment (headless export)", () => {
  it("writes the people of a segment across instances, in the page's order and columns, whatever the chunk size", async () => {
    const definition = {
      match: "all",
      conditions: [
        { field: "score", op: "between", value: [20, null] },
        { field: "churn:bucket", op: "in", value: ["Low"] },
      ],
    };
    const whole = await segment(definition);
    expect(whole.status).toBe(0);
    const expected = await query(
      `SELECT p.id FROM ${scores("purchase")} p JOIN ${scores("churn")} c USING (id) WHERE p.score >= 20 AND c.bucket = 'Low' ORDER BY p.probability DESC, p.id`,
    );
    expect(expected.length).toBeGreaterThan(20);
    expect(ids(whole.lines)).toEqual(expected.map((r) => String(r[0])));
    // The page's columns, the other instance's bucket by its label, and reasons in words.
    const header = whole.lines[0]!;
    expect(header.startsWith("id,score,probability,percentile,bucket")).toBe(true);
    expect(header).toMatch(/bucket.*reason/i);
    expect(whole.lines[1]!.split(",").length).toBeGreaterThan(8);
    expect(whole.errors.join("\n")).toContain(`${expected.length} people`);
    const chunked = await segment(definition, [], 7);
    expect(chunked.lines).toEqual(whole.lines);
    // Attributes by feature name or field, in the order given, labelled in the header.
    const named = await segment(definition, ["--attributes", "profile.loyalty.tier,churn:percentile"]);
    expect(named.status).toBe(0);
    expect(named.lines[0]).toMatch(/Loyalty tier,No activity within 60 days: percentile/);
  }, 120_000);

  it("computes the value percentile as the site does, and orders by expected value on request", async () => {
    const rows = await query(`SELECT id, expected_value FROM ${scores("purchase")}`);
    const percentiles = valuePercentiles(rows.map((r) => (r[1] === null ? null : Number(r[1]))));
    const top = new Set(rows.filter((_, i) => (percentiles[i] ?? 0) >= 91).map((r) => String(r[0])));
    expect(top.size).toBeGreaterThan(10);
    const result = await segment(
      { match: "all", conditions: [{ field: "value_percentile", op: "between", value: [91, 100] }] },
      ["--sort", "expected_value"],
    );
    expect(result.status).toBe(0);
    expect(new Set(ids(result.lines))).toEqual(top);
    const byValue = await query(
      `SELECT id FROM ${scores("purchase")} WHERE id IN (${[...top].map(str).join(", ")}) ORDER BY expected_value DESC NULLS LAST, id`,
    );
    expect(ids(result.lines)).toEqual(byValue.map((r) => String(r[0])));
  }, 120_000);

  it("refuses mistakes in one line (exit 2) and never overwrites a file", async () => {
    const everyone = { match: "all", conditions: [] };
    const first = await segment(everyone);
    expect(first.status).toBe(0);
    const before = readFileSync(first.out, "utf8");
    const again = await exitStatusOf(
      () =>
        segmentCommand(
          ["--run", run, "--instance", "purchase", "--definition", join(dir, "none.json"), "--out", first.out],
          { log() {}, table() {}, error() {} },
        ),
      { log() {}, table() {}, error() {} },
    );
    expect(again).toBe(2);
    expect(readFileSync(first.out, "utf8")).toBe(before);
    for (const [definition, extra, message] of [
      ["{not json", [], /not JSON/],
      [{ match: "all", conditions: [{ field: "nope", op: "in", value: [1] }] }, [], /Unknown field|nope/],
      [{ match: "all", conditions: [{ field: "elsewhere:score", op: "between", value: [1, 2] }] }, [], /does not have/],
      [everyone, ["--sort", "name"], /--sort/],
      [everyone, ["--attributes", "nope"], /--attributes/],
    ] as const) {
      const result = await segment(definition, [...extra]);
      expect(result.status).toBe(2);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatch(message);
      expect(existsSync(result.out)).toBe(false);
    }
  }, 120_000);

  it("counts everyone in a segment within the interval the site's sample gives (sample mode at a forced low threshold)", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { CUSTOMER_AI_RUN: run, CUSTOMER_AI_SAMPLE_ABOVE: "0", CUSTOMER_AI_SAMPLE_SIZE: "400" });
    try {
      const sample = (await instanceSample("purchase"))!;
      expect(sample.rate).toBeGreaterThan(0.05);
      expect(sample.rate).toBeLessThan(1);
      // The site's people table in sample mode, queried by the page's SQL in DuckDB.
      const folder = mkdtempSync(join(tmpdir(), "customer-ai-sample-test-"));
      writeFileSync(join(folder, "sample.parquet"), await sampledScores("purchase", sample));
      const summary = JSON.parse(readFileSync(join(run, "purchase", "instance.json"), "utf8"));
      const columns = builderColumns(summary, [{ name: "churn", label: "churn" }]);
      const db = await openDatabase();
      try {
        await db.connection.run(
          `CREATE TABLE scores AS SELECT * FROM read_parquet(${str(join(folder, "sample.parquet"))})`,
        );
        const [[m]] = (await db.connection.runAndReadAll("SELECT count(*)::INTEGER FROM scores")).getRows() as [
          [number],
        ];
        expect(m).toBe(sample.people);
        for (const definition of [
          { match: "all", conditions: [{ field: "percentile", op: "between", value: [81, 100] }] },
          {
            match: "any",
            conditions: [
              { field: "bucket", op: "in", value: ["High", "Medium"] },
              { field: "value_percentile", op: "between", value: [91, 100] },
            ],
          },
        ] as const) {
          const stats = segmentStatsSql(definition as never, columns);
          const [row] = (await db.connection.runAndReadAll(stats.where, stats.params as never)).getRowObjectsJS() as {
            people: number;
          }[];
          const interval = estimateCount(Number(row!.people), sample);
          const headless = await segment(definition);
          expect(headless.status).toBe(0);
          const everyone = headless.lines.length - 1;
          // The figures, said when the count falls outside the interval (not printed on every run).
          const figures = `sample ${row!.people} of ${sample.people} (rate ${sample.rate}): estimate ${interval.estimate.toFixed(0)} (${interval.low.toFixed(0)}-${interval.high.toFixed(0)}); headless ${everyone}`;
          expect(everyone, figures).toBeGreaterThanOrEqual(interval.low);
          expect(everyone, figures).toBeLessThanOrEqual(interval.high);
        }
      } finally {
        db.close();
        rmSync(folder, { recursive: true, force: true });
      }
    } finally {
      for (const key of ["CUSTOMER_AI_RUN", "CUSTOMER_AI_SAMPLE_ABOVE", "CUSTOMER_AI_SAMPLE_SIZE"])
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
    }
  }, 120_000);
});
