/**
 * Bad-input cases: inputs large in one direction (columns, files, event types, people, line length, nesting,
 * compression). Each is read completely within a time budget.
 */
import { gzipSync } from "node:zlib";
import type { BadInputCase } from "./harness.js";
import { BASE_ROWS, HEADER, TINY_READ, row, tinyCase, tinyConfig } from "./inputs.js";

/** Inputs large in one direction. */
export const RESOURCE_CASES: BadInputCase[] = [
  {
    name: "2,000 columns",
    category: "resources",
    command: "check",
    setup: (f) => {
      const extra = Array.from({ length: 2_000 }, (_, i) => `c${i}`);
      const path = f.file("events.csv", [
        [HEADER, ...extra].join(","),
        ...BASE_ROWS.map((line) => [line, ...extra.map((_, i) => String(i))].join(",")),
      ]);
      return ["--config", f.config(tinyConfig(path))];
    },
    ...TINY_READ,
    seconds: 45,
  },
  {
    name: "a glob of 40 one-row files",
    category: "resources",
    command: "check",
    setup: (f) => {
      for (let i = 0; i < 40; i++)
        f.file(`parts/events-${String(i).padStart(2, "0")}.csv`, [
          HEADER,
          BASE_ROWS[i] ?? row(`q${i}`, "2025-01-20 10:00:00", "view"),
        ]);
      return ["--config", f.config(tinyConfig("parts/events-*.csv"))];
    },
    status: 0,
    message: "events: 40 rows read, 40 used, 0 set aside; 37 people",
    rows: { read: 40, used: 40, setAside: {}, people: 37 },
    seconds: 20,
  },
  {
    name: "5,000 event types",
    category: "resources",
    command: "check",
    setup: (f) =>
      tinyCase(
        f,
        Array.from({ length: 5_000 }, (_, i) => row(`q${i % 50}`, "2025-01-20 10:00:00", `type_${i}`)),
      ),
    status: 0,
    message: "events: 5006 rows read, 5006 used, 0 set aside; 53 people",
    rows: { read: 5_006, used: 5_006, setAside: {}, people: 53 },
    seconds: 20,
  },
  {
    name: "50,000 people with one event each",
    category: "resources",
    command: "check",
    setup: (f) =>
      tinyCase(
        f,
        Array.from({ length: 50_000 }, (_, i) => row(`one${i}`, `2025-01-${String(10 + (i % 20))} 10:00:00`, "view")),
      ),
    status: 0,
    message: "events: 50006 rows read, 50006 used, 0 set aside; 50003 people",
    rows: { read: 50_006, used: 50_006, setAside: {}, people: 50_003 },
    seconds: 20,
  },
  {
    name: "a field of 1.5 MB",
    category: "resources",
    command: "check",
    setup: (f) => tinyCase(f, [row("p4", "2025-01-20 10:00:00", "x".repeat(1_500_000))]),
    status: 0,
    message: "events: 7 rows read, 7 used, 0 set aside; 4 people",
    rows: { read: 7, used: 7, setAside: {}, people: 4 },
    seconds: 20,
  },
  {
    name: "JSON records nested 100 levels deep",
    category: "resources",
    command: "check",
    setup: (f) => {
      let deep: unknown = "leaf";
      for (let i = 0; i < 100; i++) deep = { [`k${i}`]: deep };
      const lines = BASE_ROWS.map((line) => {
        const [id, ts, event, amount] = line.split(",");
        return JSON.stringify({ id, ts, event, amount: amount ? Number(amount) : null, deep });
      });
      return ["--config", f.config(tinyConfig(f.file("events.jsonl", lines)))];
    },
    ...TINY_READ,
    seconds: 20,
  },
  {
    name: "a .csv.gz of 200,000 rows",
    category: "resources",
    command: "check",
    setup: (f) => {
      const views = Array.from({ length: 200_000 }, (_, i) =>
        row(
          `g${i % 1000}`,
          `2025-01-${String(10 + (i % 20))} 10:${String(Math.floor(i / 1000) % 60).padStart(2, "0")}:${String(Math.floor(i / 60_000)).padStart(2, "0")}`,
          "view",
        ),
      );
      return [
        "--config",
        f.config(
          tinyConfig(
            f.file("events.csv.gz", gzipSync([HEADER, ...BASE_ROWS, ...views].join("\n") + "\n", { level: 9 })),
          ),
        ),
      ];
    },
    status: 0,
    message: "events: 200006 rows read",
    rows: { read: 200_006, used: 200_006, setAside: {}, people: 1_003 },
    seconds: 40,
  },
];
