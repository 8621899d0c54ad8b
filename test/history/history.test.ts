/**
 * Scores over time on the demo: a model trained at an early as-of date, then monthly runs scored with it into a
 * history folder. The realised outcomes of past runs agree with a direct computation from the events; the drift
 * between two runs of identical data is exactly 0; a run on data with fewer visits is flagged; retention removes
 * only the oldest dated runs.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResolvedConfig } from "../../loaders/config/types.js";
import { openDatabase } from "../../loaders/db/duckdb.js";
import { generateDemo } from "../../loaders/demo/generate.js";
import { auc } from "../../loaders/evaluation/metrics.js";
import { instanceHistory } from "../../loaders/history/changes.js";
import { HISTORY_MARKER, datedRuns } from "../../loaders/pipeline/dated-runs.js";
import { dateOf, dayOf } from "../../loaders/ingest/dates.js";
import { runPipeline } from "../../loaders/history/record.js";
import type { InstanceHistory, RunIndex } from "../../loaders/contract/schema.js";
import { str } from "../../loaders/sql/quote.js";
import { smallDemoConfig } from "../small-demo.js";

let dir: string;
let last: string;
const history = () => join(dir, "history");
const json = <T>(file: string) => JSON.parse(readFileSync(file, "utf8")) as T;

function config(dataDir = join(dir, "data"), asOf?: string): ResolvedConfig {
  const c = smallDemoConfig(dataDir, 60);
  c.asOf = asOf ?? null;
  return c;
}

/** The as-of dates: a model trained 90 days before the data's end, then scored every 30 days up to the end. */
const dates = () => [90, 60, 30, 0].map((back) => dateOf(dayOf(last) - back));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "customer-ai-history-"));
  last = (await generateDemo({ profiles: 2500, seed: 3, outDir: join(dir, "data") })).asOf;
  const [trainAt, ...later] = dates();
  await runPipeline(config(undefined, trainAt), { out: "", history: { dir: history(), keep: 10 } });
  for (const asOf of later)
    await runPipeline(config(undefined, asOf), { out: "", history: { dir: history(), keep: 10 }, model: history() });
}, 900_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a history folder", () => {
  it("holds one run per as-of date; the later ones scored with the model trained at the first", () => {
    expect(datedRuns(history()).map((r) => r.asOf)).toEqual(dates());
    expect(existsSync(join(history(), HISTORY_MARKER))).toBe(true);
    const latest = json<InstanceHistory>(join(history(), last, "purchase", "history.json"));
    expect(latest.runs.map((r) => r.asOf)).toEqual(dates());
    expect(new Set(latest.runs.map((r) => r.trainedAsOf))).toEqual(new Set([dates()[0]]));
    const moved = latest.previous!.movement.reduce((a, m) => a + m.people, 0);
    expect(moved).toBeGreaterThanOrEqual(latest.runs.at(-1)!.scored);
    // Everyone scored in each run is counted once on that side; people scored in one run only are "not scored" (null) on the other.
    const side = (key: "from" | "to") =>
      latest.previous!.movement.filter((m) => m[key] !== null).reduce((a, m) => a + m.people, 0);
    expect(side("from")).toBe(latest.runs.at(-2)!.scored);
    expect(side("to")).toBe(latest.runs.at(-1)!.scored);
    expect(latest.previous!.enteredHighIds.length).toBe(Math.min(1000, latest.previous!.enteredHigh));
  });

  it("measures realised outcomes that agree with a direct computation from the events", async () => {
    const latest = json<InstanceHistory>(join(history(), last, "purchase", "history.json"));
    // The purchase window is 30 days: every earlier run's window has closed by the last date.
    expect(latest.outcomes.map((o) => o.asOf)).toEqual(dates().slice(0, 3));
    const db = await openDatabase();
    try {
      for (const outcome of latest.outcomes) {
        const start = dayOf(outcome.asOf) + 1;
        const rows = (
          await db.connection.runAndReadAll(`WITH bought AS (
            SELECT DISTINCT "identityMap.ECID" AS id FROM read_parquet(${str(join(dir, "data", "events.parquet"))})
            WHERE eventType = 'commerce.purchases' AND timestamp >= DATE '1970-01-01' + INTERVAL (${start}) DAY
              AND timestamp < DATE '1970-01-01' + INTERVAL (${start + 30}) DAY)
          SELECT s.probability::DOUBLE, (b.id IS NOT NULL)::INTEGER FROM read_parquet(${str(join(history(), outcome.asOf, "purchase", "scores.parquet"))}) s
          LEFT JOIN bought b ON b.id = s.id ORDER BY s.id`)
        ).getRows();
        const probability = Float64Array.from(rows, (r) => Number(r[0]));
        const label = Uint8Array.from(rows, (r) => Number(r[1]));
        expect(outcome.people).toBe(rows.length);
        expect(outcome.positives).toBe(label.reduce((a, b) => a + b, 0));
        expect(outcome.auc).toBeCloseTo(auc({ probability, label }), 12);
        expect(outcome.windowEnd).toBe(dateOf(start + 29));
      }
    } finally {
      db.close();
    }
  });

  it("finds no drift between two runs of identical data, and flags a run on data with fewer visits", async () => {
    const run = join(history(), last);
    const copy = join(dir, "same");
    cpSync(run, join(copy, "2000-01-01"), { recursive: true });
    const same = await instanceHistory(
      run,
      last,
      "purchase",
      [{ asOf: "2000-01-01", dir: join(copy, "2000-01-01") }],
      [],
    );
    expect(same.previous!.drift.score.psi).toBe(0);
    expect(same.previous!.drift.features.every((f) => f.psi === 0)).toBe(true);
    expect(same.previous!.drift.level).toBe("stable");
    expect(same.previous!.movement.every((m) => m.from === m.to)).toBe(true);

    // The same people visiting a third as often: two thirds of their site and app events of the last 60 days dropped.
    const shifted = join(dir, "shifted");
    mkdirSync(shifted);
    const db = await openDatabase();
    try {
      await db.connection.run(`COPY (SELECT * FROM read_parquet(${str(join(dir, "data", "events.parquet"))})
        WHERE NOT (eventType NOT LIKE 'directMarketing.%' AND timestamp >= DATE ${str(dateOf(dayOf(last) - 60))}
          AND hash(_id) % 3 <> 0)) TO ${str(join(shifted, "events.parquet"))} (FORMAT parquet)`);
    } finally {
      db.close();
    }
    cpSync(join(dir, "data", "profiles.parquet"), join(shifted, "profiles.parquet"));
    const base = join(dir, "shift-history");
    mkdirSync(base);
    cpSync(run, join(base, dateOf(dayOf(last) - 1)), { recursive: true });
    writeFileSync(join(base, HISTORY_MARKER), "");
    await runPipeline(config(shifted, last), {
      out: "",
      history: { dir: base, keep: 10 },
      model: join(history(), dates()[0]!),
    });
    const flagged = json<InstanceHistory>(join(base, last, "purchase", "history.json"));
    expect(flagged.previous!.drift.level, JSON.stringify(flagged.previous!.drift)).not.toBe("stable");
    expect(flagged.previous!.drift.text).toMatch(/shifted/);
  }, 600_000);

  it("keeps the latest runs and nothing else is removed", async () => {
    const keep = join(dir, "keep");
    cpSync(history(), keep, { recursive: true });
    writeFileSync(join(keep, "notes.txt"), "mine");
    mkdirSync(join(keep, "2001-01-01"));
    writeFileSync(join(keep, "2001-01-01", "mine.csv"), "a,b\n");
    await runPipeline(config(undefined, last), { out: "", history: { dir: keep, keep: 2 }, model: keep });
    expect(datedRuns(keep).map((r) => r.asOf)).toEqual(dates().slice(2));
    expect(readdirSync(keep).sort()).toEqual([HISTORY_MARKER, "2001-01-01", ...dates().slice(2), "notes.txt"].sort());
    const index = json<RunIndex>(join(keep, last, "index.json"));
    expect(index.asOf).toBe(last);
  }, 600_000);

  it("refuses a folder that is not a history folder", async () => {
    const other = join(dir, "other");
    mkdirSync(other);
    writeFileSync(join(other, "data.csv"), "x\n");
    await expect(runPipeline(config(), { out: "", history: { dir: other, keep: 2 } })).rejects.toThrow(
      /not a history folder/,
    );
    expect(readdirSync(other)).toEqual(["data.csv"]);
  });
});
