/**
 * Bad-input cases: output folders, failed and interrupted runs. No folder of the user's is deleted, a failed run
 * leaves the previous results as they were, an interrupted run leaves nothing that looks like results, and an
 * instance that does not meet its data requirements is left out with exit status 1 while the others are written.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { Session } from "../../loaders/ingest/session.js";
import { type BadInputCase, digests, leftovers, runInProcess, spawnCommand } from "./harness.js";
import {
  type CaseFolder,
  HEADER,
  purchaseInstance,
  row,
  scoreCase,
  smallLogPeople,
  smallLogRows,
  tinyCase,
  tinyConfig,
} from "./inputs.js";

/** The digests of a good run written into `out/` during setup, kept for `verify`. */
const before = new WeakMap<CaseFolder, Record<string, string>>();

/** Writes the small log, runs a good `score` into `out/` and records its files; returns the arguments. */
async function afterGoodRun(f: CaseFolder, change?: Parameters<typeof scoreCase>[2]): Promise<string[]> {
  const good = await runInProcess("score", [...scoreCase(f), "--out", f.path("out")]);
  expect(good.status).toBe(0);
  before.set(f, digests(f.path("out")));
  return scoreCase(f, [], change);
}

/** Checks that `out/` holds exactly the good run's files and that no staging folder was left behind. */
function previousResultsKept(f: CaseFolder): void {
  expect(digests(f.path("out"))).toEqual(before.get(f));
  expect(Object.keys(before.get(f)!)).toContain("index.json");
  expect(leftovers(f.dir)).toEqual([]);
}

/** Rows of a query over Parquet files, in a throwaway session. */
async function query(sql: string): Promise<Record<string, unknown>[]> {
  const session = await Session.open({ memoryLimit: "512MB", threads: 1 });
  try {
    return await session.rows(sql);
  } finally {
    session.close();
  }
}

/** One person's log over 60 days (a view every other day, a purchase every tenth), as CSV lines with a header. */
function onePersonLog(): string[] {
  const day = (d: number, hour: string) => new Date(Date.UTC(2025, 0, 1 + d)).toISOString().slice(0, 10) + ` ${hour}`;
  const lines = [HEADER];
  for (let d = 0; d < 60; d += 2) {
    lines.push(row("p1", day(d, "10:00:00"), "view"));
    if (d % 10 === 0) lines.push(row("p1", day(d, "11:00:00"), "purchase", "5"));
  }
  return lines;
}

const LOG = () => ({ read: smallLogRows(), used: smallLogRows(), setAside: {}, people: smallLogPeople() });

/**
 * Runs `score` as a real process and sends it `signal` once it is ingesting the features and has made its staging
 * folder beside the output.
 */
function interruptedInIngest(signal: NodeJS.Signals): NonNullable<BadInputCase["run"]> {
  return (f, argv) =>
    spawnCommand("score", argv, {
      tmpdir: f.path("tmp"),
      interrupt: { when: (stderr) => stderr.includes("features: ingest") && leftovers(f.dir).length > 0, signal },
    });
}

/** Output folders, failed and interrupted runs. */
export const RUN_CASES: BadInputCase[] = [
  {
    name: "score --out naming the folder that holds the configuration and data",
    category: "runs",
    issue: "1",
    command: "score",
    setup: (f) => {
      before.set(f, digests(f.dir));
      return [...tinyCase(f), "--out", f.dir];
    },
    status: 2,
    message:
      /output folder .* is not empty and was not written by customer-ai \(no \.customer-ai-output file\); nothing was changed/,
    verify: (f) => expect(Object.keys(digests(f.dir)).sort()).toEqual(["config.json", "events.csv"]),
  },
  {
    name: "score --out <data folder>/. (as --out . from inside it)",
    category: "runs",
    issue: "1",
    command: "score",
    setup: (f) => {
      f.file("notes/keep.txt", "mine\n");
      return [...tinyCase(f), "--out", `${f.dir}/notes/..`];
    },
    status: 2,
    message: "is not empty and was not written by customer-ai",
    verify: (f) => expect(readFileSync(f.path("notes/keep.txt"), "utf8")).toBe("mine\n"),
  },
  {
    name: "a run whose instance fails its data requirements keeps the previous results",
    category: "runs",
    issue: "2",
    command: "score",
    setup: (f) => afterGoodRun(f, (c) => void (c.requirements = { minPositive: 1_000_000, minNegative: 20 })),
    status: 2,
    message: /positives: .* need at least 1000000.* \(the previous results in .*out are unchanged\)/,
    verify: (f) => previousResultsKept(f),
  },
  {
    name: "score with asOf after the last event keeps the previous results",
    category: "runs",
    issue: "5",
    command: "score",
    setup: (f) => afterGoodRun(f, (c) => void (c.asOf = "2024-12-31")),
    status: 2,
    message:
      /asOf: 2024-12-31 is after the last event \(the events run from 2024-01-01 to 2024-08-2\d\).*\(the previous results in .*out are unchanged\)/,
    verify: (f) => previousResultsKept(f),
  },
  {
    name: "a first run whose every instance fails leaves no folder",
    category: "runs",
    issue: "2",
    command: "score",
    setup: (f) => scoreCase(f, [], (c) => void (c.instances[0].window = 365)),
    status: 2,
    message: /history: the events cover \d+ days .* needs at least 395 days/,
    verify: (f) => expect(readdirSync(f.dir).sort()).toEqual(["config.json", "events.csv"]),
  },
  {
    name: "an instance that fails its data requirements is left out, the others are written",
    category: "runs",
    command: "score",
    setup: (f) => scoreCase(f, [], (c) => c.instances.push(purchaseInstance({ name: "longer", window: 365 }))),
    status: 1,
    message:
      /instance longer was not scored: instances\[1\] \(longer\) does not meet the data requirements:\n- history: .*needs at least 395 days/,
    rows: LOG(),
    verify: (f) => {
      const index = JSON.parse(readFileSync(f.path("out/index.json"), "utf8"));
      expect(index.instances.map((i: { name: string }) => i.name)).toEqual(["buy"]);
      expect(index.failed.map((i: { name: string }) => i.name)).toEqual(["longer"]);
      expect(existsSync(f.path("out/buy/scores.parquet"))).toBe(true);
      expect(existsSync(f.path("out/longer"))).toBe(false);
    },
  },
  {
    name: "score on one person with the requirements lowered: the held-out split leaves no training rows",
    category: "runs",
    command: "score",
    setup: (f) => {
      const config = { ...tinyConfig(f.file("events.csv", onePersonLog())), training: { seed: 3 } };
      return ["--config", f.config(config)];
    },
    status: 2,
    message:
      /^- people: the 4 labelled examples come from 1 person; the models hold people out .*, which here leaves no example to train the evaluation model on\. Provide examples from more people/m,
    verify: (f) => expect(readdirSync(f.dir).sort()).toEqual(["config.json", "events.csv"]),
  },
  {
    name: "score on three people with the requirements lowered: the held-out split leaves no test rows",
    category: "runs",
    command: "score",
    setup: (f) => tinyCase(f),
    status: 2,
    message:
      /^error: instances\[0\] \(buy\) does not meet the data requirements:\n- people: the 4 labelled examples come from 2 people; .*leaves no example to test the evaluation model on/m,
    verify: (f) => expect(readdirSync(f.dir).sort()).toEqual(["config.json", "events.csv"]),
  },
  {
    name: "check of an instance that fails its data requirements",
    category: "runs",
    command: "check",
    setup: (f) => tinyCase(f, [], (c) => void (c.instances[0].window = 30)),
    status: 1,
    message: "FAIL the events cover 46 days (2025-01-01 to 2025-02-15); instance buy needs at least 60 days",
    rows: { read: 6, used: 6, setAside: {}, people: 3 },
  },
  {
    name: "score --out whose parent folders are missing: created",
    category: "runs",
    issue: "9",
    command: "score",
    setup: (f) => [...scoreCase(f), "--out", f.path("results/2025/out")],
    status: 0,
    message: /wrote .*results\/2025\/out\//,
    rows: LOG(),
    verify: (f) => {
      expect(existsSync(f.path("results/2025/out/index.json"))).toBe(true);
      expect(existsSync(f.path("results/2025/out/.customer-ai-output"))).toBe(true);
      expect(leftovers(f.path("results/2025"))).toEqual([]);
    },
  },
  {
    name: "an instance asOf earlier than the data's: its timeline ends on that date",
    category: "runs",
    issue: "10",
    command: "score",
    setup: (f) => scoreCase(f, [], (c) => void (c.instances[0].asOf = "2024-07-31")),
    status: 0,
    message: "as of 2024-08-27",
    rows: LOG(),
    verify: async (f) => {
      const instance = JSON.parse(readFileSync(f.path("out/buy/instance.json"), "utf8"));
      expect(instance.asOf).toBe("2024-07-31");
      const [last] = await query(
        `SELECT CAST(max(time) AS VARCHAR) AS last, count(*) AS n FROM '${f.path("out/buy/timeline.parquet")}'`,
      );
      expect(last!.last).toBe("2024-07-31");
    },
  },
  {
    name: "amounts NaN and Infinity through a whole run: set aside, never a factor value",
    category: "runs",
    issue: "4",
    command: "score",
    setup: (f) =>
      scoreCase(
        f,
        ["NaN", "Infinity", "-Infinity", "1e309"].map((a, i) =>
          row(`c000${i}`, `2024-08-0${i + 1} 10:00:00`, "purchase", a),
        ),
      ),
    status: 0,
    message: "as of 2024-08-27",
    rows: { read: smallLogRows() + 4, used: smallLogRows(), setAside: { amount_invalid: 4 }, people: smallLogPeople() },
    verify: async (f) => {
      const [odd] = await query(
        `SELECT count(*) FILTER (value ILIKE '%inf%' OR value ILIKE '%nan%') AS n, count(*) AS total FROM '${f.path("out/buy/factors.parquet")}'`,
      );
      expect(Number(odd!.total)).toBeGreaterThan(0);
      expect(Number(odd!.n)).toBe(0);
      expect(readFileSync(f.path("out/buy/insights.json"), "utf8")).not.toMatch(/Infinity|NaN/);
    },
  },
  {
    name: "hostile ids through a whole run: scored as written",
    category: "hostile",
    command: "score",
    setup: (f) => {
      const ids = ["007", "7", "x'); DROP TABLE scores; --", "🙂", 'say "hi"'];
      const lines = ids.flatMap((id, i) =>
        [0, 9, 18, 27].map((d) =>
          row(
            id.includes('"') ? `"${id.replaceAll('"', '""')}"` : id,
            `2024-0${4 + (i % 4)}-${String(1 + d).padStart(2, "0")} 10:00:00`,
            d ? "view" : "purchase",
            d ? "" : "9.5",
          ),
        ),
      );
      return scoreCase(f, lines);
    },
    status: 0,
    message: "as of 2024-08-27",
    rows: { read: smallLogRows() + 20, used: smallLogRows() + 20, setAside: {}, people: smallLogPeople() + 5 },
    verify: async (f) => {
      const ids = await query(
        `SELECT id FROM '${f.path("out/buy/scores.parquet")}' WHERE NOT starts_with(id, 'c') ORDER BY id`,
      );
      expect(ids.map((r) => r.id)).toEqual(["007", "7", 'say "hi"', "x'); DROP TABLE scores; --", "🙂"]);
    },
  },
  {
    name: "a run killed mid-way keeps the previous results; its staging folder is not results and the next run works",
    category: "runs",
    command: "score",
    setup: (f) => afterGoodRun(f),
    run: interruptedInIngest("SIGKILL"),
    status: 128 + 9,
    message: "features: ingest:",
    verify: async (f) => {
      expect(digests(f.path("out"))).toEqual(before.get(f));
      const [staging] = leftovers(f.dir);
      expect(staging).toMatch(/^\.out\.partial-/);
      expect(existsSync(join(f.dir, staging!, "index.json"))).toBe(false);
      const next = await runInProcess("score", [...scoreCase(f), "--out", f.path("out")]);
      expect(next.status).toBe(0);
      expect(Object.keys(digests(f.path("out"))).sort()).toEqual(Object.keys(before.get(f)!).sort());
      expect(leftovers(f.dir)).toEqual([staging]);
    },
  },
  {
    name: "a first run interrupted with Ctrl-C leaves no output folder",
    category: "runs",
    command: "score",
    setup: (f) => scoreCase(f),
    run: interruptedInIngest("SIGINT"),
    status: 128 + 2,
    message: "features: ingest:",
    verify: (f) => {
      expect(existsSync(f.path("out"))).toBe(false);
      expect(leftovers(f.dir)).toHaveLength(1);
    },
  },
];
