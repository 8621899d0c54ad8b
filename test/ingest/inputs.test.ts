/**
 * Input resources and broken CSV quoting: a many-file glob is read by a bounded number of scans and queries with
 * per-file accounting intact, and a quote that is opened and never closed is one line naming the file and line
 * instead of lines lost or read as values.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../loaders/config/errors.js";
import type { CustomerAIConfig } from "../../loaders/config/types.js";
import { validateConfig } from "../../loaders/config/validate.js";
import { type IngestResult, ingest } from "../../loaders/ingest/ingest.js";
import { Session } from "../../loaders/ingest/session.js";
import { opensUnclosedQuote } from "../../loaders/ingest/source.js";

const dir = mkdtempSync(join(tmpdir(), "ingest-inputs-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MAPPING = { personId: "id", timestamp: "ts", eventType: "event", amount: "amount" };

function configOf(path: string): CustomerAIConfig {
  return {
    inputs: { events: { path, columns: MAPPING } },
    instances: [
      {
        name: "buy",
        type: "conversion",
        window: 30,
        goal: { conditions: [{ field: "eventType", op: "equals", value: "purchase" }] },
      },
    ],
  };
}

/** Runs ingest in a fresh session under a 1 GB DuckDB limit; returns the result and the statements run. */
async function run(config: CustomerAIConfig): Promise<{ result: IngestResult; queries: string[] }> {
  const queries: string[] = [];
  const session = await Session.open({ memoryLimit: "1GB", threads: 2, onQuery: (sql) => queries.push(sql) });
  try {
    return { result: await ingest(session, validateConfig(config, { baseDir: dir })), queries };
  } finally {
    session.close();
  }
}

async function failure(config: CustomerAIConfig): Promise<string> {
  try {
    await run(config);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as UserError).message;
  }
  throw new Error("expected a UserError");
}

const day = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);

/**
 * A folder of `n` daily files of one or two rows. File 3 has a malformed line (its line 3), file 5 names its
 * timestamp column differently (every row set aside), file 8 has a second row without a person id.
 */
function dailyFiles(n: number): string {
  const folder = join(dir, `daily-${n}`);
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < n; i++) {
    const header = i === 5 ? "id,time,event,amount" : "id,ts,event,amount";
    const rows = [`p${i % 7},${day(i)} 10:00:00,${i % 3 ? "view" : "purchase"},${i % 3 ? "" : "9.5"}`];
    if (i === 3) rows.push("p1,2024-02-01 10:00:00,view,,extra,fields", `p2,${day(i)} 11:00:00,view,`);
    if (i === 8) rows.push(`,${day(i)} 12:00:00,view,`);
    writeFileSync(join(folder, `day-${String(i).padStart(4, "0")}.csv`), [header, ...rows].join("\n") + "\n");
  }
  return join(folder, "day-*.csv");
}

describe("a glob of many CSV files", () => {
  it("is read in bounded memory, with every row accounted for per file", async () => {
    // Before: one read_csv per file, each holding a 30 MiB buffer: 150 files exceeded a 1 GB limit.
    const { result } = await run(configOf(dailyFiles(150)));
    const e = result.report.events;
    expect(e.files).toHaveLength(150);
    expect(e.rowsRead).toBe(153);
    expect(e.rowsUsed + e.rowsSetAside).toBe(153);
    const reasons = Object.fromEntries(e.setAside.map((s) => [s.reason, s]));
    expect(reasons.malformed_row).toMatchObject({ rows: 1, examples: ["day-0003.csv line 3"] });
    expect(reasons.timestamp_invalid).toMatchObject({ rows: 1, examples: ["day-0005.csv row 1"] });
    expect(reasons.person_id_missing).toMatchObject({ rows: 1, examples: ["day-0008.csv row 2"] });
    expect(result.report.warnings.some((w) => w.includes("day-0005.csv (1) was set aside"))).toBe(true);
  });

  it("unites by column name 60 files whose headers all differ, in bounded memory", async () => {
    // One scan per header: with DuckDB's 32 MiB buffer each, 60 scans exceeded a 1 GB limit.
    const folder = join(dir, "headers");
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i < 60; i++) {
      const row = `p${i % 7},${day(i)} 10:00:00,${i % 3 ? "view" : "purchase"},,x${i}`;
      writeFileSync(join(folder, `day-${String(i).padStart(4, "0")}.csv`), `id,ts,event,amount,extra_${i}\n${row}\n`);
    }
    const { result } = await run(configOf(join(folder, "day-*.csv")));
    expect(result.report.events).toMatchObject({ rowsRead: 60, rowsUsed: 60, people: 7 });
    expect(result.events.source.columns.filter((c) => c.name.startsWith("extra_"))).toHaveLength(60);
  });

  it("runs as many queries for 150 files as for 10", async () => {
    const few = await run(configOf(dailyFiles(10)));
    const many = await run(configOf(dailyFiles(150)));
    expect(many.queries.length).toBe(few.queries.length);
    // One scan for the files sharing a header, one for the file with another: two read_csv calls per reading query.
    const reads = Math.max(...many.queries.map((q) => q.split("read_csv(").length - 1));
    expect(reads).toBeLessThanOrEqual(2);
  });

  it("numbers rows within each file when files hold many rows", async () => {
    const folder = join(dir, "parts");
    mkdirSync(folder, { recursive: true });
    for (let f = 0; f < 4; f++) {
      const rows = Array.from(
        { length: 500 + f * 37 },
        (_, r) => `p${r % 50},${day(r % 300)} 0${f}:00:00,${r % 4 ? "view" : "purchase"},`,
      );
      rows[100 + f] = `p1,not a time ${f},view,`;
      writeFileSync(join(folder, `part-${f}.csv`), ["id,ts,event,amount", ...rows].join("\n") + "\n");
    }
    const { result } = await run(configOf(join(folder, "part-*.csv")));
    const aside = result.report.events.setAside.find((s) => s.reason === "timestamp_invalid")!;
    expect(aside.examples).toEqual([
      "part-0.csv row 101",
      "part-1.csv row 102",
      "part-2.csv row 103",
      "part-3.csv row 104",
    ]);
  });
});

/** Writes `n` data rows with a quoted note every 50 rows; row `bad` opens a quote in the event type and never closes
 * it. Returns the path. */
function quotedFile(name: string, n: number, bad: number, note = '"gift, wrapped"'): string {
  const rows = Array.from({ length: n }, (_, i) => {
    const ts = new Date(Date.UTC(2024, 0, 1) + i * 420_000).toISOString().slice(0, 19).replace("T", " ");
    if (i === bad) return `p${i % 400},${ts},"view,1.5,`;
    return `p${i % 400},${ts},${i % 5 ? "view" : "purchase"},${(i % 9) + 1}.25,${i % 50 === 0 ? note : ""}`;
  });
  const path = join(dir, name);
  writeFileSync(path, ["id,ts,event,amount,note", ...rows].join("\n") + "\n");
  return path;
}

describe("a quote that is opened and never closed", () => {
  it("deep in a file: names the file and line instead of losing the lines it swallows", async () => {
    // Before: the 40 lines up to the next quote were neither read nor counted (49,960 rows read of 50,000).
    const path = quotedFile("deep.csv", 25_000, 21_010);
    expect(await failure(configOf(path))).toBe(
      `inputs.events: ${path} line 21012: a field opens a quote (") that is not closed on its line, so the lines after it (at least 40) were read as part of that field and would be lost; close or remove that quote (or export the file again) and rerun`,
    );
  });

  it("near the top of a file: names the line instead of reading the whole file without quotes", async () => {
    // Before: DuckDB's sniffer chose no quoting, so every quoted note split into extra fields (39 rows set aside).
    const path = quotedFile("early.csv", 2_000, 100);
    expect(await failure(configOf(path))).toBe(
      `inputs.events: ${path} line 102: a field opens a quote (") that is not closed on its line, so the file was read without quotes and 39 lines could not be parsed; close or remove that quote (or export the file again) and rerun`,
    );
    // Before: with no other quoted comma, the fragment became an event type ("view) and the run went on.
    const fragment = quotedFile("fragment.csv", 2_000, 100, "");
    expect(await failure(configOf(fragment))).toContain(
      `${fragment} line 102: a field opens a quote (") that is not closed on its line, so the file was read without quotes`,
    );
  });

  it("leaves well-formed quoting alone: quoted line breaks, doubled quotes and inch marks", async () => {
    const path = join(dir, "fine.csv");
    const lines = [
      "id,ts,event,amount,note",
      'p1,2024-01-01 10:00:00,view,,"two\nlines"',
      'p2,2024-01-02 10:00:00,purchase,5,"say ""hi"""',
      'p3,2024-01-03 10:00:00,view,,tv 55"',
    ];
    writeFileSync(path, lines.join("\n") + "\n");
    const { result } = await run(configOf(path));
    expect(result.report.events).toMatchObject({ rowsRead: 3, rowsUsed: 3, rowsSetAside: 0, people: 3 });
  });

  it("opensUnclosedQuote reads one line as RFC 4180 does", () => {
    expect(opensUnclosedQuote('a,"b,c', ",")).toBe(true);
    expect(opensUnclosedQuote('"a', ",")).toBe(true);
    expect(opensUnclosedQuote('a,"b ""c"" d",e', ",")).toBe(false);
    expect(opensUnclosedQuote('a,"b ""c', ",")).toBe(true);
    expect(opensUnclosedQuote('a,tv 55",b', ",")).toBe(false);
    expect(opensUnclosedQuote('a;"b,c";d', ";")).toBe(false);
  });
});

describe("the DuckDB memory limit", () => {
  const path = () => {
    const p = join(dir, "small.csv");
    writeFileSync(
      p,
      ["id,ts,event,amount", "p1,2024-01-01 10:00:00,purchase,5", "p2,2024-01-02 10:00:00,view,"].join("\n") + "\n",
    );
    return p;
  };

  async function limitAfterIngest(config: CustomerAIConfig, env?: string): Promise<string> {
    const saved = process.env.CUSTOMER_AI_MEMORY_LIMIT;
    if (env === undefined) delete process.env.CUSTOMER_AI_MEMORY_LIMIT;
    else process.env.CUSTOMER_AI_MEMORY_LIMIT = env;
    try {
      const session = await Session.open({ threads: 2 });
      try {
        await ingest(session, validateConfig(config, { baseDir: dir }));
        return String((await session.row("SELECT current_setting('memory_limit') AS v")).v);
      } finally {
        session.close();
      }
    } finally {
      if (saved === undefined) delete process.env.CUSTOMER_AI_MEMORY_LIMIT;
      else process.env.CUSTOMER_AI_MEMORY_LIMIT = saved;
    }
  }

  it("is resources.memoryLimit, unless CUSTOMER_AI_MEMORY_LIMIT says otherwise", async () => {
    const config = { ...configOf(path()), resources: { memoryLimit: "300MB" } };
    expect(await limitAfterIngest(config)).toBe("286.0 MiB");
    expect(await limitAfterIngest(config, "200MiB")).toBe("200.0 MiB");
  });

  it("refuses a limit that is not an amount or a share, in one line naming the setting", async () => {
    expect(() => validateConfig({ ...configOf(path()), resources: { memoryLimit: "lots" } }, { baseDir: dir })).toThrow(
      'Invalid configuration: resources.memoryLimit: expected an amount of memory of at least 128MB such as "4GB", "512MB" or "6GiB", or a share of the machine\'s memory from 1% to 95% such as "50%" but got "lots"',
    );
    await expect(limitAfterIngest(configOf(path()), "1KB")).rejects.toThrow(
      /^CUSTOMER_AI_MEMORY_LIMIT: expected an amount of memory of at least 128MB/,
    );
  });

  it("running out of it is one line naming the settings, not a DuckDB stack", async () => {
    const session = await Session.open({ memoryLimit: "130MB", threads: 2 });
    try {
      await expect(session.run("SELECT length(string_agg(repeat('x', 100), ',')) FROM range(3000000)")).rejects.toThrow(
        /^DuckDB needs more memory than its limit of 123MiB allows \(Out of Memory Error: .*\); raise resources\.memoryLimit in the configuration or CUSTOMER_AI_MEMORY_LIMIT, or free memory on this machine$/,
      );
    } finally {
      session.close();
    }
  });
});
