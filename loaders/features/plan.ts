/**
 * Planning an instance: the cutoffs (scoring at the as-of date; labelled ones from one window before it back through
 * the history, a stride apart; the latest labelled one is the out-of-time test), the examples table with labels,
 * and the data requirements checked before any feature is computed.
 */
import { createHash } from "node:crypto";
import { UserError } from "../config/errors.js";
import type { ResolvedInstance } from "../config/types.js";
import { dateOf, dayOf } from "../ingest/dates.js";
import type { InstanceFlags } from "../ingest/flags.js";
import type { IngestResult } from "../ingest/ingest.js";
import { profileFieldResolver } from "../ingest/profiles.js";
import type { RequirementResult } from "../contract/data-quality.js";
import type { Session } from "../ingest/session.js";
import { compileGroup } from "../sql/conditions.js";
import {
  type CutoffSql,
  type RowsSql,
  SAMPLE_BUCKETS,
  activityTablesSql,
  anyOrderSql,
  dailyTypesTable,
  firstDaysTable,
  eligibleCountsSql,
  goalDaysTable,
  firstDaySql,
  rowCountsSql,
  rowsTableSql,
} from "./sql.js";
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

/** Cutoffs the evaluation model can learn from (outcome windows closed by the test cutoff) wanted before settling
 * for less history before each (see `cutoffSchedule`). */
const PREFERRED_CUTOFFS = 8;
/** The least history before a training cutoff, in days. */
const MIN_HISTORY_DAYS = 30;

/** Days between labelled cutoffs: a week per four weeks of window, from one to four weeks (whole weeks keep the
 * cutoffs on the same weekday). */
export function defaultStride(window: number): number {
  return 7 * Math.min(4, Math.max(1, Math.round(window / 28)));
}

/** The cutoffs of an instance and the history each labelled one has before it. */
export interface CutoffSchedule {
  /** Cutoff days: scoring first, then the test cutoff (scoring minus one window), then earlier ones, a stride apart. */
  days: number[];
  /** Days of history every labelled cutoff has before it. */
  history: number;
  stride: number;
}

/**
 * The cutoff days of an instance. The latest labelled cutoff is the scoring cutoff minus one window (its outcome
 * window closes on the as-of date); earlier ones follow every `stride` days (outcome windows may overlap) while each
 * keeps `history` days of events before it: the lookback when that leaves the evaluation model at least
 * `PREFERRED_CUTOFFS`, else 90, else `MIN_HISTORY_DAYS` days (whole-history features need no full lookback).
 */
export function cutoffSchedule(
  scoreDay: number,
  window: number,
  stride: number,
  lookback: number,
  firstDay: number,
  maxCutoffs: number | null,
): CutoffSchedule {
  const test = scoreDay - window;
  const labelled = (history: number) => {
    const days: number[] = [];
    const room = () => maxCutoffs === null || days.length < maxCutoffs;
    for (let c = test; c - history >= firstDay && room(); c -= stride) days.push(c);
    return days;
  };
  const options = [...new Set([lookback, 90, MIN_HISTORY_DAYS].filter((h) => h <= lookback))].sort((a, b) => b - a);
  for (const history of options) {
    const days = labelled(history);
    // Enough cutoffs for the evaluation model, whose outcome windows close by the test cutoff.
    const closed = days.filter((d) => d + window <= test).length;
    if (closed >= PREFERRED_CUTOFFS || history === options[options.length - 1]) {
      return { days: [scoreDay, ...days], history, stride };
    }
  }
  throw new Error("unreachable: the last history option always returns");
}

/**
 * Plans an instance: cutoffs, examples with labels (sampled when large), catalogue and requirement checks. With
 * the layout of a saved model (`frozen`), only the scoring cutoff is planned, with that layout: nothing is trained.
 */
export async function planInstance(
  session: Session,
  ingest: IngestResult,
  name: string,
  frozen?: FeatureLayout,
): Promise<InstancePlan> {
  const { config, events } = ingest;
  const instance = config.instances.find((i) => i.name === name);
  if (!instance) {
    const names = config.instances.map((i) => i.name).join(", ");
    throw new UserError("config", `no instance named "${name}"; instances: ${names}`);
  }
  const flags = events.flags.instances[instance.index];
  const L = config.features.lookbackDays;
  const scoreDay = dayOf(instance.asOf ?? ingest.asOf) + 1;
  const firstDay = dayOf(events.report.firstEvent.slice(0, 10));
  const stride = config.training.cutoffStride ?? defaultStride(instance.window);
  const schedule = frozen
    ? { days: [scoreDay], history: 0, stride }
    : cutoffSchedule(scoreDay, instance.window, stride, L, firstDay, config.training.maxCutoffs);
  const days = schedule.days;
  const ignored = flags.exclusion ?? "all";
  const tables = {
    rows: `fx_rows_${instance.index}`,
    examples: `fx_ex_${ignored}`,
    firstDays: firstDaysTable(flags.exclusion),
    dailyTypes: dailyTypesTable(flags.exclusion),
    dailyFlags: `fx_daily_flags_${ignored}`,
  };
  const rowsSpec = rowsSpecOf(ingest, instance, tables.rows);
  const cuts: CutoffSql[] = days.map((day, k) => {
    return { cut: k, day, part: k === 0 ? "score" : k === 1 ? "test" : "train", sample: null };
  });
  await session.run(anyOrderSql(), ...activityTablesSql(rowsSpec));
  const eligibleRows = await session.rows(eligibleCountsSql(rowsSpec, days));
  const perDay = new Map(eligibleRows.map((r) => [Number(r.cday), Number(r.n)]));
  const eligible = new Map(cuts.map((c) => [c.cut, perDay.get(c.day) ?? 0]));
  sampleCutoffs(cuts, eligible, config.training);
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
  const layout = frozen ?? (await layoutOf(session, ingest, instance));
  const requirements = frozen
    ? [scoringRequirement(cutoffs[0]!)]
    : checkRequirements(instance, cutoffs, { firstDay, scoreDay, lookback: L, history: schedule.history, stride });
  const report = ingest.report.instances.find((i) => i.name === instance.name);
  if (report) report.requirements = requirements;
  return { instance, flags, layout, catalogue: catalogueOf(layout), cutoffs, tables, requirements };
}

/** What eligibility and labels of an instance need (`RowsSql`), its examples going to table `rows`. Instances with
 * the same activity events share the tables of activity days. */
function rowsSpecOf(ingest: IngestResult, instance: ResolvedInstance, rows: string): RowsSql {
  const flags = ingest.events.flags.instances[instance.index];
  let attributes: string | null = null;
  if (instance.eligible.attributes) {
    const path = `instances[${instance.index}].eligible.attributes`;
    attributes = compileGroup(instance.eligible.attributes, profileFieldResolver(ingest.profiles!), path);
  }
  const ruleKey = JSON.stringify([flags.activity, flags.exclusion]);
  const rule = createHash("sha256").update(ruleKey).digest("hex").slice(0, 12);
  return {
    table: rows,
    eligible: `fx_elig_${instance.index}`,
    activeDays: `fx_act_${rule}`,
    firstActive: `fx_act_first_${rule}`,
    goalDays: goalDaysTable(instance.index),
    lookback: ingest.config.features.lookbackDays,
    activeWithinDays: instance.eligible.activeWithinDays,
    window: instance.window,
    churn: instance.type === "churn",
    goal: flags.goal,
    activity: flags.activity,
    eligibleEvents: flags.eligibleEvents,
    exclusion: flags.exclusion,
    attributes,
  };
}

/**
 * Samples labelled cutoffs: each keeps at most maxExamplesPerCutoff, the training cutoffs share maxExamples. The
 * sample is a range of person-hash buckets starting at a point set by the cutoff day, so a person is drawn at some
 * cutoffs and not others, and no one (a heavy buyer active at every cutoff) fills the training set.
 */
function sampleCutoffs(
  cuts: CutoffSql[],
  eligible: Map<number, number>,
  training: { maxExamplesPerCutoff: number; maxExamples: number },
): void {
  const trainCutoffs = cuts.filter((c) => c.part === "train").length;
  const perCutoff = training.maxExamplesPerCutoff;
  for (const c of cuts) {
    const n = eligible.get(c.cut) ?? 0;
    const max = c.part === "train" ? Math.min(perCutoff, Math.floor(training.maxExamples / trainCutoffs)) : perCutoff;
    if (c.part === "score" || n <= max) continue;
    const span = Math.ceil((max / n) * SAMPLE_BUCKETS);
    const lo = Math.floor(((c.day * 0.6180339887498949) % 1) * SAMPLE_BUCKETS);
    c.sample = { lo, hi: (lo + span) % SAMPLE_BUCKETS };
  }
}

/** The data requirements of an instance, each with what was found and what to try. Positives and negatives count
 * every labelled cutoff: the scoring model learns from all of them. */
function checkRequirements(
  instance: ResolvedInstance,
  cutoffs: readonly CutoffInfo[],
  data: { firstDay: number; scoreDay: number; lookback: number; history: number; stride: number },
): RequirementResult[] {
  const labelled = cutoffs.filter((c) => c.part !== "score");
  const span = data.scoreDay - data.firstDay;
  const needed = MIN_HISTORY_DAYS + instance.window;
  const positives = labelled.reduce((a, c) => a + c.positives, 0);
  const negatives = labelled.reduce((a, c) => a + c.negatives, 0);
  const what = instance.type === "churn" ? "people whose goal did not occur" : "people who reached the goal";
  const cutoffsLabelled = `${labelled.length} labelled cutoff${labelled.length === 1 ? "" : "s"}`;
  const across = `across ${cutoffsLabelled} ${data.stride} days apart`;
  const cover = `the events cover ${span} days (${dateOf(data.firstDay)} to ${dateOf(data.scoreDay - 1)})`;
  const more = "Provide more people or a longer history";
  const { minPositive, minNegative } = instance.requirements;
  return [
    {
      check: "history",
      ok: labelled.length > 0,
      message:
        labelled.length > 0
          ? `${cover}: ${cutoffsLabelled}, each with at least ${data.history} days of history before it ` +
            `and its ${instance.window}-day outcome window closed by the as-of date`
          : `${cover}; instance ${instance.name} needs at least ${needed} days ` +
            `(${MIN_HISTORY_DAYS} days of history before a cutoff + the ${instance.window}-day window after it)`,
      hint: `Provide at least ${needed} days of events, or use a shorter window.`,
    },
    {
      check: "positives",
      ok: positives >= minPositive,
      message:
        `${positives} positive examples (${what} within ${instance.window} days) ${across}; ` +
        `need at least ${minPositive}`,
      hint:
        `${more}${instance.type === "churn" ? "" : " (more cutoffs)"}, ` +
        "use a longer window or looser eligibility, or lower requirements.minPositive.",
    },
    {
      check: "negatives",
      ok: negatives >= minNegative,
      message: `${negatives} negative examples ${across}; need at least ${minNegative}`,
      hint: `${more}, use a shorter window or looser eligibility, or lower requirements.minNegative.`,
    },
  ];
}

/** What scoring with a saved model needs: someone eligible at the as-of date. */
function scoringRequirement(score: CutoffInfo): RequirementResult {
  return {
    check: "eligible",
    ok: score.eligible > 0,
    message: `${score.eligible} people eligible on ${score.asOf}`,
    hint: "Check the as-of date against the events' dates and the instance's eligibility rules.",
  };
}

/** Throws a `UserError` listing every failed requirement with its hint. */
export function assertRequirements(plan: InstancePlan): void {
  const failed = plan.requirements.filter((r) => !r.ok);
  if (failed.length === 0) return;
  throw new UserError("requirements", unmetRequirements(plan.instance, failed));
}

/** The message of an instance that does not meet its data requirements: a line naming it, then one line per failed
 * requirement with what was found and what to try. */
export function unmetRequirements(
  instance: Pick<ResolvedInstance, "index" | "name">,
  failed: readonly RequirementResult[],
): string {
  const lines = failed.map((r) => `- ${r.check}: ${r.message}. ${r.hint}`);
  return `instances[${instance.index}] (${instance.name}) does not meet the data requirements:\n${lines.join("\n")}`;
}
