/**
 * Bad-input cases: mistakes in how the commands are called and in the configuration. Each is one line naming the
 * key, file or option and what to do, with exit status 2; a few odd but valid configurations are handled.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import type { BadInputCase } from "./harness.js";
import {
  BASE_ROWS,
  COLUMNS,
  type CaseFolder,
  type ConfigData,
  HEADER,
  TINY_READ,
  amountExpressionCase,
  purchaseInstance,
  tinyCase,
  tinyConfig,
} from "./inputs.js";

/** Writes the tiny log and its configuration changed by `change`; returns the arguments. */
function changed(f: CaseFolder, change: (config: ConfigData) => void): string[] {
  return tinyCase(f, [], change);
}

/** A configuration file that `check` refuses (exit 2) for its text: `text` written as `file`. */
function refusedConfigFile(name: string, file: string, text: string, message: string | RegExp): BadInputCase {
  return {
    name,
    category: "config",
    command: "check",
    setup: (f) => ["--config", f.file(file, text)],
    status: 2,
    message,
  };
}

/** Command lines and configuration files. */
export const CONFIG_CASES: BadInputCase[] = [
  {
    name: "configuration file missing",
    category: "config",
    command: "check",
    setup: (f) => ["--config", f.path("nope.json")],
    status: 2,
    message: /configuration file not found: .*nope\.json/,
  },
  {
    name: "--config without its value",
    category: "config",
    issue: "9",
    command: "check",
    setup: () => ["--config"],
    status: 2,
    message: "Option '--config <value>' argument missing",
  },
  {
    name: "an extra positional argument",
    category: "config",
    issue: "9",
    command: "score",
    setup: (f) => [...tinyCase(f), "extra"],
    status: 2,
    message: "Unexpected argument 'extra'",
  },
  {
    name: "an unknown option",
    category: "config",
    command: "check",
    setup: (f) => [...tinyCase(f), "--outt", "x.json"],
    status: 2,
    message: "Unknown option '--outt'",
  },
  {
    name: "score --as-of that is not a date",
    category: "config",
    command: "score",
    setup: (f) => [...tinyCase(f), "--as-of", "2025-02-30"],
    status: 2,
    message: '--as-of: expected a date YYYY-MM-DD but got "2025-02-30"',
  },
  {
    name: "a TypeScript configuration with a syntax error",
    category: "config",
    issue: "9",
    command: "check",
    setup: (f) => ["--config", f.file("syntax.ts", "export default {\n  inputs: {,\n};\n")],
    status: 2,
    message: /configuration file .*syntax\.ts could not be loaded/,
  },
  {
    name: "a TypeScript configuration that throws",
    category: "config",
    issue: "9",
    command: "check",
    setup: (f) => ["--config", f.file("throws.ts", 'throw new Error("boom from config");\nexport default {};\n')],
    status: 2,
    message: /throws\.ts could not be loaded: boom from config$/m,
  },
  {
    name: "a TypeScript configuration without a default export",
    category: "config",
    command: "check",
    setup: (f) => ["--config", f.file("named.ts", "export const settings = {};\n")],
    status: 2,
    message: "has no default export (use export default defineConfig({...}))",
  },
  {
    name: "a TypeScript configuration written with defineConfig",
    category: "config",
    command: "check",
    setup: (f) => {
      const events = f.file("events.csv", [HEADER, ...BASE_ROWS]);
      const load = new URL("../../loaders/config/load.js", import.meta.url).pathname;
      return [
        "--config",
        f.file(
          "customer-ai.config.ts",
          `import { defineConfig } from ${JSON.stringify(load)};\nexport default defineConfig(${JSON.stringify(tinyConfig(events))});\n`,
        ),
      ];
    },
    ...TINY_READ,
  },
  {
    name: "a JSON configuration that starts with a byte-order mark",
    category: "config",
    issue: "also",
    command: "check",
    setup: (f) => [
      "--config",
      f.file("bom.json", "\uFEFF" + JSON.stringify(tinyConfig(f.file("events.csv", [HEADER, ...BASE_ROWS])))),
    ],
    ...TINY_READ,
  },
  refusedConfigFile(
    "a JSON configuration that does not parse",
    "broken.json",
    '{ "inputs": { "events": ',
    /broken\.json is not valid JSON/,
  ),
  refusedConfigFile("an empty configuration file", "empty.json", "", /empty\.json is not valid JSON/),
  refusedConfigFile(
    "a configuration that is not an object",
    "list.json",
    "[1, 2]",
    "Invalid configuration: configuration: expected an object but got a list of 2",
  ),
  {
    name: "a configuration file of another kind (YAML)",
    category: "config",
    command: "check",
    setup: (f) => ["--config", f.file("config.yaml", "inputs: {}\n")],
    status: 2,
    message: 'expected a .ts, .js, .mjs or .json file but got ".yaml"',
  },
  {
    name: "an unknown key, with the closest one",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.instnaces = c.instances)),
    status: 2,
    message: /instnaces: unknown key; expected one of inputs, asOf, .*; closest: "instances"/,
  },
  {
    name: "a value of the wrong type",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.instances[0].window = "30")),
    status: 2,
    message: 'instances[0].window: expected a whole number from 1 to 3650 but got "30"',
  },
  {
    name: "a window of 0 days",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.instances[0].window = 0)),
    status: 2,
    message: "instances[0].window: expected a whole number from 1 to 3650 but got number 0",
  },
  {
    name: "a negative window",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.instances[0].window = -7)),
    status: 2,
    message: "instances[0].window: expected a whole number from 1 to 3650 but got number -7",
  },
  {
    name: "several mistakes at once, one line each",
    category: "config",
    command: "check",
    setup: (f) =>
      changed(f, (c) => {
        c.instances[0].type = "retention";
        c.requirements.minPositive = 0;
      }),
    status: 2,
    message:
      /Invalid configuration \(2 problems\):\n- requirements\.minPositive: .*\n- instances\[0\]\.type: expected one of conversion, churn but got "retention"/,
  },
  {
    name: "two instances with the same name",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => c.instances.push(purchaseInstance({ type: "churn" }))),
    status: 2,
    message: 'instances[1].name: expected a unique name but "buy" is used twice',
  },
  {
    name: "no instances",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.instances = [])),
    status: 2,
    message: "instances: expected a non-empty list but got a list of 0",
  },
  {
    name: "an operator with a typo",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.instances[0].goal.conditions[0].op = "equal")),
    status: 2,
    message:
      'instances[0].goal.conditions[0].op: expected one of equals, notEquals, in, startsWith, contains, exists, gt, gte, lt, lte, between but got "equal"; closest: "equals"',
  },
  {
    name: "a goal naming an event type that does not occur",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.instances[0].goal.conditions[0].value = "order_completed")),
    status: 2,
    message:
      'instances[0].goal (buy) matches no event: eventType equals "order_completed"; values of eventType: "view" (4), "purchase" (2)',
  },
  {
    name: "a condition on a column that does not exist",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.instances[0].goal.conditions[0].field = "evnt")),
    status: 2,
    message: /instances\[0\]\.goal\.conditions\[0\]\.field: no role or column "evnt" in inputs\.events/,
  },
  {
    name: 'a date compared with the amount (amount gt "2025-01-01")',
    category: "config",
    issue: "also",
    command: "check",
    setup: (f) =>
      changed(f, (c) => c.instances[0].goal.conditions.push({ field: "amount", op: "gt", value: "2025-01-01" })),
    status: 2,
    message:
      'instances[0].goal.conditions[1].value: "2025-01-01" is a date but the field holds numbers; expected a number',
  },
  {
    name: "a number beyond a double's range in amountExpression (amount * 1e400)",
    category: "config",
    issue: "8",
    command: "check",
    setup: (f) => amountExpressionCase(f, "amount * 1e400"),
    status: 2,
    message: "inputs.events.amountExpression: number 1e400 is beyond the range of a double at position 10",
  },
  {
    name: "amountExpression naming a column that does not exist",
    category: "config",
    command: "check",
    setup: (f) => amountExpressionCase(f, "Quantity * UnitPrice"),
    status: 2,
    message: /inputs\.events\.amountExpression.*"Quantity"/,
  },
  {
    name: 'timestampFormat "%Q" (not a strptime specifier)',
    category: "config",
    issue: "9",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.inputs.events.timestampFormat = "%Q")),
    status: 2,
    message: 'inputs.events.timestampFormat: "%Q" is not a strptime specifier (in "%Q")',
  },
  {
    name: "timestampFormat ending in a lone %",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.inputs.events.timestampFormat = "%Y-%m-%d %")),
    status: 2,
    message: 'inputs.events.timestampFormat: "%" is not a strptime specifier (in "%Y-%m-%d %")',
  },
  {
    name: "a timestampFormat that does not fit the values",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.inputs.events.timestampFormat = "%Y-%m-%d")),
    status: 2,
    message:
      'inputs.events.columns.timestamp: column "ts" should hold timestamps but 6 of the first 6 values cannot be read as times from 1900 to 2199 with format "%Y-%m-%d"',
  },
  {
    name: "groupRowsBy naming a column that does not exist",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.inputs.events.groupRowsBy = "invoice")),
    status: 2,
    message:
      /inputs\.events\.groupRowsBy: grouping column "invoice" not found in .*events\.csv; columns found: id, ts, event, amount/,
  },
  {
    name: "profile attributes without a profiles input",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.instances[0].profileAttributes = ["tier"])),
    status: 2,
    message: 'instances[0].profileAttributes[0]: uses profile attribute "tier" but inputs.profiles is not set',
  },
  {
    name: "an instance asOf after the configuration's asOf",
    category: "config",
    command: "check",
    setup: (f) =>
      changed(f, (c) => {
        c.asOf = "2025-02-10";
        c.instances[0].asOf = "2025-02-14";
      }),
    status: 2,
    message: 'instances[0].asOf: expected a date on or before the global asOf 2025-02-10 but got "2025-02-14"',
  },
  {
    name: "a CSV delimiter that is a quote",
    category: "config",
    issue: "also",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.inputs.events.csv = { delimiter: '"' })),
    status: 2,
    message: "inputs.events.csv.delimiter: expected a single character other than a quote or a line break",
  },
  {
    name: "a CSV delimiter that is a line break",
    category: "config",
    issue: "also",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.inputs.events.csv = { delimiter: "\n" })),
    status: 2,
    message: "inputs.events.csv.delimiter: expected a single character other than a quote or a line break",
  },
  {
    name: "an encoding name that is close to a known one",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.inputs.events.csv = { encoding: "latin1" })),
    status: 2,
    message: 'inputs.events.csv.encoding: expected one of utf-8, latin-1, utf-16 but got "latin1"; closest: "latin-1"',
  },
  {
    name: "asOf after the last event",
    category: "config",
    issue: "5",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.asOf = "2025-03-01")),
    status: 2,
    message: "asOf: 2025-03-01 is after the last event (the events run from 2025-01-01 to 2025-02-15)",
  },
  {
    name: "asOf before the first event",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.asOf = "2024-06-01")),
    status: 2,
    message:
      /^error: asOf: 2024-06-01 is before the first event \(the events run from 2025-01-01 to 2025-02-15\); choose a date in that range, or leave asOf out/m,
  },
  {
    name: "an instance asOf before the first event",
    category: "config",
    issue: "5",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.instances[0].asOf = "2024-12-01")),
    status: 2,
    message: "instances[0].asOf: 2024-12-01 is before the first event (the events run from 2025-01-01 to 2025-02-15)",
  },
  {
    name: "asOf that is not a calendar date",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.asOf = "2025-02-30")),
    status: 2,
    message: 'asOf: expected a date written YYYY-MM-DD but got "2025-02-30"',
  },
  {
    name: "events file missing",
    category: "config",
    command: "check",
    setup: (f) => ["--config", f.config(tinyConfig("events.csv"))],
    status: 2,
    message: /inputs\.events\.path: file not found: .*events\.csv/,
  },
  {
    name: "a glob that matches no file",
    category: "config",
    command: "check",
    setup: (f) => ["--config", f.config(tinyConfig("exports/events-*.csv"))],
    status: 2,
    message: /inputs\.events\.path: no file matches .*exports\/events-\*\.csv/,
  },
  {
    name: "an events path that is a folder",
    category: "config",
    command: "check",
    setup: (f) => {
      f.file("exports/events.csv", [HEADER, ...BASE_ROWS]);
      return ["--config", f.config(tinyConfig("exports"))];
    },
    status: 2,
    message: /exports is a folder; expected a file or a glob such as .*exports\/\*\.parquet/,
  },
  {
    name: "a mapped column with a typo, with the closest names",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.inputs.events.columns = { ...COLUMNS, timestamp: "time_stamp" })),
    status: 2,
    message:
      /inputs\.events\.columns\.timestamp: timestamp column "time_stamp" not found in .*events\.csv; columns found: id, ts, event, amount/,
  },
  {
    name: "profiles file missing",
    category: "config",
    command: "check",
    setup: (f) => changed(f, (c) => void (c.inputs.profiles = { path: "profiles.csv", columns: { personId: "id" } })),
    status: 2,
    message: /inputs\.profiles\.path: file not found: .*profiles\.csv/,
  },
  {
    name: "a profile attribute that is not a column",
    category: "config",
    command: "check",
    setup: (f) => {
      f.file("profiles.csv", ["id,loyaltyTier", "p1,gold"]);
      return changed(f, (c) => {
        c.inputs.profiles = { path: "profiles.csv", columns: { personId: "id" } };
        c.instances[0].profileAttributes = ["loyalty.tier"];
      });
    },
    status: 2,
    message:
      /instances\[0\]\.profileAttributes\[0\]: profile attribute column "loyalty\.tier" not found in .*profiles\.csv; columns found: id, loyaltyTier; closest: "loyaltyTier"/,
  },
  {
    name: "check --out that is a folder, refused before the check runs",
    category: "config",
    issue: "9",
    command: "check",
    setup: (f) => {
      f.file("reports/notes.txt", "mine\n");
      return [...tinyCase(f), "--out", f.path("reports")];
    },
    status: 2,
    message: /--out .*reports is a folder; name a file for the report, e\.g\. .*reports\/data-quality\.json/,
    verify: (f) => expect(readFileSync(f.path("reports/notes.txt"), "utf8")).toBe("mine\n"),
  },
  {
    name: "check --out whose parent folder is missing: created",
    category: "config",
    issue: "9",
    command: "check",
    setup: (f) => [...tinyCase(f), "--out", f.path("reports/2025/data-quality.json")],
    ...TINY_READ,
  },
  {
    name: "check --out naming the configuration file",
    category: "config",
    command: "check",
    setup: (f) => {
      const argv = tinyCase(f);
      return [...argv, "--out", argv[1]!];
    },
    status: 2,
    message: /--out .*config\.json is one of the inputs .* and would be overwritten/,
  },
  {
    name: "check --out naming a data file that a glob reads",
    category: "config",
    command: "check",
    setup: (f) => {
      f.file("exports/events-1.csv", [HEADER, ...BASE_ROWS]);
      return ["--config", f.config(tinyConfig("exports/events-*.csv")), "--out", f.path("exports/events-1.csv")];
    },
    status: 2,
    message: /--out .*exports\/events-1\.csv is one of the inputs .* and would be overwritten/,
  },
  {
    name: "check --out whose parent is a file",
    category: "config",
    command: "check",
    setup: (f) => [...tinyCase(f), "--out", f.path("events.csv/report.json")],
    status: 2,
    message: /--out .*events\.csv\/report\.json: .*events\.csv is a file, not a folder; choose another path/,
  },
  {
    name: "score --out that is a file",
    category: "config",
    issue: "9",
    command: "score",
    setup: (f) => [...tinyCase(f), "--out", f.file("scores.txt", "mine\n")],
    status: 2,
    message: /output folder .*scores\.txt is a file, not a folder; choose a new or empty folder/,
  },
  {
    name: "score --out whose parent is a file",
    category: "config",
    issue: "9",
    command: "score",
    setup: (f) => [...tinyCase(f), "--out", f.path("events.csv/scores")],
    status: 2,
    message: /output folder .*events\.csv\/scores: .*events\.csv is a file, not a folder/,
  },
];
