/**
 * SQL of the ingest step: staging (one row per input row with its parsed values, condition flags, a hash of the
 * whole row and the reason it is set aside, if any), duplicate detection, the set-aside summary, and the
 * canonical tables `events` (one row per used event) and `people`.
 *
 * Canonical `events` columns: `pk` (UBIGINT hash of the person id), `day` (INTEGER days since 1970-01-01 UTC),
 * `type` (USMALLINT code into `ev_types`), `amount` (DOUBLE or NULL), `ch`/`dev` (UTINYINT codes of channel and
 * device or NULL), then one BOOLEAN column per condition flag.
 */
import { reasonCode } from "./reasons.js";
import { ident, int, str, timestamp } from "../sql/quote.js";

/** Multiplier that packs `_file` and `_row` into one BIGINT row id: `_file * 2^40 + _row`. */
export const ROW_ID_FILE_FACTOR = 1099511627776;

/** SQL: the value `sql` as text without surrounding blanks, NULL when empty (how every text role and attribute
 * is read). */
export function trimmedTextSql(sql: string): string {
  return `NULLIF(trim(CAST(${sql} AS VARCHAR)), '')`;
}

/** Event times outside this range (from inclusive, to exclusive) are set aside as unreadable: a wrong epoch unit or
 * a typo in the year, which would otherwise move the as-of date. */
export const TIMESTAMP_RANGE = { from: "1900-01-01", to: "2200-01-01" } as const;

/** SQL: the TIMESTAMP `expr` lies in `TIMESTAMP_RANGE` (NULL when `expr` is). */
export function inTimestampRangeSql(expr: string): string {
  return `(${expr} >= ${timestamp(TIMESTAMP_RANGE.from)} AND ${expr} < ${timestamp(TIMESTAMP_RANGE.to)})`;
}

/** Columns of the parsed roles inside the staging query; conditions on roles refer to these. */
export const STAGED_ROLE_COLUMNS = {
  person: "__person",
  timestamp: "__ts",
  eventType: "__et",
  amount: "__amount",
} as const;

/**
 * Expressions that turn one source row into a staged row. Role expressions are SQL over the reader's columns;
 * flags, exclusions and `negativeAllowed` are SQL over the reader's columns plus `STAGED_ROLE_COLUMNS`.
 */
export interface StageSpec {
  reader: string;
  /** Person id as trimmed text, NULL when missing or empty. */
  person: string;
  /** Event time as TIMESTAMP (UTC), NULL when missing or unreadable. */
  timestamp: string;
  /** Event type as text, NULL when missing or empty. */
  eventType: string;
  /** Amount as DOUBLE (NULL when missing or unreadable), or null when there is no amount. */
  amount: string | null;
  /** TRUE when an amount value is present (to tell "not a number" from "missing"); null when every present
   * value is a number (numeric columns). */
  amountPresent: string | null;
  /** Channel and device as trimmed text with their vocabularies, or null when the input has no such column. */
  channel: { text: string; vocabulary: readonly string[] } | null;
  device: { text: string; vocabulary: readonly string[] } | null;
  /** Hash of the `groupRowsBy` value, NULL when missing; null when rows are not grouped. */
  group: string | null;
  /** Rows at or after this time (`YYYY-MM-DD`, the day after the as-of date) are set aside; null: none. */
  asOfEnd: string | null;
  /** SQL boolean: a negative amount is allowed for this row. */
  negativeAllowed: string;
  /** SQL boolean per exclusion rule. */
  exclusions: string[];
  /** Condition flags stored as BOOLEAN columns. */
  flags: { column: string; sql: string }[];
  /** Source column references hashed to detect exact duplicates (all columns of the row). */
  hashColumns: string[];
  /** Whether the event types ENUM exists (`typesEnumSql` with at least one type). */
  typed: boolean;
}

/** CASE expression giving the code of a text value in a small vocabulary (last code = any other value). */
export function codeOf(expr: string, vocabulary: readonly string[]): string {
  if (vocabulary.length === 0) return "NULL::UTINYINT";
  const whens = vocabulary.map((v, i) => `WHEN ${expr} = ${str(v)} THEN ${int(i)}`).join(" ");
  return `(CASE WHEN ${expr} IS NULL THEN NULL ${whens} ELSE ${int(vocabulary.length)} END)::UTINYINT`;
}

/** Distribution of event types, channels and devices over all rows (for dictionaries). */
export function vocabularySql(
  reader: string,
  eventType: string,
  channel: string | null,
  device: string | null,
): string {
  return `SELECT ${eventType} AS et, ${channel ?? "NULL"}::VARCHAR AS ch, ${device ?? "NULL"}::VARCHAR AS dev,
      count(*) AS n
    FROM (${reader}) GROUP BY ALL`;
}

/** The file and row of the first source row whose event type (`eventType`, SQL over the reader's columns) holds a
 * NUL character. */
export function firstNulRowSql(reader: string, eventType: string): string {
  return `SELECT _file, _row FROM (${reader}) WHERE contains(CAST(${eventType} AS VARCHAR), chr(0))
    ORDER BY _file, _row LIMIT 1`;
}

/** Table linking anonymous ids to person ids, and the column the linked reader adds (`identityReaderSql`). */
const LINKS = "ev_links";
export const LINKED_PERSON_COLUMN = "__linked_person";

/** Expressions of the identity stitching, as SQL over the reader's columns: the row's own person id and its
 * anonymous id (trimmed text, NULL when empty) and the event time. */
export interface IdentitySql {
  person: string;
  anonymous: string;
  timestamp: string;
}

/**
 * Creates `ev_links`, one scan of the input: for every anonymous id, the person id of its earliest row that has one
 * (ties: the smallest person id; NULL when none does), how many person ids it appears with, and how many of its
 * rows have no person id.
 */
export function identityLinksSql(reader: string, id: IdentitySql): string {
  return `CREATE OR REPLACE TABLE ${LINKS} AS
    SELECT anon AS __link_anon,
      first(person ORDER BY ts NULLS LAST, person) FILTER (person IS NOT NULL) AS ${LINKED_PERSON_COLUMN},
      count(DISTINCT person) AS persons, count(*) FILTER (person IS NULL) AS unowned
    FROM (SELECT ${id.anonymous} AS anon, ${id.person} AS person, ${id.timestamp} AS ts FROM (${reader}))
    WHERE anon IS NOT NULL GROUP BY anon`;
}

/** The reader with `LINKED_PERSON_COLUMN`: the person id linked to the row's anonymous id, NULL when none. */
export function identityReaderSql(reader: string, anonymous: string): string {
  return `SELECT r.*, l.${LINKED_PERSON_COLUMN} FROM (${reader}) r
    LEFT JOIN ${LINKS} l ON l.__link_anon = ${anonymous}`;
}

/** The person of a row: its own person id, else the person id linked to its anonymous id, else the anonymous id
 * itself prefixed with `anonymous:` (over the reader of `identityReaderSql`). */
export function stitchedPersonSql(id: Pick<IdentitySql, "person" | "anonymous">): string {
  return `COALESCE(${id.person}, ${LINKED_PERSON_COLUMN}, 'anonymous:' || ${id.anonymous})`;
}

/** From `ev_links`: rows without a person id that got one through their anonymous id (`linked`) or kept the
 * anonymous id (`anonymous`), and anonymous ids that appear with more than one person id (`shared`). */
export function identityCountsSql(): string {
  return `SELECT COALESCE(sum(unowned) FILTER (${LINKED_PERSON_COLUMN} IS NOT NULL), 0) AS linked,
      COALESCE(sum(unowned) FILTER (${LINKED_PERSON_COLUMN} IS NULL), 0) AS anonymous,
      count(*) FILTER (persons > 1) AS shared
    FROM ${LINKS}`;
}

/** Creates `ev_types(__type_name, __type_code)` from a list of event types, codes in the given order. */
export function typesTableSql(types: readonly string[]): string {
  const values = types.length ? types.map((t, i) => `(${str(t)}, ${int(i)})`).join(", ") : "(NULL, 0)";
  return `CREATE OR REPLACE TABLE ev_types AS
    SELECT col0::VARCHAR AS __type_name, col1::USMALLINT AS __type_code FROM (VALUES ${values})
    ${types.length ? "" : "WHERE FALSE"}`;
}

/** Keeps rows in file order where no ORDER BY says otherwise (`row_number() OVER ()` numbers CSV rows by it);
 * the feature stage lifts this (`anyOrderSql`), so ingest sets it again. */
export function fileOrderSql(): string {
  return "SET preserve_insertion_order = true";
}

/** The ENUM type of the event types (codes in vocabulary order): staging codes types by a cast instead of a join. */
const TYPE_ENUM = "ev_type_enum";

/** (Re)creates the ENUM type of the event types; its codes equal those of `ev_types`. */
export function typesEnumSql(types: readonly string[]): string[] {
  const drop = `DROP TYPE IF EXISTS ${TYPE_ENUM}`;
  return types.length ? [drop, `CREATE TYPE ${TYPE_ENUM} AS ENUM (${types.map(str).join(", ")})`] : [drop];
}

/** Creates `ev_staged`: one row per input row with parsed values, flags, row hash and set-aside reason. A stored
 * (compressed) table: at 65 million rows a TEMP table was written 30% faster, but under a 4 GB DuckDB memory
 * limit it raised peak memory from 3.5 to 5.1 GiB and made the feature stage slower (120.8 s against 116.3 s). */
export function stageSql(spec: StageSpec): string {
  const r = (key: Parameters<typeof reasonCode>[0]) => int(reasonCode(key));
  const R = STAGED_ROLE_COLUMNS;
  const reasons = [
    `WHEN ${R.timestamp} IS NULL OR NOT ${inTimestampRangeSql(R.timestamp)} THEN ${r("timestamp_invalid")}`,
    `WHEN ${R.person} IS NULL THEN ${r("person_id_missing")}`,
    `WHEN ${R.eventType} IS NULL THEN ${r("event_type_missing")}`,
  ];
  const invalid = r("amount_invalid");
  if (spec.amount && spec.amountPresent) reasons.push(`WHEN ${R.amount} IS NULL AND __amount_present THEN ${invalid}`);
  // NaN, Infinity and values beyond a double's range (1e309) are not amounts either.
  if (spec.amount) reasons.push(`WHEN ${R.amount} IS NOT NULL AND NOT isfinite(${R.amount}) THEN ${invalid}`);
  if (spec.asOfEnd) reasons.push(`WHEN ${R.timestamp} >= ${timestamp(spec.asOfEnd)} THEN ${r("after_as_of")}`);
  for (const sql of spec.exclusions) reasons.push(`WHEN ${sql} THEN ${r("excluded")}`);
  if (spec.amount) reasons.push(`WHEN ${R.amount} < 0 AND NOT (${spec.negativeAllowed}) THEN ${r("negative_amount")}`);
  const rule = `CASE ${spec.exclusions.map((sql, i) => `WHEN ${sql} THEN ${int(i)}`).join(" ")} END::UTINYINT AS rule`;
  const parsed = [
    `(_file::BIGINT * ${ROW_ID_FILE_FACTOR} + _row)::BIGINT AS __rid`,
    `${spec.person} AS ${R.person}`,
    `${spec.timestamp} AS ${R.timestamp}`,
    `${spec.eventType} AS ${R.eventType}`,
    `hash(${spec.hashColumns.join(", ")}) AS __h`,
  ];
  const out = [
    "__rid AS _rid",
    `hash(${R.person}) AS pk`,
    `${R.timestamp} AS ts`,
    `(CAST(${R.timestamp} AS DATE) - DATE '1970-01-01')::INTEGER AS day`,
    spec.typed ? `enum_code(TRY_CAST(${R.eventType} AS ${TYPE_ENUM}))::USMALLINT AS type` : "NULL::USMALLINT AS type",
  ];
  if (spec.amount) {
    parsed.push(`${spec.amount} AS ${R.amount}`);
    if (spec.amountPresent) parsed.push(`${spec.amountPresent} AS __amount_present`);
    out.push(`${R.amount} AS amount`);
  }
  if (spec.channel) {
    parsed.push(`${spec.channel.text} AS __ch`);
    out.push(`${codeOf("__ch", spec.channel.vocabulary)} AS ch`);
  }
  if (spec.device) {
    parsed.push(`${spec.device.text} AS __dev`);
    out.push(`${codeOf("__dev", spec.device.vocabulary)} AS dev`);
  }
  if (spec.group) {
    parsed.push(`${spec.group} AS __grp`);
    out.push("__grp AS grp");
  }
  out.push("__h AS h", ...spec.flags.map((f) => `${f.sql} AS ${ident(f.column)}`));
  out.push(`(CASE ${reasons.join(" ")} END)::UTINYINT AS reason`);
  if (spec.exclusions.length) out.push(rule);
  return `CREATE OR REPLACE TABLE ev_staged AS
    WITH src AS (${spec.reader}),
    parsed AS (SELECT *, ${parsed.join(",\n      ")} FROM src)
    SELECT ${out.join(",\n      ")}
    FROM parsed`;
}

/** Drops staging columns no longer needed once rows are accounted for (frees memory and storage). */
export function dropStagingColumnsSql(): string[] {
  return [`ALTER TABLE ev_staged DROP COLUMN h`, `ALTER TABLE ev_staged DROP COLUMN ts`];
}

/** Set-aside staged rows whose flag `flag` is true, per reason (most first). */
export function setAsideMatchesSql(flag: string): string {
  return `SELECT reason, count(*) AS n FROM ev_staged WHERE ${ident(flag)} AND reason IS NOT NULL
    GROUP BY reason ORDER BY n DESC, reason`;
}

/** Rows per file and reason (NULL: used): to find files without data rows, and files whose every row is set aside
 * for one reason (such as a file of a glob without a mapped column). */
export function rowsPerFileSql(): string {
  return `SELECT (_rid // ${ROW_ID_FILE_FACTOR})::INTEGER AS file, reason, count(*) AS n FROM ev_staged
    GROUP BY 1, 2 ORDER BY 1, 2`;
}

/** The last timestamp of rows not set aside so far (for the default as-of date). */
export function lastTimestampSql(): string {
  return `SELECT strftime(max(ts), '%Y-%m-%d') AS last FROM ev_staged WHERE reason IS NULL`;
}

/** The first and last day of the staged rows with a usable timestamp (`first`, `last`): the rows used and those set
 * aside for a reason checked after the timestamp and the as-of date (a row after it gets that reason first). */
export function timestampRangeSql(): string {
  return `SELECT strftime(min(ts), '%Y-%m-%d') AS first, strftime(max(ts), '%Y-%m-%d') AS last FROM ev_staged
    WHERE reason IS NULL OR reason >= ${int(reasonCode("after_as_of"))}`;
}

/**
 * Marks exact duplicates: rows whose 64-bit hash of every column equals that of an earlier row (by file, then
 * row) are set aside with reason `duplicate`; the first occurrence is kept. (Two different rows share a hash
 * with probability about n^2 / 2^65, i.e. 1 in 10,000 at 65 million rows.)
 */
export function markDuplicatesSql(): string[] {
  return [
    `CREATE OR REPLACE TEMP TABLE ev_dups AS SELECT _rid FROM (
      SELECT _rid, row_number() OVER (PARTITION BY h ORDER BY _rid) AS rn FROM ev_staged WHERE reason IS NULL
    ) WHERE rn > 1`,
    `UPDATE ev_staged SET reason = ${int(reasonCode("duplicate"))} WHERE _rid IN (SELECT _rid FROM ev_dups)`,
    `DROP TABLE ev_dups`,
  ];
}

/** Count, first five row ids and exclusion rule per set-aside reason. */
export function setAsideSql(hasRules: boolean): string {
  const rule = hasRules ? "rule" : "NULL::UTINYINT";
  return `SELECT reason, ${rule} AS rule, count(*) AS n, min(_rid, 5) AS examples
    FROM ev_staged WHERE reason IS NOT NULL
    GROUP BY ALL ORDER BY reason, rule`;
}

/** Rows read, used, and the range of used timestamps. */
export function stagedTotalsSql(): string {
  return `SELECT count(*) AS read, count(*) FILTER (reason IS NULL) AS used,
    strftime(min(ts) FILTER (reason IS NULL), '%Y-%m-%d %H:%M:%S') AS first,
    strftime(max(ts) FILTER (reason IS NULL), '%Y-%m-%d %H:%M:%S') AS last
    FROM ev_staged`;
}

/**
 * Creates `events` from the used staged rows: a view when every row is an event, a table when rows of one
 * person and group value are combined into one event (earliest day, summed amount, flags true when any row's is).
 */
export function eventsSql(
  flagColumns: readonly string[],
  has: { amount: boolean; channel: boolean; device: boolean; grouped: boolean },
): string[] {
  const flags = flagColumns.map(ident);
  const col = (present: boolean, name: string, type: string, agg: string) =>
    present ? (has.grouped ? `${agg}(${name}) AS ${name}` : name) : `NULL::${type} AS ${name}`;
  const columns = [
    col(has.amount, "amount", "DOUBLE", "sum"),
    col(has.channel, "ch", "UTINYINT", "min"),
    col(has.device, "dev", "UTINYINT", "min"),
    ...flags.map((f) => (has.grouped ? `bool_or(${f}) AS ${f}` : f)),
  ];
  if (!has.grouped) {
    return [
      `DROP VIEW IF EXISTS events`,
      `DROP TABLE IF EXISTS events`,
      `CREATE VIEW events AS SELECT pk, day, type, ${columns.join(", ")} FROM ev_staged WHERE reason IS NULL`,
    ];
  }
  return [
    `DROP VIEW IF EXISTS events`,
    `CREATE OR REPLACE TABLE events AS SELECT pk, min(day) AS day, min(type) AS type, ${columns.join(", ")}
      FROM ev_staged WHERE reason IS NULL GROUP BY pk, grp, CASE WHEN grp IS NULL THEN _rid END`,
    `ALTER TABLE ev_staged DROP COLUMN grp`,
  ];
}

/** Creates `people(pidx, person_id, pk)`: people with at least one used event, `pidx` in person-id order. */
export function peopleSql(reader: string, person: string): string[] {
  return [
    `CREATE OR REPLACE TEMP TABLE ev_pks AS SELECT DISTINCT pk FROM events`,
    `CREATE OR REPLACE TABLE people AS
      SELECT (row_number() OVER (ORDER BY person_id) - 1)::INTEGER AS pidx, person_id, pk FROM (
        SELECT person_id, hash(person_id) AS pk FROM (SELECT DISTINCT ${person} AS person_id FROM (${reader}))
        WHERE person_id IS NOT NULL
      ) SEMI JOIN ev_pks USING (pk)`,
    `DROP TABLE ev_pks`,
  ];
}

/** Distinct people and distinct person hashes (they must be equal). */
export function peopleCheckSql(): string {
  return `SELECT count(*) AS people, count(DISTINCT pk) AS hashes FROM people`;
}

/** Events per event type (codes) and overall counts. */
export function eventTypeCountsSql(): string {
  return `SELECT t.__type_name AS event_type, count(*) AS n FROM events e JOIN ev_types t ON t.__type_code = e.type
    GROUP BY 1 ORDER BY 2 DESC, 1`;
}

/** Number of events matching each flag column. */
export function flagCountsSql(flagColumns: readonly string[]): string {
  if (flagColumns.length === 0) return "SELECT 1 AS none";
  return `SELECT ${flagColumns.map((f) => `count(*) FILTER (${ident(f)}) AS ${ident(f)}`).join(", ")} FROM events`;
}

/** The most frequent values of an expression over the source rows (for "goal matches no event" hints). */
export function topValuesSql(reader: string, expr: string, limit: number): string {
  return `SELECT CAST(${expr} AS VARCHAR) AS value, count(*) AS n FROM (${reader})
    GROUP BY 1 ORDER BY 2 DESC, 1 NULLS LAST LIMIT ${int(limit)}`;
}

/** Non-missing share of each column over the source rows. Plain counts of non-NULL values: FILTER clauses cost
 * far more than linearly in the number of columns (the ingest of a CSV of 2,000 columns took 75 s with them, 10 s
 * without). */
export function completenessSql(
  reader: string,
  columns: readonly { name: string; sql: string; text: boolean }[],
): string {
  const parts = columns.map((c) => {
    return `count(${c.text ? `NULLIF(CAST(${c.sql} AS VARCHAR), '')` : c.sql}) AS ${ident(c.name)}`;
  });
  return `SELECT count(*) AS __rows${parts.map((p) => `, ${p}`).join("")} FROM (${reader})`;
}

/** Removes the people whose profile matches `condition` (SQL over `profiles`): their events (from the staged rows
 * that the `events` view shows, or from the `events` table when rows are grouped), profiles and place in `people`
 * (renumbered in id order); `opted_out(pk)` keeps who they were. */
export function optOutSql(condition: string, grouped: boolean): string[] {
  return [
    `CREATE OR REPLACE TEMP TABLE opted_out AS SELECT pr.pk FROM profiles pr WHERE ${condition}`,
    `CREATE OR REPLACE TEMP TABLE opted_out_counts AS
      SELECT (SELECT count(*) FROM people SEMI JOIN opted_out USING (pk)) AS people,
        (SELECT count(*) FROM events SEMI JOIN opted_out USING (pk)) AS events`,
    `DELETE FROM ${grouped ? "events" : "ev_staged"} WHERE pk IN (SELECT pk FROM opted_out)`,
    `DELETE FROM profiles WHERE pk IN (SELECT pk FROM opted_out)`,
    `CREATE OR REPLACE TABLE people AS
      SELECT (row_number() OVER (ORDER BY person_id) - 1)::INTEGER AS pidx, person_id, pk
      FROM people ANTI JOIN opted_out USING (pk)`,
  ];
}

/** People (with events) and events removed by `optOutSql`. */
export function optOutCountsSql(): string {
  return `SELECT people, events FROM opted_out_counts`;
}
