/**
 * Customer value (loaders/pipeline/value.ts): validated out of time on the demo data with a stated tolerance, and
 * written by the pipeline into scores.parquet, instance.json and value.json consistently with the events.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvedDemoConfig } from "../../loaders/config/demo.js";
import { DEMO_DIR, ensureDemo } from "../../loaders/demo/ensure.js";
import { generateDemo } from "../../loaders/demo/generate.js";
import { ingest } from "../../loaders/ingest/ingest.js";
import { Session } from "../../loaders/ingest/session.js";
import { runPipeline } from "../../loaders/pipeline/run.js";
import type { InstanceSummary, InstanceValue, ValueReport, ValueScorer } from "../../loaders/contract/schema.js";
import { VALUE_COLUMNS, prepareCustomerValue, scorerOf } from "../../loaders/pipeline/value.js";
import { queryRows, smallDemoConfig } from "../small-demo.js";

/** Rows of a query as plain objects. */
const rows = queryRows;

describe("scorerOf", () => {
  it("sums, ranks into tenths by the prediction (ties in person order) and measures the errors", () => {
    const predicted = Float64Array.from([1, 9, 2, 8, 3, 7, 4, 6, 5, 10]);
    const actual = Float64Array.from([0, 10, 0, 10, 0, 10, 0, 0, 0, 20]);
    const s = scorerOf("model", "m", predicted, actual);
    expect([s.predicted, s.actual, s.ratio, s.relativeError]).toEqual([55, 50, 1.1, 0.1]);
    expect(s.meanAbsoluteError).toBeCloseTo((1 + 1 + 2 + 2 + 3 + 3 + 4 + 6 + 5 + 10) / 10, 12);
    expect(s.deciles.map((d) => [d.people, d.predicted, d.actual])).toEqual(
      [
        [10, 20],
        [9, 10],
        [8, 10],
        [7, 10],
        [6, 0],
        [5, 0],
        [4, 0],
        [3, 0],
        [2, 0],
        [1, 0],
      ].map(([p, a]) => [1, p, a]),
    );
    // Equal predictions keep the people's order: the first of two ties ranks higher.
    const tied = scorerOf(
      "model",
      "m",
      Float64Array.from({ length: 20 }, () => 1),
      Float64Array.from({ length: 20 }, (_, i) => (i < 2 ? 1 : 0)),
    );
    expect(tied.deciles.map((d) => d.actual)).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(s.topDecileShare).toBeCloseTo(0.4, 12);
  });
});

describe("customer value on the demo data (20,000 people), validated out of time", () => {
  let report: ValueReport;
  let repeatable = false;
  beforeAll(async () => {
    await ensureDemo();
    const config = resolvedDemoConfig(DEMO_DIR);
    const session = await Session.open({ memoryLimit: "2GB" });
    try {
      const ingested = await ingest(session, config);
      const first = await prepareCustomerValue(session, ingested, config.instances[0]!, ingested.asOf);
      report = first.report;
      // Twice on the same data: the sums of amounts must not depend on the order DuckDB's threads add them in.
      const again = await prepareCustomerValue(session, ingested, config.instances[0]!, ingested.asOf);
      repeatable =
        JSON.stringify(again.report) === JSON.stringify(report) &&
        again.columns.every((c, i) => Buffer.from(c.buffer).equals(Buffer.from(first.columns[i]!.buffer)));
    } finally {
      session.close();
    }
  }, 300_000);

  /**
   * Measured (README): over the 30-day window the model predicts 0.93 of the customers' actual spend, over 365 days
   * 1.02; per tenth of predicted value 0.55-1.16 and 0.76-1.48. The tolerance: overall within 10%, the top tenth
   * (about half the spend) within 15%, every tenth within a factor of 2; the model captures at least as much spend in
   * its top tenth as last period's spend does, and over the window it beats both naive peers on the mean absolute
   * error per customer.
   */
  it("predicts the spend of the following 30 and 365 days within the stated tolerance, beside the naive peers", () => {
    expect(report.unavailable).toBeUndefined();
    expect(report.validation.map((v) => v.periodDays)).toEqual([30, 365]);
    for (const v of report.validation) {
      expect(v.skipped, `${v.periodDays} days`).toBeUndefined();
      const [model, last, lifetime] = v.scorers! as [ValueScorer, ValueScorer, ValueScorer];
      expect(Math.abs(model.relativeError), `${v.periodDays} days overall`).toBeLessThan(0.1);
      expect(Math.abs(model.deciles[0]!.ratio - 1), `${v.periodDays} days top decile`).toBeLessThan(0.15);
      for (const d of model.deciles) {
        expect(d.ratio, `${v.periodDays} days decile ${d.decile}`).toBeGreaterThan(0.5);
        expect(d.ratio, `${v.periodDays} days decile ${d.decile}`).toBeLessThan(2);
      }
      expect(model.topDecileShare).toBeGreaterThanOrEqual(last.topDecileShare);
      // Over 365 days the peers' mean absolute error is about the model's (223 against 229): no claim there.
      if (v.periodDays === 30)
        expect(model.meanAbsoluteError).toBeLessThan(Math.min(last.meanAbsoluteError, lifetime.meanAbsoluteError));
      expect(Math.abs(v.events!.predicted / v.events!.actual - 1)).toBeLessThan(0.1);
      expect(Math.abs(v.spendPerEvent!.predicted / v.spendPerEvent!.actual - 1)).toBeLessThan(0.05);
    }
  });

  it("gives the same figures, to the last bit, when run again on the same data", () => {
    expect(repeatable).toBe(true);
  });

  it("fits both models on every customer, and says how far spend and frequency are related", () => {
    expect(report.customers).toBeGreaterThan(4000);
    expect(report.bgnbd!.converged && report.gammaGamma!.converged).toBe(true);
    expect(report.gammaGamma!.atBound).toBe(false);
    // The demo's prices do not depend on how often a person buys.
    expect(Math.abs(report.spendFrequencyCorrelation!)).toBeLessThan(0.1);
    expect(report.meanSpend!).toBeGreaterThan(20);
  });
});

describe("customer value in the pipeline's outputs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "customer-ai-value-"));
    await generateDemo({ profiles: 2500, seed: 5, outDir: join(dir, "data") });
    const config = smallDemoConfig(join(dir, "data"), 40);
    await runPipeline(config, { out: join(dir, "out") });
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the value columns of every scored customer, NULL exactly for people without a purchase before the as-of date", async () => {
    const summary = JSON.parse(readFileSync(join(dir, "out", "purchase", "instance.json"), "utf8")) as InstanceSummary;
    const scores = `'${join(dir, "out", "purchase", "scores.parquet")}'`;
    const described = await rows(`DESCRIBE SELECT * FROM ${scores}`);
    expect(described.slice(-5).map((r) => [r.column_name, r.column_type])).toEqual(
      VALUE_COLUMNS.map((c) => [c, "FLOAT"]),
    );
    const buyers = `SELECT DISTINCT "identityMap.ECID" AS id FROM '${join(dir, "data", "events.parquet")}'
      WHERE "eventType" = 'commerce.purchases' AND CAST("timestamp" AS DATE) <= DATE '${summary.asOf}'`;
    const [check] = await rows(`SELECT count(*)::INTEGER AS scored,
        (count(*) FILTER (s.expected_value IS NULL AND b.id IS NOT NULL))::INTEGER AS missing,
        (count(*) FILTER (s.expected_value IS NOT NULL AND b.id IS NULL))::INTEGER AS extra,
        (count(*) FILTER (s.expected_value IS NOT NULL))::INTEGER AS valued,
        max(abs(s.expected_value - s.expected_events_horizon * s.expected_spend) / s.expected_value)::DOUBLE AS product_error,
        (count(*) FILTER (s.p_alive < 0 OR s.p_alive > 1 OR s.expected_events > s.expected_events_horizon))::INTEGER AS impossible,
        sum(s.expected_value)::DOUBLE AS total
      FROM ${scores} s LEFT JOIN (${buyers}) b ON b.id = s.id`);
    expect(check!.valued as number).toBeGreaterThan(200);
    expect([check!.missing, check!.extra, check!.impossible]).toEqual([0, 0, 0]);
    expect(check!.product_error as number).toBeLessThan(1e-6);
    const value = summary.value as InstanceValue;
    expect(value.people).toBe(check!.valued);
    expect(value.people + value.withoutValue).toBe(check!.scored);
    expect(value.total / (check!.total as number)).toBeCloseTo(1, 5);
    expect(value.perBucket.reduce((t, b) => t + b.total, 0) / value.total).toBeCloseTo(1, 9);
    expect(value.deciles.reduce((t, d) => t + d.people, 0)).toBe(value.people);
    expect(value.deciles.every((d, i) => i === 0 || d.max <= value.deciles[i - 1]!.min)).toBe(true);
  });

  it("writes value.json with the validation, and no value for the churn instance", async () => {
    const report = JSON.parse(readFileSync(join(dir, "out", "purchase", "value.json"), "utf8")) as ValueReport;
    expect(report.horizonDays).toBe(365);
    expect(report.validation[0]!.periodDays).toBe(30);
    expect(report.validation[0]!.scorers!.map((s) => s.name)).toEqual(["model", "last-period", "lifetime-rate"]);
    const churn = JSON.parse(readFileSync(join(dir, "out", "churn", "instance.json"), "utf8")) as InstanceSummary;
    expect(churn.value).toBeUndefined();
    const columns = await rows(`DESCRIBE SELECT * FROM '${join(dir, "out", "churn", "scores.parquet")}'`);
    expect(columns.map((r) => r.column_name)).not.toContain("expected_value");
  });
});
