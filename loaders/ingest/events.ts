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
  firstNulRowSql,
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
import { describeRow } from "./report.js";
import type { DataQualityReport, SetAsideEntry } from "../contract/data-quality.js";
import { type EventRoles, eventFieldResolver, eventRoles } from "./roles.js";
import type { Plain, Session } from "./session.js";
import { type Shard, keepShardSql } from "./shard.js";
import {
  type RejectedLines,
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

/** Ingests the events input: identity, vocabularies, staging, accounting, then the canonical tables. */
export async function ingestEvents(session: Session, config: ResolvedConfig, shard?: Shard): Promise<EventsIngest> {
  const input = config.inputs.events;
  await session.useConfiguredLimit(config.resources.memoryLimit);
  await session.run(fileOrderSql());
  const opened = await openSource(session, input, "inputs.events", shard);
  const roles = await eventRoles(session, opened, input);
  const warnings: string[] = [];
  const { source, identities } = await stitchIdentities(session, opened, roles, warnings);
  const resolve = eventFieldResolver(source, roles);
  const flags = planFlags(config, eventFieldResolver(source, roles, true));
  const vocabulary = await codeVocabularies(session, source, roles, shard);
  const rejected = await stageRows(session, config, source, roles, flags, vocabulary);
  warnings.push(...(await fileWarnings(session, source, rejected)));

  // The as-of date: configured, or the date of the last usable event.
  let asOf = config.asOf;
  const asOfSource = asOf ? "config" : "last event";
  if (!asOf) asOf = String((await session.row(lastTimestampSql())).last ?? "") || null;
  await session.run(...markDuplicatesSql());
  const accounted = await accountRows(session, config, source, flags, rejected);
  if (accounted.rowsUsed === 0 || !asOf) {
    const summary = accounted.setAside
      .map((e) => `${e.reason}: ${e.rows} (e.g. ${e.examples.slice(0, 3).join(", ")})`)
      .join("; ");
    const read = accounted.rowsRead;
    throw new UserError("no_events", `inputs.events: no usable events; all ${read} rows were set aside (${summary})`);
  }

  // One shard's people only, from here on (the accounting above is of every row read: see shard.ts). A
  // partitioned input's shard read its own people's rows only.
  if (shard && source.layout === "whole") await session.run(keepShardSql(shard));
  const canonical = await canonicalTables(session, config, source, roles, flags, resolve, vocabulary.typeNames);
  const columns = await completeness(session, source, roles);
  if (!roles.amount) warnings.push("inputs.events: no amount column; monetary features are left out");
  const { eventTypes, flagCounts } = canonical;
  return {
    source,
    roles,
    flags,
    asOf,
    eventTypes,
    channels: vocabulary.channels,
    devices: vocabulary.devices,
    hasAmount: roles.amount !== null,
    flagCounts,
    asOfSource,
    warnings,
    report: {
      files: source.files,
      format: source.format,
      rowsRead: accounted.rowsRead,
      rowsUsed: accounted.rowsUsed,
      rowsSetAside: accounted.rowsSetAside,
      setAside: accounted.setAside,
      columns,
      events: canonical.events,
      people: canonical.people,
      firstEvent: accounted.firstEvent,
      lastEvent: accounted.lastEvent,
      mapping: roles.mapping,
      ...(identities ? { identities } : {}),
      eventTypes: reportedEventTypes(eventTypes),
    },
  };
}

/** The report's event types: those with used events, most first (ties in name order). */
export function reportedEventTypes(eventTypes: EventsIngest["eventTypes"]): DataQualityReport["events"]["eventTypes"] {
  return eventTypes
    .filter((t) => t.events > 0)
    .map((t) => ({ eventType: t.name, events: t.events }))
    .sort((a, b) => b.events - a.events || (a.eventType < b.eventType ? -1 : 1));
}

/**
 * Identity stitching: rows without a person id take the person id linked to their anonymous id; every later scan
 * reads through the links (the source returned). Without an anonymous id, the source as it is and no identities.
 * Anonymous ids shared by several person ids add a warning.
 */
async function stitchIdentities(
  session: Session,
  source: Source,
  roles: EventRoles,
  warnings: string[],
): Promise<{ source: Source; identities?: DataQualityReport["events"]["identities"] }> {
  if (!roles.identity) return { source };
  await session.run(identityLinksSql(source.reader, roles.identity));
  const linked = { ...source, reader: identityReaderSql(source.reader, roles.identity.anonymous) };
  const counts = await session.row(identityCountsSql());
  const identities = {
    column: roles.mapping.anonymousId!,
    rowsLinked: Number(counts.linked),
    rowsAnonymous: Number(counts.anonymous),
    sharedAnonymousIds: Number(counts.shared),
  };
  const shared = identities.sharedAnonymousIds;
  if (shared > 0) {
    const ids = shared === 1 ? "id appears" : "ids appear";
    warnings.push(
      `inputs.events: ${shared} anonymous ${ids} with more than one person id (shared devices?); ` +
        "rows without a person id go to the first of them",
    );
  }
  return { source: linked, identities };
}

/** The codes of the events input: event types by frequency, the most frequent channels and devices, and the text
 * of the channel and device columns (null when there is none). */
interface Vocabularies {
  typeNames: string[];
  channels: string[];
  devices: string[];
  channelText: string | null;
  deviceText: string | null;
}

/** Vocabularies: event types get codes by frequency (`ev_types` and its ENUM); the most frequent channels and
 * devices get codes. Refuses event types with a NUL character, a CSV read without quoting and too many types. */
async function codeVocabularies(
  session: Session,
  source: Source,
  roles: EventRoles,
  shard?: Shard,
): Promise<Vocabularies> {
  const channelText = roles.channel ? trimmedTextSql(roles.channel.sql) : null;
  const deviceText = roles.device ? trimmedTextSql(roles.device.sql) : null;
  const vocab = await session.rows(vocabularySql(source.reader, roles.eventType, channelText, deviceText));
  const tally = (key: string) => {
    const m = new Map<string, number>();
    for (const r of vocab) if (r[key] !== null) m.set(String(r[key]), (m.get(String(r[key])) ?? 0) + Number(r.n));
    return [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([v]) => v);
  };
  const typeNames = tally("et");
  await refuseNulTypes(session, source, roles, typeNames);
  await refuseUnquotedRead(session, source, typeNames);
  if (typeNames.length > 60_000) {
    throw new UserError(
      "column_type",
      `inputs.events: ${typeNames.length} distinct event types; expected at most 60,000 ` +
        "(is the event-type column mapped correctly?)",
    );
  }
  // A partitioned input's shard (always scoring with a saved model, whose features name their channels and devices)
  // codes every value it reads: its own most frequent ones need not be the whole data's.
  const most = shard && source.layout === "partitioned" ? MAX_CODES : MAX_CHANNELS;
  const channels = tally("ch").slice(0, most);
  const devices = tally("dev").slice(0, most);
  await session.run(typesTableSql(typeNames), ...typesEnumSql(typeNames));
  return { typeNames, channels, devices, channelText, deviceText };
}

/** Stages every row (`ev_staged`); CSV rejects tables start empty so they hold exactly this scan's malformed lines,
 * which are returned. Refuses an unclosed quote. */
async function stageRows(
  session: Session,
  config: ResolvedConfig,
  source: Source,
  roles: EventRoles,
  flags: FlagPlan,
  vocabulary: Vocabularies,
): Promise<RejectedLines> {
  await dropRejects(session, source);
  const { channelText, deviceText } = vocabulary;
  await session.run(
    stageSql({
      reader: source.reader,
      person: roles.person,
      timestamp: roles.timestamp,
      eventType: roles.eventType,
      amount: roles.amount,
      amountPresent: roles.amountPresent,
      channel: channelText ? { text: channelText, vocabulary: vocabulary.channels } : null,
      device: deviceText ? { text: deviceText, vocabulary: vocabulary.devices } : null,
      group: roles.group,
      asOfEnd: config.asOf ? addDays(config.asOf, 1) : null,
      negativeAllowed: flags.negativeAllowed,
      exclusions: flags.exclusions,
      flags: flags.columns,
      hashColumns: source.columns.filter((c) => c.topLevel).map((c) => c.sql),
      typed: vocabulary.typeNames.length > 0,
    }),
  );
  const rejected = await rejectedLines(session, source);
  await refuseUnclosedQuote(source, rejected);
  return rejected;
}

/** Warnings about the staged files: an encoding problem, files without data rows, and a file of several whose every
 * row is set aside for one reason (a file without a mapped column, another layout). Refuses input without data. */
async function fileWarnings(session: Session, source: Source, rejected: RejectedLines): Promise<string[]> {
  const perFileReason = await session.rows(rowsPerFileSql());
  const perFile = new Map<number, number>();
  for (const r of perFileReason) perFile.set(Number(r.file), (perFile.get(Number(r.file)) ?? 0) + Number(r.n));
  const totalParsed = [...perFile.values()].reduce((a, b) => a + b, 0);
  if (totalParsed + rejected.count === 0) {
    const files = source.files.length === 1 ? source.files[0] : "the files";
    throw new UserError("file_empty", `inputs.events: ${files} contain no data rows (only a header or nothing)`);
  }
  const warnings = encodingWarning(source, rejected);
  source.files.forEach((f, i) => {
    if (!perFile.has(i) && source.files.length > 1) warnings.push(`inputs.events: ${f} has no data rows`);
  });
  for (const r of perFileReason) {
    if (source.files.length < 2 || r.reason === null || Number(r.n) !== perFile.get(Number(r.file))) continue;
    const why = EVENT_REASONS[Number(r.reason) - 1]!.message;
    warnings.push(
      `inputs.events: every row of ${source.files[Number(r.file)]} (${r.n}) was set aside: ${why}; ` +
        "check that this file has the same columns and formats as the others",
    );
  }
  return warnings;
}

/** Every row read, used or set aside with a reason, and the range of the used rows' times. */
interface Accounting {
  setAside: SetAsideEntry[];
  rowsRead: number;
  rowsUsed: number;
  rowsSetAside: number;
  firstEvent: string;
  lastEvent: string;
}

/** Accounting: the set-aside rows per reason (with examples) and the totals, which must add up. Refuses a configured
 * `asOf` before every event. */
async function accountRows(
  session: Session,
  config: ResolvedConfig,
  source: Source,
  flags: FlagPlan,
  rejected: RejectedLines,
): Promise<Accounting> {
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
  if (rowsUsed + rowsSetAside !== rowsRead) {
    throw new Error(`row accounting mismatch: ${rowsUsed} used + ${rowsSetAside} set aside != ${rowsRead} read`);
  }
  if (rowsUsed === 0 && setAside.some((e) => e.reason === "after_as_of")) {
    await refuseAsOfBeforeData(session, config.asOf!);
  }
  const [firstEvent, lastEvent] = [String(totals.first), String(totals.last)];
  return { setAside, rowsRead, rowsUsed, rowsSetAside, firstEvent, lastEvent };
}

/** Canonical tables: `events` (from the used staged rows), `people`; returns the used events per flag column and
 * per event type, and the counts of events and people. Checks that every goal matches a used event. */
async function canonicalTables(
  session: Session,
  config: ResolvedConfig,
  source: Source,
  roles: EventRoles,
  flags: FlagPlan,
  resolve: FieldResolver,
  typeNames: readonly string[],
): Promise<Pick<EventsIngest, "flagCounts" | "eventTypes"> & { events: number; people: number }> {
  await session.run(...dropStagingColumnsSql());
  const flagColumns = flags.columns.map((c) => c.column);
  const has = { amount: roles.amount !== null, channel: roles.channel !== null, device: roles.device !== null };
  await session.run(...eventsSql(flagColumns, { ...has, grouped: roles.group !== null }));
  const flagRow = await session.row(flagCountsSql(flagColumns));
  const flagCounts: Record<string, number> = {};
  for (const c of flags.columns) flagCounts[c.column] = Number(flagRow[c.column]);
  await checkGoals(session, config, source, flags, flagCounts, resolve);
  await session.run(...peopleSql(source.reader, roles.person));
  const check = await session.row(peopleCheckSql());
  if (Number(check.people) !== Number(check.hashes)) {
    throw new Error("two person ids share a 64-bit hash; cannot continue");
  }
  const typeRows = await session.rows(eventTypeCountsSql());
  const typeCounts = new Map(typeRows.map((r) => [String(r.event_type), Number(r.n)]));
  const eventTypes = typeNames.map((name) => ({ name, events: typeCounts.get(name) ?? 0 }));
  const events = [...typeCounts.values()].reduce((a, b) => a + b, 0);
  return { flagCounts, eventTypes, events, people: Number(check.people) };
}

/** A configured `asOf` before the first event leaves no row to use: one line naming it and the events' range.
 * @throws UserError always. */
async function refuseAsOfBeforeData(session: Session, asOf: string): Promise<never> {
  const { first, last } = await session.row(timestampRangeSql());
  throw new UserError(
    "config",
    `asOf: ${asOf} is before the first event (the events run from ${first} to ${last}); ` +
      "choose a date in that range, or leave asOf out to score as of the last event's date",
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
    const conditions = inst.goal.conditions
      .map((c) => `${c.not ? "not " : ""}${c.field} ${c.op} ${JSON.stringify(c.value ?? true)}`)
      .join(inst.goal.match === "any" ? " or " : " and ");
    const goal = `instances[${inst.index}].goal (${inst.name})`;
    // Rows that match the goal but were set aside: the goal is right, the rows are the problem.
    const aside = await session.rows(setAsideMatchesSql(flags.instances[inst.index].goal));
    if (aside.length) {
      const reasons = aside.map((r) => `${r.n} ${EVENT_REASONS[Number(r.reason) - 1]!.message}`).join(", ");
      throw new UserError(
        "goal_no_match",
        `${goal} matches no usable event: ${conditions} matches rows that were all set aside (${reasons}); ` +
          "see the data-quality report's set-aside rows",
      );
    }
    throw new UserError("goal_no_match", `${goal} matches no event: ${conditions}; ${hints.join("; ")}`);
  }
}

/** Completeness of every top-level column, with the role each plays. */
async function completeness(
  session: Session,
  source: Source,
  roles: EventRoles,
): Promise<DataQualityReport["events"]["columns"]> {
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
    const columns = cols.map((c) => ({ name: c.name, sql: c.sql, text: c.fieldType === "text" }));
    row = await session.row(completenessSql(source.reader, columns));
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
async function refuseNulTypes(
  session: Session,
  source: Source,
  roles: EventRoles,
  typeNames: readonly string[],
): Promise<void> {
  const bad = typeNames.find((t) => t.includes("\u0000"));
  if (bad === undefined) return;
  const first = await session.row(firstNulRowSql(source.reader, roles.eventType));
  const where = first ? `${basename(source.files[Number(first._file)]!)} row ${first._row}` : "a row";
  throw new UserError(
    "column_type",
    `inputs.events: the event type ${printable(JSON.stringify(bad))} ` +
      `(column ${roles.mapping.eventType ?? "eventType"}, first in ${where}) contains a NUL character; ` +
      "remove it from the data and rerun",
  );
}

/** Event types that start with a double quote (`"view"`, or the `"view` of a broken line) are the sign of a CSV file
 * read without quoting, as DuckDB's sniffer does when a quote in its sample is never closed: one line naming the
 * file and line of that quote. Nothing when no such line is found (a value may start with a quote). */
async function refuseUnquotedRead(session: Session, source: Source, typeNames: readonly string[]): Promise<void> {
  const quoted = typeNames.find((t) => t.startsWith('"'));
  if (source.format !== "csv" || quoted === undefined) return;
  const sniff = async () => {
    return (await session.row(sniffDelimiterSql(source.files[0]!, source.spec.csv.encoding))).delimiter;
  };
  const delimiter = source.spec.csv.delimiter ?? String((await sniff()) ?? ",");
  const at = await findUnclosedQuote(source, delimiter);
  if (!at) return;
  const why = `the file was read without quotes (values keep them: event type ${printable(JSON.stringify(quoted))})`;
  throw unclosedQuoteError(source, at.file, at.line, why);
}
