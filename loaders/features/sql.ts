/**
 * SQL of point-in-time features and labels. For a cutoff day `c`, features use only events with `day < c`
 * (`day` is the UTC calendar day, so this is "timestamp before c at 00:00 UTC"): windowed ones within the lookback
 * `[c - L, c)`, whole-history ones over all days before `c`; labels use the window `[c, c + w)`. Nothing else reads
 * events, so no feature can see the future.
 *
 * Tables: `fx_act_<rule>` and `fx_act_first_<rule>` each person's activity days and first one, shared by instances
 * with the same activity events; `fx_goal_<i>` the goal days and `fx_elig_<i>` the (sampled) eligible people per
 * cutoff of instance `i`; `fx_rows_<i>` its examples (cutoff, person, label, row position in its set);
 * `fx_ex_<exclusion>` the distinct (person, cutoff day) examples of the instances that ignore the same events, whose
 * features are computed once for all of them (`..._history` their daily whole-history table); `fx_first_<exclusion>`
 * the first event day of each person (tenure).
 */
import { ident, int, str } from "../sql/quote.js";

/** One kind of event counted per person: an event type or a flag (custom event, activity). */
export interface KindSql {
  /** Event type code, or a flag column. */
  type: number | null;
  flag: string | null;
}

/** A cutoff of an instance. */
export interface CutoffSql {
  /** Index of the cutoff in the plan. */
  cut: number;
  /** Cutoff day (events before it are history). */
  day: number;
  /** Which set the examples go to. */
  part: "train" | "test" | "score";
  /** Sample of people by hash bucket `(pk >> 40)` in [lo, hi) (wrapping); null: everyone. */
  sample: { lo: number; hi: number } | null;
}

/** What eligibility and labels need. */
export interface RowsSql {
  table: string;
  /** The instance's eligible examples per cutoff day, sampled (`cday, pk`). */
  eligible: string;
  /** Distinct days of activity per person of this eligibility rule (`pk, day`), and each person's first one
   * (`pk, first_day`); shared by instances with the same rule. */
  activeDays: string;
  firstActive: string;
  /** Each person's distinct goal days (`pk, day`) for the instance's goal and exclusions. */
  goalDays: string;
  lookback: number;
  /** null: any activity before the cutoff makes a person eligible. */
  activeWithinDays: number | null;
  window: number;
  churn: boolean;
  goal: string;
  activity: string | null;
  eligibleEvents: string | null;
  exclusion: string | null;
  /** SQL boolean over `pr` (profiles) for eligibility attribute conditions, or null. */
  attributes: string | null;
}

/** Buckets of the person hash used for sampling: `(pk >> 40)` is in [0, 2^24). */
export const SAMPLE_BUCKETS = 16_777_216;

function notExcluded(exclusion: string | null): string {
  return exclusion ? ` AND NOT ${ident(exclusion)}` : "";
}

function sampleFilter(sample: CutoffSql["sample"]): string {
  if (!sample) return "";
  const b = "(pk >> 40)::INTEGER";
  return sample.lo < sample.hi
    ? ` AND ${b} >= ${int(sample.lo)} AND ${b} < ${int(sample.hi)}`
    : ` AND (${b} >= ${int(sample.lo)} OR ${b} < ${int(sample.hi)})`;
}

/** The eligible people of cutoff day `d` (`cday, pk`), within a sample of people. */
function eligibleAt(spec: RowsSql, d: number, sample: CutoffSql["sample"]): string {
  let sql =
    spec.activeWithinDays === null
      ? `SELECT ${int(d)} AS cday, pk FROM ${ident(spec.firstActive)} WHERE first_day < ${int(d)}`
      : `SELECT ${int(d)} AS cday, pk FROM ${ident(spec.activeDays)}
        WHERE day >= ${int(d - spec.activeWithinDays)} AND day < ${int(d)}`;
  sql += sampleFilter(sample);
  if (spec.eligibleEvents) {
    const lookback = `day >= ${int(d - spec.lookback)} AND day < ${int(d)}${notExcluded(spec.exclusion)}`;
    sql += ` AND pk IN (SELECT pk FROM events WHERE ${ident(spec.eligibleEvents)} AND ${lookback})`;
  }
  if (spec.attributes) sql += ` AND pk IN (SELECT pk FROM profiles pr WHERE ${spec.attributes})`;
  return spec.activeWithinDays === null ? sql : `${sql} GROUP BY pk`;
}

/** Set codes stored in the examples table. */
export const PART_CODES = { train: 0, test: 1, score: 2 } as const;

/** Creates (once per rule) each person's distinct activity days and first activity day, and (per instance) each
 * person's distinct goal days. */
export function activityTablesSql(spec: RowsSql): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${ident(spec.activeDays)} AS SELECT pk, day FROM events
      WHERE ${spec.activity ? ident(spec.activity) : "TRUE"}${notExcluded(spec.exclusion)} GROUP BY pk, day`,
    `CREATE TABLE IF NOT EXISTS ${ident(spec.firstActive)} AS
      SELECT pk, min(day) AS first_day FROM ${ident(spec.activeDays)} GROUP BY pk`,
    `CREATE OR REPLACE TABLE ${ident(spec.goalDays)} AS
      SELECT pk, day FROM events WHERE ${ident(spec.goal)}${notExcluded(spec.exclusion)} GROUP BY pk, day`,
  ];
}

/** Eligible people per cutoff day before sampling (`cday, n`). */
export function eligibleCountsSql(spec: RowsSql, days: readonly number[]): string {
  const eligible = days.map((d) => eligibleAt(spec, d, null)).join("\nUNION ALL ");
  return `SELECT cday, count(*) AS n FROM (${eligible}) GROUP BY cday`;
}

/**
 * Creates the examples table from the eligible people (sampled per cutoff where configured): labels from goal
 * days in [c, c + window), and row positions per set ordered by person id, then cutoff day.
 */
export function rowsTableSql(spec: RowsSql, cutoffs: readonly CutoffSql[]): string[] {
  const values = cutoffs.map((c) => `(${int(c.cut)}, ${int(c.day)}, ${int(PART_CODES[c.part])})`).join(", ");
  const occurs = "g.pk IS NOT NULL";
  const positive = spec.churn ? `NOT ${occurs}` : occurs;
  const eligible = cutoffs.map((c) => eligibleAt(spec, c.day, c.sample)).join("\nUNION ALL ");
  return [
    `CREATE OR REPLACE TABLE ${ident(spec.eligible)} AS ${eligible}`,
    `CREATE OR REPLACE TABLE ${ident(spec.table)} AS
    WITH cuts AS (SELECT col0 AS cut, col1 AS day, col2 AS part FROM (VALUES ${values})),
    goals AS (SELECT DISTINCT e.cday, e.pk FROM ${ident(spec.eligible)} e JOIN ${ident(spec.goalDays)} g
      ON g.pk = e.pk AND g.day >= e.cday AND g.day < e.cday + ${int(spec.window)})
    SELECT cuts.cut::USMALLINT AS cut, cuts.day::INTEGER AS cday, e.pk, p.pidx, cuts.part::UTINYINT AS part,
      (CASE WHEN cuts.part = ${PART_CODES.score} THEN NULL WHEN ${positive} THEN 1 ELSE 0 END)::UTINYINT AS label,
      (row_number() OVER (PARTITION BY cuts.part ORDER BY p.pidx, cuts.day) - 1)::INTEGER AS pos
    FROM ${ident(spec.eligible)} e JOIN cuts ON cuts.day = e.cday JOIN people p USING (pk)
      LEFT JOIN goals g ON g.cday = e.cday AND g.pk = e.pk`,
  ];
}

/** Number of rows of a table. */
export function countSql(table: string): string {
  return `SELECT count(*) AS n FROM ${ident(table)}`;
}

/** Examples, positives and negatives per cutoff. */
export function rowCountsSql(table: string): string {
  return `SELECT cut, count(*) AS n, count(*) FILTER (label = 1) AS positives, count(*) FILTER (label = 0) AS negatives
    FROM ${ident(table)} GROUP BY cut ORDER BY cut`;
}

/**
 * Creates the examples table of a group of instances: the distinct (person, cutoff day) pairs of their examples
 * tables, numbered `ex` in person-hash then day order.
 */
export function examplesTableSql(table: string, rowsTables: readonly string[]): string {
  const pairs = rowsTables.map((t) => `SELECT pk, cday FROM ${ident(t)}`).join(" UNION ");
  return `CREATE OR REPLACE TABLE ${ident(table)} AS
    SELECT (row_number() OVER (ORDER BY pk, cday) - 1)::INTEGER AS ex, pk, cday FROM (${pairs})`;
}

/** The examples of every set of an instance: set code, position, person index, cutoff index, label, example. */
export function setRowsSql(table: string, examples: string): string {
  return `SELECT r.part, r.pos, r.pidx, r.cut, r.label, x.ex
    FROM ${ident(table)} r JOIN ${ident(examples)} x USING (pk, cday)`;
}

/** Name of the table of an instance's goal days (`pk, day`), by the instance's index in the configuration. */
export function goalDaysTable(instanceIndex: number): string {
  return `fx_goal_${instanceIndex}`;
}

/** Name of the table of each person's first event day, ignoring the events of flag `exclusion` (null: none). */
export function firstDaysTable(exclusion: string | null): string {
  return `fx_first_${exclusion ?? "all"}`;
}

/** Name of the table of daily counts per event type, ignoring the events of flag `exclusion` (null: none). */
export function dailyTypesTable(exclusion: string | null): string {
  return `fx_daily_types_${exclusion ?? "all"}`;
}

/** Creates `<table>`: each person's first event day (excluding the instance's excluded events). */
export function firstDaySql(table: string, exclusion: string | null): string {
  return `CREATE TABLE IF NOT EXISTS ${ident(table)} AS
    SELECT pk, min(day) AS first_day FROM events WHERE TRUE${notExcluded(exclusion)} GROUP BY pk`;
}

/** The examples (`rr`: example number, person, cutoff day). */
function examplesCte(examples: string): string {
  return `rr AS (SELECT ex, pk, cday FROM ${ident(examples)})`;
}

/** Join condition of events `e` to examples `rr`: the person's events within the lookback before the cutoff. */
function lookbackJoin(lookback: number): string {
  return `e.pk = rr.pk AND e.day >= rr.cday - ${int(lookback)} AND e.day < rr.cday`;
}

/** Creates (once per exclusion set) the daily counts of every event type: `(pk, day, type, n)`. */
export function dailyTypesSql(table: string, exclusion: string | null): string {
  return `CREATE TABLE IF NOT EXISTS ${ident(table)} AS SELECT pk, day, type, count(*)::INTEGER AS n FROM events
    WHERE TRUE${notExcluded(exclusion)} GROUP BY ALL`;
}

/**
 * Creates the daily counts of an instance's flag-based kinds: `(pk, day, kind, n)`. A kind with neither flag nor
 * type (every event) is summed from the daily type counts.
 */
export function dailyFlagsSql(
  table: string,
  typesTable: string,
  kinds: readonly KindSql[],
  exclusion: string | null,
): string {
  const parts = kinds.flatMap((k, i) => {
    if (k.type !== null) return [];
    if (k.flag === null) {
      return [`SELECT pk, day, ${int(i)} AS kind, sum(n)::INTEGER AS n FROM ${ident(typesTable)} GROUP BY pk, day`];
    }
    const where = `${ident(k.flag)}${notExcluded(exclusion)}`;
    return [`SELECT pk, day, ${int(i)} AS kind, count(*)::INTEGER AS n FROM events WHERE ${where} GROUP BY pk, day`];
  });
  const empty = "SELECT NULL::UBIGINT AS pk, NULL::INTEGER AS day, NULL::INTEGER AS kind, NULL::INTEGER AS n";
  const body = parts.length ? parts.join("\nUNION ALL ") : `${empty} WHERE FALSE`;
  return `CREATE OR REPLACE TABLE ${ident(table)} AS ${body}`;
}

/** What the per-kind statistics need. */
export interface KindStatsSql {
  examples: string;
  /** Daily tables: event types (shared) and the instance's flag kinds. */
  dailyTypes: string;
  dailyFlags: string;
  lookback: number;
  /** Count windows shorter than the lookback (e.g. 7, 30, 90). */
  windows: readonly number[];
  kinds: readonly KindSql[];
  /** Trend: recent window and the earlier span it is compared with, or null when the lookback is too short. */
  trend: { recent: number; earlier: number } | null;
}

/** The statistics of a kind that `kindStatsSql` returns after `ex` and `kind`, by column name, in the order of
 * the kind's features: counts per window (`window_count_<i>`, in `windows` order) and in the lookback, days since
 * last and since first, active days. `KIND_EXTRAS` follow them. */
export function kindStatColumns(windows: readonly number[]): string[] {
  return [...windows.map((_, i) => `window_count_${i}`), "lookback_count", "since_last", "since_first", "active_days"];
}

/** The columns of `kindStatsSql` after the statistics: the trend (NULL without one), the mean gap between active
 * days and days since last relative to that gap (the regularity features). */
export const KIND_EXTRAS = { trend: "trend", gap: "mean_gap", overdue: "overdue_ratio" } as const;

/**
 * For every example of every cutoff (one query: each person-day of events is joined to the examples whose
 * lookback holds it) and every kind with at least one event in the lookback: example number `ex`, kind index
 * `kind`, then `kindStatColumns` (counts per window and in the lookback, days since last, days since first, active
 * days) and `KIND_EXTRAS` (trend, mean gap between active days, and days since last relative to that gap).
 * Examples without events of a kind have no row (counts 0, days since: missing).
 */
export function kindStatsSql(spec: KindStatsSql): string {
  const typed = spec.kinds.map((k, i) => ({ k, i })).filter((x) => x.k.type !== null);
  const branches = [`SELECT pk, day, kind, n FROM ${ident(spec.dailyFlags)}`];
  if (typed.length) {
    const kindCase = `CASE type ${typed.map((x) => `WHEN ${int(x.k.type!)} THEN ${int(x.i)}`).join(" ")} END`;
    const types = typed.map((x) => int(x.k.type!)).join(", ");
    branches.unshift(`SELECT pk, day, ${kindCase} AS kind, n FROM ${ident(spec.dailyTypes)} WHERE type IN (${types})`);
  }
  const count = (cond: string) => `sum(CASE WHEN ${cond} THEN e.n ELSE 0 END)`;
  const windows = spec.windows.map((w) => `${count(`e.day >= rr.cday - ${int(w)}`)}::FLOAT`);
  const t = spec.trend;
  const earlier = t && `e.day < rr.cday - ${int(t.recent)} AND e.day >= rr.cday - ${int(t.recent + t.earlier)}`;
  const trend = t
    ? `ln((${count(`e.day >= rr.cday - ${int(t.recent)}`)} + 1) /
        (${count(earlier!)} * ${int(t.recent)} / ${int(t.earlier)} + 1))::FLOAT`
    : "NULL::FLOAT";
  const gap = "CASE WHEN count(*) >= 2 THEN (max(e.day) - min(e.day)) / (count(*) - 1) END";
  const since = (day: string) => `(rr.cday - 1 - ${day}(e.day))::FLOAT`;
  const stats = [...windows, "sum(e.n)::FLOAT", since("max"), since("min"), "count(*)::FLOAT"];
  const names = kindStatColumns(spec.windows);
  const extras = [
    `${trend} AS ${KIND_EXTRAS.trend}`,
    `(${gap})::FLOAT AS ${KIND_EXTRAS.gap}`,
    `((rr.cday - 1 - max(e.day)) / NULLIF(${gap}, 0))::FLOAT AS ${KIND_EXTRAS.overdue}`,
  ];
  return `WITH ${examplesCte(spec.examples)},
    e AS (${branches.join("\n      UNION ALL ")})
    SELECT rr.ex, e.kind::INTEGER AS kind, ${stats.map((sql, i) => `${sql} AS ${names[i]}`).join(", ")},
      ${extras.join(", ")}
    FROM e JOIN rr ON ${lookbackJoin(spec.lookback)}
    GROUP BY rr.ex, rr.cday, e.kind`;
}

/** What the whole-history statistics need. */
export interface HistorySql {
  /** The daily history table to create (`pk, day, kind, n, amt, gap`). */
  table: string;
  examples: string;
  /** Kinds: the flag of the events counted (null: every event) and whether amounts are summed. */
  kinds: readonly { flag: string | null; amount: boolean }[];
  exclusion: string | null;
  /** Days counted as recent. */
  recentDays: number;
  /** Outcome windows of the group's instances: each gets the active days in the same window a year (52 weeks)
   * before the cutoff. */
  windows: readonly number[];
}

/** Creates the daily history table: per person, kind and active day, the events, their amount and the days since
 * the person's previous active day of that kind (NULL on the first). */
export function historyDaysSql(spec: HistorySql): string {
  const parts = spec.kinds.map(
    (k, i) =>
      `SELECT pk, day, ${int(i)} AS kind, count(*)::INTEGER AS n, ${k.amount ? "sum(amount)" : "NULL::DOUBLE"} AS amt
      FROM events WHERE ${k.flag ? ident(k.flag) : "TRUE"}${notExcluded(spec.exclusion)} GROUP BY pk, day`,
  );
  return `CREATE OR REPLACE TABLE ${ident(spec.table)} AS
    SELECT pk, day, kind, n, amt, day - lag(day) OVER (PARTITION BY pk, kind ORDER BY day) AS gap
    FROM (${parts.join("\n    UNION ALL ")})`;
}

/** The column of `historyStatsSql` with the active days in window `i` (of `HistorySql.windows`) a year earlier. */
export function lastYearColumn(i: number): string {
  return `last_year_${i}`;
}

/**
 * For every example and history kind with at least one active day before the cutoff (one query over all cutoffs):
 * example, kind, cutoff day, events, active days, first and last active day, sum of squared gaps, longest gap,
 * active days in the recent span, amount, then per window the active days in the same window a year earlier. Every
 * gap of a day before the cutoff lies before it, so these are point-in-time.
 */
export function historyStatsSql(spec: HistorySql): string {
  const lastYear = spec.windows.map((w, i) => {
    const inWindow = `h.day >= rr.cday - 364 AND h.day < rr.cday - 364 + ${int(w)}`;
    return `,\n      (count(*) FILTER (${inWindow}))::DOUBLE AS ${lastYearColumn(i)}`;
  });
  return `WITH ${examplesCte(spec.examples)}
    SELECT rr.ex, h.kind::INTEGER AS kind, rr.cday, sum(h.n)::DOUBLE AS events, count(*)::DOUBLE AS days,
      min(h.day)::DOUBLE AS first, max(h.day)::DOUBLE AS last, sum(h.gap * h.gap)::DOUBLE AS sum_squared_gaps,
      max(h.gap)::DOUBLE AS longest_gap,
      (count(*) FILTER (h.day >= rr.cday - ${int(spec.recentDays)}))::DOUBLE AS recent_days,
      sum(h.amt)::DOUBLE AS amount${lastYear.join("")}
    FROM ${ident(spec.table)} h JOIN rr ON h.pk = rr.pk AND h.day < rr.cday
    GROUP BY rr.ex, rr.cday, h.kind`;
}

/** What the per-person features need. */
export interface PersonSql {
  examples: string;
  firstDays: string;
  lookback: number;
  exclusion: string | null;
  /** Aggregates over the person's events in the lookback (`e` events, `rr.cday` the cutoff day). */
  aggregates: readonly { name: string; sql: string }[];
  /** Output columns: feature name -> SQL over `agg`, `rr.cday`, `f.first_day` and `pr` (profiles). */
  columns: readonly { name: string; sql: string }[];
  profiles: boolean;
}

/** For every example: example number, then one column per person-level feature. */
export function personFeaturesSql(spec: PersonSql): string {
  const aggregates = spec.aggregates.map((a) => `, ${a.sql} AS ${ident(a.name)}`).join("");
  const notExcludedEvent = spec.exclusion ? ` AND NOT e.${ident(spec.exclusion)}` : "";
  const columns = spec.columns.map((col) => `, (${col.sql})::FLOAT AS ${ident(col.name)}`).join("");
  const profiles = spec.profiles ? " LEFT JOIN profiles pr ON pr.pk = rr.pk" : "";
  return `WITH ${examplesCte(spec.examples)},
    agg AS (SELECT rr.ex${aggregates} FROM events e JOIN rr ON ${lookbackJoin(spec.lookback)}${notExcludedEvent}
      GROUP BY rr.ex)
    SELECT rr.ex${columns}
    FROM rr LEFT JOIN agg USING (ex) LEFT JOIN ${ident(spec.firstDays)} f ON f.pk = rr.pk${profiles}`;
}

/** Reference to an aggregate column of `agg`. */
export function aggRef(name: string): string {
  return `agg.${ident(name)}`;
}

/** Most frequent values of a text profile attribute (for category codes). */
export function categoriesSql(attribute: string, limit: number): string {
  return `SELECT ${attribute} AS value, count(*) AS n FROM profiles pr WHERE ${attribute} IS NOT NULL
    GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${int(limit)}`;
}

/** CASE expression coding a text value by a dictionary (NULL stays NULL; unknown values get the last code). */
export function categoryCode(expr: string, categories: readonly string[]): string {
  if (categories.length === 0) return "NULL";
  const whens = categories.map((v, i) => `WHEN ${expr} = ${str(v)} THEN ${int(i)}`).join(" ");
  return `CASE WHEN ${expr} IS NULL THEN NULL ${whens} ELSE ${int(categories.length)} END`;
}

/** Drops the per-instance tables. */
export function dropInstanceTablesSql(tables: readonly string[]): string[] {
  return tables.map((t) => `DROP TABLE IF EXISTS ${ident(t)}`);
}

/** Lets DuckDB return rows in any order (faster, parallel inserts): every feature query that needs an order says
 * so with ORDER BY or a row position. Not for ingest, where `row_number() OVER ()` numbers rows in file order. */
export function anyOrderSql(): string {
  return "SET preserve_insertion_order = false";
}

/** Person ids in `pidx` order. */
export function peopleIdsSql(): string {
  return `SELECT person_id FROM people ORDER BY pidx`;
}
