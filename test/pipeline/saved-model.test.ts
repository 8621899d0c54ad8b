/**
 * Scoring with a saved model (`score --model RUN`): at the training run's own as-of date it reproduces that run's
 * scores and factors byte for byte; at another date it scores without training; a configuration that defines the
 * instance differently, or a model.json without its layout, is one clear error.
 */
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../loaders/config/errors.js";
import type { ResolvedConfig } from "../../loaders/config/types.js";
import { generateDemo } from "../../loaders/demo/generate.js";
import { dateOf, dayOf } from "../../loaders/ingest/dates.js";
import { runPipeline } from "../../loaders/pipeline/run.js";
import type { InstanceSummary, RunIndex } from "../../loaders/contract/schema.js";
import { smallDemoConfig } from "../small-demo.js";

let dir: string;
let trainedAsOf: string;

function smallConfig(): ResolvedConfig {
  return smallDemoConfig(join(dir, "data"), 60);
}

const digest = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const json = <T>(file: string) => JSON.parse(readFileSync(file, "utf8")) as T;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "customer-ai-saved-"));
  await generateDemo({ profiles: 2500, seed: 3, outDir: join(dir, "data") });
  await runPipeline(smallConfig(), { out: join(dir, "trained") });
  trainedAsOf = json<RunIndex>(join(dir, "trained", "index.json")).asOf;
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("scoring with a saved model", () => {
  it("reproduces the training run's scores and factors at its own as-of date, byte for byte", async () => {
    await runPipeline(smallConfig(), { out: join(dir, "same-day"), model: join(dir, "trained") });
    const index = json<RunIndex>(join(dir, "same-day", "index.json"));
    expect(index.instances.length).toBeGreaterThan(0);
    for (const { name } of index.instances) {
      for (const file of [
        "scores.parquet",
        "factors.parquet",
        "timeline.parquet",
        "insights.json",
        "model.json",
        "evaluation.json",
      ]) {
        expect(digest(join(dir, "same-day", name, file)), `${name}/${file}`).toBe(
          digest(join(dir, "trained", name, file)),
        );
      }
      const [trained, frozen] = ["trained", "same-day"].map((run) =>
        json<InstanceSummary>(join(dir, run, name, "instance.json")),
      );
      expect(frozen!.modelCard.frozen).toEqual({ trainedAsOf });
      expect({ ...frozen!, modelCard: { ...frozen!.modelCard, frozen: undefined } }).toEqual(
        JSON.parse(JSON.stringify(trained)),
      );
    }
  }, 600_000);

  it("scores another as-of date without training, with the saved model's card", async () => {
    const config = smallConfig();
    config.asOf = dateOf(dayOf(trainedAsOf) - 28);
    await runPipeline(config, { out: join(dir, "earlier"), model: join(dir, "trained") });
    for (const inst of config.instances) {
      const summary = json<InstanceSummary>(join(dir, "earlier", inst.name, "instance.json"));
      const trained = json<InstanceSummary>(join(dir, "trained", inst.name, "instance.json"));
      expect(summary.asOf).toBe(config.asOf);
      expect(summary.scored).toBeGreaterThan(0);
      expect(summary.modelCard.frozen).toEqual({ trainedAsOf });
      expect(summary.modelCard.trees).toBe(trained.modelCard.trees);
      expect(digest(join(dir, "earlier", inst.name, "model.json"))).toBe(
        digest(join(dir, "trained", inst.name, "model.json")),
      );
      expect(digest(join(dir, "earlier", inst.name, "scores.parquet"))).not.toBe(
        digest(join(dir, "trained", inst.name, "scores.parquet")),
      );
    }
  }, 600_000);

  it("refuses a configuration that defines an instance differently, naming the setting", async () => {
    const config = smallConfig();
    config.instances[0]!.window += 7;
    const run = runPipeline(config, { out: join(dir, "other-window"), model: join(dir, "trained") });
    await expect(run).rejects.toThrow(UserError);
    await expect(run).rejects.toThrow(/was trained with window = \d+, and the configuration has \d+/);
  });

  it("refuses a folder that is not a run's, one without the instance's model, and a model.json without its layout", async () => {
    const name = smallConfig().instances[0]!.name;
    const partial = join(dir, "partial");
    cpSync(join(dir, "trained"), partial, { recursive: true });
    rmSync(join(partial, name), { recursive: true });
    await expect(runPipeline(smallConfig(), { out: join(dir, "z"), model: partial })).rejects.toThrow(
      new RegExp(`no ${name}/model\\.json there`),
    );
    await expect(runPipeline(smallConfig(), { out: join(dir, "x"), model: join(dir, "data") })).rejects.toThrow(
      /not the output folder of a run/,
    );
    const file = join(dir, "trained", name, "model.json");
    const saved = json<Record<string, unknown>>(file);
    writeFileSync(file, JSON.stringify({ ...saved, layout: undefined }));
    await expect(runPipeline(smallConfig(), { out: join(dir, "y"), model: join(dir, "trained") })).rejects.toThrow(
      /older version/,
    );
  });
});
