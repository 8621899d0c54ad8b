/**
 * Sample mode: above a size, the people table the scores and segments pages load (explorer.arrow, linked.arrow)
 * holds a person-hash sample instead of every scored person, so the pages stay fast at any size, while the totals
 * they show come exact from the full scores, counted by DuckDB at build time.
 *
 * - `CUSTOMER_AI_SAMPLE_ABOVE` (default 1,000,000; `npm run build -- --sample-above N` sets it): an instance with
 *   more scored people than this is sampled; 0 samples every instance.
 * - `CUSTOMER_AI_SAMPLE_SIZE` (default 400,000): about how many people the sample holds. The rate is that size over
 *   the instance's scored people, rounded down to two significant digits (4.7%).
 * - A person is in the sample when the hash of their id (the id the site ships: the pseudonym with pseudonymous
 *   ids), the first 32 bits of its MD5 as a fraction of 2^32, is below the rate: the same people at every rebuild,
 *   and a person in one instance's sample is in every instance's sample of the same or a higher rate.
 * - The per-person files (scores.parquet, factors.parquet, timeline.parquet, read by range requests) stay
 *   complete: the person page finds everyone, and the SQL export's scores table is the full one.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../config/errors.js";
import { openDatabase } from "../db/duckdb.js";
import { FILES, type InstanceSummary } from "../contract/schema.js";
import { siteRun } from "../pipeline/site.js";
import { str } from "../sql/quote.js";
import { idKey, pseudonymSql } from "./pseudonyms.js";
import type { SampleInfo } from "../contract/schema.js";

/** The environment variable of the size above which an instance is sampled. */
export const SAMPLE_ABOVE_ENV = "CUSTOMER_AI_SAMPLE_ABOVE";
/** The environment variable of the sample's target size. */
export const SAMPLE_SIZE_ENV = "CUSTOMER_AI_SAMPLE_SIZE";
const DEFAULT_ABOVE = 1_000_000;
const DEFAULT_SIZE = 400_000;

/** The sample settings from the environment. @throws UserError on a value that is not a whole number. */
export function sampleSettings(env: NodeJS.ProcessEnv = process.env): { above: number; size: number } {
  const read = (name: string, fallback: number, least: number) => {
    const text = env[name];
    if (text === undefined || text.trim() === "") return fallback;
    const n = Number(text.replaceAll("_", ""));
    if (!Number.isInteger(n) || n < least)
      throw new UserError("config", `${name}: expected a whole number of people of at least ${least}, got "${text}"`);
    return n;
  };
  return { above: read(SAMPLE_ABOVE_ENV, DEFAULT_ABOVE, 0), size: read(SAMPLE_SIZE_ENV, DEFAULT_SIZE, 100) };
}

/** The sample rate for an instance of `scored` people: null below the threshold (no sample). */
export function sampleRate(scored: number, settings: { above: number; size: number }): number | null {
  if (scored <= settings.above || scored <= settings.size) return null;
  const raw = settings.size / scored;
  const digits = 10 ** (1 - Math.floor(Math.log10(raw)));
  return Math.floor(raw * digits) / digits;
}

/** SQL: whether the person of the VARCHAR expression `id` is in a sample of `rate`. */
export function inSampleSql(id: string, rate: number): string {
  return `(('0x' || substr(md5(${id}), 1, 8))::UBIGINT / 4294967296.0 < ${rate})`;
}

/** SQL of the value percentile over a scores table's `expected_value` (as valuePercentiles in explorer-arrow.ts). */
export const VALUE_PERCENTILE_COLUMN_SQL = `CASE WHEN expected_value IS NOT NULL THEN ((100 * count(*) OVER (PARTITION BY expected_value IS NULL ORDER BY expected_value) + count(*) OVER (PARTITION BY expected_value IS NULL) - 1) // count(*) OVER (PARTITION BY expected_value IS NULL))::UTINYINT END`;

/** An instance's folder in the site's run and its summary. */
async function instanceRun(instance: string): Promise<{ folder: string; summary: InstanceSummary }> {
  const { dir, index } = await siteRun();
  const entry = index.instances.find((i) => i.name === instance);
  if (!entry) throw new Error(`unknown instance "${instance}"`);
  const folder = join(dir, entry.dir);
  return { folder, summary: JSON.parse(readFileSync(join(folder, FILES.instance), "utf8")) as InstanceSummary };
}

/** The id the site ships (a pseudonym with pseudonymous ids). */
function shippedId(): string {
  const key = idKey();
  return key ? pseudonymSql("id", key) : "id";
}

/** Runs `work` with a DuckDB connection and a scratch folder. */
async function withDuckDB<T>(
  work: (run: (sql: string) => Promise<unknown[][]>, folder: string) => Promise<T>,
): Promise<T> {
  const folder = mkdtempSync(join(tmpdir(), "customer-ai-sample-"));
  const db = await openDatabase({ tempDirectory: join(folder, "spill") });
  try {
    return await work(async (sql) => (await db.connection.runAndReadAll(sql)).getRows() as unknown[][], folder);
  } finally {
    db.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The sample of an instance, or null when the site ships everyone. */
export async function instanceSample(instance: string): Promise<SampleInfo | null> {
  const { folder, summary } = await instanceRun(instance);
  const settings = sampleSettings();
  const rate = sampleRate(summary.scored, settings);
  if (rate === null) return null;
  return withDuckDB(async (run) => {
    const [[people, total]] = (await run(
      `SELECT count(*) FILTER (WHERE ${inSampleSql(shippedId(), rate)}), count(*) FROM read_parquet(${str(join(folder, FILES.scores))})`,
    )) as [[bigint, bigint]];
    return { rate, people: Number(people), total: Number(total), above: settings.above };
  });
}

/**
 * The instance summary the site ships: the run's, and in sample mode its `sample` and the totals the pages show
 * (scored, buckets, the score histogram, expected outcomes) counted again over the full scores.
 */
export async function shippedSummary(instance: string): Promise<InstanceSummary & { sample?: SampleInfo }> {
  const { folder, summary } = await instanceRun(instance);
  const sample = await instanceSample(instance);
  if (!sample) return summary;
  const scores = str(join(folder, FILES.scores));
  return withDuckDB(async (run) => {
    const histogram = await run(`SELECT score::INTEGER, count(*)::BIGINT FROM read_parquet(${scores}) GROUP BY ALL`);
    const scoreHistogram = new Array<number>(101).fill(0);
    for (const [score, people] of histogram) scoreHistogram[Number(score)] = Number(people);
    const buckets = await run(
      `SELECT bucket, count(*)::BIGINT, avg(probability)::DOUBLE FROM read_parquet(${scores}) GROUP BY ALL`,
    );
    const [[scored, expected]] = (await run(
      `SELECT count(*)::BIGINT, sum(probability)::DOUBLE FROM read_parquet(${scores})`,
    )) as [[bigint, number]];
    const counts = summary.buckets.counts.map((b) => {
      const row = buckets.find((r) => r[0] === b.bucket);
      return { ...b, people: row ? Number(row[1]) : 0, meanProbability: row ? Number(row[2]) : b.meanProbability };
    });
    return {
      ...summary,
      scored: Number(scored),
      scoreHistogram,
      expectedPositives: Number(expected),
      buckets: { ...summary.buckets, counts },
      sample,
    };
  });
}

/**
 * The scores the site's people table holds, as Parquet bytes: every scored person, or in sample mode the sample,
 * with the value percentile over everyone (`value_percentile`, with customer value). Ids as the site ships them.
 */
export async function sampledScores(instance: string, sample: SampleInfo): Promise<Uint8Array> {
  const { folder, summary } = await instanceRun(instance);
  const value = summary.value && !("unavailable" in summary.value);
  const id = shippedId();
  return withDuckDB(async (run, scratch) => {
    const out = join(scratch, "sample.parquet");
    const percentile = value ? `, ${VALUE_PERCENTILE_COLUMN_SQL} AS value_percentile` : "";
    await run(`COPY (SELECT * FROM (SELECT * REPLACE (${id} AS id)${percentile} FROM read_parquet(${str(join(folder, FILES.scores))}))
      WHERE ${inSampleSql("id", sample.rate)} ORDER BY id) TO ${str(out)} (FORMAT parquet, COMPRESSION snappy)`);
    return readFileSync(out);
  });
}

/** Another instance's id, score, percentile and bucket of the people in `sample` of `instance` (Parquet bytes). */
export async function sampledOthers(
  instance: string,
  others: string[],
  sample: SampleInfo,
): Promise<{ own: Uint8Array; others: { name: string; scores: Uint8Array }[] }> {
  const own = await instanceRun(instance);
  const id = shippedId();
  return withDuckDB(async (run, scratch) => {
    const ids = join(scratch, "ids.parquet");
    await run(
      `COPY (SELECT * FROM (SELECT ${id} AS id FROM read_parquet(${str(join(own.folder, FILES.scores))})) WHERE ${inSampleSql("id", sample.rate)} ORDER BY id) TO ${str(ids)} (FORMAT parquet)`,
    );
    const parts = [];
    for (const name of others) {
      const { folder } = await instanceRun(name);
      const out = join(scratch, `${name}.parquet`);
      await run(`COPY (SELECT * FROM (SELECT ${id} AS id, score, percentile, bucket FROM read_parquet(${str(join(folder, FILES.scores))})) SEMI JOIN read_parquet(${str(ids)}) USING (id) ORDER BY id)
        TO ${str(out)} (FORMAT parquet)`);
      parts.push({ name, scores: readFileSync(out) });
    }
    return { own: readFileSync(ids), others: parts };
  });
}
