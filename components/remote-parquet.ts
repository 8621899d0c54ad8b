/**
 * Reading a few rows of a large remote Parquet file sorted by a key (one person's factors or events) with HTTP range
 * requests: the footer once, then only the row groups whose min/max statistics can hold the key.
 */
import { asyncBufferFromUrl, cachedAsyncBuffer, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import type { AsyncBuffer, FileMetaData } from "hyparquet";

/** A remote Parquet file read piecewise with HTTP range requests: its footer once, then only the row groups asked for. */
export interface RemoteParquet {
  file: AsyncBuffer;
  metadata: FileMetaData;
  /** Bytes fetched so far (footer included). */
  bytesRead: () => number;
}

/** Opens a remote Parquet file: a HEAD request for its size and a range request for its footer (a few KB). */
export async function openRemoteParquet(url: string): Promise<RemoteParquet> {
  let bytes = 0;
  const counting: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const length = Number(response.headers.get("content-length") ?? 0);
    if (init?.method !== "HEAD") bytes += length;
    return response;
  };
  const file = cachedAsyncBuffer(await asyncBufferFromUrl({ url, fetch: counting }), { minSize: 1 << 16 });
  const metadata = await parquetMetadataAsync(file, { initialFetchSize: 1 << 14 });
  return { file, metadata, bytesRead: () => bytes };
}

const utf8 = new TextEncoder();

/** Compares two strings by their UTF-8 bytes, the order of Parquet's string statistics. */
function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/**
 * The rows of one key in a Parquet file sorted by that key (e.g. one person's factors or timeline): only the row
 * groups whose min/max statistics can hold the key are fetched (by range requests) and decoded.
 */
export async function readRowsByKey(
  source: RemoteParquet,
  key: string,
  options: { column?: string; columns?: string[] } = {},
): Promise<Record<string, unknown>[]> {
  const column = options.column ?? "id";
  const rows: Record<string, unknown>[] = [];
  let start = 0;
  for (const group of source.metadata.row_groups) {
    const end = start + Number(group.num_rows);
    const chunk = group.columns.find((c) => c.meta_data?.path_in_schema.join(".") === column);
    const stats = chunk?.meta_data?.statistics;
    const min = stats?.min_value ?? stats?.min;
    const max = stats?.max_value ?? stats?.max;
    const mayHold =
      typeof min !== "string" || typeof max !== "string" || (compareUtf8(key, min) >= 0 && compareUtf8(key, max) <= 0);
    if (mayHold) {
      const part = await parquetReadObjects({
        file: source.file,
        metadata: source.metadata,
        rowStart: start,
        rowEnd: end,
        columns: options.columns,
      });
      for (const row of part) if (row[column] === key) rows.push(normalizeValues(row));
    } else if (typeof min === "string" && compareUtf8(key, min) < 0) {
      break; // sorted by key: no later group can hold it
    }
    start = end;
  }
  return rows;
}

/** BigInts to numbers, as elsewhere in the data layer. */
function normalizeValues(row: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(row)) if (typeof row[key] === "bigint") row[key] = Number(row[key]);
  return row;
}

/** One person's rows from the id-sorted per-person files, and the bytes fetched to get them. */
export interface PersonRows {
  score: Record<string, unknown> | null;
  factors: Record<string, unknown>[];
  timeline: Record<string, unknown>[];
  /** Bytes downloaded so far over all three files (footers included). */
  bytesRead: number;
}

/** The per-person files of an instance, opened for lookups by id (range requests, footers fetched once). */
export interface PersonFiles {
  lookup(id: string): Promise<PersonRows>;
  /** Every scored person's id (only the id column of the scores, fetched once, on first use). */
  ids(): Promise<string[]>;
}

/** Opens scores, factors and timeline Parquet files (sorted by id) for range-request lookups of one person. */
export async function openPersonFiles(urls: {
  scores: string;
  factors: string;
  timeline: string;
}): Promise<PersonFiles> {
  const [scores, factors, timeline] = await Promise.all([
    openRemoteParquet(urls.scores),
    openRemoteParquet(urls.factors),
    openRemoteParquet(urls.timeline),
  ]);
  const bytes = () => scores.bytesRead() + factors.bytesRead() + timeline.bytesRead();
  let ids: Promise<string[]> | undefined;
  return {
    ids() {
      ids ??= parquetReadObjects({ file: scores.file, metadata: scores.metadata, columns: ["id"] }).then((rows) =>
        rows.map((r) => String(r["id"])),
      );
      return ids;
    },
    async lookup(id: string): Promise<PersonRows> {
      const [score, factorRows, events] = await Promise.all([
        readRowsByKey(scores, id, { columns: ["id", "probability", "score", "percentile", "bucket"] }),
        readRowsByKey(factors, id),
        readRowsByKey(timeline, id),
      ]);
      return { score: score[0] ?? null, factors: factorRows, timeline: events, bytesRead: bytes() };
    },
  };
}

/** A person's rows of an id-sorted score history (`score-history.parquet`: one row per run that scored them). */
export interface ScoreHistoryFile {
  lookup(id: string): Promise<Record<string, unknown>[]>;
}

/**
 * Opens an instance's score-history.parquet for lookups of one person by range requests, like `openPersonFiles`.
 * A file without rows (a site built from a single run) fetches nothing more and finds nobody.
 */
export async function openScoreHistory(url: string): Promise<ScoreHistoryFile> {
  const file = await openRemoteParquet(url);
  const empty = Number(file.metadata.num_rows) === 0;
  return {
    lookup: async (id) =>
      empty ? [] : readRowsByKey(file, id, { columns: ["id", "as_of", "probability", "score", "bucket"] }),
  };
}
