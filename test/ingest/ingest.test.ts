import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { UserError, type UserErrorCode } from "../../loaders/config/errors.js";
import type { CustomerAIConfig, EventsInput } from "../../loaders/config/types.js";
import { validateConfig } from "../../loaders/config/validate.js";
import { type IngestResult, ingest } from "../../loaders/ingest/ingest.js";
import { Session } from "../../loaders/ingest/session.js";

const dir = mkdtempSync(join(tmpdir(), "ingest-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, lines: string[] | string): string {
  const path = join(dir, name);
  writeFileSync(path, Array.isArray(lines) ? lines.join("\n") + "\n" : lines);
  return path;
}

const MAPPING = { personId: "ecid", timestamp: "ts", eventType: "type", amount: "amount" };

function configOf(
  events: Partial<EventsInput> & { path: string },
  extra: Partial<CustomerAIConfig> = {},
): CustomerAIConfig {
  return {
    inputs: { events: { columns: MAPPING, ...events } },
    instances: [
      {
        name: "buy",
        type: "conversion",
        window: 30,
        goal: { conditions: [{ field: "eventType", op: "equals", value: "purchase" }] },
      },
    ],
    ...extra,
  };
}

/** Runs ingest in a fresh session. */
async function run(config: CustomerAIConfig): Promise<IngestResult> {
  let result: IngestResult | undefined;
  await ingested(config, async (r) => void (result = r));
  return result!;
}

/** Runs ingest, then `check` on the same session (to query its tables). */
async function ingested(
  config: CustomerAIConfig,
  check: (result: IngestResult, session: Session) => Promise<void>,
): Promise<void> {
  const session = await Session.open({ memoryLimit: "1GB", threads: 2 });
  try {
    await check(await ingest(session, validateConfig(config, { baseDir: dir })), session);
  } finally {
    session.close();
  }
}

/** Runs a statement in a fresh session (e.g. a COPY writing a test file). */
async function execute(sql: string): Promise<void> {
  const session = await Session.open({ memoryLimit: "1GB", threads: 2 });
  try {
    await session.run(sql);
  } finally {
    session.close();
  }
}

/** The UserError of an ingest run, checked for its code. */
async function failure(config: CustomerAIConfig, code: UserErrorCode): Promise<string> {
  try {
    await run(config);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe(code);
    return (error as UserError).message;
  }
  throw new Error(`expected a UserError (${code})`);
}

const GOOD = [
  "ecid,ts,type,amount",
  "p1,2025-01-01 10:00:00,view,",
  "p1,2025-01-02 10:00:00,purchase,20",
  "p2,2025-01-03 10:00:00,view,",
];

describe("structural errors stop the run with a specific message", () => {
  it("file missing, glob without match, folder", async () => {
    expect(await failure(configOf({ path: "missing.csv" }), "file_missing")).toBe(
      `inputs.events.path: file not found: ${join(dir, "missing.csv")}`,
    );
    expect(await failure(configOf({ path: "nothing-*.csv" }), "file_missing")).toBe(
      `inputs.events.path: no file matches ${join(dir, "nothing-*.csv")}`,
    );
    expect(await failure(configOf({ path: "." }), "file_missing")).toContain("is a folder; expected a file or a glob");
  });

  it("empty file and header only", async () => {
    const empty = file("empty.csv", "");
    expect(await failure(configOf({ path: empty }), "file_empty")).toBe(`inputs.events: ${empty} is empty (0 bytes)`);
    const header = file("header.csv", ["ecid,ts,type,amount"]);
    expect(await failure(configOf({ path: header }), "file_empty")).toBe(
      `inputs.events: ${header} contain no data rows (only a header or nothing)`,
    );
  });

  it("unknown format and unreadable file", async () => {
    const xlsx = file("events.xlsx", GOOD);
    expect(await failure(configOf({ path: xlsx }), "unknown_format")).toBe(
      `inputs.events.path: cannot tell the format of ${xlsx}; expected a .csv, .csv.gz, .tsv, .parquet, .jsonl, .ndjson or .json file, or set inputs.events.format to csv, parquet or jsonl`,
    );
    const fake = file("fake.parquet", GOOD);
    expect(await failure(configOf({ path: fake }), "unreadable")).toMatch(
      new RegExp(`^inputs\\.events: could not read ${fake.replace(/[.]/g, "\\.")} as parquet: `),
    );
  });

  it("a required column is missing: lists the columns found and the closest names", async () => {
    const path = file("unmapped.csv", GOOD);
    const message = await failure({ ...configOf({ path }), inputs: { events: { path } } }, "column_missing");
    expect(message).toBe(
      `inputs.events.columns.personId: person id column "identityMap.ECID" not found in ${path}; columns found: ecid, ts, type, amount; closest: "ecid"`,
    );
    const typo = await failure(configOf({ path, columns: { ...MAPPING, eventType: "Type " } }), "column_missing");
    expect(typo).toContain('inputs.events.columns.eventType: event type column "Type " not found');
    expect(typo).toContain('closest: "type"');
  });

  it("a condition names a field that does not exist", async () => {
    const path = file("cond.csv", GOOD);
    const config = configOf({ path });
    config.instances[0].customEvents = [
      { name: "promo", label: "Promo view", conditions: [{ field: "campain", op: "equals", value: "x" }] },
    ];
    expect(await failure(config, "column_missing")).toBe(
      `instances[0].customEvents[0].conditions[0].field: no role or column "campain" in inputs.events (${path})`,
    );
  });

  it("a column of the wrong type", async () => {
    const ts = file("badts.csv", [
      "ecid,ts,type,amount",
      "p1,yesterday,view,",
      "p2,last week,view,",
      "p3,2025-01-01,purchase,3",
    ]);
    expect(await failure(configOf({ path: ts }), "column_type")).toBe(
      'inputs.events.columns.timestamp: column "ts" should hold timestamps but 2 of the first 3 values cannot be read as times from 1900 to 2199 (e.g. "last week"). ' +
        'Set inputs.events.timestampFormat (a strptime format such as "%m/%d/%Y %H:%M", or epoch_s / epoch_ms / epoch_us).',
    );
    const amount = file("badamount.csv", [
      "ecid,ts,type,amount",
      "p1,2025-01-01,purchase,ten",
      "p2,2025-01-02,purchase,twelve",
    ]);
    expect(await failure(configOf({ path: amount }), "column_type")).toBe(
      'inputs.events.columns.amount: column "amount" should hold numbers but 2 of the first 2 values are not numbers (e.g. "ten")',
    );
    const parquet = join(dir, "boolts.parquet");
    await execute(
      `COPY (SELECT 'p1' AS ecid, TRUE AS ts, 'purchase' AS type, 1.0 AS amount) TO '${parquet}' (FORMAT parquet)`,
    );
    expect(await failure(configOf({ path: parquet }), "column_type")).toBe(
      'inputs.events.columns.timestamp: column "ts" has type BOOLEAN; expected timestamps or text like 2025-05-01 13:45:00. ' +
        'Set inputs.events.timestampFormat (a strptime format such as "%m/%d/%Y %H:%M", or epoch_s / epoch_ms / epoch_us).',
    );
  });

  it("epoch times: each unit, a hint naming the unit the values have, and far-off times set aside", async () => {
    const ms = [Date.UTC(2025, 0, 1, 10), Date.UTC(2025, 0, 2, 10), Date.UTC(2025, 0, 3, 10)];
    const epoch = (scale: number) =>
      file(`epoch-${scale}.csv`, [
        "ecid,ts,type,amount",
        ...ms.map((t, i) => `p${i},${(t * scale) / 1000},${i ? "purchase" : "view"},`),
      ]);
    for (const [format, scale] of [
      ["epoch_s", 1],
      ["epoch_ms", 1000],
      ["epoch_us", 1e6],
    ] as const) {
      const { report } = await run(configOf({ path: epoch(scale), timestampFormat: format }));
      expect([report.events.rowsUsed, report.events.firstEvent, report.events.lastEvent]).toEqual([
        3,
        "2025-01-01 10:00:00",
        "2025-01-03 10:00:00",
      ]);
    }
    expect(await failure(configOf({ path: epoch(1000), timestampFormat: "epoch_s" }), "column_type")).toBe(
      'inputs.events.columns.timestamp: column "ts" should hold timestamps but 3 of the first 3 values cannot be read as times from 1900 to 2199 with format "epoch_s" ' +
        '(e.g. "1735725600000"). The values look like epoch milliseconds: set inputs.events.timestampFormat to "epoch_ms".',
    );
    const parquet = join(dir, "epoch-us.parquet");
    await execute(
      `COPY (SELECT * FROM read_csv('${epoch(1e6)}', columns = {'ecid': 'VARCHAR', 'ts': 'BIGINT', 'type': 'VARCHAR', 'amount': 'DOUBLE'})) TO '${parquet}' (FORMAT parquet)`,
    );
    expect(await failure(configOf({ path: parquet }), "column_type")).toBe(
      'inputs.events.columns.timestamp: column "ts" has type BIGINT; expected timestamps or text like 2025-05-01 13:45:00. ' +
        'The values look like epoch microseconds (e.g. 1735812000000000): set inputs.events.timestampFormat to "epoch_us".',
    );
    const typo = file("typo.csv", [
      "ecid,ts,type,amount",
      "p1,2025-01-01 10:00:00,view,",
      "p1,2925-01-02 10:00:00,purchase,",
      "p2,2025-01-03 10:00:00,purchase,",
    ]);
    const { report } = await run(configOf({ path: typo }));
    expect(report.events.setAside).toMatchObject([
      { reason: "timestamp_invalid", rows: 1, examples: ["typo.csv row 2"] },
    ]);
    expect(report.asOf).toBe("2025-01-03");
  });

  it("amounts with a decimal comma: a hint, then read with decimalSeparator", async () => {
    const path = file("comma.csv", [
      "ecid;ts;type;amount",
      "p1;2025-01-01 10:00:00;purchase;12,50", // 12.5
      "p1;2025-01-02 10:00:00;purchase;1.234,5", // 1234.5 (dot groups thousands)
      "p1;2025-01-02 11:00:00;purchase;0,99", // 0.99
      "p2;2025-01-03 10:00:00;purchase;-3", // negative_amount
      "p2;2025-01-04 10:00:00;purchase;7.5", // amount_invalid: a dot that does not group thousands
      "p3;2025-01-05 10:00:00;view;", // no amount
    ]);
    expect(await failure(configOf({ path }), "column_type")).toBe(
      'inputs.events.columns.amount: column "amount" should hold numbers but 3 of the first 5 values are not numbers (e.g. "0,99"). ' +
        'They read as numbers with a decimal ",": set inputs.events.decimalSeparator to ","',
    );
    await ingested(configOf({ path, decimalSeparator: "," }), async ({ report }, session) => {
      expect(report.events.setAside.map((e) => [e.reason, e.examples])).toEqual([
        ["amount_invalid", ["comma.csv row 5"]],
        ["negative_amount", ["comma.csv row 4"]],
      ]);
      expect(await session.rows("SELECT amount FROM events ORDER BY day, amount")).toEqual([
        { amount: 12.5 },
        { amount: 0.99 },
        { amount: 1234.5 },
        { amount: null },
      ]);
    });
  });

  it("an instance whose goal matches no event shows the values found", async () => {
    const path = file("nogoal.csv", GOOD);
    const config = configOf({ path });
    config.instances[0].goal = { conditions: [{ field: "eventType", op: "equals", value: "order" }] };
    expect(await failure(config, "goal_no_match")).toBe(
      'instances[0].goal (buy) matches no event: eventType equals "order"; values of eventType: "view" (2), "purchase" (1)',
    );
    // The goal's only row lies after the as-of date: the rows, not the goal, are the problem.
    const late = configOf(
      {
        path: file("late-goal.csv", [
          GOOD[0]!,
          "p1,2025-01-01 10:00:00,view,",
          "p1,2025-01-05 10:00:00,purchase,20",
          "p2,2025-01-03 10:00:00,view,",
        ]),
      },
      { asOf: "2025-01-04" },
    );
    expect(await failure(late, "goal_no_match")).toBe(
      'instances[0].goal (buy) matches no usable event: eventType equals "purchase" matches rows that were all set aside (1 timestamp after the as-of date); see the data-quality report\'s set-aside rows',
    );
  });

  it("no usable rows at all", async () => {
    const path = file("allbad.csv", ["ecid,ts,type,amount", ",2025-01-01,view,", "p1,,view,", "p2,2025-01-01,,"]);
    const message = await failure(configOf({ path }), "no_events");
    expect(message).toContain("inputs.events: no usable events; all 3 rows were set aside (");
    expect(message).toContain("timestamp_invalid: 1 (e.g. allbad.csv row 2)");
    expect(message).toContain("person_id_missing: 1 (e.g. allbad.csv row 1)");
    expect(message).toContain("event_type_missing: 1 (e.g. allbad.csv row 3)");
  });
});

/** What rows.csv (below) sets aside for each reason but malformed rows (checked whole). */
const SET_ASIDE = {
  timestamp_invalid: {
    rows: 2,
    message: "timestamp missing or not readable",
    examples: ["rows.csv row 3", "rows.csv row 4"],
  },
  person_id_missing: { rows: 1, message: "person id missing or empty", examples: ["rows.csv row 5"] },
  event_type_missing: { rows: 1, message: "event type missing or empty", examples: ["rows.csv row 6"] },
  amount_invalid: { rows: 1, message: "amount present but not a finite number", examples: ["rows.csv row 7"] },
  after_as_of: { rows: 1, message: "timestamp after the as-of date", examples: ["rows.csv row 8"] },
  excluded: { rows: 1, rule: "testTraffic", message: "matches an exclusion rule", examples: ["rows.csv row 12"] },
  negative_amount: {
    rows: 1,
    message: "negative amount where amounts cannot be negative",
    examples: ["rows.csv row 10"],
  },
  duplicate: { rows: 1, message: "exact duplicate of an earlier row", examples: ["rows.csv row 9"] },
};

describe("row-level problems are counted by reason with example rows, and every row is accounted for", () => {
  const path = file("rows.csv", [
    "ecid,ts,type,amount,note",
    "p1,2025-01-01 10:00:00,view,,", // 1 used
    "p1,2025-01-02 10:00:00,purchase,20,", // 2 used
    "p2,not a date,view,,", // 3 timestamp_invalid
    "p2,,view,,", // 4 timestamp_invalid (missing)
    ",2025-01-03 10:00:00,view,,", // 5 person_id_missing
    "p3,2025-01-03 11:00:00,,,", // 6 event_type_missing
    "p3,2025-01-04 11:00:00,purchase,abc,", // 7 amount_invalid
    "p3,2025-03-01 11:00:00,view,,", // 8 after_as_of (as of 2025-02-28)
    "p1,2025-01-01 10:00:00,view,,", // 9 duplicate of row 1
    "p4,2025-01-05 09:00:00,purchase,-5,", // 10 negative_amount
    "p4,2025-01-05 09:30:00,purchase,-5,refund", // 11 used: negative allowed for refunds
    "p5,2025-01-06 09:00:00,view,,test", // 12 excluded (test traffic)
    "p6,2025-01-07 09:00:00,view", // 13 malformed (missing field), line 14
    "p6,2025-01-08 10:00:00,purchase,30,", // 14 used
    "p7,2025-01-08 10:00:00,view,,,extra", // 15 malformed (extra field), line 16
    "p7,2025-02-28 23:59:59,view,,", // 16 used (last second of the as-of date)
  ]);
  const config = configOf(
    {
      path,
      csv: { delimiter: "," },
      allowNegativeAmounts: { conditions: [{ field: "note", op: "equals", value: "refund" }] },
    },
    {
      asOf: "2025-02-28",
      exclusions: [{ name: "testTraffic", conditions: [{ field: "note", op: "equals", value: "test" }] }],
    },
  );

  it("sets aside each reason with its message and examples", async () => {
    const { report } = await run(config);
    const events = report.events;
    const byReason = Object.fromEntries(events.setAside.map((e) => [e.reason, e]));
    expect(Object.keys(byReason)).toEqual([
      "malformed_row",
      "timestamp_invalid",
      "person_id_missing",
      "event_type_missing",
      "amount_invalid",
      "after_as_of",
      "excluded",
      "negative_amount",
      "duplicate",
    ]);
    expect(byReason.malformed_row).toEqual({
      reason: "malformed_row",
      message: "line could not be parsed (wrong number of fields or broken quoting)",
      rows: 2,
      examples: ["rows.csv line 14", "rows.csv line 16"],
    });
    // Each reason with its rows, message and example rows (and the exclusion rule's name).
    for (const [reason, expected] of Object.entries(SET_ASIDE))
      expect(byReason[reason], reason).toMatchObject(expected);
    expect(events.rowsRead).toBe(16);
    expect(events.rowsUsed).toBe(5);
    expect(events.rowsSetAside).toBe(11);
    expect(events.rowsUsed + events.setAside.reduce((a, e) => a + e.rows, 0)).toBe(events.rowsRead);
    expect(events.people).toBe(4);
    expect(events.firstEvent).toBe("2025-01-01 10:00:00");
    expect(events.lastEvent).toBe("2025-02-28 23:59:59");
    expect(report.asOf).toBe("2025-02-28");
    expect(report.asOfSource).toBe("config");
  });

  it("writes a JSON-serialisable data-quality report", async () => {
    const { report } = await run(config);
    const copy = JSON.parse(JSON.stringify(report));
    expect(copy).toEqual(report);
    expect(report.events.eventTypes).toEqual([
      { eventType: "purchase", events: 3 },
      { eventType: "view", events: 2 },
    ]);
    expect(report.events.mapping).toEqual({ personId: "ecid", timestamp: "ts", eventType: "type", amount: "amount" });
    const note = report.events.columns.find((c) => c.name === "note")!;
    expect(note).toEqual({ name: "note", type: "VARCHAR", completeness: 2 / 14 });
    expect(report.events.columns.find((c) => c.name === "ecid")).toMatchObject({ role: "personId" });
    expect(report.instances).toEqual([{ name: "buy", goalEvents: 3, customEvents: [], ignoredEvents: 0 }]);
    expect(report.warnings).toEqual([]);
  });

  it("defaults the as-of date to the last event's date", async () => {
    const { report, asOf } = await run({ ...config, asOf: undefined });
    expect(asOf).toBe("2025-03-01");
    expect(report.asOfSource).toBe("last event");
    expect(report.events.setAside.find((e) => e.reason === "after_as_of")).toBeUndefined();
  });
});

/** Three GA4 export rows (two devices, one signed in): events with event_params as key-value records. */
function ga4Rows(): Record<string, unknown>[] {
  const us = (iso: string) => Date.parse(`${iso}Z`) * 1000;
  const param = (key: string, value: Record<string, unknown>) => ({
    key,
    value: { string_value: null, int_value: null, double_value: null, ...value },
  });
  return [
    {
      user_pseudo_id: "d1",
      user_id: null,
      event_name: "page_view",
      event_timestamp: us("2025-01-01T10:00:00"),
      event_params: [
        param("page_location", { string_value: "https://shop/sale/1" }),
        param("ga_session_id", { int_value: 7 }),
      ],
    },
    {
      user_pseudo_id: "d1",
      user_id: "u1",
      event_name: "purchase",
      event_timestamp: us("2025-01-02T10:00:00"),
      event_params: [param("value", { double_value: 19.5 }), param("currency", { string_value: "EUR" })],
    },
    {
      user_pseudo_id: "d2",
      user_id: null,
      event_name: "page_view",
      event_timestamp: us("2025-01-03T10:00:00"),
      event_params: [param("page_location", { string_value: "https://shop/" })],
    },
  ];
}

/**
 * A configuration of a GA4 export at `path`: user_id as the person, user_pseudo_id as the anonymous id, epoch
 * microseconds; custom events on `field` (a sale page) and on the session id.
 */
function ga4(path: string, field = "event_params.page_location"): CustomerAIConfig {
  return {
    inputs: {
      events: {
        path,
        columns: {
          personId: "user_id",
          timestamp: "event_timestamp",
          eventType: "event_name",
          amount: "event_params.value",
        },
        anonymousId: "user_pseudo_id",
        timestampFormat: "epoch_us",
      },
    },
    instances: [
      {
        name: "buy",
        type: "conversion",
        window: 30,
        goal: { conditions: [{ field: "eventType", op: "equals", value: "purchase" }] },
        customEvents: [
          { name: "sale_view", label: "Sale page view", conditions: [{ field, op: "contains", value: "/sale/" }] },
          {
            name: "session",
            label: "Long session",
            conditions: [{ field: "event_params.ga_session_id", op: "gte", value: 7 }],
          },
        ],
      },
    ],
  };
}

describe("formats", () => {
  const rows = [
    { ecid: "p1", ts: "2025-01-01 10:00:00", type: "view", amount: null },
    { ecid: "p1", ts: "2025-01-02 10:00:00", type: "purchase", amount: 20 },
    { ecid: "p2", ts: "2025-01-03 10:00:00", type: "purchase", amount: 5.5 },
  ];

  it("refuses a truncated or corrupted gzip file instead of reading part of it", async () => {
    const lines = [
      GOOD[0]!,
      ...Array.from(
        { length: 20_000 },
        (_, i) =>
          `p${i % 700},2025-01-${String(1 + (i % 28)).padStart(2, "0")} 10:00:00,${i % 5 ? "view" : "purchase"},${i}`,
      ),
    ];
    const whole = gzipSync(lines.join("\n") + "\n");
    const truncated = file("truncated.csv.gz", "");
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length * 0.6)));
    expect(await failure(configOf({ path: truncated }), "unreadable")).toMatch(
      /truncated\.csv\.gz is not a complete gzip file \(unexpected end of file\)/,
    );
    const corrupted = file("corrupted.csv.gz", "");
    const bytes = Buffer.from(whole);
    bytes[bytes.length - 6]! ^= 0xff; // the CRC of the content
    writeFileSync(corrupted, bytes);
    expect(await failure(configOf({ path: corrupted }), "unreadable")).toContain(
      "corrupted.csv.gz is not a complete gzip file",
    );
    const good = file("whole.csv.gz", "");
    writeFileSync(good, whole);
    expect((await run(configOf({ path: good }))).report.events.rowsRead).toBe(20_000);
  });

  it("sets aside amounts that are not finite numbers (NaN, Infinity, beyond a double's range)", async () => {
    const amounts = ["NaN", "Infinity", "-inf", "1e309", "12.5", "7"];
    const path = file("non-finite.csv", [
      GOOD[0]!,
      ...amounts.map((a, i) => `p${i},2025-01-0${i + 1} 10:00:00,purchase,${a}`),
    ]);
    const { report } = await run(configOf({ path }));
    const invalid = report.events.setAside.find((e) => e.reason === "amount_invalid")!;
    expect(invalid).toMatchObject({
      rows: 4,
      examples: ["non-finite.csv row 1", "non-finite.csv row 2", "non-finite.csv row 3", "non-finite.csv row 4"],
    });
    expect(report.events.rowsUsed).toBe(2);
  });

  it("a UTF-16 file read as UTF-8 names the encoding setting; control characters in names are shown as escapes", async () => {
    const utf16 = join(dir, "utf16.csv");
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(GOOD.join("\n") + "\n", "utf16le")]));
    const message = await failure(configOf({ path: utf16 }), "column_missing");
    expect(message).toContain('set csv: { encoding: "utf-16" }');
    expect((await run(configOf({ path: utf16, csv: { encoding: "utf-16" } }))).report.events.rowsUsed).toBe(3);
    const ansi = file("ansi.csv", ["\u001b[31mecid,ts,type,amount", ...GOOD.slice(1)]);
    const shown = await failure(configOf({ path: ansi }), "column_missing");
    expect(shown).toContain("\\u001b[31mecid");
    expect(shown).not.toContain("\u001b");
  });

  it("a malformed JSON record deep in a file is one line naming the file and the line", async () => {
    const record = (i: number) =>
      JSON.stringify({ ecid: `p${i % 500}`, ts: "2025-01-02 10:00:00", type: i % 4 ? "view" : "purchase", amount: i });
    const lines = Array.from({ length: 30_000 }, (_, i) =>
      i === 29_000 ? '{"ecid": "p1", "ts": "2025-01-02",,}' : record(i),
    );
    const path = file("deep.jsonl", lines);
    expect(await failure(configOf({ path }), "unreadable")).toMatch(
      /^inputs\.events: Malformed JSON in file ".*deep\.jsonl" at line 29001: unexpected character; fix or remove that record/,
    );
  });

  it("an as-of date outside the data's range is one line naming the range", async () => {
    const path = file("as-of.csv", GOOD);
    expect(await failure(configOf({ path }, { asOf: "2025-03-01" }), "config")).toBe(
      "asOf: 2025-03-01 is after the last event (the events run from 2025-01-01 to 2025-01-03); choose a date in that range, or leave asOf out to score as of the last event's date",
    );
    const early = configOf({ path });
    early.instances[0]!.asOf = "2024-12-01";
    expect(await failure(early, "config")).toContain(
      "instances[0].asOf: 2024-12-01 is before the first event (the events run from 2025-01-01 to 2025-01-03)",
    );
  });

  it("names the file of a glob whose every row is set aside, such as one without a mapped column", async () => {
    file("mixed-1.csv", GOOD);
    file("mixed-2.csv", ["ecid,time,type,amount", "p9,2025-01-02 10:00:00,purchase,5", "p9,2025-01-03 10:00:00,view,"]);
    const { report } = await run(configOf({ path: join(dir, "mixed-*.csv") }));
    expect(report.events).toMatchObject({ rowsRead: 5, rowsUsed: 3 });
    expect(report.warnings).toContainEqual(
      expect.stringMatching(
        /every row of .*mixed-2\.csv \(2\) was set aside: timestamp missing or not readable; check that this file has the same columns/,
      ),
    );
  });

  it("an event type with a NUL character is one line naming the column and the row", async () => {
    const path = file("nul.csv", [GOOD[0]!, GOOD[1]!, "p2,2025-01-02 10:00:00,pur\u0000chase,", GOOD[2]!]);
    expect(await failure(configOf({ path }), "column_type")).toBe(
      'inputs.events: the event type "pur\\u0000chase" (column type, first in nul.csv row 2) contains a NUL character; remove it from the data and rerun',
    );
  });

  it("reads a CSV whose header ends in LF and whose rows end in CRLF", async () => {
    const path = file("mixed-endings.csv", `${GOOD[0]}\n${GOOD.slice(1).join("\r\n")}\r\n`);
    await ingested(configOf({ path }), async (result, session) => {
      expect(result.report.events).toMatchObject({ rowsRead: 3, rowsUsed: 3, rowsSetAside: 0, people: 2 });
      expect(await session.rows("SELECT amount FROM events WHERE amount IS NOT NULL")).toEqual([{ amount: 20 }]);
    });
  });

  it("reads gzipped CSV globs, JSON Lines, JSON arrays, gzipped JSON, nested JSON and Parquet alike", async () => {
    const csv = (r: (typeof rows)[number]) => `${r.ecid},${r.ts},${r.type},${r.amount ?? ""}`;
    writeFileSync(join(dir, "part-1.csv.gz"), gzipSync(["ecid,ts,type,amount", csv(rows[0])].join("\n") + "\n"));
    writeFileSync(
      join(dir, "part-2.csv.gz"),
      gzipSync(["ecid,ts,type,amount", csv(rows[1]), csv(rows[2])].join("\n") + "\n"),
    );
    const jsonl = file(
      "events.jsonl",
      rows.map((r) => JSON.stringify(r)),
    );
    const nested = file(
      "nested.ndjson",
      rows.map((r) =>
        JSON.stringify({
          identityMap: { ECID: r.ecid },
          timestamp: r.ts,
          eventType: r.type,
          commerce: { order: { priceTotal: r.amount } },
        }),
      ),
    );
    const parquet = join(dir, "events.parquet");
    await execute(`COPY (SELECT * FROM read_json('${jsonl}')) TO '${parquet}' (FORMAT parquet)`);
    const array = file("array.json", JSON.stringify(rows));
    const gzipped = join(dir, "export.json.gz");
    writeFileSync(gzipped, gzipSync(rows.map((r) => JSON.stringify(r)).join("\n") + "\n"));
    for (const path of [join(dir, "part-*.csv.gz"), jsonl, array, gzipped, parquet]) {
      const { report } = await run(configOf({ path }));
      expect(report.events.rowsUsed).toBe(3);
      expect(report.events.people).toBe(2);
      expect(report.instances[0].goalEvents).toBe(2);
    }
    const globbed = await run(configOf({ path: join(dir, "part-*.csv.gz") }));
    expect(globbed.report.events.files.map((f) => f.split("/").pop())).toEqual(["part-1.csv.gz", "part-2.csv.gz"]);
    // Nested JSON with XDM paths needs no column mapping.
    const xdm = await run({
      ...configOf({ path: nested }),
      inputs: { events: { path: nested, columns: { amount: "commerce.order.priceTotal" } } },
    });
    expect(xdm.report.events.rowsUsed).toBe(3);
    expect(xdm.report.events.mapping.personId).toBe("identityMap.ECID");
  });

  it("sets aside lines that are not valid UTF-8 with a warning, and reads them with csv.encoding", async () => {
    const path = join(dir, "latin1.csv");
    const lines = [
      "ecid,ts,type,amount,page",
      "p1,2025-01-01 10:00:00,view,,Home",
      "p1,2025-01-02 10:00:00,view,,Café",
      "p2,2025-01-03 10:00:00,purchase,5,Home",
    ];
    writeFileSync(path, Buffer.from(lines.join("\n") + "\n", "latin1"));
    const cafe = {
      customEvents: [
        { name: "cafe", label: "Café page", conditions: [{ field: "page", op: "equals" as const, value: "Café" }] },
      ],
    };
    const config = (csv: EventsInput["csv"]) => {
      const c = configOf({ path, csv });
      Object.assign(c.instances[0]!, cafe);
      return c;
    };
    const utf8 = await run(config(undefined));
    expect(utf8.report.events.setAside).toEqual([
      {
        reason: "encoding_invalid",
        message: "line is not valid text in the file's encoding (UTF-8 unless csv.encoding names another)",
        rows: 1,
        examples: ["latin1.csv line 3"],
      },
    ]);
    expect(utf8.report.warnings).toContain(
      "inputs.events: 1 line is not valid UTF-8 (e.g. latin1.csv line 3); if the file uses another encoding, set inputs.events.csv.encoding to utf-8, latin-1 or utf-16",
    );
    const latin1 = await run(config({ encoding: "latin-1" }));
    expect(latin1.report.events.rowsUsed).toBe(3);
    expect(latin1.report.instances[0]!.customEvents).toEqual([{ name: "cafe", events: 1 }]);
  });

  it("reads person ids from XDM identity lists: the primary id, else the first", async () => {
    const identities = (r: (typeof rows)[number], i: number) =>
      i === 0
        ? [
            { id: "other-device", primary: false },
            { id: r.ecid, primary: true },
          ]
        : [
            { id: r.ecid, primary: false },
            { id: "later", primary: false },
          ];
    const path = file(
      "identities.jsonl",
      rows.map((r, i) =>
        JSON.stringify({ identityMap: { ECID: identities(r, i) }, timestamp: r.ts, eventType: r.type }),
      ),
    );
    await ingested({ ...configOf({ path }), inputs: { events: { path } } }, async ({ report }, session) => {
      expect(report.events.rowsUsed).toBe(3);
      expect(await session.rows("SELECT person_id FROM people ORDER BY person_id")).toEqual([
        { person_id: "p1" },
        { person_id: "p2" },
      ]);
    });
    const other = file("listid.jsonl", [
      JSON.stringify({ identityMap: { ECID: [1, 2] }, timestamp: rows[0].ts, eventType: "view" }),
    ]);
    expect(await failure({ ...configOf({ path: other }), inputs: { events: { path: other } } }, "column_type")).toBe(
      'inputs.events.columns.personId: column "identityMap.ECID" has type BIGINT[]; expected text, numbers or an XDM identity list ([{id, primary}]).',
    );
  });

  it("stitches anonymous ids: rows without a person id go to the linked person, else to an anonymous person", async () => {
    // a1 browses before signing up as u1; a2 (a shared device) appears with u3, then u2 (the earliest wins);
    // a9 never signs in; the last row has neither id.
    const path = file("anonymous.csv", [
      "ecid,anon,ts,type,amount",
      ",a1,2025-01-01 09:00:00,view,",
      ",a1,2025-01-01 09:05:00,view,",
      "u1,a1,2025-01-02 10:00:00,purchase,20",
      "u2,a2,2025-01-03 10:00:00,view,",
      "u3,a2,2025-01-02 10:00:00,view,",
      ",a2,2025-01-04 10:00:00,purchase,5",
      ",a9,2025-01-05 10:00:00,view,",
      " , ,2025-01-05 11:00:00,view,",
    ]);
    await ingested(configOf({ path, anonymousId: "anon" }), async ({ report }, session) => {
      expect(report.events.identities).toEqual({
        column: "anon",
        rowsLinked: 3,
        rowsAnonymous: 1,
        sharedAnonymousIds: 1,
      });
      expect(report.events.mapping.anonymousId).toBe("anon");
      expect(report.events.rowsUsed).toBe(7);
      expect(report.events.setAside.map((s) => [s.reason, s.rows, s.examples])).toEqual([
        ["person_id_missing", 1, ["anonymous.csv row 8"]],
      ]);
      expect(report.warnings).toContain(
        "inputs.events: 1 anonymous id appears with more than one person id (shared devices?); rows without a person id go to the first of them",
      );
      const perPerson = await session.rows(
        "SELECT p.person_id, count(*)::INTEGER AS events FROM events e JOIN people p USING (pk) GROUP BY 1 ORDER BY 1",
      );
      expect(perPerson).toEqual([
        { person_id: "anonymous:a9", events: 1 },
        { person_id: "u1", events: 3 },
        { person_id: "u2", events: 1 },
        { person_id: "u3", events: 2 },
      ]);
      expect(report.instances[0]!.goalEvents).toBe(2);
    });
    // Without the setting, rows without a person id are set aside as before.
    const plain = await run(configOf({ path }));
    expect(plain.report.events.setAside.map((s) => [s.reason, s.rows])).toEqual([["person_id_missing", 5]]);
    expect(plain.report.events.identities).toBeUndefined();
    const missing = await failure(configOf({ path, anonymousId: "anonymous_id" }), "column_missing");
    expect(missing).toBe(
      `inputs.events.anonymousId: anonymous id column "anonymous_id" not found in ${path}; columns found: ecid, anon, ts, type, amount; closest: "anon"`,
    );
  });

  it("reads GA4 exports: event_params keys as fields, epoch microseconds, user_pseudo_id as the anonymous id", async () => {
    const rows = ga4Rows();
    const jsonl = file(
      "ga4.jsonl",
      rows.map((r) => JSON.stringify(r)),
    );
    const parquet = join(dir, "ga4.parquet");
    await execute(`COPY (SELECT * FROM read_json('${jsonl}')) TO '${parquet}' (FORMAT parquet)`);
    for (const path of [jsonl, parquet]) {
      const { report } = await run(ga4(path));
      expect(report.events.rowsUsed).toBe(3);
      expect(report.events.people).toBe(2);
      expect(report.events.identities).toMatchObject({ rowsLinked: 1, rowsAnonymous: 1 });
      expect(report.events.mapping.amount).toBe("event_params.value");
      expect(report.instances[0]!.customEvents).toEqual([
        { name: "sale_view", events: 1 },
        { name: "session", events: 1 },
      ]);
    }
    await ingested(ga4(parquet), async (_, session) => {
      expect(
        await session.rows(
          "SELECT p.person_id, sum(e.amount) AS amount FROM events e JOIN people p USING (pk) GROUP BY 1 ORDER BY 1",
        ),
      ).toEqual([
        { person_id: "anonymous:d2", amount: null },
        { person_id: "u1", amount: 19.5 },
      ]);
    });
    // A map with text keys reads the same way.
    const mapped = join(dir, "map.parquet");
    await execute(`COPY (SELECT user_pseudo_id, user_id, event_name, event_timestamp,
      map_from_entries(list_transform(event_params, lambda p: {'k': p."key", 'v': COALESCE(p."value".string_value, CAST(p."value".int_value AS VARCHAR))})) AS event_params FROM '${parquet}') TO '${mapped}' (FORMAT parquet)`);
    const { report } = await run({
      ...ga4(mapped),
      inputs: {
        events: {
          ...ga4(mapped).inputs.events,
          columns: { personId: "user_id", timestamp: "event_timestamp", eventType: "event_name" },
        },
      },
    });
    expect(report.instances[0]!.customEvents).toEqual([
      { name: "sale_view", events: 1 },
      { name: "session", events: 1 },
    ]);
    const message = await failure(ga4(parquet, "page_location"), "column_missing");
    expect(message).toContain(
      'instances[0].customEvents[0].conditions[0].field: no role or column "page_location" in inputs.events',
    );
    expect(message).toMatch(/event_params holds key-value pairs: name a key as event_params\.<key>$/);
  });

  it("reads a transactions-only file as one event type with an amount expression and grouped lines", async () => {
    const path = file("tx.csv", [
      "InvoiceNo,StockCode,Quantity,InvoiceDate,UnitPrice,CustomerID",
      "536365,A,6,12/1/2010 8:26,2.55,17850.0",
      "536365,B,2,12/1/2010 8:26,3.00,17850.0",
      "C536366,A,-1,12/2/2010 9:00,2.55,17850.0",
      "536367,A,1,12/3/2010 9:00,2.55,",
    ]);
    const { report, events } = await run({
      inputs: {
        events: {
          path,
          eventType: "commerce.purchases",
          columns: { personId: "CustomerID", timestamp: "InvoiceDate" },
          timestampFormat: "%m/%d/%Y %H:%M",
          amountExpression: "Quantity * UnitPrice",
          groupRowsBy: "InvoiceNo",
          allowNegativeAmounts: { conditions: [{ field: "InvoiceNo", op: "startsWith", value: "C" }] },
        },
      },
      instances: [
        {
          name: "buy",
          type: "conversion",
          window: 30,
          goal: {
            conditions: [
              { field: "eventType", op: "equals", value: "commerce.purchases" },
              { field: "InvoiceNo", op: "startsWith", value: "C", not: true },
            ],
          },
          customEvents: [
            {
              name: "cancellation",
              label: "Cancellation",
              conditions: [{ field: "InvoiceNo", op: "startsWith", value: "C" }],
            },
          ],
        },
      ],
    });
    expect(report.events.rowsRead).toBe(4);
    expect(report.events.rowsUsed).toBe(3);
    expect(report.events.setAside).toEqual([
      { reason: "person_id_missing", message: "person id missing or empty", rows: 1, examples: ["tx.csv row 4"] },
    ]);
    expect(report.events.events).toBe(2); // two invoices
    expect(report.events.firstEvent).toBe("2010-12-01 08:26:00");
    expect(report.instances[0]).toEqual({
      name: "buy",
      goalEvents: 1,
      customEvents: [{ name: "cancellation", events: 1 }],
      ignoredEvents: 0,
    });
    expect(events.hasAmount).toBe(true);
  });
});

describe("profiles", () => {
  it("sets aside rows without a person id and later rows of the same person", async () => {
    const events = file("pe.csv", GOOD);
    const profiles = file("profiles.csv", [
      "ecid,tier,signup,score",
      "p1,gold,2024-01-01,3",
      "p2,silver,2024-02-01,",
      ",gold,2024-03-01,1",
      "p1,bronze,2024-04-01,2",
    ]);
    const config = configOf(
      { path: events },
      {
        inputs: {
          events: { path: events, columns: MAPPING },
          profiles: { path: profiles, columns: { personId: "ecid" } },
        },
      },
    );
    config.instances[0].profileAttributes = ["tier", "signup", "score"];
    const { report, profiles: stored } = await run(config);
    expect(report.profiles).toMatchObject({
      rowsRead: 4,
      rowsUsed: 2,
      rowsSetAside: 2,
      people: 2,
      peopleWithEvents: 2,
    });
    expect(report.profiles!.setAside).toEqual([
      { reason: "person_id_missing", message: "person id missing or empty", rows: 1, examples: ["profiles.csv row 3"] },
      {
        reason: "duplicate_person",
        message: "a later row for a person who already has a profile (the first row is used)",
        rows: 1,
        examples: ["profiles.csv row 4"],
      },
    ]);
    expect(stored!.attributes.map((a) => [a.column, a.storage])).toEqual([
      ["tier", "text"],
      ["signup", "date"],
      ["score", "number"],
    ]);
  });

  it("names a missing profile attribute with the closest columns", async () => {
    const events = file("pe2.csv", GOOD);
    const profiles = file("profiles2.csv", ["ecid,loyaltyTier", "p1,gold"]);
    const config = configOf(
      { path: events },
      {
        inputs: {
          events: { path: events, columns: MAPPING },
          profiles: { path: profiles, columns: { personId: "ecid" } },
        },
      },
    );
    config.instances[0].profileAttributes = ["loyalty.tier"];
    expect(await failure(config, "column_missing")).toBe(
      `instances[0].profileAttributes[0]: profile attribute column "loyalty.tier" not found in ${profiles}; columns found: ecid, loyaltyTier; closest: "loyaltyTier"`,
    );
  });
});
