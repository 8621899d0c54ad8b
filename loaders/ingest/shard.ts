/**
 * Shards: a run split by person. Person p belongs to shard `hash(p) % N` (0-based), where `hash` is DuckDB's 64-bit
 * `hash()` of the person id as read (the `pk` column of the `events` and `people` tables). The same data read by the
 * same DuckDB version gives every person the same shard, every person exactly one shard, on any machine.
 *
 * The filter applies right after the row accounting of the events input, before the canonical `events` and
 * `people` tables are made: every shard accounts for every row read (the counts of rows read, used and set aside
 * are the whole input's, the same in every shard), and keeps only its people's events from then on.
 */
import { UserError } from "../config/errors.js";

/** Shard `index` (0-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `--shard i/N` (0 <= i < N, N >= 1).
 * @throws UserError naming the value and what is expected. */
export function parseShard(text: string): Shard {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(text.trim());
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || index >= count) {
    throw new UserError("config", `--shard: expected i/N with N at least 1 and i from 0 to N-1 (e.g. 0/4), but got "${text}"`);
  }
  return { index, count };
}

/** SQL condition on a `pk` (DuckDB `hash` of the person id) that holds for the people of `shard`. */
export function shardConditionSql(shard: Shard, pk = "pk"): string {
  return `(${pk} % ${shard.count}::UBIGINT) = ${shard.index}::UBIGINT`;
}

/** Removes the other shards' rows from the staged events (after their accounting). */
export function keepShardSql(shard: Shard): string {
  return `DELETE FROM ev_staged WHERE NOT ${shardConditionSql(shard)}`;
}
