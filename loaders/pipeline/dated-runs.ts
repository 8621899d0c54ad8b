/**
 * History folders: one complete run per as-of date, so scores can be compared over time.
 *
 * ```
 * HISTORY/.customer-ai-history      marker: this folder holds dated runs written by customer-ai
 * HISTORY/<YYYY-MM-DD>/             a run's output folder (schema.ts), scored as of that date, with its models
 * HISTORY/<YYYY-MM-DD>/<instance>/history.json   what changed against the earlier runs (loaders/history/changes.ts)
 * ```
 *
 * A run at a date already in the folder replaces that date's run; the oldest runs beyond the retention are removed
 * (only dated folders that carry the output marker: nothing else in the folder is ever touched).
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { UserError } from "../config/errors.js";
import { OUTPUT_MARKER } from "./output-folder.js";
import { FILES, type InstanceSummary, RUN_FILES } from "../contract/schema.js";

/** The file that marks a history folder. */
export const HISTORY_MARKER = ".customer-ai-history";
/** Runs kept by default. */
export const DEFAULT_KEEP = 24;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A dated run of a history folder. */
export interface DatedRun {
  asOf: string;
  dir: string;
}

/**
 * Checks that `dir` can be a history folder: missing, empty, or marked as one; then creates and marks it.
 * @throws UserError naming the folder and what to do.
 */
export function openHistoryFolder(dir: string): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) {
      throw new UserError("output", `--history ${dir} is a file, not a folder; choose a new or empty folder`);
    }
    if (readdirSync(dir).length > 0 && !existsSync(join(dir, HISTORY_MARKER))) {
      throw new UserError(
        "output",
        `--history ${dir} is not empty and is not a history folder of customer-ai (no ${HISTORY_MARKER} file); ` +
          "nothing was changed. Choose a new or empty folder",
      );
    }
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, HISTORY_MARKER), "Dated runs written by customer-ai, one folder per as-of date.\n");
}

/** The complete dated runs of a history folder, oldest first. */
export function datedRuns(dir: string): DatedRun[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && DATE.test(e.name) && isCompleteRun(join(dir, e.name)))
    .map((e) => ({ asOf: e.name, dir: join(dir, e.name) }))
    .sort((a, b) => (a.asOf < b.asOf ? -1 : a.asOf > b.asOf ? 1 : 0));
}

/** Whether a folder holds a complete run: its index and the output marker. */
function isCompleteRun(dir: string): boolean {
  return existsSync(join(dir, RUN_FILES.index)) && existsSync(join(dir, OUTPUT_MARKER));
}

/** Removes the oldest dated runs beyond `keep`; returns the dates removed. */
export function pruneRuns(dir: string, keep: number): string[] {
  const runs = datedRuns(dir);
  const old = runs.slice(0, Math.max(0, runs.length - keep));
  for (const run of old) rmSync(run.dir, { recursive: true, force: true });
  return old.map((r) => r.asOf);
}

/**
 * The run folder whose models `--model PATH` names: PATH itself when it is a run's output folder, or, for a history
 * folder, its newest run whose models were trained (not themselves scored with a saved model).
 * @throws UserError when PATH is neither, or a history folder without a trained run.
 */
export function modelRunFolder(path: string): string {
  const dir = resolve(path);
  if (existsSync(join(dir, RUN_FILES.index))) return dir;
  if (!existsSync(join(dir, HISTORY_MARKER))) {
    throw new UserError(
      "model",
      `--model ${path}: not the output folder of a run (no ${RUN_FILES.index}) nor a history folder ` +
        `(no ${HISTORY_MARKER})`,
    );
  }
  const trained = datedRuns(dir).reverse().find(trainedItsModels);
  if (!trained) {
    throw new UserError(
      "model",
      `--model ${path}: the history folder has no run that trained its models; run score once without --model`,
    );
  }
  return trained.dir;
}

/** Whether every instance of a dated run trained its model (none was scored with a saved model). */
function trainedItsModels(run: DatedRun): boolean {
  const read = <T>(file: string) => JSON.parse(readFileSync(file, "utf8")) as T;
  const index = read<{ instances: { dir: string }[] }>(join(run.dir, RUN_FILES.index));
  return index.instances.every((i) => !read<InstanceSummary>(join(run.dir, i.dir, FILES.instance)).modelCard.frozen);
}
