/**
 * The scoring pipeline, end to end: features (ingest + point-in-time feature sets), then per instance: train and
 * calibrate, evaluate out of time with baselines and a backtest, score everyone eligible at the as-of date,
 * explain every score with TreeSHAP, and write the outputs of `schema.ts`. `npm run score` and the site's data
 * loaders both call `runPipeline`.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { calibrate } from "../calibration/calibrate.js";
import type { ResolvedConfig, ResolvedInstance } from "../config/types.js";
import type { FeatureSet, InstanceFeatures } from "../features/build.js";
import { type PrepareOptions, type PreparedFeatures, prepareFeatures } from "../features/prepare.js";
import { unmetRequirements } from "../features/plan.js";
import { UserError } from "../config/errors.js";
import type { DataQualityReport } from "../contract/data-quality.js";
import { predictMargin, shutdownWorkers } from "../model/index.js";
import { dayOf } from "../ingest/dates.js";
import type { Session } from "../ingest/session.js";
import type { Shard } from "../ingest/shard.js";
import { scorePeople } from "../scoring/scores.js";
import { displaySettings, featureInfos, instanceTexts, modelLimits, suggestedSegments } from "./describe.js";
import { evaluate } from "./evaluate.js";
import { explainScores } from "./explain.js";
import { concatSets, matrixOf } from "./matrix.js";
import {
  type Evaluation,
  FILES,
  type InstanceHistory,
  type InstanceSummary,
  type ModelCard,
  type RealisedOutcome,
  RUN_FILES,
  type RunIndex,
  SCHEMA_VERSION,
} from "../contract/schema.js";
import {
  type SavedInstance,
  type SavedModel,
  isSelfContained,
  readSavedInstances,
  savedModelJSON,
  trainedWith,
} from "./saved.js";
import { writeShardFiles } from "./shard-files.js";
import { SHARD_FILE, inputLayouts, shardManifest } from "./shard-manifest.js";
import { writeScoreFiles } from "./outputs.js";
import { type CustomerValue, prepareCustomerValue, valueOutputs } from "./value.js";
import { writeFolderAtomically, writeNamedFolderAtomically } from "./output-folder.js";
import { type DatedRun, datedRuns, modelRunFolder, openHistoryFolder, pruneRuns } from "./dated-runs.js";
import { dailyTypesSql, dailyTypesTable, firstDaySql, firstDaysTable, goalDaysTable } from "../features/sql.js";
import { copyActivitySql, copyNewPeopleSql, copyTimelineSql } from "./outputs-sql.js";
import { MODEL_DEFAULTS, calibrationWhy, evaluationSplit, splitRequirement, trainOnSet } from "./train.js";

/** Options of `runPipeline`. */
export interface RunOptions extends Omit<PrepareOptions, "onProgress"> {
  /** Output folder; each instance gets `out/<name>/`. It must be missing, empty or written by an earlier run; the
   * run writes beside it and replaces it only when everything succeeded (see `output-folder.ts`). */
  out: string;
  /** Progress lines (stage, rows, elapsed) for stderr. */
  onProgress?: (message: string) => void;
  /** The output folder of an earlier run whose saved models score this run's data: nothing is trained, and the
   * configuration must define the instances as that run did (see `saved.ts`). */
  model?: string;
  /** A history folder (dated-runs.ts): the run is written to its folder for the as-of date, compared with
   * the earlier runs there (history.json per instance, by `changes`), and the oldest runs beyond `keep` are removed.
   * `out` is then not used. */
  history?: { dir: string; keep: number; changes: HistoryChanges };
  /** Train on a person sample: the people of shard `index` of `count` only (read as `shard` reads them), for data too
   * large for one training run; the run's own scores are of those people, and `--shard` runs score everyone with
   * its models. */
  sample?: Shard;
}

/**
 * What a run in a history folder writes about the earlier runs there, given by the history stage
 * (loaders/history/record.ts), which comes after the pipeline: the pipeline calls it, never imports it.
 */
export interface HistoryChanges {
  /** In the ingest session (`goalDays` its goal-day table): what the earlier runs' scores of `inst` realised. */
  realisedOutcomes(
    session: Session,
    earlier: readonly DatedRun[],
    inst: ResolvedInstance,
    goalDays: string,
    asOf: string,
  ): Promise<RealisedOutcome[]>;
  /** An instance's history.json: what changed against the earlier runs, for the run being written in `out`. */
  instanceHistory(
    out: string,
    asOf: string,
    name: string,
    earlier: readonly DatedRun[],
    outcomes: RealisedOutcome[],
  ): Promise<InstanceHistory>;
  /** Writes an instance's scores over the earlier runs into the run being written in `out`. */
  writeScoreHistory(out: string, asOf: string, name: string, earlier: readonly DatedRun[]): Promise<void>;
}

/** What a run did, for the CLI's summary table. */
export interface RunSummary {
  index: RunIndex;
  instances: {
    name: string;
    scored: number;
    auc: number;
    rating: string;
    ece: number;
    recencyAuc: number;
    rfmAuc: number;
    seconds: number;
    /** The out-of-time test in memory (not written): person ids, outcomes and calibrated probabilities. */
    test: { ids: string[]; label: Uint8Array; probability: Float64Array };
  }[];
  seconds: Record<string, number>;
}

/**
 * Runs the whole pipeline and writes its outputs into `options.out`, as one transaction: a failed run leaves the
 * previous results untouched.
 */
export async function runPipeline(config: ResolvedConfig, options: RunOptions): Promise<RunSummary> {
  checkSample(config, options);
  checkShard(config, options);
  if (!options.history) return writeFolderAtomically(options.out, (staging) => runInto(config, staging, options, []));
  const { dir, keep } = options.history;
  openHistoryFolder(dir);
  const runs = datedRuns(dir);
  const summary = await writeNamedFolderAtomically(dir, async (staging) => {
    const result = await runInto(config, staging, options, runs);
    return { result, name: result.index.asOf };
  });
  for (const removed of pruneRuns(dir, keep)) {
    options.onProgress?.(`history: removed the run of ${removed} (keeping the latest ${keep})`);
  }
  return summary;
}

/** @throws UserError when `--sample` goes with options it cannot: a saved model, a shard, a history folder, or no
 * as-of date. */
function checkSample(config: ResolvedConfig, options: RunOptions): void {
  if (!options.sample) return;
  const flag = `--sample ${options.sample.index}/${options.sample.count}`;
  if (options.model !== undefined || options.shard) {
    throw new UserError(
      "config",
      `${flag} trains on a sample of people: drop --model and --shard (score the shards with --model of this run ` +
        "afterwards)",
    );
  }
  if (!config.asOf) {
    throw new UserError(
      "config",
      `${flag} needs --as-of YYYY-MM-DD (or asOf in the configuration): the sample's last event is not the data's`,
    );
  }
  if (options.history) {
    throw new UserError(
      "config",
      `${flag} writes the trained run with --out; its scores are of the sample's people only (score every shard ` +
        "with its models, merge, then add the merged run to a history folder)",
    );
  }
}

/** @throws UserError when `--shard` goes without a saved model or an as-of date, or with a history folder. */
function checkShard(config: ResolvedConfig, options: RunOptions): void {
  if (!options.shard) return;
  const flag = `--shard ${options.shard.index}/${options.shard.count}`;
  if (options.model === undefined) {
    throw new UserError(
      "model",
      `${flag} scores with a saved model: add --model RUN (shards cannot train: each would train on other people)`,
    );
  }
  if (!config.asOf) {
    throw new UserError(
      "config",
      `${flag} needs --as-of YYYY-MM-DD (or asOf in the configuration): every shard must score the same date, and ` +
        "a shard's last event is not the data's",
    );
  }
  if (options.history) {
    throw new UserError(
      "config",
      `${flag} writes a shard folder with --out; merge the shards (npm run merge) before adding the run to a ` +
        "history folder",
    );
  }
}

/** Runs the pipeline, writing into the (new, empty) folder `out`; `history` holds the runs of its history folder. */
async function runInto(
  config: ResolvedConfig,
  out: string,
  options: RunOptions,
  history: readonly DatedRun[],
): Promise<RunSummary> {
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  const progress = (message: string) => options.onProgress?.(`[${elapsed()}] ${message}`);
  const names = options.instances ?? config.instances.map((i) => i.name);
  const saved = options.model === undefined ? null : savedModels(config, options, names);
  const run: RunState = { config, out, options, history, saved, timelines: new Map(), progress };
  const { prepared, outcomes, values } = await prepareRun(run, names);
  const featureSeconds = (performance.now() - started) / 1000;
  const { asOf } = prepared.report;
  const index: RunIndex = { schemaVersion: SCHEMA_VERSION, asOf, instances: [], failed: prepared.failed };
  const summary: RunSummary = { index, instances: [], seconds: { features: featureSeconds } };
  const trainable = saved ? prepared.instances : withTrainableSplits(config, prepared, progress);
  try {
    for (const features of trainable) await runInstance(run, features, prepared.report, { outcomes, values }, summary);
  } finally {
    shutdownWorkers();
    for (const file of run.timelines.values()) rmSync(file, { force: true });
  }
  writeJson(join(out, RUN_FILES.index), summary.index);
  if (options.shard && saved) {
    const manifest = shardManifest(options.shard, summary.index.asOf, saved, inputLayouts(prepared.report));
    writeJson(join(out, SHARD_FILE), manifest);
  }
  summary.seconds["total"] = (performance.now() - started) / 1000;
  return summary;
}

/** What the steps of one run share. */
interface RunState {
  config: ResolvedConfig;
  /** The (new, empty) folder the run writes into. */
  out: string;
  options: RunOptions;
  /** The runs of the history folder the run is written into (none outside one). */
  history: readonly DatedRun[];
  /** The saved models that score this run (`--model`), or null when it trains. */
  saved: Map<string, SavedInstance> | null;
  /** Each scoring date's recent events (instances may score at an earlier date than the data's as-of date). */
  timelines: Map<string, string>;
  progress: (message: string) => void;
}

/** What the ingest session leaves for each instance besides its features. */
interface SessionResults {
  /** What the earlier runs' scores realised (runs in a history folder). */
  outcomes: Map<string, RealisedOutcome[]>;
  /** The customer value at the as-of date (instances with `value`). */
  values: Map<string, CustomerValue>;
}

/** The file of a scoring date's recent events, in the run's folder (named on first use). */
function timelineOf(run: RunState, asOf: string): string {
  const { timelines } = run;
  return timelines.get(asOf) ?? timelines.set(asOf, join(run.out, `.timeline-${asOf}.parquet`)).get(asOf)!;
}

/** The runs of the history folder earlier than `asOf`. */
function earlierThan(run: RunState, asOf: string): DatedRun[] {
  return run.history.filter((r) => r.asOf < asOf);
}

/**
 * The saved models of `--model` for the instances `names`; a shard run needs models that kept what they fitted on
 * their scored people.
 * @throws UserError naming the instance whose model an older version saved without them, in a shard run.
 */
function savedModels(config: ResolvedConfig, options: RunOptions, names: string[]): Map<string, SavedInstance> {
  const saved = readSavedInstances(modelRunFolder(options.model!), config, names);
  if (!options.shard) return saved;
  for (const [name, s] of saved) {
    if (!isSelfContained(s.model)) {
      throw new UserError(
        "model",
        `${s.from}/model.json was saved by an older version that did not keep the parameters it fitted on its ` +
          "scored people (BG/NBD, customer value, explorer columns), so shards would score differently from one " +
          "run: retrain (score without --model) or score the model once without --shard to save them, then shard " +
          `(instance "${name}")`,
      );
    }
  }
  return saved;
}

/**
 * The features of the run (ingest and feature sets, with the saved models' layouts when it scores with them), and,
 * from the ingest session before it closes: the realised outcomes and customer values per instance, each scoring
 * date's timeline and the data overview files.
 */
async function prepareRun(run: RunState, names: string[]): Promise<SessionResults & { prepared: PreparedFeatures }> {
  const { config, options, saved, progress } = run;
  const changes = options.history?.changes;
  const outcomes = new Map<string, RealisedOutcome[]>();
  const values = new Map<string, CustomerValue>();
  const frozen = saved && {
    from: options.model!,
    layouts: new Map([...saved].map(([name, s]) => [name, s.model.layout])),
    btyd: new Map([...saved].flatMap(([name, s]) => (s.model.btyd ? [[name, s.model.btyd] as const] : []))),
  };
  const prepared = await prepareFeatures(config, {
    ...options,
    ...(options.sample ? { shard: options.sample } : {}),
    ...(frozen ? { frozen } : {}),
    onProgress: (m) => progress(`features: ${m}`),
    beforeClose: async (session, ingested) => {
      for (const inst of config.instances.filter((i) => names.includes(i.name))) {
        const asOf = inst.asOf ?? ingested.asOf;
        if (changes) {
          const earlier = earlierThan(run, asOf);
          const goalDays = goalDaysTable(inst.index);
          outcomes.set(inst.name, await changes.realisedOutcomes(session, earlier, inst, goalDays, asOf));
        }
        if (inst.value) {
          const t0 = performance.now();
          const savedValue = saved?.get(inst.name)?.model.value ?? undefined;
          values.set(inst.name, await prepareCustomerValue(session, ingested, inst, asOf, savedValue));
          progress(`${inst.name}: customer value (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
        }
      }
      await session.run(...sessionOutputs(run, ingested.asOf));
    },
  });
  return { prepared, outcomes, values };
}

/** The statements that write each scoring date's timeline and the data overview, from the ingest session. */
function sessionOutputs(run: RunState, dataAsOf: string): string[] {
  const dates = [...new Set(run.config.instances.map((i) => i.asOf ?? dataAsOf))];
  return [
    ...dates.map((asOf) => copyTimelineSql(timelineOf(run, asOf), dayOf(asOf) + 1)),
    // The data overview, from the shared daily tables (made here when every instance ignores some events).
    dailyTypesSql(dailyTypesTable(null), null),
    copyActivitySql(dailyTypesTable(null), join(run.out, RUN_FILES.activity)),
    firstDaySql(firstDaysTable(null), null),
    copyNewPeopleSql(firstDaysTable(null), join(run.out, RUN_FILES.newPeople)),
  ];
}

/** Trains (or takes the saved model of) one instance, scores and writes its folder, its history in a history
 * folder, and adds it to `summary`. */
async function runInstance(
  run: RunState,
  features: InstanceFeatures,
  report: DataQualityReport,
  session: SessionResults,
  summary: RunSummary,
): Promise<void> {
  const { config, out, options, saved, progress } = run;
  const t0 = performance.now();
  const inst = instanceOf(config, features);
  const dir = join(out, inst.name);
  mkdirSync(dir, { recursive: true });
  const ctx: InstanceContext = {
    config,
    features,
    report,
    dir,
    timeline: timelineOf(run, features.asOf),
    progress: (m: string) => progress(`${inst.name}: ${m}`),
    value: session.values.get(inst.name) ?? null,
    shard: options.shard ?? null,
    sample: options.sample ?? null,
  };
  const result = saved ? await scoreWithSaved(ctx, saved.get(inst.name)!) : await scoreInstance(ctx);
  const seconds = (performance.now() - t0) / 1000;
  const changes = options.history?.changes;
  if (changes) {
    const earlier = earlierThan(run, features.asOf);
    const realised = session.outcomes.get(inst.name) ?? [];
    const changed = await changes.instanceHistory(out, features.asOf, inst.name, earlier, realised);
    writeJson(join(dir, FILES.history), changed);
    await changes.writeScoreHistory(out, features.asOf, inst.name, earlier);
  }
  summary.index.instances.push({ name: inst.name, label: inst.label, type: inst.type, dir: inst.name });
  summary.instances.push({ name: inst.name, seconds, ...result });
  summary.seconds[inst.name] = seconds;
}

/**
 * The instances whose splits by person leave examples on every side (`splitRequirement`); the others are added to
 * `prepared.failed` and their data-quality requirements, as instances that do not meet their data requirements.
 * @throws UserError listing every failed instance when none is left.
 */
function withTrainableSplits(
  config: ResolvedConfig,
  prepared: PreparedFeatures,
  progress: (message: string) => void,
): InstanceFeatures[] {
  const kept = prepared.instances.filter((features) => {
    const unmet = splitRequirement(features, config.training.seed);
    if (!unmet) return true;
    const inst = config.instances.find((i) => i.name === features.instance)!;
    prepared.report.instances.find((i) => i.name === inst.name)?.requirements?.push(unmet);
    const message = unmetRequirements(inst, [unmet]);
    prepared.failed.push({ name: inst.name, message });
    progress(`${inst.name}: skipped, ${message}`);
    return false;
  });
  if (kept.length === 0) throw new UserError("requirements", prepared.failed.map((f) => f.message).join("\n"));
  return kept;
}

/** What scoring one instance needs besides its features. */
interface InstanceContext {
  config: ResolvedConfig;
  features: InstanceFeatures;
  report: DataQualityReport;
  dir: string;
  timeline: string;
  progress: (message: string) => void;
  /** The customer value at the as-of date (instances with `value`), from the ingest session. */
  value: CustomerValue | null;
  /** The shard this run scores (then it also writes what `merge` needs), or null. */
  shard: Shard | null;
  /** The person sample this run trains on (`RunOptions.sample`), or null. */
  sample: Shard | null;
}

/** What a run reports of one instance. */
type InstanceResult = Omit<RunSummary["instances"][number], "name" | "seconds">;

/** Runs `work` as a named stage: its seconds and a progress line. */
async function timedStage<T>(
  ctx: InstanceContext,
  seconds: Record<string, number>,
  stage: string,
  work: () => T | Promise<T>,
): Promise<T> {
  const t0 = performance.now();
  const out = await work();
  seconds[stage] = Math.round((performance.now() - t0) / 100) / 10;
  ctx.progress(`${stage} done (${seconds[stage]} s)`);
  return out;
}

/** Trains, evaluates, scores and explains one instance, writing its folder. */
async function scoreInstance(ctx: InstanceContext): Promise<InstanceResult> {
  const { config, features, progress } = ctx;
  const inst = instanceOf(config, features);
  const nFeatures = features.catalogue.length;
  const seed = config.training.seed;
  const settings = config.training.model;
  const seconds: Record<string, number> = {};
  const split = evaluationSplit(features, seed);
  progress(`training the evaluation model on ${split.train.rows} examples x ${nFeatures} features (${split.kind})`);
  const testDay = dayOfCutoff(features, "test");
  const train = () => trainOnSet(split.train, features, settings, seed, testDay);
  const trained = await timedStage(ctx, seconds, "train", train);
  progress(`evaluating on ${split.test.rows} ${split.kind} examples`);
  const evaluated = { ...features, train: split.train, test: split.test };
  const input = { features: evaluated, kind: split.kind, trained, buckets: inst.buckets, settings, seed };
  const evaluateTest = () => evaluate({ ...input, onProgress: progress });
  const { evaluation, probability: testProbability } = await timedStage(ctx, seconds, "evaluate", evaluateTest);
  // The scores come from a model that also learned from the latest labelled periods, up to the as-of date.
  const labelled = concatSets(features.train, features.test, nFeatures);
  progress(`training the scoring model on ${labelled.rows} examples from every labelled cutoff`);
  const scoreDay = dayOfCutoff(features, "score");
  const refit = () => trainOnSet(labelled, features, settings, seed, scoreDay);
  const scoring = await timedStage(ctx, seconds, "refit", refit);
  const modelCard = modelCardOf(ctx, { split, trained, evaluation, labelled, scoring });
  const saved: SavedModel = {
    model: scoring.model,
    calibrator: scoring.calibration.calibrator,
    layout: features.layout,
    trainedWith: trainedWith(config, inst),
    trainedAsOf: features.asOf,
    ...(ctx.sample ? { sample: ctx.sample } : {}),
  };
  await publishInstance(ctx, saved, evaluation, modelCard, seconds);
  const baseline = (name: string) => evaluation.baselines.find((b) => b.name === name)!.auc;
  const test = {
    ids: Array.from(split.test.person, (p) => features.people[p]!),
    label: split.test.labels!,
    probability: testProbability,
  };
  return resultOf(features, evaluation, baseline, test);
}

/** What a trained instance's model card is made of: the evaluation split and model, the evaluation, and the scoring
 * model with the labelled examples it learned from. */
interface CardParts {
  split: ReturnType<typeof evaluationSplit>;
  trained: Awaited<ReturnType<typeof trainOnSet>>;
  evaluation: Evaluation;
  labelled: FeatureSet;
  scoring: Awaited<ReturnType<typeof trainOnSet>>;
}

/** The model card of a trained instance: the data, both models, their evaluation, settings and limits. */
function modelCardOf(ctx: InstanceContext, { split, trained, evaluation, labelled, scoring }: CardParts): ModelCard {
  const { config, features } = ctx;
  const inst = instanceOf(config, features);
  const seed = config.training.seed;
  const settings = config.training.model;
  const { calibration } = scoring;
  return {
    dataRange: [ctx.report.events.firstEvent.slice(0, 10), ctx.report.events.lastEvent.slice(0, 10)],
    trainingCutoffs: cutoffDates(features, split.train),
    testCutoff: evaluation.testCutoff,
    evaluation: split.kind,
    trainingExamples: trained.fitExamples,
    trainingPositives: trained.fitPositives,
    validationExamples: trained.holdoutExamples,
    testExamples: evaluation.testExamples,
    testPositives: evaluation.testPositives,
    features: features.catalogue.length,
    trees: trained.model.bestIteration,
    scoringModel: {
      cutoffs: cutoffDates(features, labelled),
      examples: scoring.fitExamples,
      positives: scoring.fitPositives,
      validationExamples: scoring.holdoutExamples,
      trees: scoring.model.bestIteration,
    },
    params: { ...MODEL_DEFAULTS, ...settings, seed } as Record<string, number | string | boolean>,
    calibration: {
      method: calibration.calibrator.kind,
      why: calibrationWhy(calibration),
      logLoss: calibration.logLoss,
    },
    limits: modelLimits(inst, {
      lastDay: features.asOf,
      trainRate: rate(labelled.labels!),
      testRate: evaluation.baseRate,
      profileAttributes: inst.profileAttributes.length,
    }),
  };
}

/** What a run reports of an instance scored by a model with `evaluation`; `baseline` gives a baseline's AUC. */
function resultOf(
  features: InstanceFeatures,
  evaluation: Evaluation,
  baseline: (name: string) => number,
  test: InstanceResult["test"],
): InstanceResult {
  const { auc, ece } = evaluation;
  const rating = evaluation.quality.rating;
  const scored = features.score.rows;
  return { scored, auc, rating, ece, recencyAuc: baseline("recency"), rfmAuc: baseline("rfm"), test };
}

/** Scores one instance with a saved model (nothing is trained), writing its folder: the model, its card and its
 * evaluation are the saved run's, the scores and factors are new. */
async function scoreWithSaved(ctx: InstanceContext, saved: SavedInstance): Promise<InstanceResult> {
  const seconds: Record<string, number> = {};
  const card: ModelCard = { ...saved.summary.modelCard, frozen: { trainedAsOf: saved.model.trainedAsOf } };
  await publishInstance(ctx, saved.model, saved.evaluation, card, seconds);
  const { evaluation } = saved;
  const baseline = (name: string) => evaluation.baselines.find((b) => b.name === name)?.auc ?? Number.NaN;
  const test = { ids: [], label: new Uint8Array(0), probability: new Float64Array(0) };
  return resultOf(ctx.features, evaluation, baseline, test);
}

/** Scores the eligible people with a model, explains every score, and writes the instance's folder. */
async function publishInstance(
  ctx: InstanceContext,
  saved: SavedModel,
  evaluation: Evaluation,
  modelCard: ModelCard,
  seconds: Record<string, number>,
): Promise<void> {
  const { config, features, report, dir, timeline, progress } = ctx;
  const inst = instanceOf(config, features);
  const { catalogue } = features;
  progress(`scoring ${features.score.rows} eligible people`);
  const margin = predictMargin(saved.model, matrixOf(features.score, catalogue.length));
  const probability = calibrate(saved.calibrator, margin);
  const scores = scorePeople(probability, inst.buckets);
  const value = ctx.value && valueOutputs(ctx.value, features.score.person, scores);
  const written = await timedStage(ctx, seconds, "explain", () =>
    writeScoreFiles({
      dir,
      features,
      scores,
      timeline,
      topK: inst.topFactors,
      extraColumns: value?.columns,
      ...(saved.explorer ? { explorerFeatures: saved.explorer } : {}),
      explain: (sink, ids) => {
        const scored = { ...scores, rule: inst.buckets, ids, shard: ctx.shard !== null };
        return explainScores(saved.model, features.score, catalogue, scored, inst.topFactors, sink, progress);
      },
    }),
  );
  if (ctx.shard) {
    const infos = featureInfos(catalogue, inst, {});
    await writeShardFiles(dir, features, probability, value?.columns ?? [], written.parts, infos);
  }
  // What this run fitted on its scored people, kept with the model (a saved model's own are kept as they are).
  const kept: SavedModel = {
    ...saved,
    btyd: saved.btyd ?? features.btyd,
    value: saved.value !== undefined ? saved.value : (ctx.value?.report ?? null),
    explorer: saved.explorer ?? written.explorer.map((e) => e.feature),
  };
  const summary = instanceSummaryOf(ctx, { probability, scores, value, written }, evaluation, modelCard);
  writeJson(join(dir, FILES.instance), summary);
  if (ctx.value) writeJson(join(dir, FILES.value), ctx.value.report);
  writeJson(join(dir, FILES.evaluation), evaluation);
  writeJson(join(dir, FILES.insights), written.insights);
  writeJson(join(dir, FILES.model), savedModelJSON(kept, summary.features));
  writeJson(join(dir, FILES.dataQuality), report);
}

/** What publishing an instance scored: the calibrated probabilities, the scores, the customer value outputs, and what
 * writing the score files returned. */
interface Published {
  probability: Float64Array;
  scores: ReturnType<typeof scorePeople>;
  value: ReturnType<typeof valueOutputs> | null;
  written: Awaited<ReturnType<typeof writeScoreFiles>>;
}

/** The instance's `instance.json`. */
function instanceSummaryOf(
  ctx: InstanceContext,
  { probability, scores, value, written }: Published,
  evaluation: Evaluation,
  modelCard: ModelCard,
): InstanceSummary {
  const { config, features, report } = ctx;
  const inst = instanceOf(config, features);
  const { catalogue } = features;
  return {
    schemaVersion: SCHEMA_VERSION,
    name: inst.name,
    label: inst.label,
    type: inst.type,
    ...instanceTexts(inst, config),
    ...displaySettings(config, report.events.eventTypes),
    window: inst.window,
    asOf: features.asOf,
    scored: features.score.rows,
    people: report.events.people,
    buckets: { rule: inst.buckets, counts: written.bucketCounts },
    scoreHistogram: histogram(scores.score),
    expectedPositives: probability.reduce((a, b) => a + b, 0),
    quality: evaluation.quality,
    warnings: report.warnings,
    features: featureInfos(catalogue, inst, written.insights),
    explorer: written.explorer,
    base: written.base,
    modelCard,
    suggestedSegments: suggestedSegments(inst),
    ...(value ? { value: value.summary } : {}),
  };
}

/** The configured instance of a feature set. */
function instanceOf(config: ResolvedConfig, features: InstanceFeatures) {
  return config.instances.find((i) => i.name === features.instance)!;
}

/** The day of an instance's test or scoring cutoff. */
function dayOfCutoff(features: InstanceFeatures, part: "test" | "score"): number {
  return features.cutoffs.find((c) => c.part === part)!.day;
}

/** The as-of dates of the cutoffs a set's rows come from, oldest first. */
function cutoffDates(features: InstanceFeatures, set: FeatureSet): string[] {
  const used = new Set(set.cutoff);
  return features.cutoffs
    .filter((c) => used.has(c.index))
    .sort((a, b) => a.day - b.day)
    .map((c) => c.asOf);
}

/** Share of ones. */
function rate(labels: Uint8Array): number {
  let n = 0;
  for (const v of labels) n += v;
  return labels.length ? n / labels.length : 0;
}

/** People per score 0..100. */
export function histogram(score: Uint8Array): number[] {
  const out = new Array<number>(101).fill(0);
  for (const s of score) out[s]!++;
  return out;
}

/** Writes JSON with non-finite numbers as null (JSON has no NaN). */
export function writeJson(file: string, value: unknown): void {
  const finite = (_: string, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v);
  writeFileSync(file, JSON.stringify(value, finite) + "\n");
}
