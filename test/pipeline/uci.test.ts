/**
 * The whole pipeline on real data: UCI Online Retail (../shared/data/online_retail_uci.csv.gz), configured as in
 * `data/examples/online-retail.config.ts`. Skipped, with the reason printed, when the file is absent.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onlineRetailConfig } from "../../loaders/config/examples.js";
import { validateConfig } from "../../loaders/config/validate.js";
import { type RunSummary, runPipeline } from "../../loaders/pipeline/run.js";
import type { Evaluation, InstanceSummary } from "../../loaders/contract/schema.js";

const FILE = resolve("../shared/data/online_retail_uci.csv.gz");
const present = existsSync(FILE);
if (!present) console.warn(`skipping the UCI Online Retail pipeline test: ${FILE} is absent`);

describe.skipIf(!present)("UCI Online Retail, end to end", () => {
  let out: string;
  let run: RunSummary;
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "customer-ai-uci-"));
    run = await runPipeline(validateConfig(onlineRetailConfig(FILE)), { out, memoryLimit: "2GB" });
  }, 600_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it.each(["purchase", "churn"])("%s: the model beats the recency-only baseline out of time", (instance) => {
    const evaluation = JSON.parse(readFileSync(join(out, instance, "evaluation.json"), "utf8")) as Evaluation;
    const recency = evaluation.baselines.find((b) => b.name === "recency")!;
    const rfm = evaluation.baselines.find((b) => b.name === "rfm")!;
    console.info(
      `UCI ${instance}: AUC ${evaluation.auc.toFixed(4)}, recency ${recency.auc.toFixed(4)}, RFM ${rfm.auc.toFixed(4)}, ECE ${evaluation.ece.toFixed(4)}, test ${evaluation.testExamples} (${evaluation.testPositives} positive)`,
    );
    expect(evaluation.auc).toBeGreaterThan(recency.auc);
    const summary = JSON.parse(readFileSync(join(out, instance, "instance.json"), "utf8")) as InstanceSummary;
    expect(summary.scored).toBe(run.instances.find((i) => i.name === instance)!.scored);
    expect(summary.scored).toBeGreaterThan(1000);
    expect(summary.goalText.length).toBeGreaterThan(10);
  });
});
