/**
 * What a shard writes besides the run's files: per instance `shard-scores.parquet`, the scored people's calibrated
 * probabilities and customer value at full (DOUBLE) precision, from which `merge` recomputes percentiles, buckets and
 * every sum exactly as one run over all the people would.
 */
import { join } from "node:path";
import type { DuckDBValue } from "@duckdb/node-api";
import type { InstanceFeatures } from "../features/build.js";
import type { OutputColumn } from "../sql/outputs.js";
import { TableWriter } from "../pipeline/write.js";
import { SHARD_SCORES } from "./manifest.js";

/** Writes `dir/shard-scores.parquet`: id, probability, then the value columns (NaN = NULL), sorted by id. */
export async function writeShardFiles(dir: string, features: InstanceFeatures, probability: Float64Array, value: readonly { name: string; values: Float64Array }[]): Promise<void> {
  const set = features.score;
  const columns: OutputColumn[] = [{ name: "id", type: "VARCHAR" }, { name: "probability", type: "DOUBLE" }, ...value.map((c): OutputColumn => ({ name: c.name, type: "DOUBLE" }))];
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
  } finally {
    writer.close();
  }
}
