/**
 * Merging the shards' data-quality reports: counts of people and events are summed, event types re-sorted, the
 * row accounting kept, the count-dependent warnings recomputed from the sums; shards that read different rows are
 * refused in one line.
 */
import { describe, expect, it } from "vitest";
import { UserError } from "../../loaders/config/errors.js";
import type { DataQualityReport } from "../../loaders/ingest/report.js";
import { mergeReports } from "../../loaders/shards/reports.js";

function shardReport(people: number, events: Record<string, number>, withProfile: number, optedOut: number, custom: number): DataQualityReport {
  const total = Object.values(events).reduce((a, b) => a + b, 0);
  return {
    asOf: "2026-10-31",
    asOfSource: "config",
    events: {
      files: ["events.csv"],
      format: "csv",
      rowsRead: 1000,
      rowsUsed: 990,
      rowsSetAside: 10,
      setAside: [{ reason: "person_missing", message: "no person id", rows: 10, examples: ["events.csv row 3"] }],
      columns: [],
      events: total,
      people,
      firstEvent: "2025-05-01 00:00:00",
      lastEvent: "2026-10-31 10:00:00",
      mapping: {},
      eventTypes: Object.entries(events).map(([eventType, n]) => ({ eventType, events: n })),
      optedOut: { people: optedOut, events: optedOut * 3 },
    },
    profiles: { files: ["profiles.csv"], format: "csv", rowsRead: 500, rowsUsed: 500, rowsSetAside: 0, setAside: [], columns: [], people: 500, peopleWithEvents: withProfile },
    instances: [{ name: "purchase", goalEvents: events["buy"] ?? 0, customEvents: [{ name: "offers", events: custom }], ignoredEvents: 0, requirements: [{ check: "eligible", ok: people > 0, message: `${people} people eligible on 2026-10-31`, hint: "h" }] }],
    warnings: [
      "inputs.events: no amount column; monetary features are left out",
      `privacy.optOut: ${optedOut} people who opted out were removed with their ${optedOut * 3} events: they are not trained on, scored or exported`,
      ...(withProfile < people * 0.5 ? [`inputs.profiles: only ${withProfile} of ${people} people with events have a profile; check that the person id columns match`] : []),
      ...(custom === 0 ? ["instance purchase: custom event offers matches no event"] : []),
    ],
  };
}

describe("mergeReports", () => {
  it("sums people and events, re-sorts event types and recomputes the warnings of counts", () => {
    const merged = mergeReports([shardReport(10, { view: 50, buy: 5 }, 2, 1, 0), shardReport(30, { view: 10, buy: 40, mail: 10 }, 28, 2, 4)], ["a", "b"]);
    expect(merged.events.people).toBe(40);
    expect(merged.events.events).toBe(115);
    expect(merged.events.eventTypes).toEqual([
      { eventType: "view", events: 60 },
      { eventType: "buy", events: 45 },
      { eventType: "mail", events: 10 },
    ]);
    expect(merged.events.rowsRead).toBe(1000);
    expect(merged.events.optedOut).toEqual({ people: 3, events: 9 });
    expect(merged.profiles!.peopleWithEvents).toBe(30);
    expect(merged.instances[0]!.goalEvents).toBe(45);
    expect(merged.instances[0]!.customEvents[0]!.events).toBe(4);
    expect(merged.instances[0]!.requirements![0]!.message).toBe("40 people eligible on 2026-10-31");
    // Shard a alone warned of profile coverage (2 of 10) and an unmatched custom event; together neither holds.
    expect(merged.warnings).toEqual([
      "inputs.events: no amount column; monetary features are left out",
      "privacy.optOut: 3 people who opted out were removed with their 9 events: they are not trained on, scored or exported",
    ]);
  });

  it("refuses shards that read different rows", () => {
    const other = shardReport(5, { view: 1 }, 5, 0, 1);
    other.events.rowsRead = 999;
    expect(() => mergeReports([shardReport(5, { view: 1 }, 5, 0, 1), other], ["a", "b"])).toThrow(UserError);
    expect(() => mergeReports([shardReport(5, { view: 1 }, 5, 0, 1), other], ["a", "b"])).toThrow(/^--shards: b read other rows than a/);
  });
});
