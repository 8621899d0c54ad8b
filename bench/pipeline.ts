/**
 * `npm run bench:pipeline [-- --sizes 100k,1m --memory 4GB --phases train,saved]`: the whole scoring pipeline
 * (`runPipeline`, both demo instances) on generated demo data (shared with bench:features in
 * `.tmp/bench-features/<size>/`), in two phases, each in a fresh process so its peak memory is its own:
 * - `train`: features, training, evaluation with baselines and backtest, scoring, TreeSHAP for every scored person,
 *   output files; targets: 100k people in 60 s, 1M people in 10 minutes within 8 GB;
 * - `saved`: scoring the same data with the models the train phase saved (`score --model`: features at the as-of
 *   date only, no training), TreeSHAP and output files; target: 1M people in 3 minutes within 4 GB.
 * Prints seconds per stage and peak memory against the targets.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { UsageError, runCli } from "../loaders/cli/run.js";
import { resolvedDemoConfig } from "../loaders/config/demo.js";
import { runPipeline } from "../loaders/pipeline/run.js";
import { ensureData, parseSize, trackPeakRss } from "./common.js";

const DATA = resolve(".tmp/bench-features");
const OUT = resolve(".tmp/bench-pipeline");
const GiB = 2 ** 30;
const PHASES = ["train", "saved"] as const;
type Phase = (typeof PHASES)[number];
const TARGETS: Record<Phase, Record<string, { seconds: number; bytes: number }>> = {
  train: { "100k": { seconds: 60, bytes: 8 * GiB }, "1m": { seconds: 600, bytes: 8 * GiB } },
  saved: { "1m": { seconds: 180, bytes: 4 * GiB } },
};

/** What one phase measured (printed by the child process as one JSON line). */
interface Measured {
  seconds: number;
  bytes: number;
  stages: Record<string, number>;
  instances: { name: string; scored: number; auc: number }[];
}

await runCli(async () => {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "100k,1m" },
      memory: { type: "string", default: "4GB" },
      seed: { type: "string", default: "7" },
      phases: { type: "string", default: PHASES.join(",") },
      // Internal: run one phase of one size in this process and print what it measured.
      child: { type: "string" },
    },
  });
  if (values.child) {
    const [label, phase] = values.child.split(":") as [string, Phase];
    console.log(JSON.stringify(await measure(label, phase, values.memory)));
    return;
  }
  const phases = values.phases.split(",").map((p) => p.trim()) as Phase[];
  for (const p of phases)
    if (!PHASES.includes(p)) throw new UsageError(`--phases: expected train and/or saved, got "${p}"`);
  const lines: string[] = [];
  for (const label of values.sizes.split(",").map((s) => s.trim().toLowerCase())) {
    await ensureData(join(DATA, label), parseSize(label), Number(values.seed));
    for (const phase of phases) {
      if (phase === "saved" && !existsSync(join(OUT, label, "index.json")))
        throw new UsageError(`--phases saved needs a train run of ${label} first (run with --phases train,saved)`);
      lines.push(report(label, phase, inChild(label, phase, values.memory)));
      console.log(lines[lines.length - 1]);
    }
  }
  console.log(
    `\nbench:pipeline (${process.arch}, node ${process.version}, DuckDB memory_limit ${values.memory})\n${lines.join("\n")}`,
  );
});

/** Runs one phase in a fresh process (so its peak memory is its own) and returns what it measured. */
function inChild(label: string, phase: Phase, memory: string): Measured {
  const script = fileURLToPath(import.meta.url);
  const run = spawnSync(
    process.execPath,
    [...process.execArgv, script, "--child", `${label}:${phase}`, "--memory", memory],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 64 * 2 ** 20,
    },
  );
  if (run.status !== 0) throw new Error(`bench:pipeline ${label} ${phase} failed (exit ${run.status})`);
  return JSON.parse(run.stdout.trim().split("\n").pop()!) as Measured;
}

/** One phase of one size, in this process. */
async function measure(label: string, phase: Phase, memory: string): Promise<Measured> {
  const config = resolvedDemoConfig(join(DATA, label));
  const peak = trackPeakRss();
  const started = performance.now();
  const out = join(OUT, phase === "train" ? label : `${label}-saved`);
  const model = phase === "saved" ? { model: join(OUT, label) } : {};
  const run = await runPipeline(config, {
    out,
    memoryLimit: memory,
    ...model,
    onProgress: (m) => console.error(`  ${m}`),
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    bytes: peak.stop(),
    stages: run.seconds,
    instances: run.instances.map((i) => ({ name: i.name, scored: i.scored, auc: i.auc })),
  };
}

/** One line of the report. */
function report(label: string, phase: Phase, m: Measured): string {
  const target = TARGETS[phase][label];
  const stages = Object.entries(m.stages)
    .filter(([k]) => k !== "total")
    .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
    .join(", ");
  const people = m.instances
    .map((i) => `${i.name} ${i.scored} scored${phase === "train" ? `, AUC ${i.auc.toFixed(3)}` : ""}`)
    .join("; ");
  const time = target ? ` (${(m.seconds / target.seconds).toFixed(2)}x the ${target.seconds} s target)` : "";
  const memory = target ? ` (${(m.bytes / target.bytes).toFixed(2)}x the ${target.bytes / GiB} GiB limit)` : "";
  return `${label.padEnd(5)} ${phase.padEnd(5)} total ${m.seconds.toFixed(1)} s${time} | peak RSS ${(m.bytes / GiB).toFixed(2)} GiB${memory} | ${stages} | ${people}`;
}
