/**
 * SQL of point-in-time features and labels. For a cutoff day `c`, features use only events with `day < c`
 * (`day` is the UTC calendar day, so this is "timestamp before c at 00:00 UTC"), within the lookback
 * `[c - L, c)`; labels use the window `[c, c + w)`. Nothing else reads events, so no feature can see the future.
 *
 * Tables: `fx_elig_<key>` the eligible people per cutoff day, shared by instances with the same eligibility;
 * `fx_rows_<i>` the examples of instance `i` (cutoff, person, label, row position in its set); `fx_ex_<exclusion>`
 * the distinct (person, cutoff day) examples of the instances that ignore the same events, whose features are
 * computed once for all of them; `fx_first_<exclusion>` the first event day of each person (tenure).
 */
import { ident, int, str } from "./quote.js";

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
  /** The shared eligibility table of this eligibility rule (`cday, pk`). */
  eligible: string;
  lookback: number;
  activeWithinDays: number;
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

function eligibleAt(spec: RowsSql, d: number): string {
  let sql = `SELECT ${int(d)} AS cday, pk FROM events WHERE day >= ${int(d - spec.activeWithinDays)} AND day < ${int(d)}`;
  if (spec.activity) sql += ` AND ${ident(spec.activity)}`;
  sql += notExcluded(spec.exclusion);
  if (spec.eligibleEvents) {
    sql += ` AND pk IN (SELECT pk FROM events WHERE ${ident(spec.eligibleEvents)} AND day >= ${int(d - spec.lookback)} AND day < ${int(d)}${notExcluded(spec.exclusion)})`;
  }
  if (spec.attributes) sql += ` AND pk IN (SELECT pk FROM profiles pr WHERE ${spec.attributes})`;
  return `${sql} GROUP BY pk`;
}

/** Set codes stored in the examples table. */
export const PART_CODES = { train: 0, test: 1, score: 2 } as const;

/** Table of the cutoff days already in each eligibility table. */
const ELIGIBLE_DAYS = "fx_elig_days";

/** Creates the eligibility table of a rule (`cday, pk`) and the record of its days, when missing. */
export function eligibleTableSql(spec: RowsSql): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${ident(spec.eligible)} (cday INTEGER, pk UBIGINT)`,
    `CREATE TABLE IF NOT EXISTS ${ELIGIBLE_DAYS} (tbl VARCHAR, cday INTEGER)`,
  ];
}

/** The cutoff days already computed in an eligibility table. */
export function eligibleDaysSql(spec: RowsSql): string {
  return `SELECT cday FROM ${ELIGIBLE_DAYS} WHERE tbl = ${str(spec.eligible)}`;
}

/** Adds the eligible people of cutoff days not yet computed, before sampling. */
export function insertEligibleSql(spec: RowsSql, days: readonly number[]): string[] {
  if (days.length === 0) return [];
  return [
    `INSERT INTO ${ident(spec.eligible)} ${days.map((d) => eligibleAt(spec, d)).join("\nUNION ALL ")}`,
    `INSERT INTO ${ELIGIBLE_DAYS} VALUES ${days.map((d) => `(${str(spec.eligible)}, ${int(d)})`).join(", ")}`,
  ];
}

/** Eligible people per cutoff day before sampling. */
export function eligibleCountsSql(spec: RowsSql, days: readonly number[]): string {
  return `SELECT cday, count(*) AS n FROM ${ident(spec.eligible)} WHERE cday IN (${days.map(int).join(", ")}) GROUP BY cday`;
}

/**
 * Creates the examples table from the eligible people (sampled per cutoff where configured): labels from goal
 * events in [c, c + window), and row positions per set ordered by person id, then cutoff day.
 */
export function rowsTableSql(spec: RowsSql, cutoffs: readonly CutoffSql[]): string[] {
  const values = cutoffs.map((c) => `(${int(c.cut)}, ${int(c.day)}, ${int(PART_CODES[c.part])})`).join(", ");
  const sampled = cutoffs.filter((c) => c.sample);
  const keep = sampled.length ? `CASE cuts.cut ${sampled.map((c) => `WHEN ${int(c.cut)} THEN (TRUE${sampleFilter(c.sample)})`).join(" ")} ELSE TRUE END` : "TRUE";
  const labelled = cutoffs.filter((c) => c.part !== "score");
  const goals = labelled.length
    ? labelled
        .map((c) => `SELECT ${int(c.cut)} AS cut, pk FROM events WHERE ${ident(spec.goal)} AND day >= ${int(c.day)} AND day < ${int(c.day + spec.window)}${notExcluded(spec.exclusion)} GROUP BY pk`)
        .join("\nUNION ALL ")
    : "SELECT NULL::INTEGER AS cut, NULL::UBIGINT AS pk WHERE FALSE";
  const occurs = "g.pk IS NOT NULL";
  return [
    `CREATE OR REPLACE TABLE ${ident(spec.table)} AS
    WITH cuts AS (SELECT col0 AS cut, col1 AS day, col2 AS part FROM (VALUES ${values})),
    goals AS (${goals})
    SELECT cuts.cut::USMALLINT AS cut, cuts.day::INTEGER AS cday, e.pk, p.pidx, cuts.part::UTINYINT AS part,
      (CASE WHEN cuts.part = ${PART_CODES.score} THEN NULL WHEN ${spec.churn ? `NOT ${occurs}` : occurs} THEN 1 ELSE 0 END)::UTINYINT AS label,
      (row_number() OVER (PARTITION BY cuts.part ORDER BY p.pidx, cuts.day) - 1)::INTEGER AS pos
    FROM ${ident(spec.eligible)} e JOIN cuts ON cuts.day = e.cday JOIN people p USING (pk) LEFT JOIN goals g ON g.cut = cuts.cut AND g.pk = e.pk
    WHERE ${keep}`,
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
  return `CREATE OR REPLACE TABLE ${ident(table)} AS
    SELECT (row_number() OVER (ORDER BY pk, cday) - 1)::INTEGER AS ex, pk, cday FROM (${rowsTables.map((t) => `SELECT pk, cday FROM ${ident(t)}`).join(" UNION ")})`;
}

/** The examples of every set of an instance: set code, position, person index, cutoff index, label, example. */
export function setRowsSql(table: string, examples: string): string {
  return `SELECT r.part, r.pos, r.pidx, r.cut, r.label, x.ex FROM ${ident(table)} r JOIN ${ident(examples)} x USING (pk, cday)`;
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
  return `CREATE TABLE IF NOT EXISTS ${ident(table)} AS SELECT pk, min(day) AS first_day FROM events WHERE TRUE${notExcluded(exclusion)} GROUP BY pk`;
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
export function dailyFlagsSql(table: string, typesTable: string, kinds: readonly KindSql[], exclusion: string | null): string {
  const parts = kinds.flatMap((k, i) => {
    if (k.type !== null) return [];
    if (k.flag === null) return [`SELECT pk, day, ${int(i)} AS kind, sum(n)::INTEGER AS n FROM ${ident(typesTable)} GROUP BY pk, day`];
    return [`SELECT pk, day, ${int(i)} AS kind, count(*)::INTEGER AS n FROM events WHERE ${ident(k.flag)}${notExcluded(exclusion)} GROUP BY pk, day`];
  });
  const body = parts.length ? parts.join("\nUNION ALL ") : "SELECT NULL::UBIGINT AS pk, NULL::INTEGER AS day, NULL::INTEGER AS kind, NULL::INTEGER AS n WHERE FALSE";
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

/**
 * For every example of every cutoff (one query: each person-day of events is joined to the examples whose
 * lookback holds it) and every kind with at least one event in the lookback: example number, kind index,
 * then counts per window and in the lookback, days since last, days since first, active days, trend, mean gap
 * between active days, and days since last relative to that gap. Examples without events of a kind have no row
 * (counts 0, days since: missing).
 */
export function kindStatsSql(spec: KindStatsSql): string {
  const typed = spec.kinds.map((k, i) => ({ k, i })).filter((x) => x.k.type !== null);
  const branches = [`SELECT pk, day, kind, n FROM ${ident(spec.dailyFlags)}`];
  if (typed.length) {
    const kindCase = `CASE type ${typed.map((x) => `WHEN ${int(x.k.type!)} THEN ${int(x.i)}`).join(" ")} END`;
    branches.unshift(`SELECT pk, day, ${kindCase} AS kind, n FROM ${ident(spec.dailyTypes)} WHERE type IN (${typed.map((x) => int(x.k.type!)).join(", ")})`);
  }
  const count = (cond: string) => `sum(CASE WHEN ${cond} THEN e.n ELSE 0 END)`;
  const windows = spec.windows.map((w) => `${count(`e.day >= rr.cday - ${int(w)}`)}::FLOAT`);
  const t = spec.trend;
  const trend = t
    ? `ln((${count(`e.day >= rr.cday - ${int(t.recent)}`)} + 1) /
        (${count(`e.day < rr.cday - ${int(t.recent)} AND e.day >= rr.cday - ${int(t.recent + t.earlier)}`)} * ${int(t.recent)} / ${int(t.earlier)} + 1))::FLOAT`
    : "NULL::FLOAT";
  const gap = "CASE WHEN count(*) >= 2 THEN (max(e.day) - min(e.day)) / (count(*) - 1) END";
  return `WITH ${examplesCte(spec.examples)},
    e AS (${branches.join("\n      UNION ALL ")})
    SELECT rr.ex, e.kind::INTEGER AS kind, ${[...windows, "sum(e.n)::FLOAT"].join(", ")},
      (rr.cday - 1 - max(e.day))::FLOAT, (rr.cday - 1 - min(e.day))::FLOAT, count(*)::FLOAT, ${trend},
      (${gap})::FLOAT, ((rr.cday - 1 - max(e.day)) / NULLIF(${gap}, 0))::FLOAT
    FROM e JOIN rr ON ${lookbackJoin(spec.lookback)}
    GROUP BY rr.ex, rr.cday, e.kind`;
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
  return `WITH ${examplesCte(spec.examples)},
    agg AS (SELECT rr.ex${aggregates} FROM events e JOIN rr ON ${lookbackJoin(spec.lookback)}${spec.exclusion ? ` AND NOT e.${ident(spec.exclusion)}` : ""}
      GROUP BY rr.ex)
    SELECT rr.ex${spec.columns.map((col) => `, (${col.sql})::FLOAT AS ${ident(col.name)}`).join("")}
    FROM rr LEFT JOIN agg USING (ex) LEFT JOIN ${ident(spec.firstDays)} f ON f.pk = rr.pk${spec.profiles ? " LEFT JOIN profiles pr ON pr.pk = rr.pk" : ""}`;
}

/** Reference to an aggregate column of `agg`. */
export function aggRef(name: string): string {
  return `agg.${ident(name)}`;
}

/** Most frequent values of a text profile attribute (for category codes). */
export function categoriesSql(attribute: string, limit: number): string {
  return `SELECT ${attribute} AS value, count(*) AS n FROM profiles pr WHERE ${attribute} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${int(limit)}`;
}

/** CASE expression coding a text value by a dictionary (NULL stays NULL; unknown values get the last code). */
export function categoryCode(expr: string, categories: readonly string[]): string {
  if (categories.length === 0) return "NULL";
  return `CASE WHEN ${expr} IS NULL THEN NULL ${categories.map((v, i) => `WHEN ${expr} = ${str(v)} THEN ${int(i)}`).join(" ")} ELSE ${int(categories.length)} END`;
}

/** Drops the per-instance tables. */
export function dropInstanceTablesSql(tables: readonly string[]): string[] {
  return tables.map((t) => `DROP TABLE IF EXISTS ${ident(t)}`);
}

/** Distinct event types among events that are not goal events, and non-goal events per custom event flag. */
export function behaviourSql(goal: string, exclusion: string | null, customFlags: readonly string[]): string {
  const custom = customFlags.map((f, i) => `, count(*) FILTER (${ident(f)} AND NOT ${ident(goal)}) AS c${i}`).join("");
  return `SELECT count(DISTINCT type) FILTER (NOT ${ident(goal)}) AS types${custom} FROM events WHERE TRUE${notExcluded(exclusion)}`;
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
