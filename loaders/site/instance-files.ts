/**
 * The files of the site's scoring run (`siteRun()`, shared by all loaders of a build) as the site ships them:
 * the run's own files (`src/data/*`), and those of one instance: parameterised data loaders
 * (`src/[instance]/data/<file>.ts`) are run by Framework with `--instance=<name>` and copy that instance's file.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../db/duckdb.js";
import { copyEmptyScoreHistorySql } from "../history/sql.js";
import { FILES, type InstanceHistory, RUN_FILES } from "../contract/schema.js";
import { hasPersonIds, idKey, pseudonymOf, pseudonymousParquet } from "./pseudonyms.js";
import { siteRun } from "../pipeline/site.js";
import { writeOutput } from "./emit.js";

/** The value of `--<name>=<value>` among a loader's arguments (how Framework passes route parameters). */
export function loaderParam(name: string, argv: string[] = process.argv): string {
  const prefix = `--${name}=`;
  const arg = argv.find((a) => a.startsWith(prefix));
  if (arg === undefined) throw new Error(`missing parameter --${name} (run this loader through a [${name}] route)`);
  return arg.slice(prefix.length);
}

/** One file of an instance's run output, by its `FILES` key. */
export async function instanceFile(instance: string, file: keyof typeof FILES): Promise<Buffer> {
  const { dir, index } = await siteRun();
  const entry = index.instances.find((i) => i.name === instance);
  if (!entry)
    throw new Error(`unknown instance "${instance}" (the run has ${index.instances.map((i) => i.name).join(", ")})`);
  return readFile(join(dir, entry.dir, FILES[file]));
}

/** Writes one file of the site's run folder (`RUN_FILES`) to stdout (the whole body of a data loader). */
export async function emitRunFile(file: keyof typeof RUN_FILES): Promise<void> {
  const { dir } = await siteRun();
  await writeOutput(await readFile(join(dir, RUN_FILES[file])));
}

/** Writes the file of the loader's `--instance` to stdout (the whole body of a parameterised data loader), with
 * pseudonymous ids when a key is set (see `pseudonyms.ts`). */
export async function emitInstanceFile(file: keyof typeof FILES): Promise<void> {
  const instance = loaderParam("instance");
  const key = idKey();
  if (key && hasPersonIds(file))
    return writeOutput(await pseudonymousParquet(await instanceFilePath(instance, file), file, key));
  await writeOutput(await instanceFile(instance, file));
}

/** The bytes `emitInstanceFile` ships for an instance's file (with pseudonymous ids when a key is set). */
export async function shippedInstanceFile(instance: string, file: keyof typeof FILES): Promise<Uint8Array> {
  const key = idKey();
  if (key && hasPersonIds(file)) return pseudonymousParquet(await instanceFilePath(instance, file), file, key);
  return instanceFile(instance, file);
}

/** Where one file of an instance's run output is. */
async function instanceFilePath(instance: string, file: keyof typeof FILES): Promise<string> {
  const { dir, index } = await siteRun();
  const entry = index.instances.find((i) => i.name === instance);
  if (!entry)
    throw new Error(`unknown instance "${instance}" (the run has ${index.instances.map((i) => i.name).join(", ")})`);
  return join(dir, entry.dir, FILES[file]);
}

/** The history files of the loader's `--instance` (written only in runs of a history folder): the file, or for a
 * run without history, `null` (history.json) or a score history without rows. */
export async function emitHistoryFile(file: "history" | "scoreHistory"): Promise<void> {
  const instance = loaderParam("instance");
  const { dir, index } = await siteRun();
  const entry = index.instances.find((i) => i.name === instance);
  const path = entry ? join(dir, entry.dir, FILES[file]) : "";
  const key = idKey();
  if (existsSync(path) && key && file === "scoreHistory")
    return writeOutput(await pseudonymousParquet(path, file, key));
  if (existsSync(path) && key && file === "history") {
    const history = JSON.parse(await readFile(path, "utf8")) as InstanceHistory;
    if (history.previous)
      history.previous.enteredHighIds = history.previous.enteredHighIds.map((id) => pseudonymOf(id, key));
    return writeOutput(JSON.stringify(history));
  }
  if (existsSync(path)) return writeOutput(await readFile(path));
  if (file === "history") return writeOutput("null\n");
  const folder = mkdtempSync(join(tmpdir(), "customer-ai-empty-"));
  const db = await openDatabase();
  try {
    await db.connection.run(copyEmptyScoreHistorySql(join(folder, "empty.parquet")));
    await writeOutput(await readFile(join(folder, "empty.parquet")));
  } finally {
    db.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
