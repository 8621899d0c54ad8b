/**
 * Ingest of the events input into the canonical `events` and `people` tables, with row-level validation: every
 * row read is either used or set aside with a reason (counted, with example rows), and structural problems stop
 * the run with a `UserError`.
 */
import { basename } from "node:path";
import { UserError, printable } from "../config/errors.js";
import type { ResolvedConfig } from "../config/types.js";
import type { FieldResolver } from "../sql/conditions.js";
import {
  completenessSql,
  dropStagingColumnsSql,
  eventTypeCountsSql,
  eventsSql,
  fileOrderSql,
  flagCountsSql,
  identityCountsSql,
  identityLinksSql,
  identityReaderSql,
  lastTimestampSql,
  markDuplicatesSql,
  peopleCheckSql,
  peopleSql,
  rowsPerFileSql,
  setAsideMatchesSql,
  setAsideSql,
  stageSql,
  stagedTotalsSql,
  timestampRangeSql,
  topValuesSql,
  trimmedTextSql,
  typesEnumSql,
  typesTableSql,
  vocabularySql,
} from "./sql.js";
import { parquetNullsSql, parquetRowsSql, sniffDelimiterSql } from "./readers.js";
import { addDays } from "./dates.js";
import { type FlagPlan, planFlags } from "./flags.js";
import { EVENT_REASONS } from "./reasons.js";
import { type DataQualityReport, type SetAsideEntry, describeRow } from "./report.js";
import { type EventRoles, eventFieldResolver, eventRoles } from "./roles.js";
import type { Plain, Session } from "./session.js";
import { type Shard, keepShardSql } from "./shard.js";
import {
  type Source,
  dropRejects,
  encodingWarning,
  findUnclosedQuote,
  openSource,
  refuseUnclosedQuote,
  rejectedLines,
  unclosedQuoteError,
  unreadableEntries,
} from "./source.js";

/** At most this many channel or device values get their own code (the most frequent); others share one. */
const MAX_CHANNELS = 6;
/** At most this many channel or device codes fit the UTINYINT code (the last is "other"). */
const MAX_CODES = 254;

/** What the events ingest produced, besides the `events`, `ev_types` and `people` tables. */
export interface EventsIngest {
  source: Source;
  roles: EventRoles;
  flags: FlagPlan;
  /** Resolved scoring date (YYYY-MM-DD). */
  asOf: string;
  /** Event types by code, with their used events; codes are positions. */
  eventTypes: { name: string; events: number }[];
  /** Channel and device vocabularies (code = position; code = length means "other"). */
  channels: string[];
  devices: string[];
  hasAmount: boolean;
  /** Used events per flag column. */
  flagCounts: Record<string, number>;
  report: DataQualityReport["events"];
  asOfSource: DataQualityReport["asOfSource"];
  warnings: string[];
}

/** Ingests the events input. */
export async function ingestEvents(session: Session, config: ResolvedConfig, shard?: Shard): Promise<EventsIngest> {
  const input = config.inputs.events;
  await session.useConfiguredLimit(config.resources.memoryLimit);
  await session.run(fileOrderSql());
  let source = await openSource(session, input, "inputs.events", shard);
  const roles = await eventRoles(session, source, input);
  // Identity stitching: rows without a person id take the person id linked to their anonymous id; every later
  // scan reads through the links.
  let identities: DataQualityReport["events"]["identities"];
  const warnings: string[] = [];
  if (roles.identity) {
    await session.run(identityLinksSql(source.reader, roles.identity));
    source = { ...source, reader: identityReaderSql(source.reader, roles.identity.anonymous) };
    const counts = await session.row(identityCountsSql());
    identities = { column: roles.mapping.anonymousId!, rowsLinked: Number(counts.linked), rowsAnonymous: Number(counts.anonymous), sharedAnonymousIds: Number(counts.shared) };
    const shared = identities.sharedAnonymousIds;
    if (shared > 0) {
      warnings.push(
        `inputs.events: ${shared} anonymous ${shared === 1 ? "id appears" : "ids appear"} with more than one person id (shared devices?); rows without a person id go to the first of them`,
      );
    }
  }
  const resolve = eventFieldResolver(source, roles);
  const flags = planFlags(config, eventFieldResolver(source, roles, true));
  const chText = roles.channel ? trimmedTextSql(roles.channel.sql) : null;
  const devText = roles.device ? trimmedTextSql(roles.device.sql) : null;

  // Vocabularies: event types get codes by frequency; the most frequent channels and devices get codes.
  const vocab = await session.rows(vocabularySql(source.reader, roles.eventType, chText, devText));
  const tally = (key: string) => {
    const m = new Map<string, number>();
    for (const r of vocab) if (r[key] !== null) m.set(String(r[key]), (m.get(String(r[key])) ?? 0) + Number(r.n));
    return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([v]) => v);
  };
  const typeNames = tally("et");
  await refuseNulTypes(session, source, roles, typeNames);
  await refuseUnquotedRead(session, source, typeNames);
  if (typeNames.length > 60_000) throw new UserError("column_type", `inputs.events: ${typeNames.length} distinct event types; expected at most 60,000 (is the event-type column mapped correctly?)`);
  // A partitioned input's shard (always scoring with a saved model, whose features name their channels and devices)
  // codes every value it reads: its own most frequent ones need not be the whole data's.
  const most = shard && source.layout === "partitioned" ? MAX_CODES : MAX_CHANNELS;
  const channels = tally("ch").slice(0, most);
  const devices = tally("dev").slice(0, most);
  await session.run(typesTableSql(typeNames), ...typesEnumSql(typeNames));

  // Stage every row; CSV rejects tables start empty so they hold exactly this scan's malformed lines.
  await dropRejects(session, source);
  const hashColumns = source.columns.filter((c) => c.topLevel).map((c) => c.sql);
  await session.run(
    stageSql({
      reader: source.reader,
      person: roles.person,
      timestamp: roles.timestamp,
      eventType: roles.eventType,
      amount: roles.amount,
      amountPresent: roles.amountPresent,
      channel: chText ? { text: chText, vocabulary: channels } : null,
      device: devText ? { text: devText, vocabulary: devices } : null,
      group: roles.group,
      asOfEnd: config.asOf ? addDays(config.asOf, 1) : null,
      negativeAllowed: flags.negativeAllowed,
      exclusions: flags.exclusions,
      flags: flags.columns,
      hashColumns,
      typed: typeNames.length > 0,
    }),
  );
  const rejected = await rejectedLines(session, source);
  await refuseUnclosedQuote(source, rejected);
  const perFileReason = await session.rows(rowsPerFileSql());
  const perFile = new Map<number, number>();
  for (const r of perFileReason) perFile.set(Number(r.file), (perFile.get(Number(r.file)) ?? 0) + Number(r.n));
  const totalParsed = [...perFile.values()].reduce((a, b) => a + b, 0);
  if (totalParsed + rejected.count === 0) {
    throw new UserError("file_empty", `inputs.events: ${source.files.length === 1 ? source.files[0] : "the files"} contain no data rows (only a header or nothing)`);
  }
  warnings.push(...encodingWarning(source, rejected));
  source.files.forEach((f, i) => {
    if (!perFile.has(i) && source.files.length > 1) warnings.push(`inputs.events: ${f} has no data rows`);
  });
  // A file of several whose every row is set aside for one reason (a file without a mapped column, another layout).
  for (const r of perFileReason) {
    if (source.files.length < 2 || r.reason === null || Number(r.n) !== perFile.get(Number(r.file))) continue;
    const why = EVENT_REASONS[Number(r.reason) - 1]!.message;
    warnings.push(`inputs.events: every row of ${source.files[Number(r.file)]} (${r.n}) was set aside: ${why}; check that this file has the same columns and formats as the others`);
  }

  // The as-of date: configured, or the date of the last usable event.
  let asOf = config.asOf;
  const asOfSource = asOf ? "config" : "last event";
  if (!asOf) asOf = String((await session.row(lastTimestampSql())).last ?? "") || null;
  await session.run(...markDuplicatesSql());

  // Accounting.
  const setAside: SetAsideEntry[] = unreadableEntries(rejected);
  for (const r of await session.rows(setAsideSql(flags.exclusions.length > 0))) {
    const def = EVENT_REASONS[Number(r.reason) - 1];
    const entry: SetAsideEntry = {
      reason: def.key,
      message: def.message,
      rows: Number(r.n),
      examples: (r.examples as number[]).map((rid) => describeRow(rid, source.files, rejected.skipped)),
    };
    if (def.key === "excluded") entry.rule = config.exclusions[Number(r.rule)].name;
    setAside.push(entry);
  }
  const totals = await session.row(stagedTotalsSql());
  const rowsRead = Number(totals.read) + rejected.count;
  const rowsUsed = Number(totals.used);
  const rowsSetAside = setAside.reduce((a, e) => a + e.rows, 0);
  if (rowsUsed + rowsSetAside !== rowsRead) throw new Error(`row accounting mismatch: ${rowsUsed} used + ${rowsSetAside} set aside != ${rowsRead} read`);
  if (rowsUsed === 0 && setAside.some((e) => e.reason === "after_as_of")) await refuseAsOfBeforeData(session, config.asOf!);
  if (rowsUsed === 0 || !asOf) {
    const summary = setAside.map((e) => `${e.reason}: ${e.rows} (e.g. ${e.examples.slice(0, 3).join(", ")})`).join("; ");
    throw new UserError("no_events", `inputs.events: no usable events; all ${rowsRead} rows were set aside (${summary})`);
  }

  // One shard's people only, from here on (the accounting above is of every row read: see shard.ts). A
  // partitioned input's shard read its own people's rows only.
  if (shard && source.layout === "whole") await session.run(keepShardSql(shard));
  // Canonical tables.
  await session.run(...dropStagingColumnsSql());
  await session.run(
    ...eventsSql(
      flags.columns.map((c) => c.column),
      { amount: roles.amount !== null, channel: roles.channel !== null, device: roles.device !== null, grouped: roles.group !== null },
    ),
  );
  const flagRow = await session.row(flagCountsSql(flags.columns.map((c) => c.column)));
  const flagCounts: Record<string, number> = {};
  for (const c of flags.columns) flagCounts[c.column] = Number(flagRow[c.column]);
  await checkGoals(session, config, source, flags, flagCounts, resolve);
  await session.run(...peopleSql(source.reader, roles.person));
  const check = await session.row(peopleCheckSql());
  if (Number(check.people) !== Number(check.hashes)) throw new Error("two person ids share a 64-bit hash; cannot continue");
  const typeCounts = new Map((await session.rows(eventTypeCountsSql())).map((r) => [String(r.event_type), Number(r.n)]));
  const eventTypes = typeNames.map((name) => ({ name, events: typeCounts.get(name) ?? 0 }));
  const events = [...typeCounts.values()].reduce((a, b) => a + b, 0);
  const columns = await completeness(session, source, roles);
  if (!roles.amount) warnings.push("inputs.events: no amount column; monetary features are left out");
  return {
    source,
    roles,
    flags,
    asOf,
    eventTypes,
    channels,
    devices,
    hasAmount: roles.amount !== null,
    flagCounts,
    asOfSource,
    warnings,
    report: {
      files: source.files,
      format: source.format,
      rowsRead,
      rowsUsed,
      rowsSetAside,
      setAside,
      columns,
      events,
      people: Number(check.people),
      firstEvent: String(totals.first),
      lastEvent: String(totals.last),
      mapping: roles.mapping,
      ...(identities ? { identities } : {}),
      eventTypes: eventTypes.filter((t) => t.events > 0).map((t) => ({ eventType: t.name, events: t.events })).sort((a, b) => b.events - a.events || (a.eventType < b.eventType ? -1 : 1)),
    },
  };
}

/** A configured `asOf` before the first event leaves no row to use: one line naming it and the events' range.
 * @throws UserError always. */
async function refuseAsOfBeforeData(session: Session, asOf: string): Promise<never> {
  const { first, last } = await session.row(timestampRangeSql());
  throw new UserError(
    "config",
    `asOf: ${asOf} is before the first event (the events run from ${first} to ${last}); choose a date in that range, or leave asOf out to score as of the last event's date`,
  );
}

/** Fails when an instance's goal matches no used event, showing the values found for the goal's fields. */
async function checkGoals(
  session: Session,
  config: ResolvedConfig,
  source: Source,
  flags: FlagPlan,
  counts: Record<string, number>,
  resolve: FieldResolver,
): Promise<void> {
  for (const inst of config.instances) {
    if (counts[flags.instances[inst.index].goal] > 0) continue;
    const hints: string[] = [];
    for (const field of [...new Set(inst.goal.conditions.map((c) => c.field))]) {
      const ref = resolve(field, `instances[${inst.index}].goal`);
      const top = await session.rows(topValuesSql(source.reader, ref.sql, 8));
      hints.push(`values of ${field}: ${top.map((t) => `${JSON.stringify(t.value)} (${t.n})`).join(", ")}`);
    }
    const conditions = inst.goal.conditions.map((c) => `${c.not ? "not " : ""}${c.field} ${c.op} ${JSON.stringify(c.value ?? true)}`).join(inst.goal.match === "any" ? " or " : " and ");
    // Rows that match the goal but were set aside: the goal is right, the rows are the problem.
    const aside = await session.rows(setAsideMatchesSql(flags.instances[inst.index].goal));
    if (aside.length) {
      const reasons = aside.map((r) => `${r.n} ${EVENT_REASONS[Number(r.reason) - 1]!.message}`).join(", ");
      throw new UserError("goal_no_match", `instances[${inst.index}].goal (${inst.name}) matches no usable event: ${conditions} matches rows that were all set aside (${reasons}); see the data-quality report's set-aside rows`);
    }
    throw new UserError("goal_no_match", `instances[${inst.index}].goal (${inst.name}) matches no event: ${conditions}; ${hints.join("; ")}`);
  }
}

/** Completeness of every top-level column, with the role each plays. */
async function completeness(session: Session, source: Source, roles: EventRoles): Promise<DataQualityReport["events"]["columns"]> {
  const cols = source.columns.filter((c) => c.topLevel);
  let row: Record<string, Plain> = {};
  if (source.format === "parquet") {
    // Parquet keeps null counts per column chunk: no need to scan the data.
    const nulls = await session.rows(parquetNullsSql(source.files));
    const rows = Number((await session.row(parquetRowsSql(source.files))).n);
    const known = new Map(nulls.filter((r) => Number(r.unknown) === 0).map((r) => [String(r.name), Number(r.nulls)]));
    if (cols.every((c) => known.has(c.name))) {
      row = { __rows: rows };
      for (const c of cols) row[c.name] = rows - known.get(c.name)!;
    }
  }
  if (row.__rows === undefined) {
    row = await session.row(completenessSql(source.reader, cols.map((c) => ({ name: c.name, sql: c.sql, text: c.fieldType === "text" }))));
  }
  const total = Math.max(1, Number(row.__rows));
  const roleOf = new Map(Object.entries(roles.mapping).map(([role, col]) => [col, role]));
  return cols.map((c) => {
    const role = roleOf.get(c.name);
    return { name: c.name, type: c.type, ...(role ? { role } : {}), completeness: Number(row[c.name]) / total };
  });
}

/** Event types must be text without NUL characters (they become SQL literals and labels): one line naming the
 * column and the first row that has one. */
async function refuseNulTypes(session: Session, source: Source, roles: EventRoles, typeNames: readonly string[]): Promise<void> {
  const bad = typeNames.find((t) => t.includes("\u0000"));
  if (bad === undefined) return;
  const first = await session.row(`SELECT _file, _row FROM (${source.reader}) WHERE contains(CAST(${roles.eventType} AS VARCHAR), chr(0)) ORDER BY _file, _row LIMIT 1`);
  const where = first ? `${basename(source.files[Number(first._file)]!)} row ${first._row}` : "a row";
  throw new UserError(
    "column_type",
    `inputs.events: the event type ${printable(JSON.stringify(bad))} (column ${roles.mapping.eventType ?? "eventType"}, first in ${where}) contains a NUL character; remove it from the data and rerun`,
  );
}

/** Event types that start with a double quote (`"view"`, or the `"view` of a broken line) are the sign of a CSV file
 * read without quoting, as DuckDB's sniffer does when a quote in its sample is never closed: one line naming the
 * file and line of that quote. Nothing when no such line is found (a value may start with a quote). */
async function refuseUnquotedRead(session: Session, source: Source, typeNames: readonly string[]): Promise<void> {
  const quoted = typeNames.find((t) => t.startsWith('"'));
  if (source.format !== "csv" || quoted === undefined) return;
  const delimiter = source.spec.csv.delimiter ?? String((await session.row(sniffDelimiterSql(source.files[0]!, source.spec.csv.encoding))).delimiter ?? ",");
  const at = await findUnclosedQuote(source, delimiter);
  if (at) throw unclosedQuoteError(source, at.file, at.line, `the file was read without quotes (values keep them: event type ${printable(JSON.stringify(quoted))})`);
}
