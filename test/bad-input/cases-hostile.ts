/**
 * Bad-input cases: hostile and odd values. Ids, event names, column and file names that look like SQL, carry
 * quotes, control characters, emoji or leading zeros stay what they are: literals, counted like any other.
 */
import { expect } from "vitest";
import type { BadInputCase } from "./harness.js";
import { BASE_ROWS, HEADER, TINY_READ, amountExpressionCase, row, tinyCase, tinyConfig } from "./inputs.js";

const SQL_ID = "x'); DROP TABLE events; --";
const SQL_EVENT = "view'; DELETE FROM people; --";

/** CSV text of a field, quoted when it holds a comma, quote or line break. */
const field = (value: string) => (/[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/** Hostile and odd values. */
export const HOSTILE_CASES: BadInputCase[] = [
  {
    name: "ids and event names that look like SQL",
    category: "hostile",
    command: "check",
    setup: (f) =>
      tinyCase(
        f,
        [
          row(field(SQL_ID), "2025-01-20 10:00:00", field(SQL_EVENT)),
          row(field(SQL_ID), "2025-01-21 10:00:00", "view"),
        ],
        (c) => {
          c.instances[0].customEvents = [
            { name: "odd", label: "Odd view", conditions: [{ field: "eventType", op: "equals", value: SQL_EVENT }] },
          ];
        },
      ),
    status: 0,
    message: "events: 8 rows read, 8 used, 0 set aside; 4 people",
    rows: { read: 8, used: 8, setAside: {}, people: 4 },
    verify: (_, __, report) => expect(report!.instances[0]!.customEvents).toEqual([{ name: "odd", events: 1 }]),
  },
  {
    name: "a goal value that looks like SQL matches nothing and is shown quoted",
    category: "hostile",
    command: "check",
    setup: (f) => tinyCase(f, [], (c) => void (c.instances[0].goal.conditions[0].value = "x' OR 1=1; --")),
    status: 2,
    message: `instances[0].goal (buy) matches no event: eventType equals "x' OR 1=1; --"; values of eventType: "view" (4), "purchase" (2)`,
  },
  {
    name: "column names with quotes, spaces and SQL words",
    category: "hostile",
    command: "check",
    setup: (f) => {
      const path = f.file("events.csv", ['"we""ird id",select,"from table","amount; DROP"', ...BASE_ROWS]);
      const columns = { personId: 'we"ird id', timestamp: "select", eventType: "from table", amount: "amount; DROP" };
      return ["--config", f.config({ ...tinyConfig(path), inputs: { events: { path, columns } } })];
    },
    status: 0,
    message: "events: 6 rows read, 6 used, 0 set aside; 3 people",
    rows: { read: 6, used: 6, setAside: {}, people: 3 },
  },
  {
    name: "ids with quotes of both kinds",
    category: "hostile",
    command: "check",
    setup: (f) =>
      tinyCase(f, [
        row("O'Brien", "2025-01-20 10:00:00", "view"),
        row(field('say "hi"'), "2025-01-20 11:00:00", "view"),
        row(field('it\'s "both"'), "2025-01-20 12:00:00", "view"),
      ]),
    status: 0,
    message: "events: 9 rows read, 9 used, 0 set aside; 6 people",
    rows: { read: 9, used: 9, setAside: {}, people: 6 },
  },
  {
    name: "very long ids and event types (100,000 characters)",
    category: "hostile",
    command: "check",
    setup: (f) =>
      tinyCase(f, [
        row("i".repeat(100_000), "2025-01-20 10:00:00", "e".repeat(100_000)),
        row("i".repeat(100_000), "2025-01-21 10:00:00", "view"),
      ]),
    status: 0,
    message: "events: 8 rows read, 8 used, 0 set aside; 4 people",
    rows: { read: 8, used: 8, setAside: {}, people: 4 },
  },
  {
    name: "emoji and other scripts in ids and event types, and a goal on one",
    category: "hostile",
    command: "check",
    setup: (f) =>
      tinyCase(
        f,
        [
          row("🙂", "2025-02-01 10:00:00", "view"),
          row("日本", "2025-02-02 10:00:00", "🛒 achat"),
          row("مرحبا", "2025-02-03 10:00:00", "view"),
          row("🙂", "2025-02-10 10:00:00", "🛒 achat"),
        ],
        (c) => {
          c.instances[0].goal.conditions[0] = { field: "eventType", op: "in", value: ["purchase", "🛒 achat"] };
        },
      ),
    status: 0,
    message: "instance buy: 4 goal events",
    rows: { read: 10, used: 10, setAside: {}, people: 6 },
  },
  {
    name: "ids that look like numbers (leading zeros, exponents) stay text",
    category: "hostile",
    command: "check",
    setup: (f) =>
      tinyCase(
        f,
        ["007", "7", "0007", "1e3", "1000", "7.0"].map((id, i) => row(id, `2025-01-2${i} 10:00:00`, "view")),
      ),
    status: 0,
    message: "events: 12 rows read, 12 used, 0 set aside; 9 people",
    rows: { read: 12, used: 12, setAside: {}, people: 9 },
  },
  {
    name: "ids that read as missing values elsewhere (NULL, null, NaN, undefined)",
    category: "hostile",
    command: "check",
    setup: (f) =>
      tinyCase(
        f,
        ["NULL", "null", "NaN", "undefined"].map((id, i) => row(id, `2025-01-2${i} 10:00:00`, "view")),
      ),
    status: 0,
    message: "events: 10 rows read, 10 used, 0 set aside; 7 people",
    rows: { read: 10, used: 10, setAside: {}, people: 7 },
  },
  {
    name: "an ANSI escape in an event type is shown as an escape",
    category: "hostile",
    command: "check",
    setup: (f) =>
      tinyCase(
        f,
        [row("p4", "2025-01-20 10:00:00", "\u001b[2J\u001b[31mred")],
        (c) => void (c.instances[0].goal.conditions[0].value = "order"),
      ),
    status: 2,
    message: '"\\u001b[2J\\u001b[31mred" (1)',
  },
  {
    name: "a file name with a quote and a semicolon",
    category: "hostile",
    command: "check",
    setup: (f) => ["--config", f.config(tinyConfig(f.file("it's; DROP TABLE x.csv", [HEADER, ...BASE_ROWS])))],
    ...TINY_READ,
  },
  {
    name: "an instance name that is a shell command",
    category: "hostile",
    command: "check",
    setup: (f) => tinyCase(f, [], (c) => void (c.instances[0].name = "buy; rm -rf ~")),
    status: 2,
    message: "instances[0].name: expected a name of letters, digits, _ and - starting with a letter",
  },
  {
    name: "an amountExpression with a statement after it",
    category: "hostile",
    command: "check",
    setup: (f) => amountExpressionCase(f, "amount; DROP TABLE events"),
    status: 2,
    message: 'inputs.events.amountExpression: unexpected ";" at position 7',
  },
  {
    name: "a condition field that looks like SQL",
    category: "hostile",
    command: "check",
    setup: (f) => tinyCase(f, [], (c) => void (c.instances[0].goal.conditions[0].field = "event) OR (1=1")),
    status: 2,
    message: 'instances[0].goal.conditions[0].field: no role or column "event) OR (1=1" in inputs.events',
  },
  {
    name: "an exclusion rule with a hostile value excludes exactly its rows",
    category: "hostile",
    command: "check",
    setup: (f) =>
      tinyCase(
        f,
        [row("p4", "2025-01-20 10:00:00", field(SQL_EVENT)), row("p4", "2025-01-21 10:00:00", "view")],
        (c) => {
          c.exclusions = [{ name: "odd", conditions: [{ field: "eventType", op: "equals", value: SQL_EVENT }] }];
        },
      ),
    status: 0,
    message: "set aside: 1 rows, matches an exclusion rule (e.g. events.csv row 7)",
    rows: { read: 8, used: 7, setAside: { excluded: 1 }, people: 4 },
  },
  {
    name: "a NUL character in a person id",
    category: "hostile",
    command: "check",
    setup: (f) => tinyCase(f, [row("p\u00004", "2025-01-20 10:00:00", "view")]),
    status: 0,
    message: "events: 7 rows read, 7 used, 0 set aside; 4 people",
    rows: { read: 7, used: 7, setAside: {}, people: 4 },
  },
];
