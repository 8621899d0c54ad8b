/**
 * The feature stage in one call: opens a DuckDB session, ingests the configuration's inputs, then plans each
 * instance, checks its data requirements and builds its training, test and scoring sets. This is the entry
 * point for the model and scoring stages.
 */
import type { BgnbdParams } from "../baselines/bgnbd.js";
import { UserError } from "../config/errors.js";
import type { ResolvedConfig } from "../config/types.js";
import { type IngestResult, type Shard, ingest } from "../ingest/ingest.js";
import { emptyShardOnly } from "../ingest/shard.js";
import type { DataQualityReport } from "../contract/data-quality.js";
import { Session, type SessionOptions } from "../ingest/session.js";
import { type InstanceFeatures, buildFeatureSets } from "./build.js";
import { type InstancePlan, assertRequirements, planInstance } from "./plan.js";
import { type PortableLayout, bindLayout } from "./portable.js";

/** Options of `prepareFeatures`. */
export interface PrepareOptions extends SessionOptions {
  /** Names of the instances to build (default: all). */
  instances?: string[];
  /** Progress messages for long runs. */
  onProgress?: (message: string) => void;
  /** Saved models' layouts by instance name, and the folder they come from: those instances are planned for
   * scoring with that layout only (see `planInstance`). */
  frozen?: {
    layouts: Map<string, PortableLayout>;
    from: string;
    /** Saved BG/NBD parameters of the scoring set per instance and history kind key (models that saved them). */
    btyd?: ReadonlyMap<string, Record<string, BgnbdParams>>;
  };
  /** Keep only the people of one shard (see `ingest/shard.ts`). */
  shard?: Shard;
  /** Runs on the ingest session once the features are built, before it closes (e.g. to export event tables). */
  beforeClose?: (session: Session, ingested: IngestResult) => Promise<void>;
}

/** The outcome of the feature stage. */
export interface PreparedFeatures {
  /** The data-quality report, with each instance's requirement checks. */
  report: DataQualityReport;
  /** Feature sets per instance that meets its data requirements, in configuration order. */
  instances: InstanceFeatures[];
  /** Instances that do not meet their data requirements, each with the message listing what failed. */
  failed: { name: string; message: string }[];
  /** Seconds spent: ingest, planning per instance (cutoffs, eligibility, labels), and building every instance's
   * features (shared work). */
  timings: { ingest: number; plans: Record<string, number>; build: number };
}

/**
 * Ingests the inputs and builds the feature sets of every (selected) instance.
 * Instances that do not meet their data requirements are left out and listed in `failed`.
 * @throws UserError for configuration and data problems, and when no instance meets its data requirements (the
 *   message lists each failed requirement with what to try).
 */
export async function prepareFeatures(config: ResolvedConfig, options: PrepareOptions = {}): Promise<PreparedFeatures> {
  const session = await Session.open(options);
  try {
    const seconds = (from: number) => (performance.now() - from) / 1000;
    let started = performance.now();
    const ingested = await ingest(session, config, options.shard);
    const timings: PreparedFeatures["timings"] = { ingest: seconds(started), plans: {}, build: 0 };
    const { rowsUsed, rowsRead } = ingested.report.events;
    options.onProgress?.(`ingest: ${rowsUsed} of ${rowsRead} rows used (${timings.ingest.toFixed(1)} s)`);
    const names = options.instances ?? config.instances.map((i) => i.name);
    const plans: InstancePlan[] = [];
    const failed: PreparedFeatures["failed"] = [];
    for (const name of names) {
      started = performance.now();
      const frozen = options.frozen?.layouts.get(name);
      const bound = frozen && bindLayout(frozen, ingested, options.frozen!.from);
      const plan = await planInstance(session, ingested, name, bound);
      timings.plans[name] = seconds(started);
      try {
        if (!(options.shard && emptyShardOnly(plan.requirements))) assertRequirements(plan);
        plans.push(plan);
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        failed.push({ name, message: error.message });
        options.onProgress?.(`${name}: skipped, ${error.message}`);
      }
    }
    // Every instance failing is the run failing; otherwise each instance stands on its own.
    if (plans.length === 0) throw new UserError("requirements", failed.map((f) => f.message).join("\n"));
    started = performance.now();
    const instances: InstanceFeatures[] = await buildFeatureSets(session, ingested, plans, {
      onProgress: options.onProgress,
      ...(options.frozen?.btyd ? { btyd: options.frozen.btyd } : {}),
    });
    timings.build = seconds(started);
    await options.beforeClose?.(session, ingested);
    return { report: ingested.report, instances, failed, timings };
  } finally {
    session.close();
  }
}

/**
 * Checks the data without building features (for a "check my data" command): ingest, then every instance's
 * cutoffs and data requirements. Returns the data-quality report; requirement results are in
 * `report.instances[].requirements` (not thrown).
 */
export async function checkData(config: ResolvedConfig, options: SessionOptions = {}): Promise<DataQualityReport> {
  const session = await Session.open(options);
  try {
    const ingested = await ingest(session, config);
    for (const inst of config.instances) await planInstance(session, ingested, inst.name);
    return ingested.report;
  } finally {
    session.close();
  }
}
