/**
 * A run with its history stage: `runPipeline` as loaders/pipeline/run.ts runs it, and with `history` (a history
 * folder, pipeline/dated-runs.ts) the comparisons of changes.ts handed to it, so that a run written into a history
 * folder carries its history.json and score history. The pipeline comes before this stage and never imports it:
 * the CLI and the demo history call this module.
 */
import type { ResolvedConfig } from "../config/types.js";
import { type HistoryChanges, type RunOptions, type RunSummary, runPipeline as runStages } from "../pipeline/run.js";
import { instanceHistory, realisedOutcomes, writeScoreHistory } from "./changes.js";

/** What a run in a history folder writes about the earlier runs there. */
export const HISTORY_CHANGES: HistoryChanges = { realisedOutcomes, instanceHistory, writeScoreHistory };

/** Options of `runPipeline`: the pipeline's, with `history` the folder and the number of runs it keeps. */
export type HistoryRunOptions = Omit<RunOptions, "history"> & { history?: { dir: string; keep: number } };

/**
 * Runs the whole pipeline (loaders/pipeline/run.ts) and writes its outputs into `options.out`, or with
 * `options.history` into the history folder's run of the as-of date, compared with the earlier runs there.
 */
export function runPipeline(config: ResolvedConfig, options: HistoryRunOptions): Promise<RunSummary> {
  const { history, ...rest } = options;
  return runStages(config, history ? { ...rest, history: { ...history, changes: HISTORY_CHANGES } } : rest);
}
