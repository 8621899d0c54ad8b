/**
 * Opting out (`privacy.optOut`): after both inputs are read, the people whose profile matches the opt-out
 * conditions are removed with their events and profiles, so they are never trained on, scored, explained or
 * exported. The report counts them (`events.optedOut`); the counts of events, people, event types and goal events
 * that follow describe the remaining data. Rows are still accounted for as read: used + set aside = read.
 */
import type { ResolvedConfig } from "../config/types.js";
import { compileGroup } from "../sql/conditions.js";
import { eventTypeCountsSql, flagCountsSql, optOutCountsSql, optOutSql, peopleCheckSql } from "./sql.js";
import { type EventsIngest, reportedEventTypes } from "./events.js";
import { type ProfilesIngest, profileFieldResolver } from "./profiles.js";
import type { Session } from "./session.js";

/** Removes the people who opted out and updates the counts of `events`; returns how many were removed, or null
 * without an opt-out rule. */
export async function applyOptOut(
  session: Session,
  config: ResolvedConfig,
  events: EventsIngest,
  profiles: ProfilesIngest | null,
): Promise<{ people: number; events: number } | null> {
  const rule = config.privacy.optOut;
  if (!rule || !profiles) return null;
  const condition = compileGroup(rule, profileFieldResolver(profiles), "privacy.optOut");
  await session.run(...optOutSql(condition, events.roles.group !== null));
  const removed = await session.row(optOutCountsSql());
  const optedOut = { people: Number(removed.people), events: Number(removed.events) };
  const flagRow = await session.row(flagCountsSql(events.flags.columns.map((c) => c.column)));
  for (const c of events.flags.columns) events.flagCounts[c.column] = Number(flagRow[c.column]);
  const typeRows = await session.rows(eventTypeCountsSql());
  const typeCounts = new Map(typeRows.map((r) => [String(r.event_type), Number(r.n)]));
  for (const t of events.eventTypes) t.events = typeCounts.get(t.name) ?? 0;
  const report = events.report;
  report.events = [...typeCounts.values()].reduce((a, b) => a + b, 0);
  report.people = Number((await session.row(peopleCheckSql())).people);
  report.eventTypes = reportedEventTypes(events.eventTypes);
  report.optedOut = optedOut;
  return optedOut;
}
