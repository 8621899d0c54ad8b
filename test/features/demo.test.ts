/**
 * Integration on the demo data (2,000 generated people): the default configuration end to end, determinism, and
 * the leakage test (changing or deleting events at or after a cutoff changes no feature at that cutoff).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoConfig } from "../../loaders/config/demo.js";
import type { CustomerAIConfig } from "../../loaders/config/types.js";
import { validateConfig } from "../../loaders/config/validate.js";
import { generateDemo } from "../../loaders/demo/generate.js";
import type { InstanceFeatures } from "../../loaders/features/build.js";
import { type PreparedFeatures, prepareFeatures } from "../../loaders/features/prepare.js";
import { dayOf } from "../../loaders/ingest/dates.js";
import { Session } from "../../loaders/ingest/session.js";

const dir = mkdtempSync(join(tmpdir(), "features-demo-"));
const AS_OF = "2026-10-31";
let base: PreparedFeatures;

function config(dataDir: string): CustomerAIConfig {
  // A 180-day lookback leaves enough training cutoffs for the requirements on this small sample.
  return { ...demoConfig(dataDir), features: { lookbackDays: 180 }, asOf: AS_OF };
}

async function prepare(dataDir: string): Promise<PreparedFeatures> {
  return prepareFeatures(validateConfig(config(dataDir)), { memoryLimit: "2GB", threads: 2 });
}

beforeAll(async () => {
  await generateDemo({ profiles: 2000, seed: 11, outDir: join(dir, "base") });
  base = await prepare(join(dir, "base"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Feature values keyed by person id, cutoff date and feature name (for comparing runs). */
function valuesAt(f: InstanceFeatures, cutoffs: Set<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const set of [f.train, f.test, f.score]) {
    for (let i = 0; i < set.rows; i++) {
      const cutoff = f.cutoffs[set.cutoff[i]].cutoff;
      if (!cutoffs.has(cutoff)) continue;
      const key = `${f.people[set.person[i]]}@${cutoff}`;
      f.catalogue.forEach((d, j) => out.set(`${key}:${d.name}`, set.matrix[j * set.rows + i]));
    }
  }
  return out;
}

describe("demo data with the default configuration", () => {
  it("accounts for every row and never reads the truth file", () => {
    const events = base.report.events;
    expect(events.rowsUsed + events.rowsSetAside).toBe(events.rowsRead);
    expect(events.rowsSetAside).toBe(0);
    expect(events.files.some((f) => f.includes("truth"))).toBe(false);
    expect(base.report.profiles!.files.some((f) => f.includes("truth"))).toBe(false);
    expect(events.eventTypes.map((t) => t.eventType).sort()).toEqual([
      "application.launches",
      "commerce.checkouts",
      "commerce.productListAdds",
      "commerce.productViews",
      "commerce.purchases",
      "directMarketing.emailClicked",
      "directMarketing.emailOpened",
      "directMarketing.emailSent",
      "search",
      "web.webpagedetails.pageViews",
    ]);
    expect(base.report.asOf).toBe(AS_OF);
  });

  it("builds training, out-of-time test and scoring sets for both instances", () => {
    const [purchase, churn] = base.instances;
    expect(purchase.instance).toBe("purchase");
    expect(churn.instance).toBe("churn");
    // Labelled cutoffs from one window before the as-of date back, a stride apart (7 days for 30-day windows, 14 for
    // 60), each with the 180-day lookback before it (the data start on 2025-05-01).
    const labelled = (window: number, stride: number) =>
      Math.floor((dayOf(AS_OF) + 1 - window - 180 - dayOf("2025-05-01")) / stride) + 1;
    expect(purchase.cutoffs.map((c) => c.part)).toEqual(["score", "test", ...Array(labelled(30, 7) - 1).fill("train")]);
    expect(churn.cutoffs.map((c) => c.part)).toEqual(["score", "test", ...Array(labelled(60, 14) - 1).fill("train")]);
    expect(purchase.cutoffs[2]!.day).toBe(purchase.cutoffs[1]!.day - 7);
    expect(purchase.cutoffs[0].asOf).toBe(AS_OF);
    expect(purchase.cutoffs[1].asOf).toBe("2026-10-01");
    for (const f of [purchase, churn]) {
      for (const set of [f.train, f.test, f.score]) {
        expect(set.rows).toBeGreaterThan(500);
        expect(set.matrix.length).toBe(set.rows * f.catalogue.length);
        // Rows are ordered by person id, then cutoff date.
        for (let i = 1; i < set.rows; i++) {
          const a = set.person[i - 1];
          const b = set.person[i];
          expect(a < b || (a === b && f.cutoffs[set.cutoff[i - 1]].day < f.cutoffs[set.cutoff[i]].day)).toBe(true);
        }
      }
      const rate = f.train.labels!.reduce((a, b) => a + b, 0) / f.train.rows;
      expect(rate).toBeGreaterThan(0.02);
      expect(rate).toBeLessThan(0.6);
    }
    const requirements = base.report.instances.map((i) => i.requirements!.every((r) => r.ok));
    expect(requirements).toEqual([true, true]);
  });

  it("labels features for people and keeps counts complete", () => {
    const purchase = base.instances[0];
    const byName = new Map(purchase.catalogue.map((d, j) => [d.name, { d, j }]));
    expect(byName.get("event.commerce.purchases.days_since_last")!.d.label).toBe("Days since last purchase");
    expect(byName.get("custom.offersView.count_30d")!.d.label).toBe("Offers page views in the last 30 days");
    expect(byName.get("email.open_rate")!.d.label).toBe("Email open rate (last 90 days)");
    expect(byName.get("profile.loyalty.tier")!.d).toMatchObject({
      kind: "categorical",
      categories: ["none", "silver", "gold", "platinum"],
    });
    const s = purchase.score;
    for (const [name, { j }] of byName) {
      if (!/\.count_\d+d$/.test(name)) continue;
      const column = s.matrix.subarray(j * s.rows, (j + 1) * s.rows);
      expect(column.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    }
  });

  it("is deterministic: the same data and configuration give identical matrices", async () => {
    const again = await prepare(join(dir, "base"));
    for (let k = 0; k < base.instances.length; k++) {
      const [a, b] = [base.instances[k], again.instances[k]];
      expect(b.catalogue).toEqual(a.catalogue);
      for (const part of ["train", "test", "score"] as const) {
        expect(Buffer.from(b[part].matrix.buffer).equals(Buffer.from(a[part].matrix.buffer))).toBe(true);
        expect(Array.from(b[part].person)).toEqual(Array.from(a[part].person));
        expect(b[part].labels && Array.from(b[part].labels!)).toEqual(a[part].labels && Array.from(a[part].labels!));
      }
    }
  });
});

describe("sampling of large training sets", () => {
  it("caps examples per labelled cutoff with a deterministic sample and never samples the scoring set", async () => {
    const capped = validateConfig({
      ...config(join(dir, "base")),
      training: { maxExamplesPerCutoff: 300 },
      requirements: { minPositive: 50, minNegative: 50 },
    });
    const run = () => prepareFeatures(capped, { memoryLimit: "1GB", instances: ["purchase"] });
    const [a, b] = [await run(), await run()];
    const f = a.instances[0];
    for (const c of f.cutoffs) {
      if (c.part === "score" || c.eligible <= 300) expect(c.examples).toBe(c.eligible);
      else {
        expect(c.examples).toBeGreaterThan(200);
        expect(c.examples).toBeLessThan(400);
      }
    }
    expect(f.score.rows).toBe(base.instances[0].score.rows);
    expect(Array.from(b.instances[0].train.person)).toEqual(Array.from(f.train.person));
  });
});

describe("no leakage", () => {
  it("changing or deleting events at or after a cutoff changes no feature at or before that cutoff", async () => {
    const purchase = base.instances[0];
    const cut = purchase.cutoffs[4]; // a training cutoff in the middle of the history
    const mutated = join(dir, "mutated");
    const session = await Session.open({ memoryLimit: "1GB" });
    try {
      await session.run(`CREATE TABLE e AS SELECT * FROM read_parquet('${join(dir, "base", "events.parquet")}')`);
      const c = `TIMESTAMP '${cut.cutoff} 00:00:00'`;
      // Delete about a third of the events at or after the cutoff, move others by up to three days (still after
      // the cutoff), change amounts, event types and pages.
      await session.run(
        `DELETE FROM e WHERE "timestamp" >= ${c} AND hash("_id") % 3 = 0`,
        `UPDATE e SET "timestamp" = "timestamp" + INTERVAL (hash("_id") % 4) DAY,
           "commerce.order.priceTotal" = "commerce.order.priceTotal" * 3,
           "eventType" = CASE WHEN hash("_id") % 5 = 0 THEN 'commerce.purchases' ELSE "eventType" END,
           "web.webPageDetails.name" = CASE WHEN hash("_id") % 7 = 0 THEN 'Offers' ELSE "web.webPageDetails.name" END
         WHERE "timestamp" >= ${c}`,
        `COPY e TO '${join(dir, "mutated-events.parquet")}' (FORMAT parquet)`,
      );
    } finally {
      session.close();
    }
    const { mkdirSync, copyFileSync, renameSync } = await import("node:fs");
    mkdirSync(mutated, { recursive: true });
    renameSync(join(dir, "mutated-events.parquet"), join(mutated, "events.parquet"));
    copyFileSync(join(dir, "base", "profiles.parquet"), join(mutated, "profiles.parquet"));
    const after = await prepare(mutated);
    expect(after.report.events.rowsRead).toBeLessThan(base.report.events.rowsRead);

    for (let k = 0; k < base.instances.length; k++) {
      const [a, b] = [base.instances[k], after.instances[k]];
      expect(b.catalogue.map((d) => d.name).sort()).toEqual(a.catalogue.map((d) => d.name).sort());
      const upTo = new Set(a.cutoffs.filter((c) => c.day <= cut.day).map((c) => c.cutoff));
      expect(upTo.size).toBeGreaterThan(0);
      const before = valuesAt(a, upTo);
      const now = valuesAt(b, upTo);
      expect(before.size).toBeGreaterThan(10_000);
      expect(now.size).toBe(before.size);
      let differences = 0;
      for (const [key, v] of before) if (!Object.is(v, now.get(key))) differences++;
      expect(differences).toBe(0);
      // The mutation did change what comes after: later features differ.
      const later = new Set(a.cutoffs.filter((c) => c.day > cut.day).map((c) => c.cutoff));
      const beforeLater = valuesAt(a, later);
      const nowLater = valuesAt(b, later);
      let changed = 0;
      for (const [key, v] of beforeLater) if (nowLater.has(key) && !Object.is(v, nowLater.get(key))) changed++;
      expect(changed).toBeGreaterThan(100);
    }
    // Labels at the cutoff look after it, so they may change; that is expected, not leakage.
  });
});
