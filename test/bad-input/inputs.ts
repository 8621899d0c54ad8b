/**
 * Inputs of the bad-input suite, written by code into a case's temporary folder: files, configurations, a tiny log
 * that `check` accepts, and a small log that a whole `score` run trains on in a few seconds.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { CustomerAIConfig, InstanceConfig } from "../../loaders/config/types.js";
import { Random } from "../../loaders/demo/random.js";

/** A case's temporary folder and helpers to write into it. */
export class CaseFolder {
  constructor(readonly dir: string) {}

  /** The absolute path of `name` inside the folder. */
  path(name: string): string {
    return join(this.dir, name);
  }

  /** Writes a file (lines are joined with "\n" and end with one) and returns its path. */
  file(name: string, content: string | string[] | Uint8Array): string {
    const path = this.path(name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, Array.isArray(content) ? content.join("\n") + "\n" : content);
    return path;
  }

  /** Writes a configuration as JSON (default `config.json`) and returns its path. */
  config(config: unknown, name = "config.json"): string {
    return this.file(name, JSON.stringify(config, null, 2));
  }
}

/** A configuration as plain data, for cases to change anything in it. */
export type ConfigData = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The header of the CSV logs: person, time, event type, amount. */
export const HEADER = "id,ts,event,amount";

/** The column mapping of the CSV logs. */
export const COLUMNS = { personId: "id", timestamp: "ts", eventType: "event", amount: "amount" };

/** A line of the CSV logs. */
export function row(id: string, ts: string, event: string, amount = ""): string {
  return `${id},${ts},${event},${amount}`;
}

/** A conversion instance named "buy" whose goal is a purchase (30-day window unless changed). */
export function purchaseInstance(extra: Partial<InstanceConfig> = {}): InstanceConfig {
  return {
    name: "buy",
    type: "conversion",
    window: 30,
    goal: { conditions: [{ field: "eventType", op: "equals", value: "purchase" }] },
    ...extra,
  };
}

/**
 * A tiny log that meets the data requirements of `tinyConfig` (window 7, one positive and one negative example):
 * three people over 46 days, as of 2025-02-15. Cases add their odd rows after these (the first is row 7).
 */
export const BASE_ROWS = [
  row("p1", "2025-01-01 10:00:00", "view"),
  row("p1", "2025-01-05 10:00:00", "purchase", "20"),
  row("p2", "2025-01-03 10:00:00", "view"),
  row("p2", "2025-02-10 10:00:00", "view"),
  row("p1", "2025-02-12 10:00:00", "purchase", "12.5"),
  row("p3", "2025-02-15 10:00:00", "view"),
];

/** A configuration reading `path` (with `events` settings) that `BASE_ROWS` satisfy: one 7-day purchase instance. */
export function tinyConfig(path: string, events: Record<string, unknown> = {}): CustomerAIConfig {
  return {
    inputs: { events: { path, columns: COLUMNS, ...events } },
    requirements: { minPositive: 1, minNegative: 1 },
    instances: [purchaseInstance({ window: 7 })],
  };
}

/** What `check` of the tiny log read whole must end with: status 0, its 6 rows used and 3 people, none set aside. */
export const TINY_READ = {
  status: 0,
  message: "events: 6 rows read, 6 used, 0 set aside",
  rows: { read: 6, used: 6, setAside: {}, people: 3 },
};

/**
 * Writes `events.csv` (`HEADER`, `BASE_ROWS`, then `extra` lines) and its `tinyConfig`, changed by `change`;
 * returns the arguments `--config <file>`.
 */
export function tinyCase(f: CaseFolder, extra: string[] = [], change?: (config: ConfigData) => void): string[] {
  const config: ConfigData = tinyConfig(f.file("events.csv", [HEADER, ...BASE_ROWS, ...extra]));
  change?.(config);
  return ["--config", f.config(config)];
}

/** `tinyCase` with the amount given by `expression` (an amountExpression) instead of the amount column. */
export function amountExpressionCase(f: CaseFolder, expression: string): string[] {
  return tinyCase(f, [], (c) => {
    c.inputs.events.columns = { personId: "id", timestamp: "ts", eventType: "event" };
    c.inputs.events.amountExpression = expression;
  });
}

/** A seeded uniform generator in [0, 1) (the demo's Mulberry32 stream). */
function random(seed: number): () => number {
  const stream = new Random(seed);
  return () => stream.uniform();
}

/** A day's time as `YYYY-MM-DD HH:MM:SS`. */
function timeOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * A small event log (CSV lines with `HEADER`) that a whole run can train on: 300 people (c0000 to c0299) with
 * their own visit rate and buying propensity, some lapsing, over 240 days from 2024-01-01 (as of 2024-08-27).
 */
function smallLog(): string[] {
  const rand = random(1);
  const start = Date.UTC(2024, 0, 1);
  const lines = [HEADER];
  for (let i = 0; i < 300; i++) {
    const id = `c${String(i).padStart(4, "0")}`;
    const visits = 0.02 + rand() * 0.2;
    const buys = rand() * 0.5;
    const lastDay = rand() < 0.3 ? Math.floor(rand() * 240) : 240;
    for (let day = 0; day < lastDay; day++) {
      if (rand() >= visits) continue;
      const ts = timeOf(start + day * 86_400_000 + Math.floor(rand() * 86_400) * 1000);
      lines.push(row(id, ts, "view"));
      if (rand() < buys) lines.push(row(id, ts.replace(/:\d\d$/, ":59"), "purchase", (5 + rand() * 95).toFixed(2)));
    }
  }
  return lines;
}

let smallLogLines: string[] | undefined;

/** The lines of the small log (made once). */
function smallLogOnce(): string[] {
  smallLogLines ??= smallLog();
  return smallLogLines;
}

/** The data rows of the small log. */
export function smallLogRows(): number {
  return smallLogOnce().length - 1;
}

/** The people of the small log (some never have an event). */
export function smallLogPeople(): number {
  return new Set(
    smallLogOnce()
      .slice(1)
      .map((line) => line.split(",")[0]),
  ).size;
}

/**
 * Writes `events.csv` (the small log, then `extra` lines) and a configuration a whole run trains on in a few
 * seconds (one 30-day purchase instance, 15 trees, at least 20 positive and 20 negative examples), changed by
 * `change`; returns the arguments `--config <file>`.
 */
export function scoreCase(f: CaseFolder, extra: string[] = [], change?: (config: ConfigData) => void): string[] {
  const config: ConfigData = {
    inputs: { events: { path: f.file("events.csv", [...smallLogOnce(), ...extra]), columns: COLUMNS } },
    training: { model: { nTrees: 15 }, maxExamples: 20_000 },
    requirements: { minPositive: 20, minNegative: 20 },
    instances: [purchaseInstance()],
  };
  change?.(config);
  return ["--config", f.config(config)];
}
