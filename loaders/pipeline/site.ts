/**
 * The scoring run behind the site. Framework runs many data loaders (every file of every instance), possibly at
 * once; they all call `siteRun()`, which runs the pipeline once per distinct input and shares the result:
 *
 * - the configuration is `CUSTOMER_AI_CONFIG` (a file path) or the bundled demo; or `CUSTOMER_AI_HISTORY` names a
 *   history folder whose newest run the site shows (with its history: `score --history`); or `CUSTOMER_AI_RUN`
 *   names a run folder (the output of `score --out DIR`) that the site shows as it is;
 * - the run is cached in `.cache/scores/<key>/`, where the key hashes the resolved configuration, the size and
 *   modification time of every input file, and the source of the pipeline's code in `loaders/` (so a change to
 *   it reruns the pipeline; the site's own build code in `loaders/site` and the CLIs do not count);
 * - a lock directory makes concurrent loaders wait for one run instead of starting their own.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfigOrDemo } from "../config/load.js";
import type { ResolvedConfig } from "../config/types.js";
import { UserError } from "../config/errors.js";
import { ID_KEY_ENV } from "../config/privacy.js";
import { datedRuns } from "./dated-runs.js";
import { runPipeline } from "./run.js";
import { RUN_FILES, type RunIndex } from "../contract/schema.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** Where runs are cached. */
export const CACHE_DIR = join(ROOT, ".cache", "scores");
const LOCK_STALE_MS = 60 * 60 * 1000;
/** Code under loaders/ that cannot change a run's outputs. */
const NOT_PIPELINE = ["site", "cli"].map((folder) => join(ROOT, "loaders", folder) + "/");

/** The run the site shows: its folder and index. With `CUSTOMER_AI_HISTORY` (a history folder of `score
 * --history`), its newest run, as it is: nothing is scored. */
export async function siteRun(): Promise<{ dir: string; index: RunIndex }> {
  const runFolder = process.env["CUSTOMER_AI_RUN"];
  if (runFolder) {
    const indexFile = join(resolve(runFolder), RUN_FILES.index);
    if (!existsSync(indexFile))
      throw new UserError(
        "config",
        `CUSTOMER_AI_RUN=${runFolder}: no ${RUN_FILES.index} there; give the output folder of a score run`,
      );
    return { dir: resolve(runFolder), index: JSON.parse(readFileSync(indexFile, "utf8")) as RunIndex };
  }
  const history = process.env["CUSTOMER_AI_HISTORY"];
  if (history) {
    const newest = datedRuns(resolve(history)).at(-1);
    if (!newest)
      throw new UserError(
        "config",
        `CUSTOMER_AI_HISTORY=${history}: no dated run there; run score --history ${history} first`,
      );
    return { dir: newest.dir, index: JSON.parse(readFileSync(join(newest.dir, RUN_FILES.index), "utf8")) as RunIndex };
  }
  const config = await loadConfigOrDemo(process.env["CUSTOMER_AI_CONFIG"]);
  if (config.privacy.pseudonymousIds && !process.env[ID_KEY_ENV]) {
    throw new UserError(
      "config",
      `privacy.pseudonymousIds: set the key of the site's pseudonymous ids in ${ID_KEY_ENV} (a secret of at least 16 characters, kept out of the site) to build it`,
    );
  }
  const dir = join(CACHE_DIR, runKey(config));
  const indexFile = join(dir, RUN_FILES.index);
  if (!existsSync(indexFile))
    await withLock(`${dir}.lock`, async () => {
      if (existsSync(indexFile)) return;
      await runPipeline(config, { out: dir, onProgress: (m) => console.error(m) });
    });
  return { dir, index: JSON.parse(readFileSync(indexFile, "utf8")) as RunIndex };
}

/** The instances of the site's run (runs the pipeline if needed). */
export async function siteInstances(): Promise<RunIndex["instances"]> {
  return (await siteRun()).index.instances;
}

/** A hash of everything that determines a run's outputs. */
export function runKey(config: ResolvedConfig): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify(config));
  const inputs = [config.inputs.events.path, config.inputs.profiles?.path].filter((p): p is string => !!p);
  for (const path of inputs)
    for (const file of matchingFiles(path)) {
      const s = statSync(file);
      hash.update(`${file}\0${s.size}\0${s.mtimeMs}\0`);
    }
  for (const file of sourceFiles(join(ROOT, "loaders"))) {
    if (!NOT_PIPELINE.some((folder) => file.startsWith(folder))) hash.update(readFileSync(file));
  }
  return hash.digest("hex").slice(0, 16);
}

/** The files an input path names (a glob's folder contents when it has wildcards). */
function matchingFiles(path: string): string[] {
  if (!/[*?[]/.test(path)) return existsSync(path) ? [path] : [];
  const folder = dirname(path.slice(0, path.search(/[*?[]/)) + "x");
  return existsSync(folder) ? sourceFiles(folder, () => true) : [];
}

/** Every file under a folder (sorted, recursive), filtered. */
function sourceFiles(folder: string, keep = (name: string) => name.endsWith(".ts")): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) =>
      e.isDirectory() ? sourceFiles(join(folder, e.name), keep) : keep(e.name) ? [join(folder, e.name)] : [],
    );
}

/** Runs `work` while holding a lock directory; waits for another holder, and breaks locks older than an hour. */
async function withLock(lock: string, work: () => Promise<void>): Promise<void> {
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      } catch {
        // The holder released it meanwhile.
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
