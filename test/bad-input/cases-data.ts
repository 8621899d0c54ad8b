/**
 * Bad-input cases: data files that are broken, incomplete or odd. Rows that can be read are counted (used + set
 * aside by reason = read); a file that cannot be read completely is one line naming it, with exit status 2.
 */
import { gzipSync } from "node:zlib";
import { expect } from "vitest";
import type { BadInputCase } from "./harness.js";
import { BASE_ROWS, HEADER, TINY_READ, type CaseFolder, row, tinyCase, tinyConfig } from "./inputs.js";

/** Writes `name` and a tiny configuration reading it (with extra settings); returns check's arguments. */
function reading(
  f: CaseFolder,
  name: string,
  content: string | string[] | Uint8Array,
  events: Record<string, unknown> = {},
): string[] {
  return ["--config", f.config(tinyConfig(f.file(name, content), events))];
}

/** The base rows plus `n` views of 700 other people, a minute apart from 2025-01-01, as CSV lines with a header. */
function longerLog(n: number): string[] {
  const start = Date.UTC(2025, 0, 1);
  const time = (i: number) => new Date(start + i * 60_000).toISOString().slice(0, 19).replace("T", " ");
  return [HEADER, ...BASE_ROWS, ...Array.from({ length: n }, (_, i) => row(`v${i % 700}`, time(i), "view"))];
}

/** The base rows as JSON records. */
const RECORDS = BASE_ROWS.map((line) => {
  const [id, ts, event, amount] = line.split(",");
  return { id, ts, event, amount: amount ? Number(amount) : null };
});

/** The tiny log's header and rows with `separator` between fields instead of commas. */
function separatedBy(separator: string): string[] {
  return [HEADER, ...BASE_ROWS].map((line) => line.replaceAll(",", separator));
}

/** Data files and their values. */
export const DATA_CASES: BadInputCase[] = [
  {
    name: "a truncated .csv.gz",
    category: "data",
    issue: "3",
    command: "check",
    setup: (f) => {
      const whole = gzipSync(longerLog(20_000).join("\n") + "\n");
      return reading(f, "events.csv.gz", whole.subarray(0, Math.floor(whole.length * 0.6)));
    },
    status: 2,
    message: /events\.csv\.gz is not a complete gzip file \(unexpected end of file\); it may be truncated or corrupted/,
  },
  {
    name: "a .csv.gz whose checksum does not match",
    category: "data",
    issue: "3",
    command: "check",
    setup: (f) => {
      const bytes = Buffer.from(gzipSync(longerLog(2_000).join("\n") + "\n"));
      bytes[bytes.length - 6]! ^= 0xff;
      return reading(f, "events.csv.gz", bytes);
    },
    status: 2,
    message: /events\.csv\.gz is not a complete gzip file/,
  },
  {
    name: "a whole .csv.gz is read completely",
    category: "data",
    issue: "3",
    command: "check",
    setup: (f) => reading(f, "events.csv.gz", gzipSync(longerLog(20_000).join("\n") + "\n")),
    status: 0,
    message: "events: 20006 rows read, 20006 used, 0 set aside; 703 people",
    rows: { read: 20_006, used: 20_006, setAside: {}, people: 703 },
  },
  {
    name: "a CSV line over DuckDB's 2 MB limit among the first lines",
    category: "data",
    command: "check",
    setup: (f) => {
      const long = row("p4", "2025-01-20 10:00:00", "x".repeat(3_000_000));
      const lines = [HEADER, ...BASE_ROWS, long, row("p5", "2025-01-21 10:00:00", "view")];
      return reading(f, "events.csv.gz", gzipSync(lines.join("\n") + "\n"));
    },
    status: 2,
    message:
      /^error: inputs\.events: .*events\.csv\.gz line 8 is 3,000,024 bytes long, over the limit of 2,000,000 bytes per CSV line; shorten or remove that line/m,
  },
  {
    name: "a CSV line over DuckDB's 2 MB limit deep in a file is set aside",
    category: "data",
    command: "check",
    setup: (f) => {
      const long = row("p4", "2025-01-20 10:00:00", "x".repeat(3_000_000));
      return reading(f, "events.csv.gz", gzipSync([...longerLog(25_000), long].join("\n") + "\n"));
    },
    status: 0,
    message: "(e.g. events.csv.gz line 25008)",
    rows: { read: 25_007, used: 25_006, setAside: { malformed_row: 1 }, people: 703 },
  },
  {
    name: "a file named .csv.gz that is not gzipped",
    category: "data",
    command: "check",
    setup: (f) => reading(f, "events.csv.gz", [HEADER, ...BASE_ROWS]),
    status: 2,
    message: /events\.csv\.gz is not a complete gzip file \(incorrect header check\)/,
  },
  {
    name: "amounts NaN, Infinity, -inf and 1e309",
    category: "data",
    issue: "4",
    command: "check",
    setup: (f) =>
      tinyCase(
        f,
        ["NaN", "Infinity", "-inf", "1e309"].map((a, i) => row("p4", `2025-01-1${i} 10:00:00`, "purchase", a)),
      ),
    status: 0,
    message:
      "set aside: 4 rows, amount present but not a finite number (e.g. events.csv row 7, events.csv row 8, events.csv row 9, events.csv row 10)",
    rows: { read: 10, used: 6, setAside: { amount_invalid: 4 }, people: 3 },
  },
  {
    name: "a malformed JSON line deep in a file (line 35,002)",
    category: "data",
    issue: "7",
    command: "check",
    setup: (f) => {
      const record = (i: number) => JSON.stringify({ ...RECORDS[i % RECORDS.length], id: `j${i % 900}` });
      const lines = Array.from({ length: 35_010 }, (_, i) =>
        i === 35_001 ? '{"id": "j1", "ts": "2025-01-02",,}' : record(i),
      );
      return reading(f, "events.jsonl", lines);
    },
    status: 2,
    message:
      /^error: inputs\.events: Malformed JSON in file ".*events\.jsonl" at line 35002: .*; fix or remove that record/m,
  },
  {
    name: "a malformed JSON line near the top",
    category: "data",
    issue: "7",
    command: "check",
    setup: (f) =>
      reading(f, "events.jsonl", [
        JSON.stringify(RECORDS[0]),
        '{"id": "p1", "ts": }',
        ...RECORDS.slice(1).map((r) => JSON.stringify(r)),
      ]),
    status: 2,
    message:
      /^error: inputs\.events: Malformed JSON in file ".*events\.jsonl" at line 2: unexpected character; fix or remove that record/m,
  },
  {
    name: "a truncated JSON array",
    category: "data",
    issue: "7",
    command: "check",
    setup: (f) => reading(f, "events.json", JSON.stringify(RECORDS).slice(0, -25)),
    status: 2,
    message:
      /^error: inputs\.events: Malformed JSON in file ".*events\.json", .*: unexpected end of data; fix or remove that record \(or export the file again\)/m,
  },
  {
    name: "a JSON array is read like JSON lines",
    category: "data",
    command: "check",
    setup: (f) => reading(f, "events.json", JSON.stringify(RECORDS)),
    ...TINY_READ,
  },
  {
    name: "a UTF-16 file without csv.encoding",
    category: "data",
    issue: "also",
    command: "check",
    setup: (f) =>
      reading(
        f,
        "events.csv",
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from([HEADER, ...BASE_ROWS].join("\n") + "\n", "utf16le")]),
      ),
    status: 2,
    message: 'set csv: { encoding: "utf-16" }',
  },
  {
    name: "a UTF-16 file with csv.encoding",
    category: "data",
    command: "check",
    setup: (f) =>
      reading(
        f,
        "events.csv",
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from([HEADER, ...BASE_ROWS].join("\n") + "\n", "utf16le")]),
        { csv: { encoding: "utf-16" } },
      ),
    ...TINY_READ,
  },
  {
    name: "a Latin-1 line in a UTF-8 file",
    category: "data",
    command: "check",
    setup: (f) =>
      reading(
        f,
        "events.csv",
        Buffer.from([HEADER, ...BASE_ROWS, row("Zoë", "2025-01-20 10:00:00", "view")].join("\n") + "\n", "latin1"),
      ),
    status: 0,
    message:
      "warning: inputs.events: 1 line is not valid UTF-8 (e.g. events.csv line 8); if the file uses another encoding, set inputs.events.csv.encoding",
    rows: { read: 7, used: 6, setAside: { encoding_invalid: 1 }, people: 3 },
  },
  {
    name: "a NUL byte in one event type",
    category: "data",
    issue: "also",
    command: "check",
    setup: (f) => tinyCase(f, [row("p4", "2025-01-20 10:00:00", "pur\u0000chase")]),
    status: 2,
    message:
      'inputs.events: the event type "pur\\u0000chase" (column event, first in events.csv row 7) contains a NUL character; remove it from the data and rerun',
  },
  {
    name: "a glob where one file lacks a mapped column",
    category: "data",
    issue: "also",
    command: "check",
    setup: (f) => {
      f.file("exports/events-1.csv", [HEADER, ...BASE_ROWS]);
      f.file("exports/events-2.csv", [
        "id,time,event,amount",
        row("p9", "2025-01-20 10:00:00", "view"),
        row("p9", "2025-01-21 10:00:00", "purchase", "3"),
      ]);
      return ["--config", f.config(tinyConfig("exports/events-*.csv"))];
    },
    status: 0,
    message:
      /warning: .*every row of .*events-2\.csv \(2\) was set aside: timestamp missing or not readable; check that this file has the same columns/,
    rows: { read: 8, used: 6, setAside: { timestamp_invalid: 2 }, people: 3 },
  },
  {
    name: "a goal whose only rows were set aside for another reason",
    category: "data",
    issue: "also",
    command: "check",
    setup: (f) =>
      tinyCase(f, [row("p2", "2025-02-20 10:00:00", "upgrade")], (c) => {
        c.asOf = "2025-02-15";
        c.instances[0].goal.conditions[0].value = "upgrade";
      }),
    status: 2,
    message:
      'instances[0].goal (buy) matches no usable event: eventType equals "upgrade" matches rows that were all set aside (1 timestamp after the as-of date)',
  },
  {
    name: "an ANSI escape in a column name",
    category: "data",
    issue: "also",
    command: "check",
    setup: (f) => reading(f, "events.csv", ["\u001b[31mid,ts,event,amount", ...BASE_ROWS]),
    status: 2,
    message: 'person id column "id" not found in',
    verify: (_, outcome) => expect(outcome.stderr).toContain("\\u001b[31mid"),
  },
  {
    name: "an empty events file",
    category: "data",
    command: "check",
    setup: (f) => reading(f, "events.csv", ""),
    status: 2,
    message: /inputs\.events: .*events\.csv is empty \(0 bytes\)/,
  },
  {
    name: "an events file with only a header",
    category: "data",
    command: "check",
    setup: (f) => reading(f, "events.csv", [HEADER]),
    status: 2,
    message: /inputs\.events: .*events\.csv contain no data rows \(only a header or nothing\)/,
  },
  {
    name: "an events file of blank lines only",
    category: "data",
    command: "check",
    setup: (f) => reading(f, "events.csv", "\n\n\n"),
    status: 2,
    message: /^error: inputs\.events: .*events\.csv is empty \(blank lines only\): no header and no data rows; export/m,
  },
  {
    name: "a gzip of nothing",
    category: "data",
    command: "check",
    setup: (f) => reading(f, "empty.csv.gz", gzipSync("")),
    status: 2,
    message: /^error: inputs\.events: .*empty\.csv\.gz is empty \(it decompresses to nothing\)/m,
  },
  {
    name: "an empty JSON array",
    category: "data",
    command: "check",
    setup: (f) => reading(f, "events.json", "[]\n"),
    status: 2,
    message: /^error: inputs\.events: .*events\.json contains no data rows \(an empty JSON array/m,
  },
  {
    name: "a JSON Lines line that is not an object",
    category: "data",
    command: "check",
    setup: (f) =>
      reading(f, "events.jsonl", [
        ...RECORDS.slice(0, 3).map((r) => JSON.stringify(r)),
        "",
        "42",
        ...RECORDS.slice(3).map((r) => JSON.stringify(r)),
      ]),
    status: 2,
    message:
      /^error: inputs\.events: .*events\.jsonl line 5 is not a JSON object \(42\); every record must be an object of fields, .*fix or remove that record/m,
  },
  {
    name: "a JSON array with a record that is not an object",
    category: "data",
    command: "check",
    setup: (f) => reading(f, "events.json", JSON.stringify([RECORDS[0], "p2", ...RECORDS.slice(1)])),
    status: 2,
    message: /^error: inputs\.events: .*events\.json record 2 of the array is not a JSON object \("p2"\)/m,
  },
  {
    name: "a profiles file with only a header",
    category: "data",
    command: "check",
    setup: (f) =>
      tinyCase(
        f,
        [],
        (c) => void (c.inputs.profiles = { path: f.file("profiles.csv", ["id,tier"]), columns: { personId: "id" } }),
      ),
    status: 2,
    message: /inputs\.profiles: .*profiles\.csv contains no data rows/,
  },
  {
    name: "a spreadsheet instead of a CSV",
    category: "data",
    command: "check",
    setup: (f) => reading(f, "events.xlsx", [HEADER, ...BASE_ROWS]),
    status: 2,
    message:
      /cannot tell the format of .*events\.xlsx; expected a \.csv, .*or set inputs\.events\.format to csv, parquet or jsonl/,
  },
  {
    name: "a .parquet file that is not Parquet",
    category: "data",
    command: "check",
    setup: (f) => reading(f, "events.parquet", [HEADER, ...BASE_ROWS]),
    status: 2,
    message: /inputs\.events: could not read .*events\.parquet as parquet: /,
  },
  {
    name: "day-first timestamps without timestampFormat",
    category: "data",
    command: "check",
    setup: (f) =>
      reading(f, "events.csv", [
        HEADER,
        row("p1", "13/01/2025 10:00", "view"),
        row("p2", "25/01/2025 10:00", "purchase", "3"),
        row("p3", "28/02/2025 10:00", "view"),
      ]),
    status: 2,
    message:
      'column "ts" should hold timestamps but 3 of the first 3 values cannot be read as times from 1900 to 2199 (e.g. "13/01/2025 10:00"). Set inputs.events.timestampFormat',
  },
  {
    name: "day-first timestamps with timestampFormat",
    category: "data",
    command: "check",
    setup: (f) => {
      const dayFirst = BASE_ROWS.map((line) => line.replace(/(\d{4})-(\d\d)-(\d\d) (\d\d:\d\d):00/, "$3/$2/$1 $4"));
      return reading(f, "events.csv", [HEADER, ...dayFirst], { timestampFormat: "%d/%m/%Y %H:%M" });
    },
    ...TINY_READ,
  },
  {
    name: "amounts with a decimal comma, without decimalSeparator",
    category: "data",
    command: "check",
    setup: (f) =>
      reading(f, "events.csv", [
        "id;ts;event;amount",
        ...BASE_ROWS.map((line) => line.replace(/,/g, ";").replace(/\.5$/, ",5")),
        "p3;2025-02-14 10:00:00;purchase;0,99",
      ]),
    status: 2,
    message: 'They read as numbers with a decimal ",": set inputs.events.decimalSeparator to ","',
  },
  {
    name: "epoch milliseconds read as epoch seconds",
    category: "data",
    command: "check",
    setup: (f) => {
      const ms = BASE_ROWS.map((line) =>
        line.replace(/^([^,]+),([^,]+),/, (_, id, ts) => `${id},${Date.parse(`${ts.replace(" ", "T")}Z`)},`),
      );
      return reading(f, "events.csv", [HEADER, ...ms], { timestampFormat: "epoch_s" });
    },
    status: 2,
    message: 'The values look like epoch milliseconds: set inputs.events.timestampFormat to "epoch_ms"',
  },
  {
    name: "an unterminated quote in a CSV",
    category: "data",
    issue: "also",
    command: "check",
    setup: (f) => tinyCase(f, ['p4,2025-01-20 10:00:00,"view,', row("p5", "2025-01-21 10:00:00", "view")]),
    status: 2,
    message: /events\.csv line 8: a field opens a quote \(".*\) that is not closed on its line/,
  },
  {
    name: "a CSV separated by semicolons",
    category: "data",
    command: "check",
    setup: (f) => reading(f, "events.csv", separatedBy(";")),
    ...TINY_READ,
  },
  {
    name: "a tab-separated .tsv",
    category: "data",
    command: "check",
    setup: (f) => reading(f, "events.tsv", separatedBy("\t")),
    ...TINY_READ,
  },
  {
    name: "a CSV without a header, read with csv.header false",
    category: "data",
    command: "check",
    setup: (f) => {
      const columns = { personId: "column0", timestamp: "column1", eventType: "column2", amount: "column3" };
      return reading(f, "events.csv", BASE_ROWS, { csv: { header: false }, columns });
    },
    ...TINY_READ,
  },
  {
    name: "every row set aside",
    category: "data",
    command: "check",
    setup: (f) =>
      reading(f, "events.csv", [
        HEADER,
        row("", "2025-01-01 10:00:00", "view"),
        row("p1", "", "view"),
        row("p2", "2025-01-01 10:00:00", ""),
      ]),
    status: 2,
    message: /inputs\.events: no usable events; all 3 rows were set aside \(/,
  },
  {
    name: "duplicates, negative amounts and far-off times are counted",
    category: "data",
    command: "check",
    setup: (f) =>
      tinyCase(f, [
        BASE_ROWS[0]!,
        row("p4", "2025-01-20 10:00:00", "purchase", "-5"),
        row("p4", "2925-01-20 10:00:00", "view"),
        row("p4", "1850-01-20 10:00:00", "view"),
      ]),
    status: 0,
    message: "set aside: 2 rows, timestamp missing or not readable (e.g. events.csv row 9, events.csv row 10)",
    rows: { read: 10, used: 6, setAside: { duplicate: 1, negative_amount: 1, timestamp_invalid: 2 }, people: 3 },
  },
  {
    name: "lines with too few or too many fields",
    category: "data",
    command: "check",
    setup: (f) => tinyCase(f, ["p4,2025-01-20 10:00:00", "p4,2025-01-21 10:00:00,view,,extra,fields"]),
    status: 0,
    message:
      "set aside: 2 rows, line could not be parsed (wrong number of fields or broken quoting) (e.g. events.csv line 8, events.csv line 9)",
    rows: { read: 8, used: 6, setAside: { malformed_row: 2 }, people: 3 },
  },
  {
    name: "a header ending in LF and rows in CRLF",
    category: "data",
    command: "check",
    setup: (f) => reading(f, "events.csv", `${HEADER}\n${BASE_ROWS.join("\r\n")}\r\n`),
    ...TINY_READ,
  },
  {
    name: "a CSV that starts with a byte-order mark",
    category: "data",
    command: "check",
    setup: (f) => reading(f, "events.csv", "\uFEFF" + [HEADER, ...BASE_ROWS].join("\n") + "\n"),
    ...TINY_READ,
  },
  {
    name: "a quoted field holding a line break",
    category: "data",
    command: "check",
    setup: (f) => tinyCase(f, ['p4,2025-01-20 10:00:00,"two\nlines",']),
    status: 0,
    message: "events: 7 rows read, 7 used, 0 set aside; 4 people",
    rows: { read: 7, used: 7, setAside: {}, people: 4 },
  },
  {
    name: "an amount with a thousands separator",
    category: "data",
    command: "check",
    setup: (f) => tinyCase(f, ['p4,2025-01-20 10:00:00,purchase,"1,234.50"']),
    status: 0,
    message: "set aside: 1 rows, amount present but not a finite number (e.g. events.csv row 7)",
    rows: { read: 7, used: 6, setAside: { amount_invalid: 1 }, people: 3 },
  },
  {
    name: "a file whose name holds glob characters, beside the file the glob would match",
    category: "data",
    command: "check",
    setup: (f) => {
      f.file("events1.csv", [HEADER, row("zz", "2025-01-01 10:00:00", "view")]);
      return reading(f, "events[1].csv", [HEADER, ...BASE_ROWS, "p4,2025-01-20 10:00:00"]);
    },
    status: 0,
    message: "(e.g. events[1].csv line 8)",
    rows: { read: 7, used: 6, setAside: { malformed_row: 1 }, people: 3 },
  },
  {
    name: "a glob matching a file whose name holds glob characters",
    category: "data",
    command: "check",
    setup: (f) => {
      f.file("exports/events[1].csv", [HEADER, ...BASE_ROWS]);
      f.file("exports/events1.csv", [HEADER, row("zz", "2025-01-01 10:00:00", "view")]);
      return ["--config", f.config(tinyConfig("exports/events*.csv"))];
    },
    status: 0,
    message: "events: 7 rows read, 7 used, 0 set aside; 4 people",
    rows: { read: 7, used: 7, setAside: {}, people: 4 },
  },
  {
    name: "profiles with a missing id and a person twice",
    category: "data",
    command: "check",
    setup: (f) => {
      const profiles = f.file("profiles.csv", ["id,tier", "p1,gold", "p2,silver", ",gold", "p1,bronze", "p3,"]);
      return tinyCase(f, [], (c) => void (c.inputs.profiles = { path: profiles, columns: { personId: "id" } }));
    },
    ...TINY_READ,
    profileRows: { read: 5, used: 3, setAside: { person_id_missing: 1, duplicate_person: 1 } },
  },
];
