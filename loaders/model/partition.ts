/**
 * Row partitioning: after a split, the rows of a node (a range of the row-index array) are reordered in place so
 * that the left child's rows come first, stably (rows stay in increasing order inside each child, which keeps
 * histogram building cache-friendly). Partitioning reads the split feature from a column-major copy of the binned
 * matrix, so a node's rows are a near-sequential scan of one column rather than one cache miss per row.
 */
import { MISSING_BIN } from "./binning.js";
import type { KernelSpec } from "./parallel.js";
import { runItems, sharedInt32 } from "./parallel.js";
import type { SplitInfo } from "./split.js";

/** What {@link partitionBatch} needs from the grower. */
export interface PartitionContext {
  /** Column-major binned matrix. */
  binsByColumn: Uint8Array;
  /** Number of rows. */
  nRows: number;
  /** Row indices (shared). */
  idx: Int32Array;
  /** Scratch of the same length (shared). */
  scratch: Int32Array;
  /** Threads. */
  nThreads: number;
}

/** A node to partition: its row range and split. */
export interface PartitionNode {
  /** First index in `idx`. */
  start: number;
  /** End index (exclusive). */
  end: number;
  /** The split (non-null). */
  split: SplitInfo | null;
}

/** Arguments of {@link partitionKernel}. */
export interface PartitionShare {
  /** Column-major binned matrix. */
  cols: Uint8Array;
  /** Number of rows of the matrix. */
  nRows: number;
  /** Row indices. */
  idx: Int32Array;
  /** Scratch of the same length (shared). */
  scratch: Int32Array;
  /** Work items: (start, end, feature, table, whole) per row range; `whole` is 1 when the range is a whole node. */
  jobs: Int32Array;
  /** 256 bytes per table: 1 when a row with that bin goes left. */
  tables: Uint8Array;
  /** Output per item: number of rows going left and right. */
  counts: Int32Array;
  /** Claim order: the k-th claimed work item is `order[k]` (largest first). */
  order: Int32Array;
}

/**
 * Stable partition of the row range of item `j`: rows whose bin maps to 1 in the table stay in `idx` (compacted
 * to the front of the range), the others go to `scratch` at the same offsets; for a whole node they are then
 * copied back behind the left rows. Branch-free (every row is written to both sides and the counters advance by
 * the table bit). Self-contained: runs on worker threads.
 * @param s the arguments
 * @param k the claim index (the item is `order[k]`)
 */
export function partitionKernel(s: PartitionShare, k: number): void {
  const j = s.order[k];
  const cols = s.cols;
  const idx = s.idx;
  const scratch = s.scratch;
  const tables = s.tables;
  const start = s.jobs[5 * j];
  const end = s.jobs[5 * j + 1];
  const co = s.jobs[5 * j + 2] * s.nRows;
  const to = 256 * s.jobs[5 * j + 3];
  let nl = start;
  let nr = start;
  for (let i = start; i < end; i++) {
    const r = idx[i];
    const go = tables[to + cols[co + r]];
    idx[nl] = r;
    scratch[nr] = r;
    nl += go;
    nr += 1 - go;
  }
  if (s.jobs[5 * j + 4] === 1) idx.set(scratch.subarray(start, nr), nl);
  s.counts[2 * j] = nl - start;
  s.counts[2 * j + 1] = nr - start;
}

const PARTITION_KERNEL: KernelSpec<PartitionShare> = { name: "partition", entry: partitionKernel, deps: [] };

/** Rows per partition work item: larger nodes are partitioned in chunks, then stitched together. */
const PARTITION_CHUNK = 65536;

/**
 * Partitions the rows of every node of a batch by its split and returns the midpoints. Items (whole small nodes,
 * chunks of large ones) run in parallel; chunks are stitched in order — left parts, then right parts — so the
 * result is exactly the serial stable partition.
 */
export function partitionBatch(ctx: PartitionContext, batch: PartitionNode[]): Int32Array {
  const nb = batch.length;
  const jobs: number[] = [];
  const tables = new Uint8Array(256 * nb);
  const chunked: [number, number, number][] = [];
  let rows = 0;
  batch.forEach((n, j) => {
    const sp = n.split!;
    const t = tables.subarray(256 * j, 256 * j + 256);
    for (let b = 0; b < MISSING_BIN; b++) {
      t[b] = sp.catBits ? (sp.catBits[b >>> 5] >>> (b & 31)) & 1 : b <= sp.bin ? 1 : 0;
    }
    t[MISSING_BIN] = sp.defaultLeft ? 1 : 0;
    const len = n.end - n.start;
    rows += len;
    const k = Math.max(1, Math.floor(len / PARTITION_CHUNK));
    if (k > 1) chunked.push([j, jobs.length / 5, k]);
    for (let c = 0; c < k; c++) {
      jobs.push(
        n.start + Math.floor((c * len) / k),
        n.start + Math.floor(((c + 1) * len) / k),
        sp.feature,
        j,
        k === 1 ? 1 : 0,
      );
    }
  });
  const nItems = jobs.length / 5;
  const counts = sharedInt32(2 * nItems);
  const { idx, scratch } = ctx;
  const order = Int32Array.from({ length: nItems }, (_, i) => i).sort(
    (x, y) => jobs[5 * y + 1] - jobs[5 * y] - (jobs[5 * x + 1] - jobs[5 * x]) || x - y,
  );
  const args = {
    cols: ctx.binsByColumn,
    nRows: ctx.nRows,
    idx,
    scratch,
    jobs: Int32Array.from(jobs),
    tables,
    counts,
    order,
  };
  runItems(PARTITION_KERNEL, args, nItems, rows >= 1 << 15 ? ctx.nThreads : 1);
  const mids = new Int32Array(nb);
  let item = 0;
  batch.forEach((n, j) => {
    if (chunked.length > 0 && chunked[0][0] === j) {
      const [, first, k] = chunked.shift()!;
      let dst = n.start;
      for (let c = first; c < first + k; c++) {
        idx.copyWithin(dst, jobs[5 * c], jobs[5 * c] + counts[2 * c]);
        dst += counts[2 * c];
      }
      mids[j] = dst;
      for (let c = first; c < first + k; c++) {
        idx.set(scratch.subarray(jobs[5 * c], jobs[5 * c] + counts[2 * c + 1]), dst);
        dst += counts[2 * c + 1];
      }
      item = first + k;
    } else {
      mids[j] = n.start + counts[2 * item];
      item++;
    }
  });
  return mids;
}
