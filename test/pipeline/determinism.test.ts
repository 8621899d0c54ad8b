/**
 * Same data + configuration + seed = identical outputs, byte for byte; a different seed changes the model.
 * Runs on a small generated data set (2,500 people) with lowered data requirements.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResolvedConfig } from "../../loaders/config/types.js";
import { generateDemo } from "../../loaders/demo/generate.js";
import { runPipeline } from "../../loaders/pipeline/run.js";
import { smallDemoConfig } from "../small-demo.js";

let dir: string;

/** sha256 of every output file, by relative path. */
function digests(out: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[path.slice(out.length + 1)] = createHash("sha256").update(readFileSync(path)).digest("hex");
  }
  return files;
}

function smallConfig(seed: number): ResolvedConfig {
  const config = smallDemoConfig(join(dir, "data"), 60);
  config.training.seed = seed;
  return config;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "customer-ai-determinism-"));
  await generateDemo({ profiles: 2500, seed: 3, outDir: join(dir, "data") });
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("determinism", () => {
  it("gives identical files for the same inputs and seed, and another model for another seed", async () => {
    await runPipeline(smallConfig(1), { out: join(dir, "a") });
    await runPipeline(smallConfig(1), { out: join(dir, "b") });
    await runPipeline(smallConfig(2), { out: join(dir, "c") });
    const [a, b, c] = ["a", "b", "c"].map((x) => digests(join(dir, x)));
    expect(Object.keys(a!).sort()).toContain("purchase/scores.parquet");
    expect(b).toEqual(a);
    expect(c!["purchase/model.json"]).not.toBe(a!["purchase/model.json"]);
  }, 600_000);
});
