/**
 * What changed between a run of a history folder and the runs before it: realised outcomes of earlier runs whose
 * window has closed (from this run's events), bucket movement and drift against the previous run, and the trend of
 * every run's buckets. The result is the instance's `history.json` (`InstanceHistory` in schema.ts).
 */
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedInstance } from "../config/types.js";
import { auc } from "../evaluation/metrics.js";
import { dateOf, dayOf } from "../ingest/dates.js";
import { Session } from "../ingest/session.js";
import { forEachNumericChunk } from "../features/read.js";
import { BUCKETS } from "../contract/buckets.js";
import {
  type BucketOrNone,
  type Drift,
  FILES,
  type InstanceHistory,
  type InstanceSummary,
  type RealisedOutcome,
  SCHEMA_VERSION,
} from "../contract/schema.js";
import { categoricalPsi, driftLevel, numericPsi } from "./drift.js";
import type { DatedRun } from "../pipeline/dated-runs.js";
import { copyScoreHistorySql, enteredHighSql, movementSql, realisedOutcomesSql, scoreColumnsSql } from "./sql.js";

/** Ids listed of the people who entered the High bucket. */
const ENTERED_HIGH_IDS = 1000;

/** An instance's summary in a run folder, or null when that run did not score it. */
function summaryIn(run: string, instance: string): InstanceSummary | null {
  try {
    return JSON.parse(readFileSync(join(run, instance, FILES.instance), "utf8")) as InstanceSummary;
  } catch {
    return null;
  }
}

/**
 * Realised outcomes of the earlier runs that scored `inst` and whose window closed by `asOf`, from the events of
 * the current run's session (its goal days table `goalDays` and `people`).
 */
export async function realisedOutcomes(
  session: Session,
  earlier: readonly DatedRun[],
  inst: ResolvedInstance,
  goalDays: string,
  asOf: string,
): Promise<RealisedOutcome[]> {
  const out: RealisedOutcome[] = [];
  for (const run of earlier) {
    const summary = summaryIn(run.dir, inst.name);
    const start = dayOf(run.asOf) + 1;
    if (!summary || start + inst.window > dayOf(asOf) + 1) continue;
    const probability: number[] = [];
    const bucket: number[] = [];
    const label: number[] = [];
    await forEachNumericChunk(
      session,
      realisedOutcomesSql(join(run.dir, inst.name, FILES.scores), goalDays, start, inst.window),
      (cols, n) => {
        for (let i = 0; i < n; i++) {
          probability.push(cols[0]![i]!);
          bucket.push(cols[1]![i]!);
          label.push(inst.type === "churn" ? 1 - cols[2]![i]! : cols[2]![i]!);
        }
      },
    );
    out.push(outcomeOf(run.asOf, dateOf(start + inst.window - 1), probability, bucket, label));
  }
  return out;
}

/** The realised-outcome summary of one earlier run's people. */
export function outcomeOf(
  asOf: string,
  windowEnd: string,
  probability: number[],
  bucket: number[],
  label: number[],
): RealisedOutcome {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const group = (rows: number[]) => ({
    people: rows.length,
    predicted: sum(rows.map((r) => probability[r]!)) / rows.length,
    actual: sum(rows.map((r) => label[r]!)) / rows.length,
  });
  const rows = probability.map((_, i) => i);
  const buckets = BUCKETS.map((b, code) => ({ bucket: b, rows: rows.filter((r) => bucket[r] === code) }))
    .filter((b) => b.rows.length > 0)
    .map((b) => ({ bucket: b.bucket, ...group(b.rows) }));
  const ranked = rows.slice().sort((a, b) => probability[b]! - probability[a]! || a - b);
  const deciles = Array.from({ length: 10 }, (_, d) =>
    ranked.slice(Math.floor((d * ranked.length) / 10), Math.floor(((d + 1) * ranked.length) / 10)),
  )
    .filter((part) => part.length > 0)
    .map((part, d) => ({ decile: d + 1, ...group(part) }));
  return {
    asOf,
    windowEnd,
    people: rows.length,
    positives: sum(label),
    predicted: sum(probability),
    auc: auc({ probability: Float64Array.from(probability), label: Uint8Array.from(label) }),
    buckets,
    deciles,
  };
}

/**
 * The history of `instance` in the run written to `current` (as of `asOf`), against the `earlier` runs of its
 * history folder, with the realised outcomes computed during the run.
 */
export async function instanceHistory(
  current: string,
  asOf: string,
  instance: string,
  earlier: readonly DatedRun[],
  outcomes: RealisedOutcome[],
): Promise<InstanceHistory> {
  const runs = [...earlier, { asOf, dir: current }].flatMap((run) => {
    const s = summaryIn(run.dir, instance);
    if (!s) return [];
    return [
      {
        asOf: s.asOf,
        trainedAsOf: s.modelCard.frozen?.trainedAsOf ?? s.asOf,
        scored: s.scored,
        expectedPositives: s.expectedPositives,
        buckets: s.buckets.counts,
      },
    ];
  });
  const previous = [...earlier].reverse().find((run) => summaryIn(run.dir, instance));
  return {
    schemaVersion: SCHEMA_VERSION,
    runs,
    previous: previous ? await comparison(previous, current, instance) : null,
    outcomes,
  };
}

/** Rows per row group of score-history.parquet. */
const SCORE_HISTORY_ROW_GROUP = 16_384;

/** Writes `<instance>/score-history.parquet` of the run in `current`: its people's scores in every run of the folder
 * that scored the instance (see `copyScoreHistorySql`). */
export async function writeScoreHistory(
  current: string,
  asOf: string,
  instance: string,
  earlier: readonly DatedRun[],
): Promise<void> {
  const runs = [...earlier, { asOf, dir: current }]
    .map((run) => ({ asOf: run.asOf, scores: join(run.dir, instance, FILES.scores) }))
    .filter((run) => existsSync(run.scores));
  const session = await Session.open();
  try {
    await session.run(copyScoreHistorySql(runs, join(current, instance, FILES.scoreHistory), SCORE_HISTORY_ROW_GROUP));
  } finally {
    session.close();
  }
}

/** This run against the previous one: bucket movement, who entered High, and drift. */
async function comparison(
  previous: DatedRun,
  current: string,
  instance: string,
): Promise<NonNullable<InstanceHistory["previous"]>> {
  const [before, now] = [join(previous.dir, instance, FILES.scores), join(current, instance, FILES.scores)];
  const session = await Session.open();
  try {
    const name = (code: number): BucketOrNone => (code < 0 ? null : BUCKETS[code]!);
    const movement = (await session.rows(movementSql(before, now))).map((r) => ({
      from: name(Number(r.from)),
      to: name(Number(r.to)),
      people: Number(r.people),
    }));
    const enteredHigh = movement.filter((m) => m.to === "High" && m.from !== "High").reduce((a, m) => a + m.people, 0);
    const enteredHighIds = (await session.rows(enteredHighSql(before, now, ENTERED_HIGH_IDS))).map((r) => String(r.id));
    const drift = await driftBetween(
      session,
      summaryIn(previous.dir, instance)!,
      before,
      summaryIn(current, instance)!,
      now,
    );
    return { asOf: previous.asOf, movement, enteredHigh, enteredHighIds, drift };
  } finally {
    session.close();
  }
}

/** Drift of the score and of the shipped features that both runs have (matched by feature name). */
async function driftBetween(
  session: Session,
  then: InstanceSummary,
  before: string,
  current: InstanceSummary,
  now: string,
): Promise<NonNullable<InstanceHistory["previous"]>["drift"]> {
  const shared = current.explorer.flatMap((column) => {
    const feature = current.features[column.feature]!;
    const old = then.explorer.find((c) => then.features[c.feature]!.name === feature.name);
    const sameCategories =
      JSON.stringify(then.features[old?.feature ?? -1]?.categories) === JSON.stringify(feature.categories);
    return old && sameCategories
      ? [{ feature: column.feature, kind: feature.kind, now: column.column, before: old.column }]
      : [];
  });
  const [a, b] = [
    await columns(
      session,
      before,
      shared.map((s) => s.before),
    ),
    await columns(
      session,
      now,
      shared.map((s) => s.now),
    ),
  ];
  const level = (psi: number): Drift => ({ psi, level: driftLevel(psi) });
  const score = level(numericPsi(a[0]!, b[0]!));
  const features = shared.map((s, j) => ({
    feature: s.feature,
    ...level((s.kind === "categorical" ? categoricalPsi : numericPsi)(a[j + 1]!, b[j + 1]!)),
  }));
  // Between two models the scores move with the model as well as with the people: only the features tell drift then.
  const retrained =
    (then.modelCard.frozen?.trainedAsOf ?? then.asOf) !== (current.modelCard.frozen?.trainedAsOf ?? current.asOf);
  const judged = retrained ? features : [score, ...features];
  const worst = judged.some((d) => d.level === "act")
    ? "act"
    : judged.some((d) => d.level === "watch")
      ? "watch"
      : "stable";
  const moved = features.filter((f) => f.level !== "stable").map((f) => current.features[f.feature]!.label);
  return { score, features, level: worst, text: driftText(worst, score, moved, retrained) };
}

/** A run's probabilities and the named feature columns, as arrays. */
async function columns(session: Session, scores: string, names: readonly string[]): Promise<Float64Array[]> {
  const out: number[][] = [[], ...names.map(() => [])];
  await forEachNumericChunk(session, scoreColumnsSql(scores, names), (cols, n) => {
    cols.forEach((col, j) => {
      for (let i = 0; i < n; i++) out[j]!.push(col[i]!);
    });
  });
  return out.map((xs) => Float64Array.from(xs));
}

/** The drift in words. */
function driftText(level: Drift["level"], score: Drift, moved: string[], retrained: boolean): string {
  const which = moved.length ? ` Features that moved: ${moved.join("; ")}.` : "";
  const index = `stability index of the scores ${score.psi.toFixed(3)}`;
  const scores = retrained
    ? ` The model was retrained between the two runs, so the scores also moved with the model (${index}).`
    : "";
  if (level === "stable") {
    return retrained
      ? `The main features are distributed as in the previous run (stability index below 0.1 for each).${scores}`
      : `The scores and the main features are distributed as in the previous run (${index}, below 0.1).`;
  }
  const what = retrained ? "The main features have" : `The population has (${index})`;
  if (level === "watch")
    return `${what} shifted a little since the previous run: 0.1 to 0.25 is worth watching.${which}${scores}`;
  return `${what} shifted enough since the previous run that the model should be retrained (a stability index of 0.25 or more).${which}${scores}`;
}
