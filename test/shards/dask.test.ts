/**
 * The Dask driver (`shards/dask_run.py`) at the issue's size: the demo at 200,000 people, written by `npm run
 * partition` as 8 person partitions, scored as 4 shards (each `npm run score -- ... --shard i/4` as a subprocess,
 * reading its 2 partitions only) on a dask.distributed LocalCluster on 127.0.0.1 with 2 workers, then `npm run
 * merge`: the merged scores and factors (and timelines) equal, byte for byte, the single-process frozen-model run of
 * the same model and as-of date over the original files, and the merged data-quality counts equal the single run's.
 * Prints the times it measured. Needs Debian's python3-distributed (`apt-get install -y python3-distributed`);
 * skipped, saying so, without it.
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
import type { DataQualityReport } from "../../loaders/contract/data-quality.js";
import { runPipeline } from "../../loaders/pipeline/run.js";
import type { InstanceSummary, RunIndex } from "../../loaders/contract/schema.js";

const PYTHON = ["/usr/bin/python3", "python3"].find((p) => spawnSync(p, ["-c", "import distributed"]).status === 0);
if (!PYTHON)
  console.warn(
    "test/shards/dask.test.ts skipped: no python3 with dask.distributed (apt-get install -y python3-distributed)",
  );

const PEOPLE = 200_000;
const SHARDS = 4;
const PARTITIONS = 8;
const AS_OF = "2026-10-31";
const digest = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const json = <T>(file: string) => JSON.parse(readFileSync(file, "utf8")) as T;
const seconds = (from: number) => Math.round((performance.now() - from) / 100) / 10;
let dir: string;
let configFile: string;
const timings: Record<string, number> = {};

describe.skipIf(!PYTHON)(`sharded scoring of ${PEOPLE.toLocaleString("en-US")} people on a Dask LocalCluster`, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "customer-ai-dask-"));
    await generateDemo({ profiles: PEOPLE, seed: 11, outDir: join(dir, "data") });
    const config = demoConfig(join(dir, "data"));
    config.training = { model: { nTrees: 30 } };
    config.requirements = { minPositive: 50, minNegative: 50 };
    configFile = join(dir, "config.json");
    writeFileSync(configFile, JSON.stringify(config));
    await runPipeline(Object.assign(await loadConfig(configFile), { asOf: "2026-10-10" }), {
      out: join(dir, "trained"),
    });
    let t0 = performance.now();
    await runPipeline(Object.assign(await loadConfig(configFile), { asOf: AS_OF }), {
      out: join(dir, "single"),
      model: join(dir, "trained"),
    });
    timings["single frozen-model run"] = seconds(t0);
    // The partitioned layout, written by the partition command; the shards' configuration points at it.
    t0 = performance.now();
    execFileSync(
      "npm",
      [
        "run",
        "--silent",
        "partition",
        "--",
        "--config",
        configFile,
        "--partitions",
        String(PARTITIONS),
        "--out",
        join(dir, "parts"),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    timings["partition (8 partitions)"] = seconds(t0);
    const inputs = {
      events: { path: join(dir, "parts", "events", "person_part=*", "*.parquet") },
      profiles: { path: join(dir, "parts", "profiles", "person_part=*", "*.parquet") },
    };
    writeFileSync(join(dir, "config-parts.json"), JSON.stringify({ ...config, inputs }));
  }, 1_800_000);

  afterAll(() => {
    if (Object.keys(timings).length)
      console.log(
        `test/shards/dask.test.ts, ${PEOPLE} people: ${Object.entries(timings)
          .map(([k, v]) => `${k} ${v} s`)
          .join("; ")}`,
      );
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`runs ${SHARDS} shards of the partitioned layout on 2 workers and merges them into the single run's outputs`, () => {
    const args = [
      "--config",
      join(dir, "config-parts.json"),
      "--model",
      join(dir, "trained"),
      "--as-of",
      AS_OF,
      "--shards",
      String(SHARDS),
      "--workers",
      "2",
      "--work",
      join(dir, "work"),
      "--out",
      join(dir, "merged"),
    ];
    const t0 = performance.now();
    execFileSync(PYTHON!, [resolve("shards/dask_run.py"), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 1_800_000,
    });
    timings[`${SHARDS} shards on 2 workers + merge`] = seconds(t0);
    const index = json<RunIndex>(join(dir, "single", "index.json"));
    expect(index.instances.map((i) => i.name)).toEqual(["purchase", "churn"]);
    for (const { name } of index.instances) {
      for (const file of ["scores.parquet", "factors.parquet", "timeline.parquet"]) {
        expect(digest(join(dir, "merged", name, file)), `${name}/${file}`).toBe(
          digest(join(dir, "single", name, file)),
        );
      }
      expect(json<InstanceSummary>(join(dir, "merged", name, "instance.json")).scored).toBe(
        json<InstanceSummary>(join(dir, "single", name, "instance.json")).scored,
      );
      // Each shard read its own 2 partitions: its accounting is of those rows, the merge sums them.
      const single = json<DataQualityReport>(join(dir, "single", name, "data-quality.json"));
      const shards = Array.from({ length: SHARDS }, (_, i) =>
        json<DataQualityReport>(join(dir, "work", `shard-${i}`, name, "data-quality.json")),
      );
      shards.forEach((r, i) =>
        expect(r.events.files.map((f) => f.split("/").at(-2))).toEqual([
          `person_part=${i}`,
          `person_part=${i + SHARDS}`,
        ]),
      );
      expect(Math.max(...shards.map((r) => r.events.rowsRead))).toBeLessThan(single.events.rowsRead / 3);
      const counts = (r: DataQualityReport) => ({
        ...r,
        events: { ...r.events, files: [], columns: r.events.columns.filter((c) => c.name !== "person_part") },
        profiles: { ...r.profiles!, files: [], columns: r.profiles!.columns.filter((c) => c.name !== "person_part") },
      });
      expect(counts(json<DataQualityReport>(join(dir, "merged", name, "data-quality.json")))).toEqual(counts(single));
    }
    // The share of a shard's time spent reading its rows (ingest), from its progress lines.
    const shares = Array.from({ length: SHARDS }, (_, i) => {
      const log = readFileSync(join(dir, "work", `shard-${i}.log`), "utf8");
      const ingest = Number(/ingest: .* \(([\d.]+) s\)/.exec(log)?.[1]);
      const total = Number(/in ([\d.]+) s \(features/.exec(log)?.[1]);
      return { ingest, total };
    });
    timings["shard runs (each)"] = Math.max(...shares.map((s) => s.total));
    timings["shard ingest (each, max)"] = Math.max(...shares.map((s) => s.ingest));
    timings["merge"] = Number(/in ([\d.]+) s$/m.exec(readFileSync(join(dir, "work", "merge.log"), "utf8"))?.[1]);
  }, 1_800_000);

  it("stops with one line when a shard fails (exit 2)", () => {
    const run = spawnSync(
      PYTHON!,
      [
        resolve("shards/dask_run.py"),
        "--config",
        configFile,
        "--model",
        join(dir, "data"),
        "--as-of",
        AS_OF,
        "--shards",
        "2",
        "--workers",
        "2",
        "--work",
        join(dir, "work-bad"),
        "--out",
        join(dir, "merged-bad"),
      ],
      { encoding: "utf8", timeout: 600_000 },
    );
    expect(run.status).toBe(2);
    const errors = run.stderr.split("\n").filter((l) => l.startsWith("error:"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: shard 0\/2 failed \(exit 2\): error: .*not the output folder of a run/);
    expect(existsSync(join(dir, "merged-bad"))).toBe(false);
  }, 600_000);
});
