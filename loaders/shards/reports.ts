/**
 * The data-quality report of a sharded run, merged from its shards' reports (see `merge`).
 */
import { UserError } from "../config/errors.js";
import { customEventWarning, optOutWarning, profileCoverageWarning } from "../ingest/ingest.js";
import type { DataQualityReport } from "../ingest/report.js";

/**
 * The data-quality report of the whole run from the shards' (`dirs` name them in messages): counts of people and
 * events summed, the row accounting (the same in every shard) kept, the count-dependent warnings recomputed.
 * @throws UserError when the shards did not read the same rows.
 */
export function mergeReports(reports: readonly DataQualityReport[], dirs: readonly string[]): DataQualityReport {
  const merged = structuredClone(reports[0]!) as DataQualityReport;
  const rowsOf = (r: DataQualityReport) => JSON.stringify([r.asOf, r.events.rowsRead, r.events.rowsUsed, r.events.setAside, r.events.files, r.profiles?.rowsRead ?? null]);
  reports.forEach((r, i) => {
    if (rowsOf(r) !== rowsOf(reports[0]!)) throw new UserError("config", `--shards: ${dirs[i]} read other rows than ${dirs[0]} (${r.events.rowsRead} rows read against ${reports[0]!.events.rowsRead}); shard the same data`);
  });
  const sum = (f: (r: DataQualityReport) => number) => reports.reduce((a, r) => a + f(r), 0);
  merged.events.events = sum((r) => r.events.events);
  merged.events.people = sum((r) => r.events.people);
  const types = new Map<string, number>();
  for (const r of reports) for (const t of r.events.eventTypes) types.set(t.eventType, (types.get(t.eventType) ?? 0) + t.events);
  merged.events.eventTypes = [...types]
    .map(([eventType, events]) => ({ eventType, events }))
    .filter((t) => t.events > 0)
    .sort((a, b) => b.events - a.events || (a.eventType < b.eventType ? -1 : 1));
  if (merged.events.optedOut) merged.events.optedOut = { people: sum((r) => r.events.optedOut!.people), events: sum((r) => r.events.optedOut!.events) };
  if (merged.profiles) merged.profiles.peopleWithEvents = sum((r) => r.profiles!.peopleWithEvents);
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
  // The warnings of the rows read are every shard's; those of counts come after them, from the summed counts.
  const derived = [/^privacy\.optOut: \d+ people who opted out/, /^inputs\.profiles: only \d+ of \d+ people with events have a profile/, /^instance .*: custom event .* matches no event$/];
  const warnings = merged.warnings.filter((w) => !derived.some((d) => d.test(w)));
  if (merged.events.optedOut) warnings.push(optOutWarning(merged.events.optedOut));
  const coverage = merged.profiles && profileCoverageWarning(merged.profiles.peopleWithEvents, merged.events.people);
  if (coverage) warnings.push(coverage);
  for (const inst of merged.instances) for (const ce of inst.customEvents) if (ce.events === 0) warnings.push(customEventWarning(inst.name, ce.name));
  merged.warnings = warnings;
  return merged;
}
