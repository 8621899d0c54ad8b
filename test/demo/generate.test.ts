/**
 * The demo generator: deterministic files, a sound schema, and ground truth that is exactly the probability the
 * generative process assigns (checked against Monte Carlo simulation of the future window).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEMO_AS_OF, generateDemo } from "../../loaders/demo/generate.js";
import { DEMO_DAYS, buildSeason, drawPerson } from "../../loaders/demo/process.js";
import { Random, mixSeed } from "../../loaders/demo/random.js";
import { EVENT_TYPES, simulatePerson } from "../../loaders/demo/simulate.js";
import { TRUTH_HORIZON, noActivityProbability, purchaseProbability } from "../../loaders/demo/truth.js";
import { queryRows } from "../small-demo.js";

const dir = mkdtempSync(join(tmpdir(), "demo-test-"));
const FILES = ["events.parquet", "profiles.parquet", "truth.parquet"];
const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

beforeAll(async () => {
  await generateDemo({ profiles: 400, seed: 7, outDir: join(dir, "a") });
  await generateDemo({ profiles: 400, seed: 7, outDir: join(dir, "b") });
  await generateDemo({ profiles: 400, seed: 8, outDir: join(dir, "c") });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const query = queryRows;

describe("generateDemo", () => {
  test("the same size and seed give byte-identical files; another seed does not", () => {
    for (const f of FILES) expect(sha(join(dir, "a", f))).toBe(sha(join(dir, "b", f)));
    expect(sha(join(dir, "a", "events.parquet"))).not.toBe(sha(join(dir, "c", "events.parquet")));
  });

  test("truth has one row per person and as-of date (the last day, 30 and 60 days before) with probabilities in [0, 1]", async () => {
    const [row] = await query(`SELECT COUNT(*) AS n, COUNT(DISTINCT "identityMap.ECID") AS ids,
        COUNT(DISTINCT ("identityMap.ECID", "asOf")) AS pairs,
        MIN(purchase_30d) AS p_min, MAX(purchase_30d) AS p_max, MIN(churn_60d) AS c_min, MAX(churn_60d) AS c_max,
        MAX("asOf")::VARCHAR AS as_of, string_agg(DISTINCT "asOf"::VARCHAR, ',' ORDER BY "asOf"::VARCHAR) AS dates,
        COUNT(*) FILTER (WHERE "identityMap.ECID" NOT IN
          (SELECT "identityMap.ECID" FROM '${dir}/a/profiles.parquet')) AS unknown
      FROM '${dir}/a/truth.parquet'`);
    expect(row).toMatchObject({
      n: "1200",
      ids: "400",
      pairs: "1200",
      as_of: DEMO_AS_OF,
      dates: "2026-09-01,2026-10-01,2026-10-31",
      unknown: "0",
    });
    for (const k of ["p_min", "c_min"]) expect(Number(row![k])).toBeGreaterThanOrEqual(0);
    for (const k of ["p_max", "c_max"]) expect(Number(row![k])).toBeLessThanOrEqual(1);
  });

  test("events are XDM-shaped, within the data period, and belong to profiled people", async () => {
    const columns = await query(`DESCRIBE SELECT * FROM '${dir}/a/events.parquet'`);
    expect(columns.map((c) => c["column_name"])).toEqual(
      expect.arrayContaining([
        "_id",
        "timestamp",
        "eventType",
        "identityMap.ECID",
        "web.webPageDetails.name",
        "commerce.order.priceTotal",
        "commerce.order.purchaseID",
        "productListItems.SKU",
        "channel.typeAtSource",
        "device.type",
      ]),
    );
    const [row] = await query(`SELECT COUNT(*) = COUNT(DISTINCT "_id") AS unique_ids,
        MIN("timestamp")::DATE::VARCHAR AS first, MAX("timestamp")::DATE::VARCHAR AS last,
        COUNT(DISTINCT "eventType") AS types,
        COUNT(*) FILTER (WHERE "eventType" = 'commerce.purchases' AND NOT "commerce.order.priceTotal" > 0) AS bad_prices,
        COUNT(*) FILTER (WHERE "identityMap.ECID" NOT IN (SELECT "identityMap.ECID" FROM '${dir}/a/profiles.parquet')) AS orphans
      FROM '${dir}/a/events.parquet'`);
    expect(row).toMatchObject({ unique_ids: true, types: String(EVENT_TYPES.length), bad_prices: "0", orphans: "0" });
    expect(row!["first"]! >= "2025-05-01" && row!["last"]! <= DEMO_AS_OF).toBe(true);
  });

  test("the data is realistic: heavy-tailed activity, many one-visit people, a few % buy in 30 days", async () => {
    const [row] = await query(`WITH e AS (SELECT "identityMap.ECID" AS id, "timestamp" AS ts, "eventType" AS t
        FROM '${dir}/a/events.parquet'),
      per AS (SELECT id, COUNT(*) AS n, COUNT(DISTINCT ts::DATE) FILTER (WHERE t NOT LIKE 'directMarketing%') AS days
        FROM e GROUP BY id)
      SELECT AVG((days <= 1)::INT) AS one_visit, MAX(n) / MEDIAN(n) AS tail,
        (SELECT COUNT(DISTINCT id) FROM e WHERE t = 'commerce.purchases' AND ts >= TIMESTAMP '2026-10-01') / 400 AS buy_30d
      FROM per`);
    expect(Number(row!["one_visit"])).toBeGreaterThan(0.2);
    expect(Number(row!["tail"])).toBeGreaterThan(10);
    expect(Number(row!["buy_30d"])).toBeGreaterThan(0.01);
    expect(Number(row!["buy_30d"])).toBeLessThan(0.12);
  });
});

describe("ground truth", () => {
  // Simulate the future window many times per person and compare the observed frequency with the exact value.
  const season = buildSeason(DEMO_DAYS + TRUTH_HORIZON);
  const PEOPLE = 150;
  const RUNS = 300;
  const purchase = EVENT_TYPES.indexOf("commerce.purchases");
  const emailSent = EVENT_TYPES.indexOf("directMarketing.emailSent");

  function observed(index: number, window: number, happened: (types: number[]) => boolean): number {
    const person = drawPerson(index, new Random(mixSeed(11, index)));
    let hits = 0;
    for (let r = 0; r < RUNS; r++) {
      const types: number[] = [];
      const sink = { push: (line: string) => types.push(Number(line.split("\t")[3])) };
      simulatePerson(person, new Random(mixSeed(99, index * RUNS + r)), season, sink, DEMO_DAYS, DEMO_DAYS + window);
      if (happened(types)) hits++;
    }
    return hits / RUNS;
  }

  test.each([
    ["purchase within 30 days", 30, (t: number[]) => t.includes(purchase), purchaseProbability],
    ["no activity within 60 days", 60, (t: number[]) => t.every((x) => x === emailSent), noActivityProbability],
  ] as const)("%s matches Monte Carlo simulation of the process", (_, window, happened, exact) => {
    let z = 0;
    let variance = 0;
    let worst = 0;
    for (let i = 0; i < PEOPLE; i++) {
      const p = exact(drawPerson(i, new Random(mixSeed(11, i))), season, window);
      const freq = observed(i, window, happened);
      z += freq - p;
      variance += (p * (1 - p)) / RUNS;
      worst = Math.max(worst, Math.abs(freq - p) / Math.sqrt(Math.max(p * (1 - p), 1e-4) / RUNS));
    }
    // The summed deviation is within 4 standard errors, and no single person is off by more than 5.
    expect(Math.abs(z) / Math.sqrt(variance)).toBeLessThan(4);
    expect(worst).toBeLessThan(5);
  });
});

describe("npm run generate", () => {
  test("writes the three files and rejects a bad argument with one clear line", () => {
    const out = join(dir, "cli");
    execFileSync("npx", ["tsx", "loaders/cli/generate.ts", "--profiles", "50", "--seed", "3", "--out", out], {
      stdio: "pipe",
    });
    for (const f of FILES) expect(readFileSync(join(out, f)).length).toBeGreaterThan(0);
    const bad = spawnSync("npx", ["tsx", "loaders/cli/generate.ts", "--profiles", "many"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('error: --profiles expects a whole number, got "many"');
    expect(bad.stderr).not.toContain("    at ");
  });
});
