/**
 * Paths the benchmarks share. Nothing else is imported here, so a benchmark's measured child process (bench:model's
 * `--child`) loads no more than before.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The Python that runs the peers (bench/peers: XGBoost and scikit-learn). */
export const PYTHON = "/usr/bin/python3";

/** The UCI Online Retail file, beside the repository (the benchmarks skip it when absent). */
export const ONLINE_RETAIL = resolve(ROOT, "../shared/data/online_retail_uci.csv.gz");

/** Where the benchmark `name` writes: `.tmp/<name>` in the repository. */
export function benchDir(name: string): string {
  return join(ROOT, ".tmp", name);
}

/** A peer script of bench/peers. */
export function peerScript(file: string): string {
  return join(ROOT, "bench", "peers", file);
}
