/**
 * Runs a bad-input case: writes its inputs into a fresh temporary folder, runs `check` or `score` in-process with
 * the output captured (or as a real process, for cases that interrupt one), and reads the report it wrote.
 */
import { spawn } from "node:child_process";
import { Console } from "node:console";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { checkCommand } from "../../loaders/cli/commands/check.js";
import { scoreCommand } from "../../loaders/cli/commands/score.js";
import { exitStatusOf } from "../../loaders/cli/run.js";
import type { DataQualityReport } from "../../loaders/contract/data-quality.js";
import { CaseFolder } from "./inputs.js";

/** The commands a case can run. */
export type Command = "check" | "score";

/** What a command did: its exit status and what it printed. */
export interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

/** A stream that keeps what is written to it. */
class Recorder extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

const COMMANDS = { check: checkCommand, score: scoreCommand };

/** Runs a command in this process with `argv`, capturing stdout and stderr; a bug (not a user mistake) throws. */
export async function runInProcess(command: Command, argv: string[]): Promise<Outcome> {
  const stdout = new Recorder();
  const stderr = new Recorder();
  const output = new Console({ stdout, stderr, colorMode: false });
  const status = await exitStatusOf(() => COMMANDS[command](argv, output), output);
  return { status, stdout: stdout.text, stderr: stderr.text };
}

/** Options of `spawnCommand`. */
export interface SpawnOptions {
  /** The temporary folder of the process (TMPDIR): what an interrupted run leaves there (its DuckDB database)
   * then goes with the case's folder. */
  tmpdir?: string;
  /** Sends `signal` to the process (and the processes it started) once `when(stderr so far)` holds (checked every
   * 20 ms). */
  interrupt?: { when: (stderr: string) => boolean; signal: NodeJS.Signals };
}

/**
 * Runs a command as a real process (`npx tsx loaders/cli/<command>.ts`, in a process group of its own so that an
 * interruption reaches npx, tsx and node alike); the status of a process ended by a signal is 128 + its number.
 */
export function spawnCommand(command: Command, argv: string[], options: SpawnOptions = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    if (options.tmpdir) mkdirSync(options.tmpdir, { recursive: true });
    const env = options.tmpdir ? { ...process.env, TMPDIR: options.tmpdir } : process.env;
    const child = spawn("npx", ["tsx", `loaders/cli/${command}.ts`, ...argv], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const interrupt = options.interrupt;
    const timer = interrupt
      ? setInterval(() => {
          if (!interrupt.when(stderr)) return;
          clearInterval(timer);
          process.kill(-child.pid!, interrupt.signal);
        }, 20)
      : undefined;
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearInterval(timer);
      resolve({ status: code ?? 128 + (signal ? constants.signals[signal] : 0), stdout, stderr });
    });
  });
}

/** A fresh temporary folder for one case. */
export function caseFolder(prefix = "bad-input-"): CaseFolder {
  return new CaseFolder(mkdtempSync(join(tmpdir(), prefix)));
}

/** The value of --out in a command's arguments. */
export function outOf(argv: string[]): string {
  return argv[argv.lastIndexOf("--out") + 1]!;
}

/** The data-quality report a command wrote: check's --out file, or the first instance's copy in score's folder. */
export function reportWritten(command: Command, argv: string[]): DataQualityReport | undefined {
  const path = command === "check" ? outOf(argv) : firstInstanceReport(outOf(argv));
  return path && existsSync(path) && statSync(path).isFile()
    ? (JSON.parse(readFileSync(path, "utf8")) as DataQualityReport)
    : undefined;
}

function firstInstanceReport(out: string): string | undefined {
  if (!existsSync(join(out, "index.json"))) return undefined;
  const index = JSON.parse(readFileSync(join(out, "index.json"), "utf8")) as { instances: { dir: string }[] };
  return index.instances[0] && join(out, index.instances[0].dir, "data-quality.json");
}

/** sha256 of a file, or of every file under a folder by relative path; empty when nothing is there. */
export function digests(path: string): Record<string, string> {
  const hash = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
  if (!existsSync(path)) return {};
  if (statSync(path).isFile()) return { ".": hash(path) };
  const files: Record<string, string> = {};
  for (const entry of readdirSync(path, { recursive: true, withFileTypes: true })) {
    const file = join(entry.parentPath, entry.name);
    if (entry.isFile()) files[file.slice(path.length + 1)] = hash(file);
  }
  return files;
}

/** Names in a folder that a run left beside its output (staging and previous-results folders). */
export function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((name) => /\.(partial|previous)-/.test(name));
}

/** The kinds of bad input, as issue 14 groups them. */
export const CATEGORIES = ["config", "data", "hostile", "resources", "runs"] as const;
export type Category = (typeof CATEGORIES)[number];

/** How the rows of one input were accounted for; `setAside` lists every reason with rows (exactly). */
export interface Accounting {
  read: number;
  used: number;
  setAside?: Record<string, number>;
  /** People found (events only). */
  people?: number;
}

/** One bad input: how to make it, what to run, and what must come out. */
export interface BadInputCase {
  name: string;
  category: Category;
  /** The item of issue 14 the case reproduces: "1" to "10", or "also" for the list after them. */
  issue?: string;
  command: Command;
  /**
   * Writes the inputs into the case's folder and returns the command's arguments. Without an --out of its own,
   * check writes its report to `report.json` and score its results to `out/` in the folder.
   */
  setup: (f: CaseFolder) => string[] | Promise<string[]>;
  /** Runs the command another way than in-process (e.g. a real process that gets interrupted). */
  run?: (f: CaseFolder, argv: string[]) => Promise<Outcome>;
  /** The exit status: 0 handled (rows counted), 1 an instance failed its data requirements, 2 a user mistake
   * (128 + n for a process ended by signal n). */
  status: number;
  /** What the output must say (stderr; for status 2, the error line). */
  message: string | RegExp;
  /** The events' row accounting in the report written (required unless the status is 2). */
  rows?: Accounting;
  /** The profiles' row accounting, for cases with profiles. */
  profileRows?: Accounting;
  /** Further checks on what the command left behind. */
  verify?: (f: CaseFolder, outcome: Outcome, report: DataQualityReport | undefined) => void | Promise<void>;
  /** Seconds the case may take at most, for cases about resources. */
  seconds?: number;
}

/** The arguments of a case with the default --out put first (so that a case can end with an option's name). */
export function withDefaultOut(command: Command, f: CaseFolder, argv: string[]): string[] {
  if (argv.includes("--out")) return argv;
  return ["--out", f.path(command === "check" ? "report.json" : "out"), ...argv];
}
