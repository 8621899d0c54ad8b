/**
 * Maps the events input's columns to roles (person, timestamp, event type, amount, channel, device), builds the
 * SQL that parses each role, and checks column types: a role column of the wrong type stops the run with a
 * `UserError` (`column_type`). Also resolves condition fields: role names first, then columns.
 */
import { UserError, closestHint } from "../config/errors.js";
import type { ResolvedConfig } from "../config/types.js";
import type { FieldRef, FieldResolver } from "../sql/conditions.js";
import { columnsOf, compileExpression, parseExpression } from "../sql/expression.js";
import {
  type IdentitySql,
  STAGED_ROLE_COLUMNS,
  TIMESTAMP_RANGE,
  inTimestampRangeSql,
  stitchedPersonSql,
  trimmedTextSql,
} from "./sql.js";
import { int, str } from "../sql/quote.js";
import type { Session } from "./session.js";
import { type Source, type SourceColumn, findColumn, keyValueHint, requireColumn } from "./source.js";

/** The parsed roles of the events input, as SQL over the reader's columns. */
export interface EventRoles {
  /** The person of a row; with an anonymous id column, stitched (`stitchedPersonSql`) over the reader of
   * `identityReaderSql`. */
  person: string;
  /** The row's own person id, anonymous id and time, when an anonymous id column is configured. */
  identity: IdentitySql | null;
  timestamp: string;
  eventType: string;
  amount: string | null;
  amountPresent: string | null;
  channel: SourceColumn | null;
  device: SourceColumn | null;
  group: string | null;
  /** Which column each role uses (for the report). */
  mapping: Record<string, string>;
}

/** Rows sampled (from the start of the input) to decide whether a text column holds the expected type. */
const TYPE_SAMPLE = 10_000;

type EventsConfig = ResolvedConfig["inputs"]["events"];

/** Text without surrounding blanks, NULL when empty. */
function textOf(column: SourceColumn): string {
  return trimmedTextSql(column.sql);
}

/** An XDM identity list, e.g. `identityMap.ECID` in Adobe Experience Platform exports: `[{id, primary, ...}]`. */
const IDENTITY_LIST = /^STRUCT\(.*"?id"? (VARCHAR|BIGINT|INTEGER|UBIGINT|HUGEINT)\b.*\)\[\]$/;

/**
 * A person id column as trimmed text, NULL when empty. An XDM identity list gives its primary id, else its first;
 * any other nested type is a `UserError` for configuration key `key`.
 */
export function personIdSql(column: SourceColumn, key: string): string {
  if (IDENTITY_LIST.test(column.type)) {
    const c = column.sql;
    const primary = /"?primary"? BOOLEAN/.test(column.type);
    const id = primary ? `COALESCE(list_filter(${c}, lambda x: x."primary")[1].id, ${c}[1].id)` : `${c}[1].id`;
    return trimmedTextSql(id);
  }
  if (column.fieldType === "other") {
    throw wrongType(key, column, "text, numbers or an XDM identity list ([{id, primary}])", "");
  }
  return textOf(column);
}

function wrongType(key: string, column: SourceColumn, expected: string, hint: string): UserError {
  const message = `${key}: column "${column.name}" has type ${column.type}; expected ${expected}. ${hint}`;
  return new UserError("column_type", message.trim());
}

/** Resolves the role columns and builds their SQL; checks types. */
export async function eventRoles(session: Session, source: Source, config: EventsConfig): Promise<EventRoles> {
  const key = source.key;
  const explicit = (role: keyof EventsConfig["columns"]) => config.explicit.includes(role);
  const mapping: Record<string, string> = {};
  // Each role's parser checks the column's type.
  const role = (r: "personId" | "timestamp" | "eventType", what: string) => {
    const column = requireColumn(source, config.columns[r]!, what, `${key}.columns.${r}`);
    mapping[r] = column.name;
    return column;
  };
  const own = personIdSql(role("personId", "person id"), `${key}.columns.personId`);
  const timestampColumn = role("timestamp", "timestamp");
  const timestampKey = `${key}.columns.timestamp`;
  const timestamp = await timestampSql(session, source, timestampColumn, config.timestampFormat, timestampKey);
  let identity: IdentitySql | null = null;
  if (config.anonymousId !== null) {
    const column = requireColumn(source, config.anonymousId, "anonymous id", `${key}.anonymousId`);
    mapping.anonymousId = column.name;
    identity = { person: own, anonymous: personIdSql(column, `${key}.anonymousId`), timestamp };
  }
  const person = identity ? stitchedPersonSql(identity) : own;
  let eventType: string;
  if (config.eventType !== null) {
    eventType = `${str(config.eventType)}::VARCHAR`;
    mapping.eventType = `(every row: ${config.eventType})`;
  } else {
    const column = role("eventType", "event type");
    if (column.fieldType === "other") throw wrongType(`${key}.columns.eventType`, column, "text or numbers", "");
    eventType = textOf(column);
  }
  const optional = (r: "amount" | "channel" | "device") => {
    const name = config.columns[r];
    const column = explicit(r) ? requireColumn(source, name, r, `${key}.columns.${r}`) : findColumn(source, name);
    if (column) mapping[r] = column.name;
    return column ?? null;
  };
  const decimal = config.decimalSeparator;
  let amount: string | null = null;
  let amountPresent: string | null = null;
  if (config.amountExpression !== null) {
    const path = `${key}.amountExpression`;
    const expr = parseExpression(config.amountExpression, path);
    const used = columnsOf(expr).map((name) => requireColumn(source, name, "amount expression", path));
    for (const c of used) await checkNumeric(session, source, c, path, decimal);
    const byName = new Map(used.map((c) => [c.name, c]));
    amount = compileExpression(expr, (name) => numeric(byName.get(name)!, decimal));
    const textual = used.filter((c) => c.fieldType !== "number");
    amountPresent = textual.length ? used.map((c) => `(${textOf(c)} IS NOT NULL)`).join(" AND ") : null;
    mapping.amount = config.amountExpression;
  } else {
    const column = optional("amount");
    if (column) {
      await checkNumeric(session, source, column, `${key}.columns.amount`, decimal);
      amount = numeric(column, decimal);
      amountPresent = column.fieldType === "number" ? null : `(${textOf(column)} IS NOT NULL)`;
    }
  }
  const channel = optional("channel");
  const device = optional("device");
  let group: string | null = null;
  if (config.groupRowsBy !== null) {
    const column = requireColumn(source, config.groupRowsBy, "grouping", `${key}.groupRowsBy`);
    group = `hash(${textOf(column)})`;
    group = `CASE WHEN ${textOf(column)} IS NULL THEN NULL ELSE ${group} END`;
    mapping.groupRowsBy = column.name;
  }
  return { person, identity, timestamp, eventType, amount, amountPresent, channel, device, group, mapping };
}

/** Numbers with a decimal comma, optionally with dots grouping thousands: "12,5", "-1.234,50", "1234". */
const DECIMAL_COMMA = "-?([0-9]+|[0-9]{1,3}([.][0-9]{3})+)(,[0-9]+)?";

/** SQL parsing trimmed text `text` to a DOUBLE, NULL when it is not a number written with `decimal`. */
function parseNumberSql(text: string, decimal: "." | ","): string {
  if (decimal === ".") return `TRY_CAST(${text} AS DOUBLE)`;
  const parsed = `CAST(replace(replace(${text}, '.', ''), ',', '.') AS DOUBLE)`;
  return `CASE WHEN regexp_full_match(${text}, ${str(DECIMAL_COMMA)}) THEN ${parsed} END`;
}

/** A numeric column, or a text column parsed as numbers written with `decimal`, as DOUBLE (NULL when not one). */
function numeric(column: SourceColumn, decimal: "." | ","): string {
  return column.fieldType === "number" ? `CAST(${column.sql} AS DOUBLE)` : parseNumberSql(textOf(column), decimal);
}

/** Fails when a column cannot hold numbers: a non-numeric native type, or text of which most values are not numbers
 * (with a hint when they look like numbers with the other decimal separator). */
async function checkNumeric(
  session: Session,
  source: Source,
  column: SourceColumn,
  key: string,
  decimal: "." | ",",
): Promise<void> {
  if (column.fieldType === "number") return;
  if (column.fieldType !== "text") throw wrongType(key, column, "numbers", "");
  const bad = `${parseNumberSql("v", decimal)} IS NULL`;
  const other = decimal === "." ? "," : ".";
  const r = await session.row(`SELECT count(v) AS present, count(v) FILTER (${bad}) AS bad,
      min(v) FILTER (${bad}) AS example,
      count(v) FILTER (${bad} AND ${parseNumberSql("v", other)} IS NOT NULL) AS other
    FROM (SELECT ${textOf(column)} AS v FROM (${source.reader}) LIMIT ${int(TYPE_SAMPLE)})`);
  if (Number(r.present) > 0 && Number(r.bad) * 2 > Number(r.present)) {
    const otherDecimal =
      `. They read as numbers with a decimal "${other}": ` + `set inputs.events.decimalSeparator to "${other}"`;
    const hint = Number(r.other) * 2 > Number(r.bad) ? otherDecimal : "";
    throw new UserError(
      "column_type",
      `${key}: column "${column.name}" should hold numbers but ${r.bad} of the first ${r.present} values ` +
        `are not numbers (e.g. ${JSON.stringify(r.example)})${hint}`,
    );
  }
}

/** Epoch time units: the `timestampFormat` name, seconds per unit, and the magnitude of present-day values. */
const EPOCH_UNITS = [
  { format: "epoch_s", perSecond: 1, from: 1e8, name: "seconds" },
  { format: "epoch_ms", perSecond: 1e3, from: 1e11, name: "milliseconds" },
  { format: "epoch_us", perSecond: 1e6, from: 1e14, name: "microseconds" },
] as const;

/** The epoch unit whose present-day values have the magnitude of `value` (within a factor of 1000), if any. */
function epochUnitOf(value: number): (typeof EPOCH_UNITS)[number] | undefined {
  return EPOCH_UNITS.find((u) => Math.abs(value) >= u.from && Math.abs(value) < u.from * 1000);
}

/** SQL parsing the timestamp column to a UTC TIMESTAMP (NULL when unreadable); checks the type. Times outside
 * `TIMESTAMP_RANGE` are set aside by staging as unreadable. */
async function timestampSql(
  session: Session,
  source: Source,
  column: SourceColumn,
  format: string | null,
  key: string,
): Promise<string> {
  const hint =
    'Set inputs.events.timestampFormat (a strptime format such as "%m/%d/%Y %H:%M", or epoch_s / epoch_ms / epoch_us).';
  const epoch = EPOCH_UNITS.find((u) => u.format === format);
  let raw: string;
  let sql: string;
  if (epoch) {
    if (column.fieldType !== "number" && column.fieldType !== "text") {
      throw wrongType(key, column, "numbers (epoch time)", "");
    }
    raw = numeric(column, ".");
    const seconds = `(${raw} / ${epoch.perSecond}.0)`;
    // to_timestamp fails on far-off values: only convert seconds inside the range.
    const [from, to] = [TIMESTAMP_RANGE.from, TIMESTAMP_RANGE.to].map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    sql = `CASE WHEN ${seconds} >= ${from} AND ${seconds} < ${to} THEN CAST(to_timestamp(${seconds}) AS TIMESTAMP) END`;
  } else if (column.fieldType === "timestamp") {
    return `CAST(${column.sql} AS TIMESTAMP)`;
  } else if (column.fieldType === "number") {
    const r = await session.row(`SELECT median(v) AS v
      FROM (SELECT CAST(${column.sql} AS DOUBLE) AS v FROM (${source.reader}) LIMIT ${int(TYPE_SAMPLE)})`);
    const unit = epochUnitOf(Number(r.v));
    const guess = unit
      ? `The values look like epoch ${unit.name} (e.g. ${Number(r.v)}): ` +
        `set inputs.events.timestampFormat to "${unit.format}".`
      : hint;
    throw wrongType(key, column, "timestamps or text like 2025-05-01 13:45:00", guess);
  } else if (column.fieldType === "text") {
    raw = textOf(column);
    sql = format
      ? `CAST(try_strptime(${raw}, ${str(format)}) AS TIMESTAMP)`
      : `CAST(TRY_CAST(${raw} AS TIMESTAMPTZ) AS TIMESTAMP)`;
  } else {
    throw wrongType(key, column, "timestamps or text like 2025-05-01 13:45:00", hint);
  }
  const inRange = inTimestampRangeSql("parsed");
  const r = await session.row(`SELECT count(raw) AS present, count(raw) FILTER (NOT coalesce(${inRange}, FALSE)) AS bad,
      min(raw) FILTER (NOT coalesce(${inRange}, FALSE)) AS example, median(TRY_CAST(raw AS DOUBLE)) AS number
    FROM (SELECT ${raw} AS raw, ${sql} AS parsed FROM (${source.reader}) LIMIT ${int(TYPE_SAMPLE)})`);
  if (Number(r.present) > 0 && Number(r.bad) * 2 > Number(r.present)) {
    const unit = r.number === null ? undefined : epochUnitOf(Number(r.number));
    const advice =
      unit && unit.format !== format
        ? `The values look like epoch ${unit.name}: set inputs.events.timestampFormat to "${unit.format}".`
        : format
          ? "Check the format."
          : hint;
    const [firstYear, lastYear] = [TIMESTAMP_RANGE.from.slice(0, 4), Number(TIMESTAMP_RANGE.to.slice(0, 4)) - 1];
    throw new UserError(
      "column_type",
      `${key}: column "${column.name}" should hold timestamps but ${r.bad} of the first ${r.present} values ` +
        `cannot be read as times from ${firstYear} to ${lastYear}` +
        `${format ? ` with format "${format}"` : ""} (e.g. ${JSON.stringify(String(r.example))}). ${advice}`,
    );
  }
  return sql;
}

/**
 * Resolves condition fields of events: role names (`personId`, `timestamp`, `eventType`, `amount`), then columns.
 * With `staged`, roles refer to the parsed role columns of the staging query (`STAGED_ROLE_COLUMNS`); otherwise
 * to the full parsing expressions over the reader.
 */
export function eventFieldResolver(source: Source, roles: EventRoles, staged = false): FieldResolver {
  const R = STAGED_ROLE_COLUMNS;
  const roleFields: Record<string, FieldRef | null> = {
    personId: { sql: staged ? R.person : roles.person, type: "text" },
    timestamp: { sql: staged ? R.timestamp : roles.timestamp, type: "timestamp" },
    eventType: { sql: staged ? R.eventType : roles.eventType, type: "text" },
    amount: roles.amount ? { sql: staged ? R.amount : roles.amount, type: "number" } : null,
  };
  return (field, path) => {
    if (field in roleFields) {
      const ref = roleFields[field];
      if (!ref) {
        const what = "the events have no amount (map inputs.events.columns.amount or set amountExpression)";
        throw new UserError("column_missing", `${path}: ${what}`);
      }
      return ref;
    }
    const column = findColumn(source, field);
    if (!column) {
      const names = [...Object.keys(roleFields), ...source.columns.map((c) => c.name)];
      const hints = `${closestHint(field, names)}${keyValueHint(source)}`;
      const where = `${source.key} (${source.files[0]})`;
      throw new UserError("column_missing", `${path}: no role or column "${field}" in ${where}${hints}`);
    }
    return { sql: column.sql, type: column.fieldType };
  };
}
