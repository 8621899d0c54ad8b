/**
 * `npm run bench:ingest [-- --files 300,2000 --big-mb 280 --memory 2GB --commands check,score]`: peak memory and
 * time of `check` and `score` on inputs that stress ingest, against DuckDB's own floor on the same files in the same
 * run (`read_csv` of the file or glob into a table of a file-backed database, with the same memory limit):
 * - a glob of N one-row CSV files (a year of daily exports, and more);
 * - one CSV of about `--big-mb` MB holding one person's events (id, timestamp, event type, amount).
 * Every command runs in a fresh process and reports its own peak RSS (`process.resourceUsage().maxRSS`, read at
 * exit). A single person cannot meet the data requirements, so `check` exits 1 and `score` 2 on the big file, after
 * the whole ingest and planning: the memory measured is that of reading it. Data go to `.tmp/bench-ingest/`.
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DuckDBInstance } from "@duckdb/node-api";
import { UsageError, runCli } from "../loaders/cli/run.js";

const DATA = resolve(".tmp/bench-ingest");
const MiB = 2 ** 20;
/** Writes the process's peak RSS (KiB) to the file named by BENCH_RSS_FILE when it exits. */
const RSS_HOOK =
  'data:text/javascript,import{writeFileSync}from"node:fs";process.on("exit",()=>{writeFileSync(process.env.BENCH_RSS_FILE,String(process.resourceUsage().maxRSS))});';

const CONFIG_COLUMNS = { personId: "id", timestamp: "timestamp", eventType: "event_type", amount: "amount" };
const INSTANCES = [
  {
    name: "purchase",
    type: "conversion",
    window: 30,
    goal: { conditions: [{ field: "eventType", op: "equals", value: "purchase" }] },
  },
];

/** A case: the input, its configuration and how DuckDB reads it for the floor. */
interface Case {
  name: string;
  config: string;
  input: string;
}

/** What one process measured. */
interface Measured {
  exit: number;
  seconds: number;
  peakMiB: number;
  last: string;
}

await runCli(async () => {
  const { values } = parseArgs({
    options: {
      files: { type: "string", default: "300,2000" },
      "big-mb": { type: "string", default: "280" },
      memory: { type: "string" },
      commands: { type: "string", default: "check,score" },
      // Internal: DuckDB's floor on one input, in this process.
      floor: { type: "string" },
    },
  });
  if (values.floor) return void (await floor(values.floor));
  const commands = values.commands.split(",").map((c) => c.trim());
  for (const c of commands)
    if (c !== "check" && c !== "score") throw new UsageError(`--commands: expected check and/or score, got "${c}"`);
  const cases: Case[] = [];
  for (const n of values.files.split(",").filter(Boolean).map(Number)) {
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`--files: expected numbers of files such as 300,2000, got "${values.files}"`);
    cases.push(manyFiles(n));
  }
  const bigMb = Number(values["big-mb"]);
  if (!(bigMb >= 0)) throw new UsageError(`--big-mb: expected a number of megabytes, got "${values["big-mb"]}"`);
  if (bigMb > 0) cases.push(await bigFile(bigMb));
  const env: Record<string, string> = values.memory ? { CUSTOMER_AI_MEMORY_LIMIT: values.memory } : {};
  const lines = [
    `| input | command | exit | wall s | peak RSS MiB | DuckDB floor: wall s | floor peak RSS MiB | RSS / floor |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- |`,
  ];
  for (const c of cases) {
    const base = inChild(["--import", "tsx", fileURLToPath(import.meta.url), "--floor", c.input], env);
    for (const command of commands) {
      const out = join(DATA, "out", `${c.name}-${command}`);
      const args = command === "check" ? ["--out", `${out}.json`] : ["--out", out];
      const m = inChild(["--import", "tsx", `loaders/cli/${command}.ts`, "--config", c.config, ...args], env);
      console.error(
        `${c.name} ${command}: exit ${m.exit}, ${m.seconds.toFixed(1)} s, ${m.peakMiB.toFixed(0)} MiB; ${m.last}`,
      );
      const cells = [
        c.name,
        command,
        m.exit,
        m.seconds.toFixed(1),
        m.peakMiB.toFixed(0),
        base.seconds.toFixed(1),
        base.peakMiB.toFixed(0),
        (m.peakMiB / base.peakMiB).toFixed(2),
      ];
      lines.push(`| ${cells.join(" | ")} |`);
    }
  }
  const limit = values.memory
    ? `CUSTOMER_AI_MEMORY_LIMIT=${values.memory}`
    : "the default DuckDB memory limit (40% of RAM)";
  console.log(`\nbench:ingest (node ${process.version}, ${limit})\n${lines.join("\n")}`);
});

/** Runs node with `args` in a fresh process and measures its wall time and peak RSS. */
function inChild(args: string[], env: Record<string, string>): Measured {
  const rssFile = join(tmpdir(), `bench-ingest-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const started = performance.now();
  const run = spawnSync(process.execPath, ["--import", RSS_HOOK, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env, BENCH_RSS_FILE: rssFile },
    stdio: ["ignore", "ignore", "pipe"],
    maxBuffer: 64 * MiB,
  });
  const seconds = (performance.now() - started) / 1000;
  const peakKiB = existsSync(rssFile) ? Number(readFileSync(rssFile, "utf8")) : NaN;
  rmSync(rssFile, { force: true });
  const last = (run.stderr ?? "").trim().split("\n").filter(Boolean).pop() ?? "";
  return { exit: run.status ?? -1, seconds, peakMiB: peakKiB / 1024, last: last.slice(0, 160) };
}

/** DuckDB's floor: the input read into a table of a file-backed database, every column as text (one scan of the
 * files uniting columns by name, as little as DuckDB itself needs to hold the rows). */
async function floor(input: string): Promise<void> {
  const folder = join(tmpdir(), `bench-ingest-floor-${process.pid}`);
  mkdirSync(folder, { recursive: true });
  try {
    const memory = process.env.CUSTOMER_AI_MEMORY_LIMIT;
    const instance = await DuckDBInstance.create(join(folder, "floor.duckdb"), {
      temp_directory: join(folder, "spill"),
      ...(memory ? { memory_limit: memory } : {}),
    });
    const connection = await instance.connect();
    const path = input.replaceAll("'", "''");
    await connection.run(
      `CREATE TABLE t AS SELECT * FROM read_csv('${path}', all_varchar = true, union_by_name = true)`,
    );
    const rows = (await connection.runAndReadAll("SELECT count(*)::INTEGER AS n FROM t")).getRowObjects()[0]!.n;
    console.error(`floor: ${rows} rows`);
    connection.closeSync();
    instance.closeSync();
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** `n` daily CSV files of one row each, 50 people, and their configuration. */
function manyFiles(n: number): Case {
  const dir = join(DATA, `files-${n}`);
  if (!existsSync(join(dir, "done"))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const start = Date.UTC(2020, 0, 1);
    for (let i = 0; i < n; i++) {
      const day = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
      const type = i % 3 ? "page_view" : "purchase";
      writeFileSync(
        join(dir, `events-${String(i).padStart(5, "0")}.csv`),
        `id,timestamp,event_type,amount\np${i % 50},${day} 10:00:00,${type},${type === "purchase" ? (i % 7) + 1.5 : ""}\n`,
      );
    }
    writeFileSync(join(dir, "done"), "");
  }
  return writeCase(`${n} one-row files`, `files-${n}`, join(dir, "events-*.csv"));
}

/** One CSV of about `mb` MB with the events of one person over 575 days, and its configuration. */
async function bigFile(mb: number): Promise<Case> {
  const file = join(DATA, `one-person-${mb}mb.csv`);
  if (!existsSync(file) || statSync(file).size < mb * 1e6) {
    mkdirSync(DATA, { recursive: true });
    console.error(`writing ${file}`);
    const out = createWriteStream(file);
    const types = ["page_view", "product_view", "add_to_cart", "purchase"];
    const start = Date.UTC(2024, 0, 1);
    let bytes = 0;
    out.write("id,timestamp,event_type,amount\n");
    for (let i = 0; bytes < mb * 1e6; ) {
      const lines: string[] = [];
      for (let k = 0; k < 10_000; k++, i++) {
        const time = new Date(start + ((i * 7919) % 49_680_000) * 1000 + (i % 1000))
          .toISOString()
          .slice(0, 19)
          .replace("T", " ");
        const type = types[i % 97 === 0 ? 3 : i % 3]!;
        lines.push(`person-0001,${time},${type},${type === "purchase" ? ((i % 500) / 10 + 5).toFixed(2) : ""}\n`);
      }
      const chunk = lines.join("");
      bytes += chunk.length;
      if (!out.write(chunk)) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
  }
  return writeCase(`one person, ${(statSync(file).size / 1e6).toFixed(0)} MB`, `one-person-${mb}mb`, file);
}

function writeCase(name: string, slug: string, input: string): Case {
  const config = join(DATA, `${slug}.config.json`);
  writeFileSync(
    config,
    JSON.stringify(
      {
        inputs: { events: { path: input, columns: CONFIG_COLUMNS } },
        requirements: { minPositive: 5, minNegative: 5 },
        instances: INSTANCES,
      },
      null,
      2,
    ) + "\n",
  );
  return { name, config, input };
}
