/**
 * The data-quality report of a sharded run, merged from its shards' reports (see `merge`).
 *
 * How a shard read each input decides how its row accounting merges (loaders/ingest/shard.ts):
 * - the whole input (plain files): every shard read and accounted for every row, so the accounting (files, rows
 *   read, used and set aside, column completeness) must be the same in every shard and is kept;
 * - its partitions only (`person_part=K` folders): each shard accounted for the rows it read, so the shards' files
 *   are disjoint and their accounting is summed: rows read, used and set aside, set-aside rows per reason (with the
 *   first shards' examples, up to five), column completeness recombined from each shard's counts, and for events the
 *   range of event times and the identity counts; for profiles the people.
 * The layout of each input comes from the files the shards report, with the rule the shards used.
 */
import { UserError } from "../config/errors.js";
import { customEventWarning, optOutWarning, profileCoverageWarning } from "../ingest/ingest.js";
import { EVENT_REASONS, PROFILE_REASONS } from "../ingest/reasons.js";
import type { ColumnReport, DataQualityReport, InputReport, SetAsideEntry } from "../contract/data-quality.js";
import { type ShardLayouts, inputLayouts } from "../pipeline/shard-manifest.js";

/** The layouts the shards' reports show; `dirs` name the shards in messages.
 * @throws UserError when the shards read an input in different layouts. */
export function layoutsOf(reports: readonly DataQualityReport[], dirs: readonly string[]): ShardLayouts {
  const first = inputLayouts(reports[0]!);
  reports.forEach((r, i) => {
    const l = inputLayouts(r);
    if (l.events !== first.events || l.profiles !== first.profiles) {
      const read = `${dirs[i]} read its inputs as ${describeLayouts(l)} and ${dirs[0]} as ${describeLayouts(first)}`;
      throw new UserError("config", `--shards: ${read}; shard the same data`);
    }
  });
  return first;
}

const describeLayouts = (l: ShardLayouts) => `events ${l.events}${l.profiles ? `, profiles ${l.profiles}` : ""}`;

/**
 * The data-quality report of the whole run from the shards' (`dirs` name them in messages): counts of people and
 * events summed, the row accounting kept (inputs every shard read whole) or summed (partitioned inputs), the
 * count-dependent warnings recomputed.
 * @throws UserError when shards that read an input whole did not read the same rows, shards of a partitioned
 *   input read the same file, or the whole run would not have scored (see `refuseEmptyRun`).
 */
export function mergeReports(reports: readonly DataQualityReport[], dirs: readonly string[]): DataQualityReport {
  const merged = structuredClone(reports[0]!) as DataQualityReport;
  const layouts = layoutsOf(reports, dirs);
  refuseOtherRows(reports, dirs, layouts);
  const sum = (f: (r: DataQualityReport) => number) => reports.reduce((a, r) => a + f(r), 0);
  if (layouts.events === "partitioned") sumPartitionedEvents(merged, reports, dirs, sum);
  if (layouts.profiles === "partitioned") {
    Object.assign(
      merged.profiles!,
      sumInputs(
        reports.map((r) => r.profiles!),
        PROFILE_REASONS,
        "inputs.profiles",
        dirs,
      ),
    );
    merged.profiles!.people = sum((r) => r.profiles!.people);
  }
  sumEventCounts(merged, reports, sum);
  if (merged.profiles) merged.profiles.peopleWithEvents = sum((r) => r.profiles!.peopleWithEvents);
  sumInstanceCounts(merged, sum);
  refuseEmptyRun(merged, layouts);
  merged.warnings = mergeWarnings(
    merged,
    layouts.events === "partitioned" || layouts.profiles === "partitioned" ? reports : [reports[0]!],
  );
  return merged;
}

/** A number summed over the shards' reports. */
type ShardSum = (f: (r: DataQualityReport) => number) => number;

/** @throws UserError when the shards did not read the same rows of the inputs they read whole (or another as-of). */
function refuseOtherRows(reports: readonly DataQualityReport[], dirs: readonly string[], layouts: ShardLayouts): void {
  const wholeRows = (r: DataQualityReport) =>
    JSON.stringify([
      r.asOf,
      ...(layouts.events === "whole" ? [r.events.rowsRead, r.events.rowsUsed, r.events.setAside, r.events.files] : []),
      layouts.profiles === "whole" ? r.profiles!.rowsRead : null,
    ]);
  reports.forEach((r, i) => {
    if (wholeRows(r) !== wholeRows(reports[0]!))
      throw new UserError(
        "config",
        `--shards: ${dirs[i]} read other rows than ${dirs[0]} (${r.events.rowsRead} rows read against ${reports[0]!.events.rowsRead}); shard the same data`,
      );
  });
}

/** Partitioned events: the row accounting summed, the range of event times widened, the identity counts summed. */
function sumPartitionedEvents(
  merged: DataQualityReport,
  reports: readonly DataQualityReport[],
  dirs: readonly string[],
  sum: ShardSum,
): void {
  Object.assign(
    merged.events,
    sumInputs(
      reports.map((r) => r.events),
      EVENT_REASONS,
      "inputs.events",
      dirs,
    ),
  );
  merged.events.firstEvent = reports.map((r) => r.events.firstEvent).reduce((a, b) => (b < a ? b : a));
  merged.events.lastEvent = reports.map((r) => r.events.lastEvent).reduce((a, b) => (b > a ? b : a));
  if (merged.events.identities) {
    const ids = merged.events.identities;
    Object.assign(ids, {
      rowsLinked: sum((r) => r.events.identities!.rowsLinked),
      rowsAnonymous: sum((r) => r.events.identities!.rowsAnonymous),
      sharedAnonymousIds: sum((r) => r.events.identities!.sharedAnonymousIds),
    });
  }
}

/** The counts of events and people (every shard scored its own people): summed, event types recounted. */
function sumEventCounts(merged: DataQualityReport, reports: readonly DataQualityReport[], sum: ShardSum): void {
  merged.events.events = sum((r) => r.events.events);
  merged.events.people = sum((r) => r.events.people);
  const types = new Map<string, number>();
  for (const r of reports)
    for (const t of r.events.eventTypes) types.set(t.eventType, (types.get(t.eventType) ?? 0) + t.events);
  merged.events.eventTypes = [...types]
    .map(([eventType, events]) => ({ eventType, events }))
    .filter((t) => t.events > 0)
    .sort((a, b) => b.events - a.events || (a.eventType < b.eventType ? -1 : 1));
  if (merged.events.optedOut)
    merged.events.optedOut = {
      people: sum((r) => r.events.optedOut!.people),
      events: sum((r) => r.events.optedOut!.events),
    };
}

/** Each instance's event counts summed, and its "N people eligible" requirement recounted over the shards. */
function sumInstanceCounts(merged: DataQualityReport, sum: ShardSum): void {
  merged.instances.forEach((inst, k) => {
    inst.goalEvents = sum((r) => r.instances[k]!.goalEvents);
    inst.ignoredEvents = sum((r) => r.instances[k]!.ignoredEvents);
    inst.customEvents.forEach((ce, j) => (ce.events = sum((r) => r.instances[k]!.customEvents[j]!.events)));
    inst.requirements?.forEach((req, q) => {
      const eligible = /^(\d+) people eligible on (\S+)$/.exec(req.message);
      if (req.check !== "eligible" || !eligible) return;
      const people = sum((r) => Number(/^(\d+)/.exec(r.instances[k]!.requirements![q]!.message)?.[1] ?? 0));
      Object.assign(req, { ok: people > 0, message: `${people} people eligible on ${eligible[2]}` });
    });
  });
}

/**
 * What one run refuses and each shard could not tell alone: an as-of date after the last event of a partitioned
 * input (each shard saw its own people's events only), and an instance with nobody eligible in any shard.
 * @throws UserError in the words of one run, after `--shards:`.
 */
function refuseEmptyRun(merged: DataQualityReport, layouts: ShardLayouts): void {
  const [first, last] = [merged.events.firstEvent.slice(0, 10), merged.events.lastEvent.slice(0, 10)];
  if (layouts.events === "partitioned" && merged.asOfSource === "config" && merged.asOf > last) {
    throw new UserError(
      "config",
      `--shards: asOf: ${merged.asOf} is after the last event (the events run from ${first} to ${last}); score the shards again as of a date in that range`,
    );
  }
  for (const inst of merged.instances) {
    const nobody = inst.requirements?.find((r) => r.check === "eligible" && !r.ok);
    if (nobody)
      throw new UserError(
        "requirements",
        `--shards: instance ${inst.name}: ${nobody.message} in all the shards together; ${nobody.hint}`,
      );
  }
}

/** The warnings of the rows read (those of every report in `from`, each once, in order), then those of counts,
 * recomputed from the merged counts. */
function mergeWarnings(merged: DataQualityReport, from: readonly DataQualityReport[]): string[] {
  const derived = [
    /^privacy\.optOut: \d+ people who opted out/,
    /^inputs\.profiles: only \d+ of \d+ people with events have a profile/,
    /^instance .*: custom event .* matches no event$/,
  ];
  const warnings = [...new Set(from.flatMap((r) => r.warnings))].filter((w) => !derived.some((d) => d.test(w)));
  if (merged.events.optedOut) warnings.push(optOutWarning(merged.events.optedOut));
  const coverage = merged.profiles && profileCoverageWarning(merged.profiles.peopleWithEvents, merged.events.people);
  if (coverage) warnings.push(coverage);
  for (const inst of merged.instances)
    for (const ce of inst.customEvents) if (ce.events === 0) warnings.push(customEventWarning(inst.name, ce.name));
  return warnings;
}

/** Rows a report's column completeness counts: the rows parsed (read, less the lines that could not be). */
const parsedRows = (input: InputReport) =>
  input.rowsRead -
  input.setAside
    .filter((e) => e.reason === "malformed_row" || e.reason === "encoding_invalid")
    .reduce((a, e) => a + e.rows, 0);

/**
 * The accounting of a partitioned input from its shards' (disjoint files): files in path order, rows summed,
 * set-aside rows summed per reason (and rule) in the order of `reasons`, column completeness recombined from each
 * shard's count of rows with a value.
 * @throws UserError when two shards read the same file.
 */
export function sumInputs(
  inputs: readonly InputReport[],
  reasons: readonly { key: string }[],
  key: string,
  dirs: readonly string[],
): Omit<InputReport, "format"> {
  const readBy = new Map<string, number>();
  inputs.forEach((input, i) => {
    for (const f of input.files) {
      const other = readBy.get(f);
      if (other !== undefined)
        throw new UserError(
          "config",
          `--shards: ${dirs[other]} and ${dirs[i]} both read ${f} (${key}); merge the shards of one run`,
        );
      readBy.set(f, i);
    }
  });
  const setAside = new Map<string, SetAsideEntry>();
  for (const input of inputs) {
    for (const e of input.setAside) {
      const id = `${e.reason}\u0000${e.rule ?? ""}`;
      const seen = setAside.get(id);
      if (seen)
        Object.assign(seen, { rows: seen.rows + e.rows, examples: [...seen.examples, ...e.examples].slice(0, 5) });
      else setAside.set(id, structuredClone(e));
    }
  }
  const rank = (e: SetAsideEntry) => reasons.findIndex((r) => r.key === e.reason);
  const rows = inputs.map(parsedRows);
  const total = Math.max(
    1,
    rows.reduce((a, b) => a + b, 0),
  );
  const columns: ColumnReport[] = inputs[0]!.columns.map((c) => {
    // Each shard's completeness is its count of rows with a value over its rows parsed: the counts add up.
    const present = inputs.reduce(
      (a, input, i) => a + Math.round((input.columns.find((x) => x.name === c.name)?.completeness ?? 0) * rows[i]!),
      0,
    );
    return { ...c, completeness: present / total };
  });
  const sum = (f: (input: InputReport) => number) => inputs.reduce((a, input) => a + f(input), 0);
  return {
    files: [...readBy.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    rowsRead: sum((i) => i.rowsRead),
    rowsUsed: sum((i) => i.rowsUsed),
    rowsSetAside: sum((i) => i.rowsSetAside),
    setAside: [...setAside.values()]
      .map((e, order) => ({ e, order }))
      .sort((a, b) => rank(a.e) - rank(b.e) || a.order - b.order)
      .map(({ e }) => e),
    columns,
  };
}
