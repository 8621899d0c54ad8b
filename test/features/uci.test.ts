/**
 * Integration on real data: the UCI Online Retail export (../shared/data/online_retail_uci.csv.gz), configured as
 * purchases from invoices, cancellations as a custom event, amount = Quantity * UnitPrice. Skipped, with the
 * reason printed, when the file is absent.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { onlineRetailConfig } from "../../loaders/config/examples.js";
import { validateConfig } from "../../loaders/config/validate.js";
import { type PreparedFeatures, prepareFeatures } from "../../loaders/features/prepare.js";

const FILE = resolve("../shared/data/online_retail_uci.csv.gz");
const present = existsSync(FILE);
if (!present) console.warn(`skipping UCI Online Retail integration tests: ${FILE} is absent`);

describe.skipIf(!present)("UCI Online Retail", () => {
  let out: PreparedFeatures;
  beforeAll(async () => {
    out = await prepareFeatures(validateConfig(onlineRetailConfig(FILE)), { memoryLimit: "2GB", threads: 2 });
  });

  it("accounts for every line: no customer, exact duplicates, used", () => {
    const events = out.report.events;
    expect(events.rowsRead).toBe(541_909);
    const byReason = Object.fromEntries(events.setAside.map((e) => [e.reason, e.rows]));
    expect(byReason.person_id_missing).toBe(135_080);
    expect(byReason.duplicate).toBeGreaterThan(5_000);
    expect(events.rowsUsed + events.rowsSetAside).toBe(events.rowsRead);
    expect(events.people).toBe(4_372);
    expect(events.firstEvent).toBe("2010-12-01 08:26:00");
    expect(events.lastEvent).toBe("2011-12-09 12:50:00");
    expect(out.report.asOf).toBe("2011-12-09");
    // Lines of one invoice are one purchase event.
    expect(events.events).toBeGreaterThan(20_000);
    expect(events.events).toBeLessThan(26_000);
    expect(events.mapping).toMatchObject({
      personId: "CustomerID",
      timestamp: "InvoiceDate",
      amount: "Quantity * UnitPrice",
      groupRowsBy: "InvoiceNo",
    });
    const [purchase] = out.report.instances;
    expect(purchase.customEvents[0].name).toBe("cancellation");
    expect(purchase.customEvents[0].events).toBeGreaterThan(3_000);
    expect(purchase.goalEvents + purchase.customEvents[0].events).toBe(events.events);
  });

  it("meets the data requirements and builds features with cancellations and amounts", () => {
    for (const inst of out.report.instances) expect(inst.requirements!.filter((r) => !r.ok)).toEqual([]);
    const [purchase, churn] = out.instances;
    expect(purchase.cutoffs.slice(0, 2).map((c) => c.part)).toEqual(["score", "test"]);
    expect(purchase.cutoffs.slice(2).every((c) => c.part === "train")).toBe(true);
    expect(purchase.cutoffs.length).toBeGreaterThanOrEqual(2 + 8);
    expect(purchase.train.rows).toBeGreaterThan(5_000);
    expect(purchase.score.rows).toBeGreaterThan(1_500);
    expect(churn.train.rows).toBeGreaterThan(1_000);
    const names = purchase.catalogue.map((d) => d.name);
    expect(names).toContain("custom.cancellation.count_90d");
    expect(names).toContain("amount.sum_90d");
    expect(names).toContain("regularity.mean_gap_days");
    const j = names.indexOf("amount.sum_180d");
    const s = purchase.score;
    const total = s.matrix.subarray(j * s.rows, (j + 1) * s.rows).reduce((a, b) => a + b, 0);
    expect(total / s.rows).toBeGreaterThan(100);
    const positives = purchase.train.labels!.reduce((a, b) => a + b, 0);
    expect(positives / purchase.train.rows).toBeGreaterThan(0.2);
    expect(positives / purchase.train.rows).toBeLessThan(0.7);
  });
});
