/**
 * The `segment` command: a segment's full membership as CSV, headless, over a run's complete scores (DuckDB in
 * Node), for runs too large to export from the browser. The definition is the JSON the segments page exports
 * (or saves); the CSV has the page's columns (id, score, probability, percentile, bucket, top 3 reasons in words,
 * then the attributes), made by the same code as the page's export, a chunk of people at a time.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { DuckDBConnection, DuckDBValue } from "@duckdb/node-api";
import { memberReasonsSql, memberRowsSql, reasonsById, type ExportSort } from "../../../components/segment-actions.js";
import { membersCsv, type MemberRow, type Reason } from "../../../components/segment-export.js";
import { importSegment } from "../../../components/segment-io.js";
import {
  builderColumns,
  LINKED_TABLE,
  type ColumnInfo,
  type OtherInstance,
  type Segment,
} from "../../../components/segment.js";
import type { SqlParam } from "../../contract/schema.js";
import { openDatabase } from "../../db/duckdb.js";
import { FILES, RUN_FILES, type InstanceSummary, type RunIndex } from "../../contract/schema.js";
import { ident, str } from "../../sql/quote.js";
import { type CommandOutput, UsageError } from "../run.js";

/** People converted to CSV at a time (bounded memory at any run size). */
const CHUNK_PEOPLE = 50_000;

/** Options of the command for tests. */
export interface SegmentCommandOptions {
  /** People per chunk of the CSV (default 50,000). */
  chunkPeople?: number;
}

/**
 * Runs `segment` with the command-line arguments `argv`: `--run DIR --instance NAME --definition FILE --out FILE
 * [--attributes NAME,...] [--sort probability|expected_value]`. Attributes are named by feature name (as in the
 * JSON export: `profile.loyalty.tier`) or field (`f_125`, `expected_value`, `churn:bucket`); by default the CSV adds
 * those the segment's conditions use, as the page does. An existing output file is never overwritten.
 * @returns 0, with the number of people written on the error stream.
 * @throws UsageError and UserError for the user's mistakes (see `exitStatusOf`).
 */
export async function segmentCommand(
  argv: string[],
  output: CommandOutput = console,
  options: SegmentCommandOptions = {},
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      run: { type: "string" },
      instance: { type: "string" },
      definition: { type: "string" },
      out: { type: "string" },
      attributes: { type: "string" },
      sort: { type: "string", default: "probability" },
    },
  });
  for (const flag of ["run", "instance", "definition", "out"] as const)
    if (!values[flag]) throw new UsageError(`--${flag} is required (see the README, "Segments of any size, headless")`);
  if (values.sort !== "probability" && values.sort !== "expected_value")
    throw new UsageError(`--sort: expected probability or expected_value, got "${values.sort}"`);
  const run = resolve(values.run!);
  const out = resolve(values.out!);
  if (existsSync(out)) throw new UsageError(`--out: ${values.out} exists; choose a new file (nothing was overwritten)`);
  const { summary, others } = readRun(run, values.instance!);
  const columns = builderColumns(summary, others);
  const segment = definitionSegment(values.definition!, columns);
  const attributes = chosenAttributes(values.attributes, segment, columns);
  const people = await writeMembers({
    run,
    summary,
    others,
    columns,
    segment,
    attributes,
    sort: values.sort,
    out,
    chunk: options.chunkPeople ?? CHUNK_PEOPLE,
  });
  output.error(`wrote ${values.out}: ${people} people of ${summary.name}`);
  return 0;
}

/** The instance's summary and the run's other instances. */
function readRun(run: string, instance: string): { summary: InstanceSummary; others: OtherInstance[] } {
  const indexFile = join(run, RUN_FILES.index);
  if (!existsSync(indexFile))
    throw new UsageError(`--run: ${run} has no ${RUN_FILES.index}; give the output folder of a score run`);
  const index = JSON.parse(readFileSync(indexFile, "utf8")) as RunIndex;
  const names = index.instances.map((i) => i.name);
  if (!names.includes(instance))
    throw new UsageError(`--instance: the run has no instance "${instance}"; it has ${names.join(", ")}`);
  const summaryOf = (name: string) =>
    JSON.parse(readFileSync(join(run, name, FILES.instance), "utf8")) as InstanceSummary;
  const others = names.filter((n) => n !== instance).map((name) => ({ name, label: summaryOf(name).label ?? name }));
  return { summary: summaryOf(instance), others };
}

/** The segment of the definition file (the page's labelled JSON export, or a saved segment). */
function definitionSegment(file: string, columns: ColumnInfo[]): Segment {
  if (!existsSync(file)) throw new UsageError(`--definition: ${file} does not exist`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(
      `--definition: ${file} is not JSON (${(error as Error).message}): give a definition exported or saved by the segments page`,
    );
  }
  try {
    return importSegment(json, columns).segment;
  } catch (error) {
    throw new UsageError(`--definition: ${file}: ${(error as Error).message}`);
  }
}

/** The attributes of `--attributes` (fields), or by default those the segment's conditions use. */
function chosenAttributes(list: string | undefined, segment: Segment, columns: ColumnInfo[]): ColumnInfo[] {
  const candidates = columns.filter(
    (c) => c.feature !== undefined || c.source !== undefined || c.group === "Customer value",
  );
  if (list === undefined) {
    const used = new Set<string>();
    const walk = (s: typeof segment): void =>
      s.conditions.forEach((c) => ("conditions" in c ? walk(c) : used.add(c.field)));
    walk(segment);
    return candidates.filter((c) => used.has(c.field));
  }
  return list.split(",").map((given) => {
    const key = given.trim();
    const found = candidates.find((c) => c.field === key || c.name === key);
    if (!found)
      throw new UsageError(
        `--attributes: no attribute "${key}"; choose from ${candidates.map((c) => c.name ?? c.field).join(", ")}`,
      );
    return found;
  });
}

interface MembersJob {
  run: string;
  summary: InstanceSummary;
  others: OtherInstance[];
  columns: ColumnInfo[];
  segment: Segment;
  attributes: ColumnInfo[];
  sort: ExportSort;
  out: string;
  chunk: number;
}

/** Writes the members' CSV beside `out`, chunk by chunk, and renames it into place; returns the people written. */
async function writeMembers(job: MembersJob): Promise<number> {
  const db = await openDatabase();
  const partial = join(dirname(job.out), `.partial-${process.pid}-${Date.now().toString(36)}.csv`);
  try {
    const connection = db.connection;
    await loadTables(connection, job);
    const members = memberRowsSql(job.segment, job.columns, job.attributes, job.sort);
    // The table keeps the query's order (DuckDB preserves insertion order): its rowid is the person's position.
    await connection.run(`CREATE TABLE members AS ${members.where}`, values(members.params));
    const total = Number((await connection.runAndReadAll("SELECT count(*) FROM members")).getRows()[0]![0]);
    writeFileSync(partial, "");
    for (let from = 0; from < Math.max(total, 1); from += job.chunk) {
      const chunk = `(SELECT rowid AS k, * FROM members WHERE rowid >= ${from} AND rowid < ${from + job.chunk})`;
      const rows = (
        await connection.runAndReadAll(`SELECT * EXCLUDE (k) FROM ${chunk} ORDER BY k`)
      ).getRowObjectsJS() as unknown as MemberRow[];
      const reasons = (
        await connection.runAndReadAll(memberReasonsSql(chunk))
      ).getRowObjectsJS() as unknown as (Reason & { id: string })[];
      const csv = membersCsv(rows, reasonsById(reasons), job.attributes, job.summary.features, job.summary.type);
      // Every chunk's text starts with the header line: the file keeps the first one.
      appendFileSync(partial, from === 0 ? csv : csv.slice(csv.indexOf("\n") + 1));
    }
    renameSync(partial, job.out);
    return total;
  } finally {
    rmSync(partial, { force: true });
    db.close();
  }
}

/** The tables the page's queries read: `scores` (with the value percentile), `factors` and `linked`. */
async function loadTables(connection: DuckDBConnection, job: MembersJob): Promise<void> {
  const file = (instance: string, name: string) => str(join(job.run, instance, name));
  const name = job.summary.name;
  const value = job.columns.some((c) => c.field === "value_percentile");
  // The value percentile as the site computes it (loaders/site/explorer-arrow.ts valuePercentiles): the share of
  // people with a value at most this one, rounded up, out of those with a value.
  const percentile = value
    ? `, CASE WHEN expected_value IS NOT NULL THEN ((100 * count(*) OVER (PARTITION BY expected_value IS NULL ORDER BY expected_value) + count(*) OVER (PARTITION BY expected_value IS NULL) - 1) // count(*) OVER (PARTITION BY expected_value IS NULL))::UTINYINT END AS value_percentile`
    : "";
  await connection.run(`CREATE TABLE scores AS SELECT *${percentile} FROM read_parquet(${file(name, FILES.scores)})`);
  await connection.run(
    `CREATE VIEW factors AS SELECT id, rank, feature, contribution, value FROM read_parquet(${file(name, FILES.factors)})`,
  );
  if (job.others.length === 0) return;
  const parts = job.others.map(
    (o, i) =>
      `LEFT JOIN (SELECT id, score, percentile, bucket FROM read_parquet(${file(o.name, FILES.scores)})) o${i} USING (id)`,
  );
  const selected = job.others.flatMap((o, i) =>
    ["score", "percentile", "bucket"].map((c) => `o${i}.${ident(c)} AS ${ident(`${o.name}:${c}`)}`),
  );
  const scored = job.others.map((_, i) => `o${i}.score IS NOT NULL`).join(" OR ");
  await connection.run(
    `CREATE TABLE ${ident(LINKED_TABLE)} AS SELECT s.id, ${selected.join(", ")} FROM (SELECT id FROM scores) s ${parts.join(" ")} WHERE ${scored}`,
  );
}

/** Query parameters as DuckDB values. */
function values(params: SqlParam[]): DuckDBValue[] {
  return params as DuckDBValue[];
}
