/**
 * The pipeline on a transactions-only log (generated, with known truth) and the plainest configuration a user would
 * write: everyone seen before the as-of date is scored, the scoring model learns from every labelled cutoff, a
 * history too short for an out-of-time test falls back to held-out people (and says so), and an instance that
 * fails its data requirements is reported while the others are written.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CustomerAIConfig } from "../../loaders/config/types.js";
import { validateConfig } from "../../loaders/config/validate.js";
import { type Database, openDatabase } from "../../loaders/db/duckdb.js";
import { generateTransactions } from "../../loaders/demo/transactions.js";
import { auc } from "../../loaders/evaluation/metrics.js";
import { runPipeline } from "../../loaders/pipeline/run.js";
import type { Evaluation, InstanceSummary, RunIndex } from "../../loaders/contract/schema.js";

const dir = mkdtempSync(join(tmpdir(), "customer-ai-transactions-"));
let file: string;

/** The plainest configuration: id, date and amount as one event type; conversion instances; no other settings. */
function plain(asOf: string, windows: number[]): CustomerAIConfig {
  return {
    inputs: {
      events: {
        path: file,
        eventType: "purchase",
        columns: { personId: "customer_id", timestamp: "date", amount: "amount" },
      },
    },
    asOf,
    instances: windows.map((window) => ({
      name: `buy${window}`,
      type: "conversion" as const,
      window,
      goal: { conditions: [{ field: "eventType", op: "equals" as const, value: "purchase" }] },
    })),
  };
}

/** The rows of a query as objects. */
async function rowsOf(db: Database, sql: string): Promise<Record<string, unknown>[]> {
  return (await db.connection.runAndReadAll(sql)).getRowObjects();
}

const json = <T>(out: string, path: string): T => JSON.parse(readFileSync(join(out, path), "utf8")) as T;

/** Customers with a purchase before `day`, and whether each buys in [day, day + window). */
async function population(day: string, window: number): Promise<Map<string, number>> {
  const db = await openDatabase({ memoryLimit: "1GB" });
  try {
    const rows = await rowsOf(
      db,
      `SELECT customer_id::VARCHAR AS id, max(CASE WHEN date::DATE >= DATE '${day}' AND date::DATE < DATE '${day}' + ${window} THEN 1 ELSE 0 END) AS y
      FROM read_csv('${file}') GROUP BY 1 HAVING min(date::DATE) < DATE '${day}'`,
    );
    return new Map(rows.map((r) => [String(r.id), Number(r.y)]));
  } finally {
    db.close();
  }
}

beforeAll(() => {
  file = generateTransactions({ customers: 3000, seed: 3, outDir: dir, start: "2024-01-01", end: "2025-06-30" }).file;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a transactions-only log with the plainest configuration", () => {
  it("scores everyone seen before the as-of date, from a model that learned from every labelled cutoff", async () => {
    const out = join(dir, "run");
    await runPipeline(validateConfig(plain("2025-03-31", [30])), { out, memoryLimit: "1GB" });
    const summary = json<InstanceSummary>(out, "buy30/instance.json");
    const evaluation = json<Evaluation>(out, "buy30/evaluation.json");
    const seen = await population("2025-04-01", 30);
    expect(summary.scored).toBe(seen.size);
    expect(evaluation.kind).toBe("out-of-time");
    expect(summary.modelCard.evaluation).toBe("out-of-time");
    // The scoring model's latest cutoff is the test cutoff; the evaluation model's closed a window before it.
    expect(summary.modelCard.scoringModel.cutoffs.at(-1)).toBe(summary.modelCard.testCutoff);
    expect(summary.modelCard.trainingCutoffs.at(-1)! < "2025-02-01").toBe(true);
    expect(evaluation.baselines.map((b) => b.name)).toEqual(["recency", "rfm", "bgnbd"]);
    // The scores rank the realised outcomes of the next 30 days better than recency does.
    const db = await openDatabase({ memoryLimit: "1GB" });
    const scores = await rowsOf(
      db,
      `SELECT id, probability FROM read_parquet('${join(out, "buy30", "scores.parquet")}')`,
    );
    db.close();
    const label = scores.map((s) => seen.get(String(s.id))!);
    const ours = auc({ probability: scores.map((s) => Number(s.probability)), label });
    expect(ours).toBeGreaterThan(evaluation.baselines.find((b) => b.name === "recency")!.auc - 0.05);
    expect(ours).toBeGreaterThan(0.75);
  }, 300_000);

  it("evaluates on held-out people when the history is too short for out of time, and runs the instances that can", async () => {
    const out = join(dir, "short");
    // About six months of history before the as-of date: a 90-day window leaves no closed window before its test
    // cutoff; a 200-day window does not fit at all.
    const run = await runPipeline(validateConfig(plain("2024-06-30", [90, 200])), { out, memoryLimit: "1GB" });
    const index = json<RunIndex>(out, "index.json");
    expect(index.instances.map((i) => i.name)).toEqual(["buy90"]);
    expect(index.failed.map((f) => f.name)).toEqual(["buy200"]);
    expect(index.failed[0]!.message).toContain("needs at least 230 days");
    expect(run.instances.map((i) => i.name)).toEqual(["buy90"]);
    const evaluation = json<Evaluation>(out, "buy90/evaluation.json");
    expect(evaluation.kind).toBe("held-out people");
    expect(evaluation.testExamples).toBeGreaterThan(100);
    const summary = json<InstanceSummary>(out, "buy90/instance.json");
    expect(summary.scored).toBe((await population("2024-07-01", 90)).size);
  }, 300_000);

  it("follows an instance's own as-of date, the person timeline included", async () => {
    const out = join(dir, "early");
    const config = plain("2024-12-31", [30]);
    config.instances[0]!.asOf = "2024-10-31";
    await runPipeline(validateConfig(config), { out, memoryLimit: "1GB" });
    expect(json<InstanceSummary>(out, "buy30/instance.json").asOf).toBe("2024-10-31");
    const db = await openDatabase({ memoryLimit: "1GB" });
    const [row] = await rowsOf(
      db,
      `SELECT max(time)::VARCHAR AS last, count(*) AS n FROM read_parquet('${join(out, "buy30", "timeline.parquet")}')`,
    );
    db.close();
    expect(Number(row!.n)).toBeGreaterThan(0);
    expect(String(row!.last) <= "2024-10-31").toBe(true);
  }, 300_000);
});
