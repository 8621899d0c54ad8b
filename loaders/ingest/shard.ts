/**
 * Shards: a run split by person. Two ways to say who is in shard i of N (0-based):
 *
 * - **Person-partitioned input** (every file of the input lies in a Hive-style folder `person_part=K`, as a
 *   warehouse export or `npm run partition` writes it, with all the rows of one person in one partition K): shard i
 *   reads only the files of the partitions K with K % N = i, so its scan is about 1/N of the input, and it keeps
 *   every row it reads. Its row accounting is of those rows only; `merge` sums the shards'. Any M partitions work
 *   (K from 0 to M-1; the person -> K function is the exporter's, the same for events and profiles); with M a
 *   multiple of N the shards read equal shares, and N may not exceed the partitions found.
 * - **Any other input**: person p is in shard `hash(p) % N`, DuckDB's 64-bit `hash()` of the person id as read (the
 *   `pk` column of the `events` and `people` tables); the same data read by the same DuckDB version gives every
 *   person one shard, on any machine. The filter applies right after the row accounting of the events input: every
 *   shard reads and accounts for every row (the counts are the whole input's, the same in every shard), and keeps
 *   only its people's events from then on.
 */
import { UserError } from "../config/errors.js";

/** Shard `index` (0-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** How a shard read an input: only its partitions, or the whole input. */
export type InputLayout = "partitioned" | "whole";

/** The Hive partition key of a person-partitioned input. */
export const PARTITION_KEY = "person_part";

/** Parses `--shard i/N` (0 <= i < N, N >= 1).
 * @throws UserError naming the value and what is expected. */
export function parseShard(text: string, flag = "--shard"): Shard {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(text.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || index >= count) {
    throw new UserError(
      "config",
      `${flag}: expected i/N with N at least 1 and i from 0 to N-1 (e.g. 0/4), but got "${text}"`,
    );
  }
  return { index, count };
}

/** SQL condition on a `pk` (DuckDB `hash` of the person id) that holds for the people of `shard`. */
function shardConditionSql(shard: Shard, pk = "pk"): string {
  return `(${pk} % ${shard.count}::UBIGINT) = ${shard.index}::UBIGINT`;
}

/** Removes the other shards' rows from the staged events (after their accounting). */
export function keepShardSql(shard: Shard): string {
  return `DELETE FROM ev_staged WHERE NOT ${shardConditionSql(shard)}`;
}

const PARTITION_FOLDER = new RegExp(`(?:^|[\\\\/])${PARTITION_KEY}=(\\d{1,9})[\\\\/]`, "g");

/** The partition K of a file in a `person_part=K` folder (the innermost such folder), or null. */
function partitionOf(file: string): number | null {
  const found = [...file.matchAll(PARTITION_FOLDER)];
  return found.length ? Number(found.at(-1)![1]) : null;
}

/**
 * The layout of an input from its files: partitioned when every file is in a `person_part=K` folder, whole when
 * none is.
 * @throws UserError (naming `key`) when some are and some are not.
 */
export function layoutOf(files: readonly string[], key: string): InputLayout {
  const inside = files.filter((f) => partitionOf(f) !== null).length;
  if (inside === 0) return "whole";
  if (inside === files.length) return "partitioned";
  const outside = files.find((f) => partitionOf(f) === null)!;
  throw new UserError(
    "config",
    `${key}.path: ${inside} of ${files.length} files are in ${PARTITION_KEY}=K folders and ${outside} is not; point the path at the partitioned files only (e.g. DIR/${PARTITION_KEY}=*/*.parquet)`,
  );
}

/**
 * The files of a partitioned input that shard `shard` reads: those of the partitions K with K % N = i.
 * @throws UserError when the shard gets none (more shards than partitions).
 */
export function shardFiles(files: readonly string[], shard: Shard, key: string): string[] {
  const mine = files.filter((f) => partitionOf(f)! % shard.count === shard.index);
  if (mine.length) return mine;
  const partitions = new Set(files.map((f) => partitionOf(f)!)).size;
  throw new UserError(
    "config",
    `${key}: shard ${shard.index}/${shard.count} has no partition to read (the input has ${partitions} ${PARTITION_KEY}=K partitions and shard i reads those with K % ${shard.count} = i); use at most ${partitions} shards, or write more partitions (npm run partition -- --partitions M, M a multiple of the shards)`,
  );
}

/**
 * Refuses a shard of partitioned profiles over events that are not: the events' shard is then by hash and the
 * profiles' by partition, which put one person in two shards.
 * @throws UserError saying what to partition.
 */
export function checkLayouts(events: InputLayout, profiles: InputLayout | null): void {
  if (profiles === "partitioned" && events === "whole") {
    throw new UserError(
      "config",
      `inputs.profiles is in ${PARTITION_KEY}=K folders and inputs.events is not; a shard finds a person's events and profile only when both are partitioned by person the same way (npm run partition writes both)`,
    );
  }
}

/** Whether the only requirement a shard's instance fails is that someone is eligible: a shard whose people include
 * nobody eligible scores nobody for that instance (an empty shard), and `merge` checks the whole run's people. */
export function emptyShardOnly(requirements: readonly { check: string; ok: boolean }[]): boolean {
  const failed = requirements.filter((r) => !r.ok);
  return failed.length > 0 && failed.every((r) => r.check === "eligible");
}
