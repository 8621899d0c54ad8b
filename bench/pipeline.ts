/**
 * `npm run bench:pipeline [-- --sizes 100k,1m --memory 6GB]`: the whole scoring pipeline (`runPipeline`, both
 * demo instances: features, training, evaluation with baselines and backtest, scoring, TreeSHAP for every scored
 * person, output files) on generated demo data (shared with bench:features in `.tmp/bench-features/<size>/`).
 * Prints end-to-end seconds per stage and peak memory against the targets: 100k people in 60 s, 1M people in
 * 10 minutes within 8 GB.
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runCli } from "../loaders/cli/run.js";
import { resolvedDemoConfig } from "../loaders/config/demo.js";
import { runPipeline } from "../loaders/pipeline/run.js";
import { ensureData, parseSize, trackPeakRss } from "./common.js";

const DATA = resolve(".tmp/bench-features");
const OUT = resolve(".tmp/bench-pipeline");
const TARGETS: Record<string, { seconds: number; bytes: number }> = {
  "100k": { seconds: 60, bytes: 8 * 2 ** 30 },
  "1m": { seconds: 600, bytes: 8 * 2 ** 30 },
};

await runCli(async () => {
  const { values } = parseArgs({ options: { sizes: { type: "string", default: "100k,1m" }, memory: { type: "string", default: "4GB" }, seed: { type: "string", default: "7" } } });
  const lines: string[] = [];
  for (const label of values.sizes.split(",").map((s) => s.trim().toLowerCase())) {
    const dir = join(DATA, label);
    await ensureData(dir, parseSize(label), Number(values.seed));
    const peak = trackPeakRss();
    const started = performance.now();
    const run = await runPipeline(resolvedDemoConfig(dir), { out: join(OUT, label), memoryLimit: values.memory, onProgress: (m) => console.error(`  ${m}`) });
    const seconds = (performance.now() - started) / 1000;
    const bytes = peak.stop();
    const target = TARGETS[label];
    const stages = Object.entries(run.seconds).filter(([k]) => k !== "total").map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(", ");
    const people = run.instances.map((i) => `${i.name} ${i.scored} scored, AUC ${i.auc.toFixed(3)}`).join("; ");
    lines.push(
      `${label.padEnd(5)} total ${seconds.toFixed(1)} s${target ? ` (${(seconds / target.seconds).toFixed(2)}x the ${target.seconds} s target)` : ""} | ` +
        `peak RSS ${(bytes / 2 ** 30).toFixed(2)} GiB${target ? ` (${(bytes / target.bytes).toFixed(2)}x the 8 GiB limit)` : ""} | ${stages} | ${people}`,
    );
    console.log(lines[lines.length - 1]);
  }
  console.log(`\nbench:pipeline (${process.arch}, node ${process.version}, DuckDB memory_limit ${values.memory})\n${lines.join("\n")}`);
});
