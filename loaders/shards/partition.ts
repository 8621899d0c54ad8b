/**
 * `partition`: writes a configuration's inputs in the person-partitioned layout that shards read a share of
 * (loaders/ingest/shard.ts), as a warehouse export would: `OUT/events/person_part=K/*.parquet` and
 * `OUT/profiles/person_part=K/*.parquet`, K from 0 to M-1, every row of one person in one partition.
 *
 * The inputs are read with the pipeline's own readers and person ids (the same files, formats, column mapping and
 * identity stitching), and a row's partition is DuckDB's `hash()` of its person id as read, modulo M: the ids a
 * shard reads back are those one run reads. The rows keep their columns as read (Parquet, so the configuration's
 * column mapping still applies) and their order. Lines of a CSV input that cannot be read are not written (they are
 * counted and said). The folder is written beside OUT and renamed into place at the end: OUT is never overwritten,
 * and a failed run leaves nothing.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UserError } from "../config/errors.js";
import type { ResolvedConfig, ResolvedInput } from "../config/types.js";
import { eventRoles, personIdSql } from "../ingest/roles.js";
import { Session } from "../ingest/session.js";
import { PARTITION_KEY } from "../ingest/shard.js";
import { type Source, dropRejects, openSource, rejectedLines, requireColumn } from "../ingest/source.js";
import { LINKED_PERSON_COLUMN, fileOrderSql, identityLinksSql, identityReaderSql } from "../ingest/sql.js";
import { ident, str } from "../sql/quote.js";

/** The most partitions `partition` writes. */
export const MAX_PARTITIONS = 10_000;

/** What `partition` wrote, per input. */
export interface PartitionSummary {
  out: string;
  partitions: number;
  inputs: {
    key: "events" | "profiles";
    rows: number;
    partitions: number;
    unreadable: number;
    path: string;
    format: string | null;
  }[];
}

/** Checks `--partitions` (a whole number from 1 to MAX_PARTITIONS).
 * @throws UserError naming the value. */
export function parsePartitions(text: string): number {
  const m = Number(text);
  if (!/^\d+$/.test(text.trim()) || m < 1 || m > MAX_PARTITIONS)
    throw new UserError(
      "config",
      `--partitions: expected a whole number from 1 to ${MAX_PARTITIONS} (a multiple of the shards you will run), but got "${text}"`,
    );
  return m;
}

/**
 * Writes the inputs of `config` into `out` in `partitions` person partitions.
 * @throws UserError when `out` exists, and for the inputs' problems as a run reports them.
 */
export async function writePartitions(
  config: ResolvedConfig,
  partitions: number,
  out: string,
  onProgress?: (message: string) => void,
): Promise<PartitionSummary> {
  const target = resolve(out);
  if (existsSync(target))
    throw new UserError(
      "config",
      `--out: ${out} already exists; give a new folder (partition never writes into or replaces an existing one)`,
    );
  mkdirSync(dirname(target), { recursive: true });
  const staging = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  const session = await Session.open();
  try {
    await session.useConfiguredLimit(config.resources.memoryLimit);
    await session.run(fileOrderSql());
    mkdirSync(staging);
    const summary: PartitionSummary = { out: target, partitions, inputs: [] };
    const events = await openSource(session, config.inputs.events, "inputs.events");
    const roles = await eventRoles(session, events, config.inputs.events);
    let reader = events.reader;
    if (roles.identity) {
      await session.run(identityLinksSql(events.reader, roles.identity));
      reader = identityReaderSql(events.reader, roles.identity.anonymous);
    }
    const linked = roles.identity ? [LINKED_PERSON_COLUMN] : [];
    summary.inputs.push(
      await writeInput(
        session,
        { ...events, reader },
        roles.person,
        linked,
        partitions,
        join(staging, "events"),
        config.inputs.events,
        "events",
      ),
    );
    onProgress?.(`events: ${summary.inputs[0]!.rows} rows in ${summary.inputs[0]!.partitions} partitions`);
    const input = config.inputs.profiles;
    if (input) {
      const profiles = await openSource(session, input, "inputs.profiles");
      const person = personIdSql(
        requireColumn(profiles, input.columns.personId, "person id", "inputs.profiles.columns.personId"),
        "inputs.profiles.columns.personId",
      );
      summary.inputs.push(
        await writeInput(session, profiles, person, [], partitions, join(staging, "profiles"), input, "profiles"),
      );
      onProgress?.(`profiles: ${summary.inputs[1]!.rows} rows in ${summary.inputs[1]!.partitions} partitions`);
    }
    renameSync(staging, target);
    for (const i of summary.inputs) i.path = join(target, i.key, `${PARTITION_KEY}=*`, "*.parquet");
    return summary;
  } finally {
    session.close();
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Writes one input's rows, in their order, into `dir/person_part=K/` by `hash(person) % partitions`; `extra` are
 * columns the reader adds that are not the input's. */
async function writeInput(
  session: Session,
  source: Source,
  person: string,
  extra: readonly string[],
  partitions: number,
  dir: string,
  input: ResolvedInput,
  key: "events" | "profiles",
): Promise<PartitionSummary["inputs"][number]> {
  await dropRejects(session, source);
  const drop = ["_file", "_row", ...extra].map(ident).join(", ");
  await session.run(`COPY (
    SELECT * EXCLUDE (${drop}), (hash(${person}) % ${partitions}::UBIGINT)::INTEGER AS ${PARTITION_KEY}
    FROM (${source.reader}) ORDER BY _file, _row
  ) TO ${str(dir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (${PARTITION_KEY}))`);
  const written = await session.row(
    `SELECT count(*) AS n, count(DISTINCT ${PARTITION_KEY}) AS parts FROM read_parquet(${str(join(dir, "*", "*.parquet"))}, hive_partitioning = true)`,
  );
  const unreadable = (await rejectedLines(session, source)).count;
  return {
    key,
    rows: Number(written.n),
    partitions: Number(written.parts),
    unreadable,
    path: dir,
    format: input.format ?? null,
  };
}
