/**
 * Merging the shards' data-quality reports: counts of people and events are summed, event types re-sorted, the
 * row accounting kept (inputs every shard read whole) or summed (person-partitioned inputs, each shard reading its
 * own partitions), the count-dependent warnings recomputed from the sums; shards that read different rows of a
 * whole input, or the same file of a partitioned one, are refused in one line.
 */
import { describe, expect, it } from "vitest";
import { UserError } from "../../loaders/config/errors.js";
import type { DataQualityReport, SetAsideEntry } from "../../loaders/contract/data-quality.js";
import { mergeReports } from "../../loaders/shards/reports.js";

function shardReport(
  people: number,
  events: Record<string, number>,
  withProfile: number,
  optedOut: number,
  custom: number,
): DataQualityReport {
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
    profiles: {
      files: ["profiles.csv"],
      format: "csv",
      rowsRead: 500,
      rowsUsed: 500,
      rowsSetAside: 0,
      setAside: [],
      columns: [],
      people: 500,
      peopleWithEvents: withProfile,
    },
    instances: [
      {
        name: "purchase",
        goalEvents: events["buy"] ?? 0,
        customEvents: [{ name: "offers", events: custom }],
        ignoredEvents: 0,
        requirements: [
          { check: "eligible", ok: people > 0, message: `${people} people eligible on 2026-10-31`, hint: "h" },
        ],
      },
    ],
    warnings: [
      "inputs.events: no amount column; monetary features are left out",
      `privacy.optOut: ${optedOut} people who opted out were removed with their ${optedOut * 3} events: they are not trained on, scored or exported`,
      ...(withProfile < people * 0.5
        ? [
            `inputs.profiles: only ${withProfile} of ${people} people with events have a profile; check that the person id columns match`,
          ]
        : []),
      ...(custom === 0 ? ["instance purchase: custom event offers matches no event"] : []),
    ],
  };
}

describe("mergeReports", () => {
  it("sums people and events, re-sorts event types and recomputes the warnings of counts", () => {
    const merged = mergeReports(
      [shardReport(10, { view: 50, buy: 5 }, 2, 1, 0), shardReport(30, { view: 10, buy: 40, mail: 10 }, 28, 2, 4)],
      ["a", "b"],
    );
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
    expect(() => mergeReports([shardReport(5, { view: 1 }, 5, 0, 1), other], ["a", "b"])).toThrow(
      /^--shards: b read other rows than a/,
    );
  });

  /** A shard's report over partitions `parts` of a partitioned input: rows per partition as given. */
  function partitioned(
    parts: number[],
    read: number,
    setAside: SetAsideEntry[],
    present: number,
    first: string,
    last: string,
    profiles: number,
  ): DataQualityReport {
    const r = shardReport(5, { view: 1 }, 5, 0, 1);
    const aside = setAside.reduce((a, e) => a + e.rows, 0);
    const parsed = read - setAside.filter((e) => e.reason === "malformed_row").reduce((a, e) => a + e.rows, 0);
    Object.assign(r.events, {
      files: parts.map((k) => `/x/events/person_part=${k}/data_0.csv`),
      rowsRead: read,
      rowsUsed: read - aside,
      rowsSetAside: aside,
      setAside,
      columns: [
        { name: "id", type: "VARCHAR", role: "personId", completeness: 1 },
        { name: "amount", type: "DOUBLE", completeness: present / parsed },
      ],
      firstEvent: first,
      lastEvent: last,
    });
    Object.assign(r.profiles!, {
      files: parts.map((k) => `/x/profiles/person_part=${k}/data_0.csv`),
      rowsRead: profiles,
      rowsUsed: profiles,
      people: profiles,
    });
    return r;
  }
  const entry = (reason: string, rows: number, examples: string[]): SetAsideEntry => ({
    reason,
    message: reason,
    rows,
    examples,
  });

  it("sums the row accounting of shards that read their own partitions", () => {
    const a = partitioned(
      [0, 2],
      700,
      [
        entry("duplicate", 4, ["data_0.csv row 9"]),
        entry("malformed_row", 3, ["data_0.csv line 2", "data_0.csv line 5"]),
      ],
      333,
      "2025-05-02 10:00:00",
      "2026-10-30 09:00:00",
      70,
    );
    const b = partitioned(
      [1, 3],
      301,
      [
        entry("timestamp_invalid", 2, ["data_0.csv row 1", "data_0.csv row 4", "data_0.csv row 6"]),
        entry("malformed_row", 4, [
          "data_0.csv line 7",
          "data_0.csv line 8",
          "data_0.csv line 9",
          "data_0.csv line 10",
        ]),
      ],
      100,
      "2025-05-01 08:00:00",
      "2026-10-31 10:00:00",
      30,
    );
    const merged = mergeReports([a, b], ["a", "b"]);
    expect(merged.events.files).toEqual([0, 1, 2, 3].map((k) => `/x/events/person_part=${k}/data_0.csv`));
    expect(merged.events.rowsRead).toBe(1001);
    expect(merged.events.rowsSetAside).toBe(13);
    expect(merged.events.rowsUsed).toBe(988);
    // In the order one run lists them (unreadable lines first, then by reason), examples up to five, a's first.
    expect(merged.events.setAside).toEqual([
      entry("malformed_row", 7, [
        "data_0.csv line 2",
        "data_0.csv line 5",
        "data_0.csv line 7",
        "data_0.csv line 8",
        "data_0.csv line 9",
      ]),
      entry("timestamp_invalid", 2, ["data_0.csv row 1", "data_0.csv row 4", "data_0.csv row 6"]),
      entry("duplicate", 4, ["data_0.csv row 9"]),
    ]);
    // 333 of 697 and 100 of 297 parsed rows have an amount: 433 of 994, as one run divides it.
    expect(merged.events.columns[1]!.completeness).toBe(433 / 994);
    expect(merged.events.columns[0]!.completeness).toBe(1);
    expect([merged.events.firstEvent, merged.events.lastEvent]).toEqual(["2025-05-01 08:00:00", "2026-10-31 10:00:00"]);
    expect(merged.profiles!.rowsRead).toBe(100);
    expect(merged.profiles!.people).toBe(100);
    expect(merged.profiles!.files).toHaveLength(4);
  });

  it("refuses partitioned shards that read the same file, and shards that read an input in different layouts", () => {
    const a = partitioned([0, 2], 10, [], 5, "2025-05-01 00:00:00", "2026-10-31 00:00:00", 3);
    const b = partitioned([2, 3], 10, [], 5, "2025-05-01 00:00:00", "2026-10-31 00:00:00", 3);
    expect(() => mergeReports([a, b], ["a", "b"])).toThrow(
      /^--shards: a and b both read \/x\/events\/person_part=2\/data_0\.csv \(inputs\.events\)/,
    );
    const whole = shardReport(5, { view: 1 }, 5, 0, 1);
    expect(() => mergeReports([a, whole], ["a", "b"])).toThrow(
      /^--shards: b read its inputs as events whole, profiles whole and a as events partitioned, profiles partitioned; shard the same data$/,
    );
  });

  it("refuses what one run refuses and no shard could tell: nobody eligible in any shard, an as-of date after the partitions' last event", () => {
    expect(() =>
      mergeReports([shardReport(0, { view: 1 }, 0, 0, 1), shardReport(0, { view: 2 }, 0, 0, 1)], ["a", "b"]),
    ).toThrow(/^--shards: instance purchase: 0 people eligible on 2026-10-31 in all the shards together; h$/);
    const a = partitioned([0], 10, [], 5, "2025-05-01 00:00:00", "2026-10-20 00:00:00", 3);
    const b = partitioned([1], 10, [], 5, "2025-05-01 00:00:00", "2026-10-29 23:00:00", 3);
    expect(() => mergeReports([a, b], ["a", "b"])).toThrow(
      /^--shards: asOf: 2026-10-31 is after the last event \(the events run from 2025-05-01 to 2026-10-29\); score the shards again as of a date in that range$/,
    );
    b.events.lastEvent = "2026-10-31 08:00:00";
    expect(mergeReports([a, b], ["a", "b"]).events.lastEvent).toBe("2026-10-31 08:00:00");
  });
});
