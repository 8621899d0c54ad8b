/**
 * `merge`: combines the shard folders of one sharded run (`score --model RUN --as-of D --shard i/N`, one per i) into
 * the run's folder, as one run over all their people would have written it: every file byte for byte.
 *
 * - scores.parquet: the shards' rows, with percentile and bucket recomputed in DuckDB from every person's calibrated
 *   probability (DOUBLE, from shard-scores.parquet) over all the people, as `scorePeople` does in one run
 *   (percentile = max(1, ceil(100 x people at or below / people)) in integers, ties sharing);
 * - factors.parquet and timeline.parquet: the shards' rows (a person's factors and events depend on that person
 *   only), sorted as one run sorts them;
 * - instance.json: bucket counts and mean probabilities, the score histogram, expected outcomes and the customer
 *   value summary are summed over the people streamed from DuckDB in id order (the order one run sums them in; the
 *   value tenths from the highest value down), so the double sums are the same; the explorer's ranges are the
 *   shards' minima and maxima; the order of the categories of categorical features without a declared order comes
 *   from the merged insights, as in one run;
 * - insights.json: from the statistics one run computes it from too (`insightsOf`, `pipeline/explain.ts`), which
 *   shards write and merge adds up exactly: shard-insights.json (sums of contributions quantised to 2^-30 and summed
 *   as integers per score 0-100 and feature, category effects, people and probabilities per value cell of every
 *   feature) and shard-sample.parquet (the shard's 20,000 people with the smallest hash of their id: the run's
 *   sample is the smallest of their union). Buckets on the percentile are known only over everyone: such shards
 *   also write every person's quantised contributions (shard-contributions.parquet), summed per bucket in DuckDB;
 * - data-quality.json: counts summed, row accounting kept, warnings of counts recomputed (`reports.ts`);
 * - activity.parquet and new-people.parquet: events and people per day summed.
 * model.json, evaluation.json and value.json are the saved model's (the same in every shard).
 *
 * Memory: no per-person array in JavaScript. DuckDB sorts and joins under a memory limit (`MERGE_MEMORY`), spilling
 * to a temporary folder; JavaScript holds the sums, the shards' statistics (per score, feature and value cell) and
 * the sample.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { UserError } from "../config/errors.js";
import { type Database, openDatabase } from "../db/duckdb.js";
import { FactorSummary, type FactorSummaryJSON, ValueCells } from "../explain/factors.js";
import type { FeatureDef } from "../features/catalogue.js";
import { numbersOf } from "../features/read.js";
import type { DataQualityReport } from "../contract/data-quality.js";
import { featureInfos } from "../pipeline/describe.js";
import {
  CategoryEffects,
  SAMPLE_CANDIDATES,
  type SampledPerson,
  factorFeature,
  insightsOf,
} from "../pipeline/explain.js";
import { writeFolderAtomically } from "../pipeline/output-folder.js";
import { FACTOR_ROW_GROUP, SHARD_CONTRIBUTIONS, TIMELINE_ROW_GROUP } from "../pipeline/outputs.js";
import { writeJson } from "../pipeline/run.js";
import {
  FILES,
  type FeatureInfo,
  type Insights,
  type InstanceSummary,
  RUN_FILES,
  type RunIndex,
  type ValueReport,
} from "../contract/schema.js";
import { ValueDeciles, ValueTotals } from "../pipeline/value.js";
import { BUCKETS, type BucketRule } from "../contract/buckets.js";
import { SHARD_INSIGHTS, SHARD_SAMPLE, type ShardInsights } from "../pipeline/shard-files.js";
import { SHARD_FILE, SHARD_SCORES, type ShardManifest } from "../pipeline/shard-manifest.js";
import { mergeReports } from "./reports.js";

/** What a merge did. */
export interface MergeSummary {
  asOf: string;
  shards: number;
  instances: { name: string; scored: number }[];
}

/** DuckDB's memory limit in a merge: beyond it, its sorts and tables spill to a temporary folder. */
const MERGE_MEMORY = "1GB";

/** SQL string literal. */
const str = (s: string) => `'${s.replaceAll("'", "''")}'`;
const list = (files: readonly string[]) => `[${files.map(str).join(", ")}]`;
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, "utf8")) as T;

/**
 * Reads and checks the shard folders: each has a shard.json; all are shards of the same count, as-of date, instances
 * and saved models; together they are every shard exactly once. Returns them in shard order.
 * @throws UserError naming the folder and what differs.
 */
export function readShards(dirs: readonly string[]): { dir: string; manifest: ShardManifest }[] {
  if (dirs.length === 0)
    throw new UserError("config", "--shards: no shard folders given; list them separated by commas (DIR1,DIR2,...)");
  const shards = dirs.map((dir) => {
    const file = join(dir, SHARD_FILE);
    if (!existsSync(file))
      throw new UserError(
        "config",
        `--shards: ${dir} is not a shard folder (no ${SHARD_FILE}); give the --out folders of score --shard i/N`,
      );
    return { dir, manifest: readJson<ShardManifest>(file) };
  });
  const first = shards[0]!;
  const describe = (m: ShardManifest) =>
    m.instances.map((i) => `${i.name} (model ${i.model.slice(0, 12)}, trained as of ${i.trainedAsOf})`).join(", ");
  for (const s of shards.slice(1)) {
    const [a, b] = [first.manifest, s.manifest];
    if (a.shard.count !== b.shard.count)
      throw new UserError(
        "config",
        `--shards: ${first.dir} is a shard of ${a.shard.count} and ${s.dir} of ${b.shard.count}; merge the shards of one run`,
      );
    if (a.asOf !== b.asOf)
      throw new UserError(
        "config",
        `--shards: ${first.dir} is as of ${a.asOf} and ${s.dir} as of ${b.asOf}; merge the shards of one run (the same --as-of)`,
      );
    if (describe(a) !== describe(b)) {
      throw new UserError(
        "config",
        `--shards: ${first.dir} scored ${describe(a)} and ${s.dir} scored ${describe(b)}; merge the shards of one run (the same --model)`,
      );
    }
  }
  const count = first.manifest.shard.count;
  const byIndex = new Map<number, string>();
  for (const s of shards) {
    const seen = byIndex.get(s.manifest.shard.index);
    if (seen !== undefined)
      throw new UserError("config", `--shards: ${seen} and ${s.dir} are both shard ${s.manifest.shard.index}/${count}`);
    byIndex.set(s.manifest.shard.index, s.dir);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length)
    throw new UserError(
      "config",
      `--shards: shard${missing.length > 1 ? "s" : ""} ${missing.map((i) => `${i}/${count}`).join(", ")} missing; a merge needs all ${count}`,
    );
  return [...shards].sort((a, b) => a.manifest.shard.index - b.manifest.shard.index);
}

/** Merges shard folders into the run folder `out` (written as one transaction, like a run's). */
export async function mergeShards(
  dirs: readonly string[],
  out: string,
  onProgress?: (message: string) => void,
): Promise<MergeSummary> {
  const shards = readShards(dirs);
  const folders = shards.map((s) => s.dir);
  const index = readJson<RunIndex>(join(folders[0]!, RUN_FILES.index));
  for (const dir of folders.slice(1)) {
    const other = readJson<RunIndex>(join(dir, RUN_FILES.index));
    if (JSON.stringify(other.instances) !== JSON.stringify(index.instances)) {
      throw new UserError(
        "config",
        `--shards: ${dir} wrote instances ${other.instances.map((i) => i.name).join(", ")} and ${folders[0]} ${index.instances.map((i) => i.name).join(", ")}; every shard must score every instance (rerun the shard whose instance failed)`,
      );
    }
  }
  // A shard that did not finish has no folder (runs are written as one transaction); a folder missing files was
  // changed since: refuse it before writing anything.
  for (const dir of folders) {
    const needed = [
      RUN_FILES.index,
      RUN_FILES.activity,
      RUN_FILES.newPeople,
      ...index.instances.flatMap(({ name }) =>
        [
          FILES.scores,
          FILES.factors,
          FILES.timeline,
          FILES.instance,
          FILES.insights,
          FILES.model,
          FILES.evaluation,
          FILES.dataQuality,
          SHARD_SCORES,
          SHARD_INSIGHTS,
          SHARD_SAMPLE,
        ].map((f) => join(name, f)),
      ),
    ];
    const missing = needed.find((f) => !existsSync(join(dir, f)));
    if (missing)
      throw new UserError(
        "config",
        `--shards: ${join(dir, missing)} is missing; score that shard again (score --shard) and merge`,
      );
  }
  return writeFolderAtomically(out, async (staging) => {
    const spill = mkdtempSync(join(tmpdir(), "customer-ai-merge-"));
    const db = await openDatabase({ threads: 1, memoryLimit: MERGE_MEMORY, tempDirectory: spill });
    const run = async (sql: string) => void (await db.connection.run(sql));
    try {
      await run(`COPY (
        SELECT day, event_type, sum(events)::INTEGER AS events, sum(people)::INTEGER AS people FROM read_parquet(${list(folders.map((d) => join(d, RUN_FILES.activity)))})
        GROUP BY ALL ORDER BY day, event_type
      ) TO ${str(join(staging, RUN_FILES.activity))} (FORMAT parquet, COMPRESSION snappy)`);
      await run(`COPY (
        SELECT day, sum(people)::INTEGER AS people FROM read_parquet(${list(folders.map((d) => join(d, RUN_FILES.newPeople)))}) GROUP BY ALL ORDER BY day
      ) TO ${str(join(staging, RUN_FILES.newPeople))} (FORMAT parquet, COMPRESSION snappy)`);
      const summary: MergeSummary = { asOf: shards[0]!.manifest.asOf, shards: shards.length, instances: [] };
      for (const { name } of index.instances) {
        const n = await mergeInstance(
          db,
          folders.map((d) => join(d, name)),
          join(staging, name),
        );
        summary.instances.push({ name, scored: n });
        onProgress?.(`${name}: merged ${n} people from ${shards.length} shards`);
      }
      writeJson(join(staging, RUN_FILES.index), index);
      return summary;
    } finally {
      db.close();
      rmSync(spill, { recursive: true, force: true });
    }
  });
}

/** Merges one instance's shard folders `dirs` into `dir`; returns the people scored. */
async function mergeInstance(db: Database, dirs: readonly string[], dir: string): Promise<number> {
  const run = async (sql: string) => void (await db.connection.run(sql));
  mkdirSync(dir, { recursive: true });
  const report = mergeReports(
    dirs.map((d) => readJson<DataQualityReport>(join(d, FILES.dataQuality))),
    dirs,
  );
  const summaries = dirs.map((d) => readJson<InstanceSummary>(join(d, FILES.instance)));
  const base = summaries[0]!;
  const rule = base.buckets.rule;
  const n = await rankPeople(db, dirs, rule);
  await run(`COPY (
    SELECT s.* REPLACE (r.percentile AS percentile, ${list(BUCKETS)}[r.bucket + 1] AS bucket) FROM read_parquet(${list(dirs.map((d) => join(d, FILES.scores)))}) s JOIN ranked r USING (id) ORDER BY id
  ) TO ${str(join(dir, FILES.scores))} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${FACTOR_ROW_GROUP})`);
  await run(`COPY (SELECT * FROM read_parquet(${list(dirs.map((d) => join(d, FILES.factors)))}) ORDER BY id, rank)
    TO ${str(join(dir, FILES.factors))} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${FACTOR_ROW_GROUP})`);
  await run(`COPY (SELECT * FROM read_parquet(${list(dirs.map((d) => join(d, FILES.timeline)))}) ORDER BY id, time DESC, event, amount)
    TO ${str(join(dir, FILES.timeline))} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${TIMELINE_ROW_GROUP})`);
  const valueReport = base.value ? readJson<ValueReport>(join(dirs[0]!, FILES.value)) : null;
  const sums = await streamSums(db, valueReport);
  const { insights, features } = await mergeInsights(db, dirs, base);
  await run(`DROP TABLE ranked`);
  const merged: InstanceSummary = {
    ...base,
    scored: n,
    people: report.events.people,
    buckets: { rule, counts: sums.counts },
    scoreHistogram: sums.histogram,
    expectedPositives: sums.expectedPositives,
    warnings: report.warnings,
    features,
    explorer: base.explorer.map((column, c) => {
      const ranges = summaries.map((s) => s.explorer[c]!).filter((e) => e.min !== undefined && e.max !== undefined);
      if (!ranges.length) return { column: column.column, feature: column.feature };
      return { ...column, min: Math.min(...ranges.map((e) => e.min!)), max: Math.max(...ranges.map((e) => e.max!)) };
    }),
    ...(sums.value ? { value: sums.value } : {}),
  };
  writeJson(join(dir, FILES.instance), merged);
  writeJson(join(dir, FILES.insights), insights);
  writeJson(join(dir, FILES.dataQuality), report);
  for (const file of [FILES.model, FILES.evaluation, ...(base.value ? [FILES.value] : [])])
    copyFileSync(join(dirs[0]!, file), join(dir, file));
  return n;
}

/**
 * Table `ranked`: every person of the shards (shard-scores.parquet) with their score (scores.parquet), percentile
 * over all the people as `scorePeople` computes it (the share of people at or below their probability, ties
 * sharing, in integers: max(1, ceil(100 * at or below / n))) and bucket index. DuckDB sorts, spilling to disk
 * beyond its memory limit. Returns the people.
 * @throws UserError when a person is in two shards.
 */
async function rankPeople(db: Database, dirs: readonly string[], rule: BucketRule): Promise<number> {
  const rows = async (sql: string) => (await db.connection.runAndReadAll(sql)).getRowObjectsJS();
  const people = `read_parquet(${list(dirs.map((d) => join(d, SHARD_SCORES)))})`;
  const twice = await rows(`SELECT id FROM ${people} GROUP BY id HAVING count(*) > 1 ORDER BY id LIMIT 1`);
  if (twice.length)
    throw new UserError(
      "config",
      `--shards: person ${String(twice[0]!["id"])} is in two shards of ${basename(dirs[0]!)}; merge the shards of one run`,
    );
  const n = Number((await rows(`SELECT count(*) AS n FROM ${people}`))[0]!["n"]);
  const on = rule.on === "score" ? "s.score" : "r.percentile";
  await db.connection.run(`CREATE OR REPLACE TABLE ranked AS
    WITH r AS (SELECT *, greatest(1, (100 * count(*) OVER (ORDER BY probability) + ${n} - 1) // ${Math.max(1, n)})::UTINYINT AS percentile FROM ${people})
    SELECT r.*, s.score, (CASE WHEN ${on} >= ${rule.high} THEN 0 WHEN ${on} >= ${rule.medium} THEN 1 ELSE 2 END)::UTINYINT AS bucket
    FROM r JOIN read_parquet(${list(dirs.map((d) => join(d, FILES.scores)))}) s USING (id)`);
  return n;
}

/** Streams a query's numeric columns chunk by chunk (NULL = NaN). */
async function forEachRows(
  db: Database,
  sql: string,
  visit: (columns: Float64Array[], rows: number) => void,
): Promise<void> {
  const result = await db.connection.stream(sql);
  const columns: Float64Array[] = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (let c = 0; c < chunk.columnCount; c++)
      columns[c] = numbersOf(chunk.getColumnVector(c), chunk.rowCount, columns[c]);
    visit(columns, chunk.rowCount);
  }
}

/**
 * The sums of instance.json over table `ranked`, streamed in id order (the order one run sums them in) so that they
 * equal one run's bit for bit without holding every person: bucket counts and mean probabilities, the score
 * histogram, the expected outcomes and (with `value`, the value.json) the customer value summary.
 */
async function streamSums(db: Database, value: ValueReport | null) {
  const counts = BUCKETS.map((bucket) => ({ bucket, people: 0, sum: 0 }));
  const histogram = new Array<number>(101).fill(0);
  let expectedPositives = 0;
  const totals = new ValueTotals();
  const withValue = value && value.unavailable === undefined;
  const columns = [
    "probability",
    "bucket",
    "score",
    ...(withValue ? ["expected_events", "expected_events_horizon", "expected_value"] : []),
  ];
  await forEachRows(
    db,
    `SELECT ${columns.join(", ")} FROM ranked ORDER BY id`,
    ([p, b, s, events, horizon, expected], rows) => {
      for (let i = 0; i < rows; i++) {
        const c = counts[b![i]!]!;
        c.people++;
        c.sum += p![i]!;
        histogram[s![i]!]!++;
        expectedPositives += p![i]!;
        if (withValue) totals.add(b![i]!, events![i]!, horizon![i]!, expected![i]!);
      }
    },
  );
  let summary: InstanceSummary["value"];
  if (value && !withValue)
    summary = { horizonDays: value.horizonDays, window: value.window, unavailable: value.unavailable! };
  else if (value) {
    const deciles = new ValueDeciles(totals.people, totals.total);
    await forEachRows(
      db,
      `SELECT expected_value FROM ranked WHERE expected_value IS NOT NULL AND NOT isnan(expected_value) ORDER BY expected_value DESC`,
      ([v], rows) => {
        for (let i = 0; i < rows; i++) deciles.push(v![i]!);
      },
    );
    summary = totals.summary(value, deciles.result());
  }
  return {
    counts: counts.map(({ bucket, people, sum }) => ({ bucket, people, meanProbability: people ? sum / people : 0 })),
    histogram,
    expectedPositives,
    value: summary,
  };
}

/**
 * insights.json and instance.json's features from the shards' statistics (shard-insights.json: sums added up
 * exactly) and samples (the people with the smallest hash among the shards' candidates, bucketed over everyone by
 * table `ranked`), by `insightsOf` as one run computes them; the categories of categorical features without a
 * declared order are ordered by their merged effects (`featureInfos`).
 */
async function mergeInsights(
  db: Database,
  dirs: readonly string[],
  base: InstanceSummary,
): Promise<{ insights: Insights; features: FeatureInfo[] }> {
  const catalogue = base.features as unknown as FeatureDef[];
  const features = catalogue.map(factorFeature);
  const parts = dirs.map((d) => readJson<ShardInsights>(join(d, SHARD_INSIGHTS)));
  const factors = FactorSummary.fromJSON(parts[0]!.factors);
  const categories = CategoryEffects.fromJSON(catalogue, parts[0]!.categories);
  const cells = features.map((f, k) => ValueCells.fromJSON(f, parts[0]!.cells[k]!));
  for (const part of parts.slice(1)) {
    factors.merge(FactorSummary.fromJSON(part.factors));
    categories.merge(CategoryEffects.fromJSON(catalogue, part.categories));
    features.forEach((f, k) => cells[k]!.merge(ValueCells.fromJSON(f, part.cells[k]!)));
  }
  const F = features.length;
  const sample = await readSample(db, dirs, F);
  const rule = base.buckets.rule;
  // Buckets on the percentile: the shards' sums are per bucket of their own percentiles; everyone's come from their
  // people's contributions, by bucket over everyone.
  const summary = rule.on === "score" ? factors : await factorsByBucket(db, dirs, F);
  const { insights } = insightsOf({ factors: summary, categories, cells, sample }, features, rule, (f) => cells[f]!);
  const declared = new Set(parts[0]!.declared);
  const ordered = featureInfos(catalogue, { type: base.type, profileAttributes: [] }, insights);
  return { insights, features: base.features.map((info, code) => (declared.has(code) ? info : ordered[code]!)) };
}

/**
 * The factor sums per bucket over everyone (buckets on the percentile): the shards' quantised contributions of every
 * person (shard-contributions.parquet) summed exactly (HUGEINT) per bucket of table `ranked`, and the people with
 * each feature among their top factors (factors.parquet).
 * @throws UserError when a shard that scored people has no contributions file.
 */
async function factorsByBucket(db: Database, dirs: readonly string[], F: number): Promise<FactorSummary> {
  const rows = async (sql: string) => (await db.connection.runAndReadAll(sql)).getRowObjectsJS();
  const json: FactorSummaryJSON = {
    nFeatures: F,
    groups: BUCKETS.length,
    people: [0, 0, 0],
    inTop: new Array<number>(3 * F).fill(0),
    absSum: new Array<string>(3 * F).fill("0"),
    sum: new Array<string>(3 * F).fill("0"),
  };
  const scored = dirs.filter((d) => readJson<InstanceSummary>(join(d, FILES.instance)).scored > 0);
  const missing = scored.find((d) => !existsSync(join(d, SHARD_CONTRIBUTIONS)));
  if (missing)
    throw new UserError(
      "config",
      `--shards: ${join(missing, SHARD_CONTRIBUTIONS)} is missing; score that shard again (score --shard) and merge`,
    );
  if (!scored.length) return FactorSummary.fromJSON(json);
  const q = (f: number) => `q${f}::BIGINT`;
  const sums =
    await rows(`SELECT r.bucket, count(*)::DOUBLE AS people, ${Array.from({ length: F }, (_, f) => `sum(${q(f)})::VARCHAR AS s${f}, sum(abs(${q(f)}))::VARCHAR AS a${f}`).join(", ")}
    FROM read_parquet(${list(scored.map((d) => join(d, SHARD_CONTRIBUTIONS)))}) c JOIN ranked r USING (id) GROUP BY r.bucket`);
  for (const row of sums) {
    const b = Number(row["bucket"]);
    json.people[b] = Number(row["people"]);
    for (let f = 0; f < F; f++)
      [json.sum[b * F + f], json.absSum[b * F + f]] = [String(row[`s${f}`]), String(row[`a${f}`])];
  }
  const top =
    await rows(`SELECT r.bucket, f.feature, count(*)::DOUBLE AS people FROM read_parquet(${list(scored.map((d) => join(d, FILES.factors)))}) f JOIN ranked r USING (id)
    WHERE f.rank > 0 GROUP BY ALL`);
  for (const row of top) json.inTop[Number(row["bucket"]) * F + Number(row["feature"])] = Number(row["people"]);
  return FactorSummary.fromJSON(json);
}

/**
 * The run's sample: the `SAMPLE_CANDIDATES` people with the smallest hash among the shards' candidates, with their
 * bucket over everyone (table `ranked`), read chunk by chunk into numbers (no object per value).
 */
async function readSample(db: Database, dirs: readonly string[], F: number): Promise<SampledPerson[]> {
  const result = await db.connection
    .stream(`SELECT c.id, c.hash, c.score, r.bucket, ${Array.from({ length: F }, (_, f) => `c.v${f}`).join(", ")}, ${Array.from({ length: F }, (_, f) => `c.c${f}`).join(", ")}
    FROM read_parquet(${list(dirs.map((d) => join(d, SHARD_SAMPLE)))}) c JOIN ranked r USING (id) ORDER BY c.hash, c.id LIMIT ${SAMPLE_CANDIDATES}`);
  const sample: SampledPerson[] = [];
  const columns: Float64Array[] = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const ids = chunk.getColumnVector(0);
    for (let c = 1; c < chunk.columnCount; c++)
      columns[c] = numbersOf(chunk.getColumnVector(c), chunk.rowCount, columns[c]);
    for (let i = 0; i < chunk.rowCount; i++) {
      const contributions = Number.isNaN(columns[4 + F]?.[i] ?? Number.NaN)
        ? null
        : Array.from({ length: F }, (_, f) => columns[4 + F + f]![i]!);
      sample.push({
        id: String(ids.getItem(i)),
        hash: columns[1]![i]!,
        score: columns[2]![i]!,
        bucket: columns[3]![i]!,
        values: Array.from({ length: F }, (_, f) => columns[4 + f]![i]!),
        contributions: F > 0 ? contributions : [],
      });
    }
  }
  return sample;
}
