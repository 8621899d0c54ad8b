/**
 * The ingest entry point: reads the events and optional profiles of a configuration into DuckDB tables
 * (`events`, `ev_types`, `people`, `profiles`) and returns the data-quality report. Structural problems raise a
 * `UserError`; row-level problems are counted in the report.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { UserError } from "../config/errors.js";
import type { ResolvedConfig } from "../config/types.js";
import { type EventsIngest, ingestEvents } from "./events.js";
import { applyOptOut } from "./opt-out.js";
import { type ProfilesIngest, ingestProfiles } from "./profiles.js";
import type { DataQualityReport, InstanceReport } from "../contract/data-quality.js";
import type { Session } from "./session.js";
import { type Shard, checkLayouts } from "./shard.js";

export type { Shard } from "./shard.js";

/** Everything the feature step needs from ingest. */
export interface IngestResult {
  config: ResolvedConfig;
  /** The scoring date of the run (YYYY-MM-DD). */
  asOf: string;
  events: EventsIngest;
  profiles: ProfilesIngest | null;
  /** The data-quality report; instance requirements are added when instances are planned. */
  report: DataQualityReport;
}

/** Reads and validates the inputs of `config` into `session` (with `shard`, keeping only that shard's people). */
export async function ingest(session: Session, config: ResolvedConfig, shard?: Shard): Promise<IngestResult> {
  const events = await readingInput("inputs.events", () => ingestEvents(session, config, shard));
  const profiles = await readingInput("inputs.profiles", () => ingestProfiles(session, config, shard));
  if (shard) checkLayouts(events.source.layout, profiles?.source.layout ?? null);
  const optedOut = await applyOptOut(session, config, events, profiles);
  const warnings = [...events.warnings, ...(profiles?.warnings ?? [])];
  if (optedOut) warnings.push(optOutWarning(optedOut));
  const [first, last] = [events.report.firstEvent.slice(0, 10), events.report.lastEvent.slice(0, 10)];
  // A partitioned input's shard has its own people's events only: `merge` checks the whole data's last event.
  if (config.asOf && config.asOf > last && !(shard && events.source.layout === "partitioned")) {
    throw new UserError(
      "config",
      `asOf: ${config.asOf} is after the last event (the events run from ${first} to ${last}); ` +
        "choose a date in that range, or leave asOf out to score as of the last event's date",
    );
  }
  for (const inst of config.instances) {
    if (inst.asOf && inst.asOf < first) {
      throw new UserError(
        "config",
        `instances[${inst.index}].asOf: ${inst.asOf} is before the first event ` +
          `(the events run from ${first} to ${last}); choose a date in that range`,
      );
    }
    if (inst.asOf && inst.asOf > events.asOf) {
      throw new UserError(
        "config",
        `instances[${inst.index}].asOf: expected a date on or before the as-of date of the data (${events.asOf}) ` +
          `but got "${inst.asOf}"`,
      );
    }
  }
  const coverage = profiles && profileCoverageWarning(profiles.report.peopleWithEvents, events.report.people);
  if (coverage) warnings.push(coverage);
  const instances: InstanceReport[] = config.instances.map((inst) => {
    const f = events.flags.instances[inst.index];
    return {
      name: inst.name,
      goalEvents: events.flagCounts[f.goal],
      customEvents: f.customEvents.map((c) => ({ name: c.name, events: events.flagCounts[c.column] })),
      ignoredEvents: f.exclusion ? events.flagCounts[f.exclusion] : 0,
    };
  });
  for (const inst of instances) {
    for (const ce of inst.customEvents) if (ce.events === 0) warnings.push(customEventWarning(inst.name, ce.name));
  }
  const report: DataQualityReport = {
    asOf: events.asOf,
    asOfSource: events.asOfSource,
    events: events.report,
    profiles: profiles?.report ?? null,
    instances,
    warnings,
  };
  return { config, asOf: events.asOf, events, profiles, report };
}

/** The warnings that depend on counts of people and events (the rest describe the rows read), in the order ingest
 * adds them after the inputs' own; `merge` recomputes them from the shards' summed counts. */
export function optOutWarning(optedOut: { people: number; events: number }): string {
  return (
    `privacy.optOut: ${optedOut.people} people who opted out were removed with their ${optedOut.events} events: ` +
    "they are not trained on, scored or exported"
  );
}

/** The warning when fewer than half of the people with events have a profile, or null. */
export function profileCoverageWarning(peopleWithEvents: number, people: number): string | null {
  if (peopleWithEvents >= people * 0.5) return null;
  return (
    `inputs.profiles: only ${peopleWithEvents} of ${people} people with events have a profile; ` +
    "check that the person id columns match"
  );
}

/** The warning for a custom event that matches no used event. */
export function customEventWarning(instance: string, customEvent: string): string {
  return `instance ${instance}: custom event ${customEvent} matches no event`;
}

/**
 * Runs the reading of one input, turning DuckDB's complaints about the file itself (a JSON record that does not
 * parse, a file that ends mid-record) into one line naming the input and where, instead of a crash. The same
 * complaint met by the first look at the file (which names the line after the bad one, if any) reads the same.
 */
async function readingInput<T>(key: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const json = /(?:^|: )Invalid Input Error: (.*JSON.*)/.exec(message.split("\n")[0]!);
    if ((error instanceof UserError && error.code !== "unreadable") || !json) throw error;
    let detail = json[1]!.trim().replace(/\.$/, "");
    const at = /in file "(.+?)", at byte \d+ in line (\d+)/.exec(detail);
    const line = at && !/\.(gz|zst)$/i.test(at[1]!) ? await firstBadJsonLine(at[1]!, Number(at[2])) : null;
    if (line !== null) detail = detail.replace(/", at byte \d+ in line \d+/, `" at line ${line}`);
    const fix = "fix or remove that record (or export the file again) and rerun";
    throw new UserError("unreadable", `${key}: ${detail}; ${fix}`);
  }
}

/** The line, at or just before `near` (DuckDB's count may run one ahead), of a JSON Lines file that does not
 * parse; null when both parse. */
async function firstBadJsonLine(file: string, near: number): Promise<number | null> {
  let n = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    n++;
    if (n < near - 1) continue;
    try {
      if (text.trim()) JSON.parse(text);
    } catch {
      return n;
    }
    if (n >= near) break;
  }
  return null;
}
