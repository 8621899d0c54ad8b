/**
 * Opting out (`privacy.optOut`): the people whose profile matches are removed before anything is learned, so no
 * output of the run holds them, and the report counts them exactly.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoConfig } from "../../loaders/config/demo.js";
import { validateConfig } from "../../loaders/config/validate.js";
import { openDatabase } from "../../loaders/db/duckdb.js";
import { generateDemo } from "../../loaders/demo/generate.js";
import type { DataQualityReport } from "../../loaders/contract/data-quality.js";
import { runPipeline } from "../../loaders/pipeline/run.js";
import { str } from "../../loaders/sql/quote.js";

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "customer-ai-opt-out-"));
  await generateDemo({ profiles: 2500, seed: 3, outDir: join(dir, "data") });
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("privacy.optOut", () => {
  it("removes the people who opted out from every output and counts them", async () => {
    const raw = demoConfig(join(dir, "data"));
    raw.privacy = { optOut: { conditions: [{ field: "loyalty.tier", op: "equals", value: "platinum" }] } };
    raw.training = { model: { nTrees: 40 } };
    for (const inst of raw.instances) inst.requirements = { minPositive: 50, minNegative: 50 };
    const config = validateConfig(raw);
    await runPipeline(config, { out: join(dir, "out") });
    const db = await openDatabase();
    try {
      const q = async (sql: string) => (await db.connection.runAndReadAll(sql)).getRows();
      const profiles = str(join(dir, "data", "profiles.parquet"));
      const events = str(join(dir, "data", "events.parquet"));
      const [[people, eventCount]] =
        (await q(`WITH o AS (SELECT "identityMap.ECID" AS id FROM read_parquet(${profiles}) WHERE "loyalty.tier" = 'platinum')
        SELECT count(DISTINCT e."identityMap.ECID"), count(*) FROM read_parquet(${events}) e SEMI JOIN o ON o.id = e."identityMap.ECID"`)) as [
          [bigint, bigint],
        ];
      expect(Number(people)).toBeGreaterThan(0);
      const report = JSON.parse(
        readFileSync(join(dir, "out", "purchase", "data-quality.json"), "utf8"),
      ) as DataQualityReport;
      expect(report.events.optedOut).toEqual({ people: Number(people), events: Number(eventCount) });
      expect(report.warnings.join("\n")).toMatch(/people who opted out were removed/);
      for (const inst of config.instances) {
        for (const file of readdirSync(join(dir, "out", inst.name)).filter((f) => f.endsWith(".parquet"))) {
          const [[leaked]] = (await q(`SELECT count(*) FROM read_parquet(${str(join(dir, "out", inst.name, file))}) f
            SEMI JOIN (SELECT "identityMap.ECID" AS id FROM read_parquet(${profiles}) WHERE "loyalty.tier" = 'platinum') o ON o.id = f.id`)) as [
            [bigint],
          ];
          expect(Number(leaked), `${inst.name}/${file}`).toBe(0);
        }
      }
      const [[used]] = (await q(
        `SELECT sum(events) FROM read_parquet(${str(join(dir, "out", "activity.parquet"))})`,
      )) as [[number]];
      expect(Number(used)).toBe(report.events.events);
    } finally {
      db.close();
    }
  }, 600_000);
});
