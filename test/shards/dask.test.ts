/**
 * The Dask driver (`shards/dask_run.py`): the shard jobs of a frozen-model run go to a dask.distributed LocalCluster
 * on 127.0.0.1 with 2 workers, each `npm run score -- ... --shard i/N` as a subprocess, then `npm run merge`; the
 * merged scores and factors equal, byte for byte, the single-process run's, and so do the data-quality reports.
 * Needs Debian's python3-distributed (`apt-get install -y python3-distributed`); skipped, saying so, without it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoConfig } from "../../loaders/config/demo.js";
import { loadConfig } from "../../loaders/config/load.js";
import { generateDemo } from "../../loaders/demo/generate.js";
import { runPipeline } from "../../loaders/pipeline/run.js";
import type { RunIndex } from "../../loaders/pipeline/schema.js";

const PYTHON = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import distributed"]).status === 0);
if (!PYTHON) console.warn("test/shards/dask.test.ts skipped: no python3 with dask.distributed (apt-get install -y python3-distributed)");

const digest = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const json = <T>(file: string) => JSON.parse(readFileSync(file, "utf8")) as T;
let dir: string;
let configFile: string;

describe.skipIf(!PYTHON)("sharded scoring on a Dask LocalCluster", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "customer-ai-dask-"));
    await generateDemo({ profiles: 2000, seed: 11, outDir: join(dir, "data") });
    const config = demoConfig(join(dir, "data"));
    config.training = { model: { nTrees: 30 } };
    config.requirements = { minPositive: 50, minNegative: 50 };
    configFile = join(dir, "config.json");
    writeFileSync(configFile, JSON.stringify(config));
    await runPipeline(Object.assign(await loadConfig(configFile), { asOf: "2026-10-10" }), { out: join(dir, "trained") });
    await runPipeline(Object.assign(await loadConfig(configFile), { asOf: "2026-10-31" }), { out: join(dir, "single"), model: join(dir, "trained") });
  }, 600_000);

  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  it("runs 3 shards on 2 workers and merges them into the single run's outputs", () => {
    const args = ["--config", configFile, "--model", join(dir, "trained"), "--as-of", "2026-10-31", "--shards", "3", "--workers", "2", "--work", join(dir, "work"), "--out", join(dir, "merged")];
    execFileSync(PYTHON!, [resolve("shards/dask_run.py"), ...args], { stdio: ["ignore", "pipe", "pipe"], timeout: 600_000 });
    for (let i = 0; i < 3; i++) expect(existsSync(join(dir, "work", `shard-${i}`, "shard.json"))).toBe(true);
    const index = json<RunIndex>(join(dir, "single", "index.json"));
    expect(index.instances.length).toBeGreaterThan(0);
    for (const { name } of index.instances) {
      for (const file of ["scores.parquet", "factors.parquet", "timeline.parquet", "data-quality.json"]) {
        expect(digest(join(dir, "merged", name, file)), `${name}/${file}`).toBe(digest(join(dir, "single", name, file)));
      }
    }
  }, 600_000);

  it("stops with one line when a shard fails (exit 2)", () => {
    const run = spawnSync(PYTHON!, [resolve("shards/dask_run.py"), "--config", configFile, "--model", join(dir, "data"), "--as-of", "2026-10-31", "--shards", "2", "--workers", "2", "--work", join(dir, "work-bad"), "--out", join(dir, "merged-bad")], { encoding: "utf8", timeout: 600_000 });
    expect(run.status).toBe(2);
    const errors = run.stderr.split("\n").filter((l) => l.startsWith("error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: shard 0\/2 failed \(exit 2\): error: .*not the output folder of a run/);
    expect(existsSync(join(dir, "merged-bad"))).toBe(false);
  }, 600_000);
});
