/** Pseudonymous ids on the site and personal columns: the keyed hash in JS and SQL, rewritten files that hold no
 * real id, `npm run reveal` mapping an export back, and personal columns refused as features. */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateConfig } from "../../loaders/config/validate.js";
import { openDatabase } from "../../loaders/db/duckdb.js";
import { idKey, pseudonymOf, pseudonymSql, pseudonymousParquet } from "../../loaders/site/pseudonyms.js";
import { str } from "../../loaders/sql/quote.js";

const KEY = "a-test-key-of-32-characters-long";
const IDS = Array.from({ length: 5000 }, (_, i) => `customer-${String(i).padStart(5, "0")}@example.com`);
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "customer-ai-pseudonyms-"));
  const db = await openDatabase();
  try {
    await db.connection
      .run(`COPY (SELECT 'customer-' || lpad(i::VARCHAR, 5, '0') || '@example.com' AS id, (i % 100) / 100.0 AS probability,
        CASE WHEN i % 10 = 0 THEN 'High' ELSE 'Low' END AS bucket FROM range(5000) t(i) ORDER BY id)
      TO ${str(join(dir, "scores.parquet"))} (FORMAT parquet)`);
  } finally {
    db.close();
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("pseudonymous ids", () => {
  it("are the same keyed hash in JavaScript and in DuckDB, and differ with the key", async () => {
    const db = await openDatabase();
    try {
      const sql = (await db.connection.runAndReadAll(`SELECT ${pseudonymSql(str(IDS[7]!), KEY)}`)).getRows()[0]![0];
      expect(sql).toBe(pseudonymOf(IDS[7]!, KEY));
      expect(pseudonymOf(IDS[7]!, KEY)).toMatch(/^p[0-9a-f]{20}$/);
      expect(pseudonymOf(IDS[7]!, `${KEY}x`)).not.toBe(pseudonymOf(IDS[7]!, KEY));
    } finally {
      db.close();
    }
  });

  it("rewrite a scores file with no real id left, every row kept, sorted by the new ids", async () => {
    const bytes = await pseudonymousParquet(join(dir, "scores.parquet"), "scores", KEY);
    expect(bytes.includes(Buffer.from("example.com"))).toBe(false);
    writeFileSync(join(dir, "site-scores.parquet"), bytes);
    const db = await openDatabase();
    try {
      const rows = (
        await db.connection.runAndReadAll(
          `SELECT id, bucket FROM read_parquet(${str(join(dir, "site-scores.parquet"))})`,
        )
      ).getRows();
      const ids = rows.map((r) => String(r[0]));
      expect(ids.length).toBe(IDS.length);
      expect(ids).toEqual([...ids].sort());
      expect(new Set(ids)).toEqual(new Set(IDS.map((id) => pseudonymOf(id, KEY))));
      expect(rows.filter((r) => r[1] === "High").length).toBe(500);
    } finally {
      db.close();
    }
  });

  it("map back to person ids with the key (npm run reveal), and never overwrite a file", () => {
    const chosen = [IDS[3]!, IDS[4000]!].map((id) => pseudonymOf(id, KEY));
    writeFileSync(join(dir, "export.csv"), `id,score\n${chosen[0]},90\n${chosen[1]},80\nnot-a-pseudonym,70\n`);
    const args = [
      "tsx",
      "loaders/cli/reveal.ts",
      "--scores",
      join(dir, "scores.parquet"),
      "--in",
      join(dir, "export.csv"),
      "--out",
      join(dir, "revealed.csv"),
    ];
    execFileSync("npx", args, { env: { ...process.env, CUSTOMER_AI_ID_KEY: KEY }, stdio: "pipe" });
    expect(readFileSync(join(dir, "revealed.csv"), "utf8").trim().split("\n")).toEqual([
      "id,score,person_id",
      `${chosen[0]},90,${IDS[3]}`,
      `${chosen[1]},80,${IDS[4000]}`,
      "not-a-pseudonym,70,",
    ]);
    const again = spawnSync("npx", args, { env: { ...process.env, CUSTOMER_AI_ID_KEY: KEY }, encoding: "utf8" });
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/exists; choose a new file/);
  }, 60_000);

  it("need a key of at least 16 characters", () => {
    expect(idKey({})).toBeNull();
    expect(idKey({ CUSTOMER_AI_ID_KEY: KEY })).toBe(KEY);
    expect(() => idKey({ CUSTOMER_AI_ID_KEY: "short" })).toThrow(/at least 16 characters/);
  });
});

describe("personal columns", () => {
  it("cannot be features: listing one as a profile attribute is one clear error", () => {
    const config = {
      inputs: { events: { path: "events.csv" }, profiles: { path: "profiles.csv" } },
      privacy: { pii: ["email"] },
      instances: [
        {
          name: "buy",
          type: "conversion",
          window: 30,
          goal: { conditions: [{ field: "eventType", op: "equals", value: "purchase" }] },
          profileAttributes: ["email", "tier"],
        },
      ],
    };
    expect(() => validateConfig(config)).toThrow(
      /instances\[0\]\.profileAttributes\[0\]: "email" is listed in privacy\.pii/,
    );
    expect(
      validateConfig({ ...config, instances: [{ ...config.instances[0], profileAttributes: ["tier"] }] }).privacy,
    ).toEqual({ pii: ["email"], pseudonymousIds: false, optOut: null });
  });
});
