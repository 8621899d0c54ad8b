/**
 * `shard.json`: what a shard folder is (which shard of how many, the as-of date, and per instance the saved model it
 * scored with, by the SHA-256 of its model.json), so that `merge` (loaders/shards/) combines only shards of one run.
 * A scoring run with `--shard` writes it; the shards stage reads it.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FILES } from "../contract/schema.js";
import type { DataQualityReport } from "../contract/data-quality.js";
import { type InputLayout, type Shard, layoutOf } from "../ingest/shard.js";
import type { SavedInstance } from "./saved.js";

/** The manifest of a shard folder. */
export const SHARD_FILE = "shard.json";
/** Per instance: the scored people's raw outputs a merge needs (id, probability and customer value as DOUBLE). */
export const SHARD_SCORES = "shard-scores.parquet";

/** `shard.json`. */
export interface ShardManifest {
  shardVersion: 1;
  shard: Shard;
  asOf: string;
  instances: { name: string; trainedAsOf: string; model: string }[];
  /** How the shard read each input: only its partitions, or whole (loaders/ingest/shard.ts); `merge` sums the row
   * accounting of partitioned inputs and requires the same in every shard for whole ones. Null: no profiles. */
  inputs: ShardLayouts;
}

/** How a shard read each input (null: no profiles). */
export interface ShardLayouts {
  events: InputLayout;
  profiles: InputLayout | null;
}

/** How the run whose data-quality report is `report` read each input, by the files it reports. */
export function inputLayouts(report: DataQualityReport): ShardLayouts {
  return {
    events: layoutOf(report.events.files, "inputs.events"),
    profiles: report.profiles ? layoutOf(report.profiles.files, "inputs.profiles") : null,
  };
}

/** The manifest of a shard scored with the saved instances `saved`, having read its inputs as `inputs` says. */
export function shardManifest(
  shard: Shard,
  asOf: string,
  saved: ReadonlyMap<string, SavedInstance>,
  inputs: ShardLayouts,
): ShardManifest {
  return {
    shardVersion: 1,
    shard,
    asOf,
    instances: [...saved].map(([name, s]) => ({
      name,
      trainedAsOf: s.model.trainedAsOf,
      model: createHash("sha256")
        .update(readFileSync(join(s.from, FILES.model)))
        .digest("hex"),
    })),
    inputs,
  };
}
