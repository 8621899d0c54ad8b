/**
 * `npm run bench:shards [-- --size 1m --shards 8 --partitions 64]`: sharded frozen-model scoring against one
 * process, on the generated demo data of bench:pipeline (`.tmp/bench-features/<size>`) with the models its train
 * phase saved (`.tmp/bench-pipeline/<size>`), every step a fresh process timed by GNU time (seconds, peak RSS):
 * 1. the peer: one process scores everyone with the saved models (`score --model RUN --as-of D`), the input whole;
 * 2. `partition` writes the input as person-partitioned Parquet (a warehouse export's job, timed apart);
 * 3. the N shards, one after the other (`score --model SINGLE --as-of D --shard i/N` over the partitions, with the
 *    models as the single run saved them: the same models, with the parameters it fitted on the scored people);
 * 4. `merge` of the N shard folders;
 * then checks that the merged files equal the single run's byte for byte, and prints per-shard throughput, the
 * merge's cost, and the inputs of the README's cost model (a fixed cost per process and a cost per person, fitted
 * from the single run and the shards, and the merge's cost per person).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { UsageError, runCli } from "../loaders/cli/run.js";
import { demoConfig } from "../loaders/config/demo.js";
import type { DataQualityReport } from "../loaders/contract/data-quality.js";
import type { InstanceSummary, RunIndex } from "../loaders/contract/schema.js";
import { ensureData, parseSize } from "./common.js";

const DATA = resolve(".tmp/bench-features");
const MODELS = resolve(".tmp/bench-pipeline");
const WORK = resolve(".tmp/bench-shards");
const GiB = 2 ** 30;
/** Files of an instance that must equal the single run's byte for byte. */
const EXACT = ["scores.parquet", "factors.parquet", "timeline.parquet", "instance.json", "insights.json"];

/** One timed process. */
interface Timed {
  seconds: number;
  bytes: number;
}

await runCli(async () => {
  const { label, shards, partitions, seed } = parseOptions();
  const people = parseSize(label);
  const data = join(DATA, label);
  const model = join(MODELS, label);
  await ensureData(data, people, seed);
  const asOf = trainedAsOf(model, label);
  const work = join(WORK, `${label}-${shards}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  const config = demoConfig(data);
  const whole = join(work, "whole.config.json");
  writeFileSync(whole, JSON.stringify(config));
  console.error(`single process: ${people} people as of ${asOf}`);
  const single = timed(
    "score",
    ["--config", whole, "--model", model, "--as-of", asOf, "--out", join(work, "single")],
    join(work, "single.log"),
  );

  console.error(`partition into ${partitions}`);
  const partition = timed(
    "partition",
    ["--config", whole, "--partitions", String(partitions), "--out", join(work, "input")],
    join(work, "partition.log"),
  );
  const split = writePartitionedConfig(config, work);
  const shardRuns = scoreShards(split, work, asOf, shards);
  console.error(`merge ${shards} shards`);
  const dirs = Array.from({ length: shards }, (_, i) => join(work, `shard-${i}`));
  const merge = timed("merge", ["--shards", dirs.join(","), "--out", join(work, "merged")], join(work, "merge.log"));

  console.log(report({ label, people, shards, partitions, work, single, partition, shardRuns, merge }));
});

/** The command line, checked (`UsageError` for mistakes). */
function parseOptions(): { label: string; shards: number; partitions: number; seed: number } {
  const { values } = parseArgs({
    options: {
      size: { type: "string", default: "1m" },
      shards: { type: "string", default: "8" },
      partitions: { type: "string", default: "64" },
      seed: { type: "string", default: "7" },
    },
  });
  const label = values.size.trim().toLowerCase();
  const [shards, partitions] = [Number(values.shards), Number(values.partitions)];
  if (!Number.isInteger(shards) || shards < 1)
    throw new UsageError(`--shards: expected a whole number of at least 1, got "${values.shards}"`);
  if (!Number.isInteger(partitions) || partitions % shards !== 0)
    throw new UsageError(`--partitions: expected a multiple of --shards (${shards}), got "${values.partitions}"`);
  return { label, shards, partitions, seed: Number(values.seed) };
}

/** The as-of date of the run bench:pipeline's train phase saved in `model`. */
function trainedAsOf(model: string, label: string): string {
  if (!existsSync(join(model, "index.json")))
    throw new UsageError(
      `no trained run in ${model}: run npm run bench:pipeline -- --sizes ${label} --phases train first`,
    );
  return (JSON.parse(readFileSync(join(model, "index.json"), "utf8")) as RunIndex).asOf;
}

/** Writes the configuration of the partitioned input (`partition`'s output in `work/input`); returns its path. */
function writePartitionedConfig(config: ReturnType<typeof demoConfig>, work: string): string {
  const split = join(work, "partitioned.config.json");
  writeFileSync(
    split,
    JSON.stringify({
      ...config,
      inputs: {
        ...config.inputs,
        events: { ...config.inputs.events, path: join(work, "input", "events", "person_part=*", "*.parquet") },
        profiles: { ...config.inputs.profiles!, path: join(work, "input", "profiles", "person_part=*", "*.parquet") },
      },
    }),
  );
  return split;
}

/** Scores the N shards one after the other, with the models as the single run saved them. */
function scoreShards(split: string, work: string, asOf: string, shards: number): Timed[] {
  const shardRuns: Timed[] = [];
  for (let i = 0; i < shards; i++) {
    console.error(`shard ${i}/${shards}`);
    shardRuns.push(
      timed(
        "score",
        [
          "--config",
          split,
          "--model",
          join(work, "single"),
          "--as-of",
          asOf,
          "--shard",
          `${i}/${shards}`,
          "--out",
          join(work, `shard-${i}`),
        ],
        join(work, `shard-${i}.log`),
      ),
    );
  }
  return shardRuns;
}

/** Runs `npm run <script>` as one node process under GNU time; stderr goes to `log`. */
function timed(script: string, args: string[], log: string): Timed {
  const stats = `${log}.time`;
  const entry = resolve("loaders/cli", `${script}.ts`);
  const run = spawnSync(
    "/usr/bin/time",
    ["-f", "%e %M", "-o", stats, process.execPath, ...process.execArgv, entry, ...args],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 256 * 2 ** 20,
    },
  );
  writeFileSync(log, run.stderr);
  if (run.status !== 0)
    throw new Error(`bench:shards: ${script} ${args.join(" ")} failed (exit ${run.status}); see ${log}`);
  const [seconds, kib] = readFileSync(stats, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
  return { seconds: seconds!, bytes: kib! * 1024 };
}

/** The report: the steps, the byte-for-byte check and the cost model's inputs. */
function report(r: {
  label: string;
  people: number;
  shards: number;
  partitions: number;
  work: string;
  single: Timed;
  partition: Timed;
  shardRuns: Timed[];
  merge: Timed;
}): string {
  const index = JSON.parse(readFileSync(join(r.work, "single", "index.json"), "utf8")) as RunIndex;
  const digest = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
  const differ = index.instances.flatMap(({ name }) =>
    EXACT.filter((f) => digest(join(r.work, "merged", name, f)) !== digest(join(r.work, "single", name, f))).map(
      (f) => `${name}/${f}`,
    ),
  );
  // data-quality.json: the counts must be equal; the files read (the partitions, not the whole file) and their columns
  // (the partition key) are those of another input.
  const counts = (run: string, name: string) => {
    const report = JSON.parse(readFileSync(join(r.work, run, name, "data-quality.json"), "utf8")) as DataQualityReport;
    return JSON.stringify({
      ...report,
      events: { ...report.events, files: [], columns: [] },
      profiles: report.profiles && { ...report.profiles, files: [], columns: [] },
    });
  };
  for (const { name } of index.instances)
    if (counts("merged", name) !== counts("single", name)) differ.push(`${name}/data-quality.json (counts)`);
  const scored = index.instances
    .map(
      ({ name }) =>
        `${name} ${(JSON.parse(readFileSync(join(r.work, "single", name, "instance.json"), "utf8")) as InstanceSummary).scored}`,
    )
    .join(", ");
  const secs = r.shardRuns.map((s) => s.seconds).sort((a, b) => a - b);
  const median = secs[Math.floor(secs.length / 2)]!;
  const sum = secs.reduce((a, b) => a + b, 0);
  const perShard = r.people / r.shards;
  // t(p) = fixed + perPerson * p through the single run (p = people) and the median shard (p = people / N).
  const perPerson = (r.single.seconds - median) / (r.people - perShard);
  const fixed = median - perPerson * perShard;
  const gib = (b: number) => `${(b / GiB).toFixed(2)} GiB`;
  const lines = [
    `bench:shards ${r.label} (${r.people} people in the input; scored: ${scored}), ${r.shards} shards of ${r.partitions} partitions, one after another on this machine`,
    `single process      ${r.single.seconds.toFixed(1)} s, peak ${gib(r.single.bytes)}`,
    `partition (export)  ${r.partition.seconds.toFixed(1)} s, peak ${gib(r.partition.bytes)}`,
    `shards              median ${median.toFixed(1)} s (${secs[0]!.toFixed(1)} to ${secs[secs.length - 1]!.toFixed(1)} s), ${Math.round(perShard / median)} people/s each, peak ${gib(Math.max(...r.shardRuns.map((s) => s.bytes)))}; sum ${sum.toFixed(1)} s = ${(sum / r.single.seconds).toFixed(2)}x the single process`,
    `merge               ${r.merge.seconds.toFixed(1)} s, peak ${gib(r.merge.bytes)} (${((r.merge.seconds / r.people) * 1e6).toFixed(1)} s per million people)`,
    `critical path       ${(median + r.merge.seconds).toFixed(1)} s with ${r.shards} machines = ${((median + r.merge.seconds) / r.single.seconds).toFixed(2)}x the single process`,
    `cost model inputs   fixed ${fixed.toFixed(1)} s per process + ${(perPerson * 1e6).toFixed(1)} s per million people; merge ${((r.merge.seconds / r.people) * 1e6).toFixed(1)} s per million people`,
    differ.length
      ? `NOT EQUAL to the single run: ${differ.join(", ")}`
      : `merged files equal the single run's byte for byte (${EXACT.join(", ")}, every instance), and so do the data-quality counts`,
  ];
  return lines.join("\n");
}
