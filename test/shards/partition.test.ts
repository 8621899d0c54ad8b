/**
 * The person-partitioned layout: `partition` writes a configuration's events and profiles as
 * `person_part=K/*.parquet` (every row of a person in one partition, K = hash of the person id as the pipeline reads
 * it, modulo M), never over an existing folder; `score --shard i/N` of such an input reads only the partitions
 * K % N = i and accounts for those rows only; a shard whose people include nobody eligible writes an empty shard;
 * and the merge equals, byte for byte, one frozen-model run over the original files.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partitionCommand } from "../../loaders/cli/partition.js";
import { exitStatusOf } from "../../loaders/cli/run.js";
import { resolvedDemoConfig } from "../../loaders/config/demo.js";
import type { ResolvedConfig } from "../../loaders/config/types.js";
import { openDatabase } from "../../loaders/db/duckdb.js";
import { generateDemo } from "../../loaders/demo/generate.js";
import type { DataQualityReport } from "../../loaders/contract/data-quality.js";
import { runPipeline } from "../../loaders/history/record.js";
import type { InstanceSummary, RunIndex } from "../../loaders/contract/schema.js";
import type { ShardManifest } from "../../loaders/pipeline/shard-manifest.js";
import { mergeShards } from "../../loaders/shards/merge.js";

const AS_OF = "2026-10-31";
let dir: string;
const digest = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const json = <T>(file: string) => JSON.parse(readFileSync(file, "utf8")) as T;

/** The demo configuration reading `events` and `profiles` paths (default: the demo files). */
function config(events?: string, profiles?: string): ResolvedConfig {
  const c = resolvedDemoConfig(join(dir, "data"));
  c.training.model = { nTrees: 10 };
  for (const inst of c.instances) inst.requirements = { minPositive: 20, minNegative: 20 };
  if (events) c.inputs.events.path = events;
  if (profiles) c.inputs.profiles!.path = profiles;
  return Object.assign(c, { asOf: AS_OF });
}
const partitioned = (root: string) =>
  config(join(root, "events", "person_part=*", "*.parquet"), join(root, "profiles", "person_part=*", "*.parquet"));

/** Captured output of a command. */
function capture() {
  const lines = { log: [] as string[], error: [] as string[] };
  return {
    lines,
    output: {
      log: (m: string) => lines.log.push(m),
      error: (m: string) => lines.error.push(m),
      table: () => undefined,
    },
  };
}

/** Shards `count` of a run over `c` into dir/<name>-i, merged into dir/<name>-merged. */
async function shardAndMerge(c: () => ResolvedConfig, count: number, name: string): Promise<string[]> {
  const outs = Array.from({ length: count }, (_, i) => join(dir, `${name}-${i}`));
  for (const [i, out] of outs.entries())
    await runPipeline(c(), { out, model: join(dir, "trained"), shard: { index: i, count } });
  await mergeShards(outs, join(dir, `${name}-merged`));
  return outs;
}

/** The merged run's scores, factors and timelines equal the single run's, byte for byte. */
function expectSameAsSingle(merged: string): void {
  const index = json<RunIndex>(join(dir, "single", "index.json"));
  expect(index.instances.map((i) => i.name)).toEqual(["purchase", "churn"]);
  for (const { name } of index.instances) {
    for (const file of ["scores.parquet", "factors.parquet", "timeline.parquet"])
      expect(digest(join(merged, name, file)), `${name}/${file}`).toBe(digest(join(dir, "single", name, file)));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "customer-ai-partition-"));
  await generateDemo({ profiles: 1500, seed: 5, outDir: join(dir, "data") });
  await runPipeline(Object.assign(config(), { asOf: "2026-10-10" }), { out: join(dir, "trained") });
  await runPipeline(config(), { out: join(dir, "single"), model: join(dir, "trained") });
}, 600_000);

afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

describe("partition", () => {
  it("writes every person's rows into one partition, K = hash(person id as read) % M, and says how to point the configuration at them", async () => {
    const { lines, output } = capture();
    const configFile = join(dir, "demo.config.json");
    const { writeFileSync } = await import("node:fs");
    const { demoConfig } = await import("../../loaders/config/demo.js");
    writeFileSync(configFile, JSON.stringify(demoConfig(join(dir, "data"))));
    expect(
      await exitStatusOf(
        () => partitionCommand(["--config", configFile, "--partitions", "4", "--out", join(dir, "parts")], output),
        output,
      ),
    ).toBe(0);
    expect(readdirSync(join(dir, "parts", "events")).sort()).toEqual([
      "person_part=0",
      "person_part=1",
      "person_part=2",
      "person_part=3",
    ]);
    expect(lines.log).toEqual([
      "Point the configuration at the partitions (then score --shard i/N reads only its share):",
      `  inputs.events.path: ${JSON.stringify(join(dir, "parts", "events", "person_part=*", "*.parquet"))}`,
      `  inputs.profiles.path: ${JSON.stringify(join(dir, "parts", "profiles", "person_part=*", "*.parquet"))}`,
    ]);
    const db = await openDatabase({ threads: 1 });
    const one = async (sql: string) => (await db.connection.runAndReadAll(sql)).getRowObjectsJS()[0]!;
    try {
      for (const input of ["events", "profiles"]) {
        const original = await one(
          `SELECT count(*) AS n FROM read_parquet('${join(dir, "data", `${input}.parquet`)}')`,
        );
        const check =
          await one(`SELECT count(*) AS n, count(*) FILTER (person_part <> (hash(trim("identityMap.ECID")) % 4)::INTEGER) AS misplaced,
          (SELECT count(*) FROM (SELECT "identityMap.ECID" FROM read_parquet('${join(dir, "parts", input, "*", "*.parquet")}', hive_partitioning = true) GROUP BY 1 HAVING count(DISTINCT person_part) > 1)) AS split
          FROM read_parquet('${join(dir, "parts", input, "*", "*.parquet")}', hive_partitioning = true)`);
        expect({ input, n: check.n, misplaced: check.misplaced, split: check.split }).toEqual({
          input,
          n: original.n,
          misplaced: 0n,
          split: 0n,
        });
      }
    } finally {
      db.close();
    }
  });

  it("never writes into an existing folder (one line, exit 2)", async () => {
    mkdirSync(join(dir, "existing"));
    const { lines, output } = capture();
    expect(
      await exitStatusOf(() => partitionCommand(["--partitions", "4", "--out", join(dir, "existing")], output), output),
    ).toBe(2);
    expect(lines.error).toEqual([
      `error: --out: ${join(dir, "existing")} already exists; give a new folder (partition never writes into or replaces an existing one)`,
    ]);
    expect(readdirSync(join(dir, "existing"))).toEqual([]);
    expect(
      await exitStatusOf(() => partitionCommand(["--partitions", "0", "--out", join(dir, "p0")], output), output),
    ).toBe(2);
    expect(lines.error[1]).toMatch(/^error: --partitions: expected a whole number from 1 to 10000/);
  });
});

describe("shards of a partitioned input", () => {
  it("read only their partitions, account for those rows, and merge into the single run's files", async () => {
    const outs = await shardAndMerge(() => partitioned(join(dir, "parts")), 2, "part");
    const reports = outs.map((d) => json<DataQualityReport>(join(d, "purchase", "data-quality.json")));
    expect(reports[0]!.events.files.map((f) => f.split("/").at(-2))).toEqual(["person_part=0", "person_part=2"]);
    expect(reports[1]!.events.files.map((f) => f.split("/").at(-2))).toEqual(["person_part=1", "person_part=3"]);
    expect(json<ShardManifest>(join(outs[0]!, "shard.json")).inputs).toEqual({
      events: "partitioned",
      profiles: "partitioned",
    });
    const single = json<DataQualityReport>(join(dir, "single", "purchase", "data-quality.json"));
    const merged = json<DataQualityReport>(join(dir, "part-merged", "purchase", "data-quality.json"));
    expect(reports[0]!.events.rowsRead + reports[1]!.events.rowsRead).toBe(single.events.rowsRead);
    expect(reports.every((r) => r.events.rowsRead < single.events.rowsRead)).toBe(true);
    // The counts are one run's; the files are the partitions, and person_part is read as a column of them.
    const counts = (r: DataQualityReport) => ({
      ...r,
      events: { ...r.events, files: [], columns: r.events.columns.filter((c) => c.name !== "person_part") },
      profiles: { ...r.profiles!, files: [], columns: r.profiles!.columns.filter((c) => c.name !== "person_part") },
    });
    expect(counts(merged)).toEqual(counts(single));
    expectSameAsSingle(join(dir, "part-merged"));
  }, 600_000);

  it("write an empty shard when their people include nobody eligible, and the merge takes it", async () => {
    // An exporter's own person -> partition function: everyone active in the last 45 days in partition 0, the rest in 1.
    const root = join(dir, "by-activity");
    const db = await openDatabase({ threads: 1 });
    try {
      const events = join(dir, "data", "events.parquet");
      await db.connection.run(
        `CREATE TABLE part AS SELECT "identityMap.ECID" AS id, CASE WHEN max(timestamp) FILTER (eventType <> 'directMarketing.emailSent') >= TIMESTAMP '2026-09-16' THEN 0 ELSE 1 END AS person_part FROM read_parquet('${events}') GROUP BY 1`,
      );
      for (const input of ["events", "profiles"]) {
        mkdirSync(join(root, input), { recursive: true });
        await db.connection
          .run(`COPY (SELECT e.*, coalesce(p.person_part, 1) AS person_part FROM read_parquet('${join(dir, "data", `${input}.parquet`)}') e LEFT JOIN part p ON p.id = e."identityMap.ECID")
          TO '${join(root, input)}' (FORMAT parquet, PARTITION_BY (person_part), OVERWRITE_OR_IGNORE)`);
      }
    } finally {
      db.close();
    }
    const outs = await shardAndMerge(() => partitioned(root), 2, "empty");
    for (const name of ["purchase", "churn"]) {
      expect(json<InstanceSummary>(join(outs[1]!, name, "instance.json")).scored).toBe(0);
      expect(json<InstanceSummary>(join(outs[0]!, name, "instance.json")).scored).toBe(
        json<InstanceSummary>(join(dir, "single", name, "instance.json")).scored,
      );
    }
    expectSameAsSingle(join(dir, "empty-merged"));
  }, 600_000);

  it("refuses more shards than partitions, and partitioned profiles over plain events, in one line", async () => {
    await expect(
      runPipeline(partitioned(join(dir, "parts")), {
        out: join(dir, "bad"),
        model: join(dir, "trained"),
        shard: { index: 5, count: 6 },
      }),
    ).rejects.toThrow(
      /^inputs\.events: shard 5\/6 has no partition to read \(the input has 4 person_part=K partitions and shard i reads those with K % 6 = i\); use at most 4 shards/,
    );
    await expect(
      runPipeline(config(undefined, join(dir, "parts", "profiles", "person_part=*", "*.parquet")), {
        out: join(dir, "bad"),
        model: join(dir, "trained"),
        shard: { index: 0, count: 2 },
      }),
    ).rejects.toThrow(/^inputs\.profiles is in person_part=K folders and inputs\.events is not/);
  }, 600_000);
});

describe("training on a person sample (score --sample i/N)", () => {
  it("trains on the people of one shard only, keeps the sample in model.json, and its models score every shard", async () => {
    const c = () => Object.assign(partitioned(join(dir, "parts")), { asOf: "2026-10-10" });
    const run = await runPipeline(c(), { out: join(dir, "sampled"), sample: { index: 1, count: 2 } });
    const report = json<DataQualityReport>(join(dir, "sampled", "purchase", "data-quality.json"));
    expect(report.events.files.map((f) => f.split("/").at(-2))).toEqual(["person_part=1", "person_part=3"]);
    const whole = json<DataQualityReport>(join(dir, "trained", "purchase", "data-quality.json"));
    expect(report.events.people).toBeLessThan(whole.events.people);
    for (const { name, scored } of run.instances) {
      expect(json<{ sample?: unknown }>(join(dir, "sampled", name, "model.json")).sample).toEqual({
        index: 1,
        count: 2,
      });
      expect(scored).toBeLessThan(json<InstanceSummary>(join(dir, "trained", name, "instance.json")).scored);
    }
    // Everyone, with the sample's models: one frozen run (which saves what it fits) then 2 shards and their merge.
    await runPipeline(config(), { out: join(dir, "sampled-single"), model: join(dir, "sampled") });
    const outs = Array.from({ length: 2 }, (_, i) => join(dir, `sampled-shard-${i}`));
    for (const [i, out] of outs.entries())
      await runPipeline(partitioned(join(dir, "parts")), {
        out,
        model: join(dir, "sampled-single"),
        shard: { index: i, count: 2 },
      });
    await mergeShards(outs, join(dir, "sampled-merged"));
    for (const name of ["purchase", "churn"]) {
      expect(json<{ sample?: unknown }>(join(dir, "sampled-merged", name, "model.json")).sample).toEqual({
        index: 1,
        count: 2,
      });
      for (const file of ["scores.parquet", "factors.parquet", "insights.json"]) {
        expect(digest(join(dir, "sampled-merged", name, file)), `${name}/${file}`).toBe(
          digest(join(dir, "sampled-single", name, file)),
        );
      }
    }
  }, 600_000);

  it("refuses --sample with --model, --shard or --history, and without an as-of date, in one line", async () => {
    const sample = { index: 0, count: 2 };
    await expect(runPipeline(config(), { out: join(dir, "bad"), sample, model: join(dir, "trained") })).rejects.toThrow(
      /^--sample 0\/2 trains on a sample of people: drop --model and --shard/,
    );
    await expect(
      runPipeline(Object.assign(config(), { asOf: undefined }), { out: join(dir, "bad"), sample }),
    ).rejects.toThrow(/^--sample 0\/2 needs --as-of YYYY-MM-DD/);
    await expect(
      runPipeline(config(), { out: join(dir, "bad"), sample, history: { dir: join(dir, "hist"), keep: 2 } }),
    ).rejects.toThrow(/^--sample 0\/2 writes the trained run with --out/);
  });
});
