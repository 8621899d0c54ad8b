/**
 * Shared pieces of the benchmarks: size arguments, cached generated demo data and peak-memory sampling.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "../loaders/cli/run.js";
import { generateDemo } from "../loaders/demo/generate.js";

/** Parses a size such as `100k` or `1m` into a number of people. */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text);
  if (!m) throw new UsageError(`--sizes expects sizes like 100k or 1m, got "${text}"`);
  return Math.round(Number(m[1]) * (m[2]!.toLowerCase() === "m" ? 1e6 : m[2]!.toLowerCase() === "k" ? 1e3 : 1));
}

/** Generates the demo data into `dir` unless the same size and seed are already there. */
export async function ensureData(dir: string, people: number, seed: number): Promise<void> {
  const metaPath = join(dir, "bench-meta.json");
  const wanted = JSON.stringify({ profiles: people, seed });
  if (existsSync(join(dir, "events.parquet")) && existsSync(join(dir, "profiles.parquet")) && existsSync(metaPath)) {
    if (readFileSync(metaPath, "utf8").trim() === wanted) {
      console.error(`reusing ${dir}`);
      return;
    }
  }
  mkdirSync(dir, { recursive: true });
  console.error(`generating ${people} people into ${dir}`);
  await generateDemo({ profiles: people, seed, outDir: dir, onProgress: (m) => console.error(`  ${m}`) });
  writeFileSync(metaPath, wanted + "\n");
}

/** Samples the process's resident memory (worker threads and DuckDB included) every 100 ms; `stop` returns the
 * peak in bytes. */
export function trackPeakRss(): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}
