/**
 * What a shard writes besides the run's files, per instance:
 * - `shard-scores.parquet`: the scored people's calibrated probabilities and customer value at full (DOUBLE)
 *   precision, from which `merge` recomputes percentiles, buckets and every sum exactly as one run over all the
 *   people would;
 * - `shard-insights.json`: the statistics insights.json is computed from (`InsightParts`: exact sums of
 *   contributions per score or bucket and feature, category effects, value cells of every feature), which `merge`
 *   adds up;
 * - `shard-sample.parquet`: the shard's `SAMPLE_CANDIDATES` people with the smallest hash of their id, with every
 *   feature's value and (the first `SAMPLE_PEOPLE`) contribution: the run's sample is the smallest of their union.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBValue } from "@duckdb/node-api";
import type { CategoryEffectsJSON, InsightParts } from "./explain.js";
import type { FactorSummaryJSON } from "../explain/factors.js";
import type { InstanceFeatures } from "../features/build.js";
import type { OutputColumn } from "./outputs-sql.js";
import type { FeatureInfo } from "../contract/schema.js";
import { SHARD_SCORES } from "./shard-manifest.js";
import { TableWriter } from "./write.js";

/** Per instance: the statistics of the shard's insights. */
export const SHARD_INSIGHTS = "shard-insights.json";
/** Per instance: the shard's sample candidates. */
export const SHARD_SAMPLE = "shard-sample.parquet";

/** `shard-insights.json`. */
export interface ShardInsights {
  factors: FactorSummaryJSON;
  categories: CategoryEffectsJSON;
  /** Per feature: [cell (null = missing), people, sum of probabilities in units of 2^-30]. */
  cells: [number | null, number, string][][];
  /** Categorical features whose category order the configuration declares (not ordered by their effects). */
  declared: number[];
}

/** Writes the shard files of an instance into `dir` (see the module comment). */
export async function writeShardFiles(
  dir: string,
  features: InstanceFeatures,
  probability: Float64Array,
  value: readonly { name: string; values: Float64Array }[],
  parts: InsightParts,
  infos: readonly FeatureInfo[],
): Promise<void> {
  const set = features.score;
  const F = features.catalogue.length;
  const insights: ShardInsights = {
    factors: parts.factors.toJSON(),
    categories: parts.categories.toJSON(),
    cells: parts.cells.map((c) => c!.toJSON()),
    declared: declaredOrders(infos),
  };
  writeFileSync(join(dir, SHARD_INSIGHTS), JSON.stringify(insights) + "\n");
  const columns: OutputColumn[] = [
    { name: "id", type: "VARCHAR" },
    { name: "probability", type: "DOUBLE" },
    ...value.map((c): OutputColumn => ({ name: c.name, type: "DOUBLE" })),
  ];
  const feature = (prefix: string) =>
    Array.from({ length: F }, (_, f): OutputColumn => ({ name: `${prefix}${f}`, type: "DOUBLE" }));
  const sampleColumns: OutputColumn[] = [
    { name: "id", type: "VARCHAR" },
    { name: "hash", type: "DOUBLE" },
    { name: "score", type: "UTINYINT" },
    ...feature("v"),
    ...feature("c"),
  ];
  const writer = await TableWriter.open();
  try {
    await writer.create("shard", columns);
    const rows = (f: (i: number) => DuckDBValue) => Array.from({ length: set.rows }, (_, i) => f(i));
    await writer.append("shard", [
      rows((i) => features.people[set.person[i]!]!),
      rows((i) => probability[i]!),
      ...value.map((c) => rows((i) => (Number.isNaN(c.values[i]!) ? null : c.values[i]!))),
    ]);
    await writer.writeParquet("shard", join(dir, SHARD_SCORES), ["id"]);
    const sample = parts.sample;
    const nan = (x: number) => (Number.isNaN(x) ? null : x);
    await writer.create("sample", sampleColumns);
    await writer.append("sample", [
      sample.map((p) => p.id),
      sample.map((p) => p.hash),
      sample.map((p) => p.score),
      ...Array.from({ length: F }, (_, f) => sample.map((p) => nan(p.values[f]!))),
      ...Array.from({ length: F }, (_, f) => sample.map((p) => (p.contributions ? p.contributions[f]! : null))),
    ]);
    await writer.writeParquet("sample", join(dir, SHARD_SAMPLE), ["hash", "id"]);
  } finally {
    writer.close();
  }
}

/** The features of `infos` (the instance's features before any effects are known, `featureInfos(catalogue, inst,
 * {})`) that have an order: the configuration declares it. */
function declaredOrders(infos: readonly FeatureInfo[]): number[] {
  return infos.flatMap((info, code) => (info.order ? [code] : []));
}
