/**
 * The per-person outputs of an instance: `scores.parquet` (the explorer's table) and `factors.parquet` (top
 * factors in long form). Factor rows are written chunk by chunk while TreeSHAP runs, so memory stays bounded.
 */
import { join } from "node:path";
import type { DuckDBValue } from "@duckdb/node-api";
import { quantise } from "../explain/exact.js";
import { type FactorFeature, valueInWords } from "../explain/factors.js";
import type { InstanceFeatures } from "../features/build.js";
import { type Scores } from "../scoring/scores.js";
import { BUCKETS } from "../contract/buckets.js";
import { type OutputColumn, copyInstanceTimelineSql } from "./outputs-sql.js";
import { type Explanation, type FactorChunk, type InsightParts, factorFeature } from "./explain.js";
import { columnOf } from "./matrix.js";
import { type ExplorerColumn, FILES, type InstanceSummary, type Insights } from "../contract/schema.js";
import { TableWriter } from "./write.js";

/** In a shard whose buckets are on the percentile: every scored person's contributions, quantised (`exact.ts`), by
 * id: `merge` sums them per bucket of the percentiles over everyone. */
export const SHARD_CONTRIBUTIONS = "shard-contributions.parquet";

/** Feature columns shipped with the scores for filtering: profile attributes first, then the most important. */
export const EXPLORER_FEATURES = 8;
/** Rows per row group of factors.parquet and scores.parquet: small enough that one person's rows cost little to fetch. */
export const FACTOR_ROW_GROUP = 16_384;
/** Rows per row group of timeline.parquet (at most 20 per person). */
export const TIMELINE_ROW_GROUP = 16_384;
/** People appended to a table at a time. */
const SLICE = 65_536;

const FACTOR_COLUMNS: OutputColumn[] = [
  { name: "id", type: "VARCHAR" },
  { name: "rank", type: "UTINYINT" },
  { name: "feature", type: "USMALLINT" },
  { name: "contribution", type: "FLOAT" },
  { name: "value", type: "VARCHAR" },
];

/** What `writeScoreFiles` needs. */
export interface ScoreFilesInput {
  dir: string;
  features: InstanceFeatures;
  scores: Scores;
  topK: number;
  /** All people's recent events (written by the ingest session), filtered here to the scored people. */
  timeline: string;
  /** Runs the explanation of the people `ids` (the scoring set's rows), handing each chunk of top factors to the sink. */
  explain: (sink: (chunk: FactorChunk) => Promise<void>, ids: readonly string[]) => Promise<Explanation>;
  /** FLOAT columns after the feature columns (the customer value), one value per scored person, NaN = NULL. */
  extraColumns?: { name: string; values: Float64Array }[];
  /** The explorer's feature columns (a saved model's), instead of those ranked most important on these people. */
  explorerFeatures?: readonly number[];
}

/** What the summary files need from the per-person outputs. */
export interface ScoreFilesResult {
  base: number;
  insights: Insights;
  explorer: ExplorerColumn[];
  /** The statistics insights.json was computed from (what a shard writes for `merge`). */
  parts: InsightParts;
  bucketCounts: InstanceSummary["buckets"]["counts"];
}

/** Explains the scores and writes scores.parquet and factors.parquet. */
export async function writeScoreFiles(input: ScoreFilesInput): Promise<ScoreFilesResult> {
  const { features, scores } = input;
  const ids = Array.from(features.score.person, (p) => features.people[p]!);
  const writer = await TableWriter.open();
  try {
    const { explanation, top3 } = await writeFactorFiles(writer, input, ids);
    const explorer = explorerColumns(features, explanation.ranking, input.explorerFeatures);
    await writeScoresFile(writer, input, ids, top3, explorer);
    await writer.run(
      copyInstanceTimelineSql(
        input.timeline,
        join(input.dir, FILES.scores),
        join(input.dir, FILES.timeline),
        TIMELINE_ROW_GROUP,
      ),
    );
    return {
      base: explanation.base,
      insights: explanation.insights,
      explorer,
      parts: explanation.parts,
      bucketCounts: bucketCounts(scores),
    };
  } finally {
    writer.close();
  }
}

/** Per scored person (row of the scoring set), the feature of each of its top three factors (null where it has
 * fewer). */
type TopThree = (number | null)[][];

/**
 * Runs the explanation, appending each chunk's factor rows as it comes (and, in a shard on the percentile, its
 * quantised contributions), then writes factors.parquet (and shard-contributions.parquet); returns the explanation
 * and every scored person's top three factors.
 */
async function writeFactorFiles(
  writer: TableWriter,
  input: ScoreFilesInput,
  ids: readonly string[],
): Promise<{ explanation: Explanation; top3: TopThree }> {
  const defs = input.features.catalogue.map(factorFeature);
  const inWords = cachedValueInWords(defs);
  const top3: TopThree = [0, 1, 2].map(() => new Array<number | null>(input.features.score.rows).fill(null));
  await writer.create("factors", FACTOR_COLUMNS);
  let withContributions = false;
  const explanation = await input.explain(async (chunk) => {
    await writer.append("factors", factorRows(chunk, ids, top3, inWords));
    if (chunk.contributions) {
      if (!withContributions) await writer.create("contributions", contributionColumns(defs.length));
      withContributions = true;
      await writer.append("contributions", contributionRows(chunk, ids, defs.length));
    }
  }, ids);
  await writer.writeParquet("factors", join(input.dir, FILES.factors), ["id", "rank"], FACTOR_ROW_GROUP);
  if (withContributions) await writer.writeParquet("contributions", join(input.dir, SHARD_CONTRIBUTIONS), ["id"]);
  return { explanation, top3 };
}

/** `valueInWords` of a feature's value, each text made once. */
function cachedValueInWords(defs: FactorFeature[]): (f: number, value: number) => string {
  const words = defs.map(() => new Map<number, string>());
  return (f, value) => {
    let text = words[f]!.get(value);
    if (text === undefined) words[f]!.set(value, (text = valueInWords(defs[f]!, value)));
    return text;
  };
}

/** The factors.parquet columns of a chunk: each row's "other" (rank 0), then its top factors; records the top three
 * of each person in `top3`. */
function factorRows(
  { start, top, other }: FactorChunk,
  ids: readonly string[],
  top3: TopThree,
  inWords: (f: number, value: number) => string,
): DuckDBValue[][] {
  const cols: DuckDBValue[][] = FACTOR_COLUMNS.map(() => []);
  const push = (row: DuckDBValue[]) => row.forEach((v, c) => cols[c]!.push(v));
  for (let i = 0; i < other.length; i++) push([ids[start + i]!, 0, null, other[i]!, null]);
  for (let k = 0; k < top.person.length; k++) {
    const person = start + top.person[k]!;
    const f = top.feature[k]!;
    if (top.rank[k]! <= 3) top3[top.rank[k]! - 1]![person] = f;
    push([ids[person]!, top.rank[k]!, f, top.contribution[k]!, inWords(f, top.value[k]!)]);
  }
  return cols;
}

/** The columns of shard-contributions.parquet: the id, then one per feature (`q<f>`). */
function contributionColumns(featureCount: number): OutputColumn[] {
  return [
    { name: "id", type: "VARCHAR" },
    ...Array.from({ length: featureCount }, (_, f): OutputColumn => ({ name: `q${f}`, type: "DOUBLE" })),
  ];
}

/** A chunk's rows of shard-contributions.parquet: ids, then each feature's contributions, quantised. */
function contributionRows({ start, other, contributions }: FactorChunk, ids: readonly string[], F: number) {
  const n = other.length;
  return [
    ids.slice(start, start + n),
    ...Array.from({ length: F }, (_, f) => Array.from({ length: n }, (_, i) => quantise(contributions![i * F + f]!))),
  ];
}

/** The columns of scores.parquet: the scores, the top three factors, the explorer's features, the extra columns. */
function scoreColumns(input: ScoreFilesInput, explorer: ExplorerColumn[]): OutputColumn[] {
  return [
    { name: "id", type: "VARCHAR" },
    { name: "probability", type: "FLOAT" },
    { name: "score", type: "UTINYINT" },
    { name: "percentile", type: "UTINYINT" },
    { name: "bucket", type: "VARCHAR" },
    { name: "top1", type: "USMALLINT" },
    { name: "top2", type: "USMALLINT" },
    { name: "top3", type: "USMALLINT" },
    ...explorer.map(
      (e): OutputColumn => ({
        name: e.column,
        type: input.features.catalogue[e.feature]!.kind === "categorical" ? "USMALLINT" : "FLOAT",
      }),
    ),
    ...(input.extraColumns ?? []).map((c): OutputColumn => ({ name: c.name, type: "FLOAT" })),
  ];
}

/** Writes scores.parquet, `SLICE` people at a time. */
async function writeScoresFile(
  writer: TableWriter,
  input: ScoreFilesInput,
  ids: readonly string[],
  top3: TopThree,
  explorer: ExplorerColumn[],
): Promise<void> {
  const { features, scores } = input;
  const set = features.score;
  await writer.create("scores", scoreColumns(input, explorer));
  const extra = input.extraColumns ?? [];
  const featureValues = [...explorer.map((e) => columnOf(set, e.feature)), ...extra.map((c) => c.values)];
  for (let from = 0; from < set.rows; from += SLICE) {
    const to = Math.min(set.rows, from + SLICE);
    const range = (fn: (i: number) => DuckDBValue) => Array.from({ length: to - from }, (_, k) => fn(from + k));
    await writer.append("scores", [
      range((i) => ids[i]!),
      range((i) => scores.probability[i]!),
      range((i) => scores.score[i]!),
      range((i) => scores.percentile[i]!),
      range((i) => BUCKETS[scores.bucket[i]!]!),
      ...top3.map((column) => range((i) => column[i]!)),
      ...featureValues.map((values) => range((i) => (Number.isNaN(values[i]!) ? null : values[i]!))),
    ]);
  }
  await writer.writeParquet("scores", join(input.dir, FILES.scores), ["id"], FACTOR_ROW_GROUP);
}

/** The feature columns of the explorer (`chosen`, or profile attributes then the most important by `ranking`),
 * with their observed ranges. */
function explorerColumns(features: InstanceFeatures, ranking: number[], chosen?: readonly number[]): ExplorerColumn[] {
  const profile = ranking.filter((f) => features.catalogue[f]!.group === "profile").slice(0, EXPLORER_FEATURES / 2);
  const rest = ranking.filter((f) => !profile.includes(f)).slice(0, EXPLORER_FEATURES - profile.length);
  return (chosen ?? [...profile, ...rest]).map((feature) => {
    const column: ExplorerColumn = { column: `f_${feature}`, feature };
    if (features.catalogue[feature]!.kind === "numeric") {
      let min = Infinity;
      let max = -Infinity;
      for (const v of columnOf(features.score, feature)) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (min <= max) Object.assign(column, { min, max });
    }
    return column;
  });
}

/** People and mean probability per bucket. */
export function bucketCounts(scores: Scores): InstanceSummary["buckets"]["counts"] {
  return BUCKETS.map((bucket, b) => {
    let people = 0;
    let sum = 0;
    for (let i = 0; i < scores.bucket.length; i++) {
      if (scores.bucket[i] !== b) continue;
      people++;
      sum += scores.probability[i]!;
    }
    return { bucket, people, meanProbability: people ? sum / people : 0 };
  });
}
