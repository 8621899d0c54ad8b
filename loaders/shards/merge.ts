/**
 * `merge`: combines the shard folders of one sharded run (`score --model RUN --as-of D --shard i/N`, one per i) into
 * the run's folder, as one run over all their people would have written it.
 *
 * Exact by construction:
 * - scores.parquet: the shards' rows, with percentile and bucket recomputed from every person's calibrated
 *   probability (DOUBLE, from shard-scores.parquet) over all the people, as `scorePeople` does in one run;
 * - factors.parquet and timeline.parquet: the shards' rows (a person's factors and events depend on that person
 *   only), sorted as one run sorts them;
 * - instance.json: the people scored, bucket counts and mean probabilities, score histogram, expected outcomes and
 *   the customer value summary are recomputed from the merged probabilities and values, in id order as one run sums
 *   them; the explorer's ranges are the shards' minima and maxima;
 * - data-quality.json: counts of people, events, event types, goal and custom events, opted-out people and people
 *   with a profile are summed (every person is in exactly one shard); the row accounting, which every shard does over
 *   every row read, must be the same in every shard and is kept; the warnings that depend on the summed counts are
 *   recomputed from them;
 * - activity.parquet and new-people.parquet: events and people per day summed.
 * model.json, evaluation.json and value.json are the saved model's (the same in every shard).
 *
 * Not exact: insights.json. Its means of TreeSHAP contributions are recombined from the shards' means weighted by
 * their people (equal to one run's up to floating-point rounding, about 1e-15 relative), a feature's importance per
 * bucket over the features each shard lists (its top 30 globally, 10 per bucket), and its value ranges, value
 * distributions and scatter sample are shard 0's (a sample of the people), and so is instance.json's order of the
 * categories of categorical features without a declared order. See the README ("Beyond one machine").
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../config/errors.js";
import { openDatabase } from "../db/duckdb.js";
import type { DataQualityReport } from "../ingest/report.js";
import { writeFolderAtomically } from "../pipeline/output-folder.js";
import { FACTOR_ROW_GROUP, TIMELINE_ROW_GROUP, bucketCounts } from "../pipeline/outputs.js";
import { histogram, writeJson } from "../pipeline/run.js";
import { FILES, type Insights, type InstanceSummary, RUN_FILES, type RunIndex, type ValueReport } from "../pipeline/schema.js";
import { VALUE_COLUMNS, valueOutputs } from "../pipeline/value.js";
import { BUCKETS, scorePeople } from "../scoring/scores.js";
import { SHARD_FILE, SHARD_SCORES, type ShardManifest } from "./manifest.js";
import { mergeReports } from "./reports.js";

/** What a merge did. */
export interface MergeSummary {
  asOf: string;
  shards: number;
  instances: { name: string; scored: number }[];
}

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
  if (dirs.length === 0) throw new UserError("config", "--shards: no shard folders given; list them separated by commas (DIR1,DIR2,...)");
  const shards = dirs.map((dir) => {
    const file = join(dir, SHARD_FILE);
    if (!existsSync(file)) throw new UserError("config", `--shards: ${dir} is not a shard folder (no ${SHARD_FILE}); give the --out folders of score --shard i/N`);
    return { dir, manifest: readJson<ShardManifest>(file) };
  });
  const first = shards[0]!;
  const describe = (m: ShardManifest) => m.instances.map((i) => `${i.name} (model ${i.model.slice(0, 12)}, trained as of ${i.trainedAsOf})`).join(", ");
  for (const s of shards.slice(1)) {
    const [a, b] = [first.manifest, s.manifest];
    if (a.shard.count !== b.shard.count) throw new UserError("config", `--shards: ${first.dir} is a shard of ${a.shard.count} and ${s.dir} of ${b.shard.count}; merge the shards of one run`);
    if (a.asOf !== b.asOf) throw new UserError("config", `--shards: ${first.dir} is as of ${a.asOf} and ${s.dir} as of ${b.asOf}; merge the shards of one run (the same --as-of)`);
    if (describe(a) !== describe(b)) {
      throw new UserError("config", `--shards: ${first.dir} scored ${describe(a)} and ${s.dir} scored ${describe(b)}; merge the shards of one run (the same --model)`);
    }
  }
  const count = first.manifest.shard.count;
  const byIndex = new Map<number, string>();
  for (const s of shards) {
    const seen = byIndex.get(s.manifest.shard.index);
    if (seen !== undefined) throw new UserError("config", `--shards: ${seen} and ${s.dir} are both shard ${s.manifest.shard.index}/${count}`);
    byIndex.set(s.manifest.shard.index, s.dir);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length) throw new UserError("config", `--shards: shard${missing.length > 1 ? "s" : ""} ${missing.map((i) => `${i}/${count}`).join(", ")} missing; a merge needs all ${count}`);
  return [...shards].sort((a, b) => a.manifest.shard.index - b.manifest.shard.index);
}

/** Merges shard folders into the run folder `out` (written as one transaction, like a run's). */
export async function mergeShards(dirs: readonly string[], out: string, onProgress?: (message: string) => void): Promise<MergeSummary> {
  const shards = readShards(dirs);
  const folders = shards.map((s) => s.dir);
  const index = readJson<RunIndex>(join(folders[0]!, RUN_FILES.index));
  for (const dir of folders.slice(1)) {
    const other = readJson<RunIndex>(join(dir, RUN_FILES.index));
    if (JSON.stringify(other.instances) !== JSON.stringify(index.instances)) {
      throw new UserError("config", `--shards: ${dir} wrote instances ${other.instances.map((i) => i.name).join(", ")} and ${folders[0]} ${index.instances.map((i) => i.name).join(", ")}; every shard must score every instance (rerun the shard whose instance failed)`);
    }
  }
  // A shard that did not finish has no folder (runs are written as one transaction); a folder missing files was
  // changed since: refuse it before writing anything.
  for (const dir of folders) {
    const needed = [RUN_FILES.index, RUN_FILES.activity, RUN_FILES.newPeople, ...index.instances.flatMap(({ name }) =>
      [FILES.scores, FILES.factors, FILES.timeline, FILES.instance, FILES.insights, FILES.model, FILES.evaluation, FILES.dataQuality, SHARD_SCORES].map((f) => join(name, f)),
    )];
    const missing = needed.find((f) => !existsSync(join(dir, f)));
    if (missing) throw new UserError("config", `--shards: ${join(dir, missing)} is missing; score that shard again (score --shard) and merge`);
  }
  return writeFolderAtomically(out, async (staging) => {
    const db = await openDatabase({ threads: 1 });
    const run = async (sql: string) => void (await db.connection.run(sql));
    const rows = async (sql: string) => (await db.connection.runAndReadAll(sql)).getRowObjectsJS();
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
        const dirs = folders.map((d) => join(d, name));
        const dir = join(staging, name);
        mkdirSync(dir, { recursive: true });
        const report = mergeReports(dirs.map((d) => readJson<DataQualityReport>(join(d, FILES.dataQuality))), dirs);
        const summaries = dirs.map((d) => readJson<InstanceSummary>(join(d, FILES.instance)));
        const base = summaries[0]!;

        // Every person's probability and value, in id order (the order of one run's scoring set).
        const raw = await rows(`SELECT * FROM read_parquet(${list(dirs.map((d) => join(d, SHARD_SCORES)))}) ORDER BY id`);
        const n = raw.length;
        for (let i = 1; i < n; i++) {
          if (raw[i]!["id"] === raw[i - 1]!["id"]) throw new UserError("config", `--shards: person ${String(raw[i]!["id"])} is in two shards of ${name}; merge the shards of one run`);
        }
        const probability = Float64Array.from(raw, (r) => Number(r["probability"]));
        const scores = scorePeople(probability, base.buckets.rule);
        await run(`CREATE OR REPLACE TABLE ranks (id VARCHAR, percentile UTINYINT, bucket VARCHAR)`);
        const appender = await db.connection.createAppender("ranks");
        for (let i = 0; i < n; i++) {
          appender.appendVarchar(String(raw[i]!["id"]));
          appender.appendUTinyInt(scores.percentile[i]!);
          appender.appendVarchar(BUCKETS[scores.bucket[i]!]!);
          appender.endRow();
        }
        appender.closeSync();
        await run(`COPY (
          SELECT s.* REPLACE (r.percentile AS percentile, r.bucket AS bucket) FROM read_parquet(${list(dirs.map((d) => join(d, FILES.scores)))}) s JOIN ranks r USING (id) ORDER BY id
        ) TO ${str(join(dir, FILES.scores))} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${FACTOR_ROW_GROUP})`);
        await run(`COPY (SELECT * FROM read_parquet(${list(dirs.map((d) => join(d, FILES.factors)))}) ORDER BY id, rank)
          TO ${str(join(dir, FILES.factors))} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${FACTOR_ROW_GROUP})`);
        await run(`COPY (SELECT * FROM read_parquet(${list(dirs.map((d) => join(d, FILES.timeline)))}) ORDER BY id, time DESC, event, amount)
          TO ${str(join(dir, FILES.timeline))} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${TIMELINE_ROW_GROUP})`);
        await run(`DROP TABLE ranks`);

        let value: InstanceSummary["value"];
        if (base.value) {
          const report = readJson<ValueReport>(join(dirs[0]!, FILES.value));
          const columns = VALUE_COLUMNS.map((c) => Float64Array.from(raw, (r) => (r[c] === null || r[c] === undefined ? Number.NaN : Number(r[c]))));
          const person = Int32Array.from({ length: n }, (_, i) => i);
          value = valueOutputs({ report, pidx: person, columns }, person, scores).summary;
        }
        const insights = mergeInsights(dirs.map((d) => readJson<Insights>(join(d, FILES.insights))), summaries.map((s) => s.scored));
        const merged: InstanceSummary = {
          ...base,
          scored: n,
          people: report.events.people,
          buckets: { rule: base.buckets.rule, counts: bucketCounts(scores) },
          scoreHistogram: histogram(scores.score),
          expectedPositives: probability.reduce((a, b) => a + b, 0),
          warnings: report.warnings,
          explorer: base.explorer.map((column, c) => {
            const ranges = summaries.map((s) => s.explorer[c]!).filter((e) => e.min !== undefined && e.max !== undefined);
            if (!ranges.length) return { column: column.column, feature: column.feature };
            return { ...column, min: Math.min(...ranges.map((e) => e.min!)), max: Math.max(...ranges.map((e) => e.max!)) };
          }),
          ...(value ? { value } : {}),
        };
        writeJson(join(dir, FILES.instance), merged);
        writeJson(join(dir, FILES.insights), insights);
        writeJson(join(dir, FILES.dataQuality), report);
        for (const file of [FILES.model, FILES.evaluation, ...(base.value ? [FILES.value] : [])]) copyFileSync(join(dirs[0]!, file), join(dir, file));
        summary.instances.push({ name, scored: n });
        onProgress?.(`${name}: merged ${n} people from ${shards.length} shards`);
      }
      writeJson(join(staging, RUN_FILES.index), index);
      return summary;
    } finally {
      db.close();
    }
  });
}

/**
 * insights.json from the shards' (`people` scored in each): the means of contributions recombined, weighted by
 * people (to rounding), per bucket over the features the shards list; ranges, distributions and the sample are the
 * first shard's. Not exact: see the module comment.
 */
export function mergeInsights(parts: readonly Insights[], people: readonly number[]): Insights {
  const total = people.reduce((a, b) => a + b, 0);
  const weighted = <T extends { feature: number }>(lists: readonly (readonly T[])[], weights: readonly number[], n: number, keys: readonly (keyof T)[]) => {
    const acc = new Map<number, Record<string, number>>();
    lists.forEach((items, s) => {
      for (const item of items) {
        const a = acc.get(item.feature) ?? Object.fromEntries(keys.map((k) => [k, 0]));
        for (const k of keys) a[k as string]! += (item[k] as number) * weights[s]!;
        acc.set(item.feature, a);
      }
    });
    return [...acc].map(([feature, a]) => ({ feature, ...Object.fromEntries(keys.map((k) => [k, n ? a[k as string]! / n : 0])) }) as { feature: number; importance: number } & Record<string, number>);
  };
  const global = weighted(parts.map((p) => p.global), people, total, ["importance", "meanContribution"])
    .sort((a, b) => b.importance - a.importance || a.feature - b.feature)
    .slice(0, 30) as Insights["global"];
  const buckets = parts[0]!.buckets.map((bucket, b) => {
    const sizes = parts.map((p) => p.buckets[b]!.people);
    const n = sizes.reduce((a, c) => a + c, 0);
    const first = new Map<number, Insights["buckets"][number]["factors"][number]>();
    for (const p of parts) for (const f of p.buckets[b]!.factors) if (!first.has(f.feature)) first.set(f.feature, f);
    const factors = weighted(parts.map((p) => p.buckets[b]!.factors), sizes, n, ["importance", "meanContribution", "coverage"])
      .sort((x, y) => y.importance - x.importance || x.feature - y.feature)
      .slice(0, 10)
      .map((f) => ({ ...first.get(f.feature)!, ...f }));
    return { ...bucket, people: n, factors } as Insights["buckets"][number];
  });
  const categories = parts[0]!.categories?.map((c, k) => ({
    feature: c.feature,
    effects: c.effects.map((e, j) => {
      const n = parts.reduce((a, p) => a + p.categories![k]!.effects[j]!.people, 0);
      const s = parts.reduce((a, p) => a + p.categories![k]!.effects[j]!.people * p.categories![k]!.effects[j]!.meanContribution, 0);
      return { code: e.code, people: n, meanContribution: n ? Math.round((s / n) * 1e4) / 1e4 : 0 };
    }),
  }));
  return { ...parts[0]!, global, buckets, ...(categories ? { categories } : {}) };
}
