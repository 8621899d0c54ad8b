/**
 * Planning an instance: the cutoffs (scoring at the as-of date, training at as-of minus k windows while a full
 * lookback fits before them; the latest labelled one is the out-of-time test), the examples table with labels,
 * and the data requirements checked before any feature is computed.
 */
import { createHash } from "node:crypto";
import { UserError } from "../config/errors.js";
import type { ResolvedInstance } from "../config/types.js";
import { dateOf, dayOf } from "../ingest/dates.js";
import type { InstanceFlags } from "../ingest/flags.js";
import type { IngestResult } from "../ingest/ingest.js";
import { profileFieldResolver } from "../ingest/profiles.js";
import type { RequirementResult } from "../ingest/report.js";
import type { Session } from "../ingest/session.js";
import { compileGroup } from "../sql/conditions.js";
import {
  type CutoffSql,
  type RowsSql,
  SAMPLE_BUCKETS,
  anyOrderSql,
  behaviourSql,
  dailyTypesTable,
  firstDaysTable,
  eligibleCountsSql,
  eligibleDaysSql,
  eligibleTableSql,
  insertEligibleSql,
  firstDaySql,
  rowCountsSql,
  rowsTableSql,
} from "../sql/features.js";
import { type FeatureDef, type FeatureLayout, catalogueOf } from "./catalogue.js";
import { layoutOf } from "./layout.js";

/** One cutoff of an instance and its examples. */
export interface CutoffInfo {
  index: number;
  /** Cutoff day number (days since 1970-01-01): features use events before it. */
  day: number;
  /** The cutoff as a date: features use events before this day's 00:00 UTC. */
  cutoff: string;
  /** The as-of date the cutoff stands for (the day before `cutoff`). */
  asOf: string;
  part: "train" | "test" | "score";
  /** Eligible people before sampling. */
  eligible: number;
  /** Examples kept (equal to `eligible` unless sampled). */
  examples: number;
  /** Examples with label 1 and 0 (0 for the scoring cutoff). */
  positives: number;
  negatives: number;
  sample: CutoffSql["sample"];
}

/** Everything needed to build an instance's feature sets. */
export interface InstancePlan {
  instance: ResolvedInstance;
  flags: InstanceFlags;
  layout: FeatureLayout;
  catalogue: FeatureDef[];
  cutoffs: CutoffInfo[];
  /** Names of the instance's tables: its examples (`rows`); shared by the instances that ignore the same events:
   * their distinct examples, first event days, and daily counts of event types and of flag-based kinds. */
  tables: { rows: string; examples: string; firstDays: string; dailyTypes: string; dailyFlags: string };
  requirements: RequirementResult[];
}

/** The cutoff days of an instance: scoring first, then k = 1, 2, ... while a full lookback fits in the data. */
export function cutoffDays(scoreDay: number, window: number, lookback: number, firstDay: number, maxCutoffs: number | null): number[] {
  const days = [scoreDay];
  for (let k = 1; scoreDay - k * window - lookback >= firstDay && (maxCutoffs === null || k <= maxCutoffs); k++) days.push(scoreDay - k * window);
  return days;
}

/** Plans an instance: cutoffs, examples with labels (sampled when large), catalogue and requirement checks. */
export async function planInstance(session: Session, ingest: IngestResult, name: string): Promise<InstancePlan> {
  const { config, events } = ingest;
  const instance = config.instances.find((i) => i.name === name);
  if (!instance) throw new UserError("config", `no instance named "${name}"; instances: ${config.instances.map((i) => i.name).join(", ")}`);
  const flags = events.flags.instances[instance.index];
  const L = config.features.lookbackDays;
  const scoreDay = dayOf(instance.asOf ?? ingest.asOf) + 1;
  const firstDay = dayOf(events.report.firstEvent.slice(0, 10));
  const days = cutoffDays(scoreDay, instance.window, L, firstDay, config.training.maxCutoffs);
  const ignored = flags.exclusion ?? "all";
  const tables = {
    rows: `fx_rows_${instance.index}`,
    examples: `fx_ex_${ignored}`,
    firstDays: firstDaysTable(flags.exclusion),
    dailyTypes: dailyTypesTable(flags.exclusion),
    dailyFlags: `fx_daily_flags_${ignored}`,
  };
  let attributes: string | null = null;
  if (instance.eligible.attributes) {
    attributes = compileGroup(instance.eligible.attributes, profileFieldResolver(ingest.profiles!), `instances[${instance.index}].eligible.attributes`);
  }
  // Instances with the same eligibility rule share its table: each cutoff day is computed once.
  const rule = JSON.stringify([instance.eligible.activeWithinDays, flags.activity, flags.eligibleEvents, flags.exclusion, attributes]);
  const rowsSpec: RowsSql = {
    table: tables.rows,
    eligible: `fx_elig_${createHash("sha256").update(rule).digest("hex").slice(0, 12)}`,
    lookback: L,
    activeWithinDays: instance.eligible.activeWithinDays,
    window: instance.window,
    churn: instance.type === "churn",
    goal: flags.goal,
    activity: flags.activity,
    eligibleEvents: flags.eligibleEvents,
    exclusion: flags.exclusion,
    attributes,
  };
  const cuts: CutoffSql[] = days.map((day, k) => ({ cut: k, day, part: k === 0 ? "score" : k === 1 ? "test" : "train", sample: null }));
  await session.run(anyOrderSql(), ...eligibleTableSql(rowsSpec));
  const known = new Set((await session.rows(eligibleDaysSql(rowsSpec))).map((r) => Number(r.cday)));
  await session.run(...insertEligibleSql(rowsSpec, days.filter((d) => !known.has(d))));
  const perDay = new Map((await session.rows(eligibleCountsSql(rowsSpec, days))).map((r) => [Number(r.cday), Number(r.n)]));
  const eligible = new Map(cuts.map((c) => [c.cut, perDay.get(c.day) ?? 0]));
  // Sample labelled cutoffs: each keeps at most maxExamplesPerCutoff, training cutoffs share maxExamples. The
  // sample is a range of person-hash buckets starting at a point set by the cutoff day, so instances sampling the
  // same day draw nested samples and share most examples.
  const { maxExamplesPerCutoff, maxExamples } = config.training;
  const trainCutoffs = cuts.filter((c) => c.part === "train").length;
  for (const c of cuts) {
    const n = eligible.get(c.cut) ?? 0;
    const max = c.part === "train" ? Math.min(maxExamplesPerCutoff, Math.floor(maxExamples / trainCutoffs)) : maxExamplesPerCutoff;
    if (c.part === "score" || n <= max) continue;
    const span = Math.ceil((max / n) * SAMPLE_BUCKETS);
    const lo = Math.floor(((c.day * 0.6180339887498949) % 1) * SAMPLE_BUCKETS);
    c.sample = { lo, hi: (lo + span) % SAMPLE_BUCKETS };
  }
  await session.run(...rowsTableSql(rowsSpec, cuts), firstDaySql(tables.firstDays, flags.exclusion));
  const counts = new Map((await session.rows(rowCountsSql(tables.rows))).map((r) => [Number(r.cut), r]));
  const cutoffs: CutoffInfo[] = cuts.map((c) => {
    const r = counts.get(c.cut);
    return {
      index: c.cut,
      day: c.day,
      cutoff: dateOf(c.day),
      asOf: dateOf(c.day - 1),
      part: c.part,
      eligible: eligible.get(c.cut) ?? 0,
      examples: Number(r?.n ?? 0),
      positives: Number(r?.positives ?? 0),
      negatives: Number(r?.negatives ?? 0),
      sample: c.sample,
    };
  });
  const layout = await layoutOf(session, ingest, instance);
  const behaviour = await session.row(behaviourSql(flags.goal, flags.exclusion, flags.customEvents.map((c) => c.column)));
  const requirements = checkRequirements(instance, cutoffs, { firstDay, scoreDay, lookback: L, behaviour: Object.values(behaviour).some((v) => Number(v) > 0) });
  const report = ingest.report.instances.find((i) => i.name === instance.name);
  if (report) report.requirements = requirements;
  return { instance, flags, layout, catalogue: catalogueOf(layout), cutoffs, tables, requirements };
}

/** The data requirements of an instance, each with what was found and what to try. */
export function checkRequirements(
  instance: ResolvedInstance,
  cutoffs: readonly CutoffInfo[],
  data: { firstDay: number; scoreDay: number; lookback: number; behaviour: boolean },
): RequirementResult[] {
  const train = cutoffs.filter((c) => c.part === "train");
  const span = data.scoreDay - data.firstDay;
  const needed = Math.max(data.lookback, 30) + instance.window;
  const positives = train.reduce((a, c) => a + c.positives, 0);
  const negatives = train.reduce((a, c) => a + c.negatives, 0);
  const what = instance.type === "churn" ? "people whose goal did not occur" : "people who reached the goal";
  const across = `across ${train.length} training cutoff${train.length === 1 ? "" : "s"}`;
  const { minPositive, minNegative } = instance.requirements;
  return [
    {
      check: "history",
      ok: span >= needed && cutoffs.length > 1,
      message: `the events cover ${span} days (${dateOf(data.firstDay)} to ${dateOf(data.scoreDay - 1)}); instance ${instance.name} needs at least ${needed} days (lookback ${data.lookback} + window ${instance.window})`,
      hint: "Provide a longer history, or lower features.lookbackDays (at least 30) or the instance's window.",
    },
    {
      check: "positives",
      ok: positives >= minPositive,
      message: `${positives} positive training examples (${what} within ${instance.window} days) ${across}; need at least ${minPositive}`,
      hint: "Provide more people or a longer history, use a longer window or looser eligibility, or lower requirements.minPositive.",
    },
    {
      check: "negatives",
      ok: negatives >= minNegative,
      message: `${negatives} negative training examples ${across}; need at least ${minNegative}`,
      hint: "Provide more people or a longer history, use a shorter window or looser eligibility, or lower requirements.minNegative.",
    },
    {
      check: "behaviour",
      ok: data.behaviour,
      message: data.behaviour ? "events other than the goal are present" : `every event of instance ${instance.name} is a goal event; there is no other behaviour to learn from`,
      hint: "Include other event types (page views, product views, emails) or define custom events that are not goal events.",
    },
  ];
}

/** Throws a `UserError` listing every failed requirement with its hint. */
export function assertRequirements(plan: InstancePlan): void {
  const failed = plan.requirements.filter((r) => !r.ok);
  if (failed.length === 0) return;
  const lines = failed.map((r) => `- ${r.check}: ${r.message}. ${r.hint}`);
  throw new UserError("requirements", `instances[${plan.instance.index}] (${plan.instance.name}) does not meet the data requirements:\n${lines.join("\n")}`);
}
