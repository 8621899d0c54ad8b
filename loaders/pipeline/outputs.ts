/**
 * The per-person outputs of an instance: `scores.parquet` (the explorer's table) and `factors.parquet` (top
 * factors in long form). Factor rows are written chunk by chunk while TreeSHAP runs, so memory stays bounded.
 */
import { join } from "node:path";
import type { DuckDBValue } from "@duckdb/node-api";
import { quantise } from "../explain/exact.js";
import { valueInWords } from "../explain/factors.js";
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
  const set = features.score;
  const ids = Array.from(set.person, (p) => features.people[p]!);
  const defs = features.catalogue.map(factorFeature);
  const words = defs.map(() => new Map<number, string>());
  const inWords = (f: number, value: number) => {
    let text = words[f]!.get(value);
    if (text === undefined) words[f]!.set(value, (text = valueInWords(defs[f]!, value)));
    return text;
  };
  const top3 = [0, 1, 2].map(() => new Array<number | null>(set.rows).fill(null));
  const extra = input.extraColumns ?? [];
  const writer = await TableWriter.open();
  try {
    await writer.create("factors", FACTOR_COLUMNS);
    let withContributions = false;
    const explanation = await input.explain(async ({ start, top, other, contributions }) => {
      const cols: DuckDBValue[][] = FACTOR_COLUMNS.map(() => []);
      const push = (row: DuckDBValue[]) => row.forEach((v, c) => cols[c]!.push(v));
      for (let i = 0; i < other.length; i++) push([ids[start + i]!, 0, null, other[i]!, null]);
      for (let k = 0; k < top.person.length; k++) {
        const person = start + top.person[k]!;
        const f = top.feature[k]!;
        if (top.rank[k]! <= 3) top3[top.rank[k]! - 1]![person] = f;
        push([ids[person]!, top.rank[k]!, f, top.contribution[k]!, inWords(f, top.value[k]!)]);
      }
      await writer.append("factors", cols);
      if (contributions) {
        const F = features.catalogue.length;
        if (!withContributions)
          await writer.create("contributions", [
            { name: "id", type: "VARCHAR" },
            ...defs.map((_, f): OutputColumn => ({ name: `q${f}`, type: "DOUBLE" })),
          ]);
        withContributions = true;
        const n = other.length;
        await writer.append("contributions", [
          ids.slice(start, start + n),
          ...defs.map((_, f) => Array.from({ length: n }, (_, i) => quantise(contributions[i * F + f]!))),
        ]);
      }
    }, ids);
    await writer.writeParquet("factors", join(input.dir, FILES.factors), ["id", "rank"], FACTOR_ROW_GROUP);
    if (withContributions) await writer.writeParquet("contributions", join(input.dir, SHARD_CONTRIBUTIONS), ["id"]);
    const explorer = explorerColumns(features, explanation.ranking, input.explorerFeatures);
    const scoreColumns: OutputColumn[] = [
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
          type: features.catalogue[e.feature]!.kind === "categorical" ? "USMALLINT" : "FLOAT",
        }),
      ),
      ...extra.map((c): OutputColumn => ({ name: c.name, type: "FLOAT" })),
    ];
    await writer.create("scores", scoreColumns);
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
