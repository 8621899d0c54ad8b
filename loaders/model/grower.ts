/**
 * Tree growing on the binned matrix.
 *
 * Rows of the tree's sample live in one index array; every node owns a contiguous range of it, and splitting a node
 * partitions its range in place (stable, so row order — and memory locality — is preserved). Nodes are expanded in
 * batches: with `"depthwise"` a batch is a whole level (XGBoost's default policy), with `"lossguide"` it is the
 * single open node of largest gain (LightGBM's leaf-wise policy); `maxLeaves` caps both. For every split, only the
 * child with fewer rows gets its histogram built (all of a batch's builds run as one parallel task); the sibling's
 * histogram is the parent's minus the built one, computed in the parent's slot.
 */
import type { BinMapper } from "./binning.js";
import { MISSING_BIN, binThreshold } from "./binning.js";
import type { HistogramPool } from "./histogram.js";
import { buildHistograms, subtractHistograms } from "./histogram.js";
import type { KernelSpec } from "./parallel.js";
import { runItems, sharedInt32 } from "./parallel.js";
import type { Rng } from "./rng.js";
import type { SplitInfo } from "./split.js";
import { findBestSplit, leafWeight } from "./split.js";
import type { GBDTParams, Tree } from "./types.js";

/** Buffers and settings shared by all trees of one fit. */
export interface GrowerContext {
  /** Row-major binned training matrix (histograms). */
  bins: Uint8Array;
  /** Column-major copy of the binned matrix (partitioning). */
  binsByColumn: Uint8Array;
  /** Number of training rows. */
  nRows: number;
  /** Number of features. */
  nFeatures: number;
  /** Interleaved gradients/hessians of the current round. */
  gh: Float64Array;
  /** Row indices; the first `nSampled` are this tree's rows. */
  idx: Int32Array;
  /** Scratch buffer for partitioning (length nRows, shared). */
  scratch: Int32Array;
  /** Histogram slots. */
  pool: HistogramPool;
  /** Bin edges. */
  mapper: BinMapper;
  /** Hyper-parameters. */
  params: GBDTParams;
  /** Threads for histogram building. */
  nThreads: number;
}

/** A grown tree plus what the boosting loop needs to update training margins. */
export interface GrownTree {
  /** The tree (raw-value thresholds). */
  tree: Tree;
  /** Numeric threshold bin per node (-1 for leaves and categorical splits), for traversal of binned rows. */
  binThreshold: Int32Array;
  /** Leaf node ids. */
  leaves: Int32Array;
  /** Row range [start, end) in `idx` of each leaf. */
  leafStart: Int32Array;
  /** See `leafStart`. */
  leafEnd: Int32Array;
}

interface OpenNode {
  id: number;
  depth: number;
  start: number;
  end: number;
  G: number;
  H: number;
  hist: number;
  split: SplitInfo | null;
}

class TreeBuilder {
  left: number[] = [];
  right: number[] = [];
  feature: number[] = [];
  threshold: number[] = [];
  bin: number[] = [];
  defaultLeft: number[] = [];
  catSet: number[] = [];
  catBits: number[] = [];
  value: number[] = [];
  cover: number[] = [];
  gain: number[] = [];

  add(value: number, cover: number): number {
    this.left.push(-1);
    this.right.push(-1);
    this.feature.push(-1);
    this.threshold.push(NaN);
    this.bin.push(-1);
    this.defaultLeft.push(0);
    this.catSet.push(-1);
    this.value.push(value);
    this.cover.push(cover);
    this.gain.push(0);
    return this.left.length - 1;
  }
}

/**
 * Grows one tree on the first `nSampled` rows of `ctx.idx` with the current gradients.
 * @param ctx fit-wide buffers and settings
 * @param nSampled number of rows of this tree (a prefix of `ctx.idx`)
 * @param treeFeats features available to this tree (ascending)
 * @param rng generator for per-node column sampling
 */
export function growTree(ctx: GrowerContext, nSampled: number, treeFeats: Int32Array, rng: Rng): GrownTree {
  const { params: p, pool, gh, idx, mapper } = ctx;
  const lr = p.learningRate;
  const lambda = p.lambda;
  const b = new TreeBuilder();
  pool.reset();
  let G = 0;
  let H = 0;
  for (let i = 0; i < nSampled; i++) {
    const r = idx[i];
    G += gh[2 * r];
    H += gh[2 * r + 1];
  }
  const root: OpenNode = { id: b.add(lr * leafWeight(G, H, lambda), H), depth: 0, start: 0, end: nSampled, G, H, hist: -1, split: null };
  const leafNodes: OpenNode[] = [];
  const open: OpenNode[] = [];
  const maxLeaves = p.maxLeaves > 0 ? p.maxLeaves : Infinity;
  let nLeaves = 1;
  const canSplit = (n: OpenNode): boolean =>
    (p.maxDepth <= 0 || n.depth < p.maxDepth) && n.end - n.start >= 2 && n.H >= 2 * p.minChildWeight && nLeaves < maxLeaves;
  const evaluate = (nodes: OpenNode[]): void => {
    for (const n of nodes) {
      n.split = findBestSplit(pool.hist, n.hist, nodeFeatures(treeFeats, p.colsampleByNode, rng), mapper.nBins, mapper.categorical, n.G, n.H, p);
      if (n.split.feature >= 0) open.push(n);
      else finish(n);
    }
  };
  const finish = (n: OpenNode): void => {
    if (n.hist >= 0) pool.release(n.hist);
    n.hist = -1;
    leafNodes.push(n);
  };
  const hctx = { bins: ctx.bins, gh, idx, nFeatures: ctx.nFeatures, pool, nThreads: ctx.nThreads };
  if (canSplit(root)) {
    root.hist = pool.acquire();
    buildHistograms(hctx, Int32Array.of(0, nSampled, root.hist), treeFeats);
    evaluate([root]);
  } else {
    finish(root);
  }
  while (open.length > 0) {
    let batch: OpenNode[];
    if (p.growPolicy === "lossguide") {
      let bi = 0;
      for (let i = 1; i < open.length; i++) if (open[i].split!.gain > open[bi].split!.gain) bi = i;
      batch = open.splice(bi, 1);
    } else {
      const d = Math.min(...open.map((n) => n.depth));
      batch = open.filter((n) => n.depth === d);
      const rest = open.filter((n) => n.depth !== d);
      open.length = 0;
      open.push(...rest);
    }
    if (nLeaves + batch.length > maxLeaves) {
      const keep = new Set([...batch].sort((x, y) => y.split!.gain - x.split!.gain || x.id - y.id).slice(0, Math.max(0, maxLeaves - nLeaves)));
      for (const n of batch) if (!keep.has(n)) finish(n);
      batch = batch.filter((n) => keep.has(n));
    }
    if (batch.length === 0) break;
    nLeaves += batch.length;
    const builds: number[] = [];
    const subtractions: [OpenNode, OpenNode, OpenNode][] = [];
    const children: OpenNode[] = [];
    const mids = partitionBatch(ctx, batch);
    for (let bi = 0; bi < batch.length; bi++) {
      const n = batch[bi];
      const s = n.split!;
      const mid = mids[bi];
      const l: OpenNode = { id: b.add(lr * leafWeight(s.gl, s.hl, lambda), s.hl), depth: n.depth + 1, start: n.start, end: mid, G: s.gl, H: s.hl, hist: -1, split: null };
      const r: OpenNode = { id: b.add(lr * leafWeight(s.gr, s.hr, lambda), s.hr), depth: n.depth + 1, start: mid, end: n.end, G: s.gr, H: s.hr, hist: -1, split: null };
      recordSplit(b, n.id, l.id, r.id, s, mapper);
      const needL = canSplit(l);
      const needR = canSplit(r);
      if (!needL && !needR) {
        finish(l);
        finish(r);
        pool.release(n.hist);
        continue;
      }
      const [small, large] = l.end - l.start <= r.end - r.start ? [l, r] : [r, l];
      small.hist = pool.acquire();
      builds.push(small.start, small.end, small.hist);
      const needLarge = large === l ? needL : needR;
      const needSmall = small === l ? needL : needR;
      if (needLarge) {
        large.hist = n.hist;
        subtractions.push([n, small, large]);
      } else {
        pool.release(n.hist);
        finish(large);
      }
      if (needSmall) children.push(small);
      if (needLarge) children.push(large);
      if (!needSmall) subtractions.push([n, small, small]);
    }
    if (builds.length > 0) {
      buildHistograms(hctx, Int32Array.from(builds), treeFeats);
    }
    const hist = pool.hist;
    for (const [, small, target] of subtractions) {
      if (target !== small) subtractHistograms(hist, target.hist, small.hist, target.hist, treeFeats);
    }
    for (const [, small, target] of subtractions) {
      if (target === small) finish(small);
    }
    children.sort((x, y) => x.id - y.id);
    evaluate(children);
  }
  for (const n of open) finish(n);
  return finalize(b, leafNodes);
}

function nodeFeatures(treeFeats: Int32Array, fraction: number, rng: Rng): Int32Array {
  if (fraction >= 1) return treeFeats;
  const k = Math.max(1, Math.round(fraction * treeFeats.length));
  const pick = rng.sampleSorted(treeFeats.length, k);
  return pick.map((i) => treeFeats[i]);
}

function recordSplit(b: TreeBuilder, id: number, l: number, r: number, s: SplitInfo, mapper: BinMapper): void {
  b.left[id] = l;
  b.right[id] = r;
  b.feature[id] = s.feature;
  b.defaultLeft[id] = s.defaultLeft ? 1 : 0;
  b.gain[id] = s.gain;
  if (s.catBits) {
    b.catSet[id] = b.catBits.length;
    for (let w = 0; w < 8; w++) b.catBits.push(s.catBits[w]);
  } else {
    b.bin[id] = s.bin;
    b.threshold[id] = binThreshold(mapper, s.feature, s.bin);
  }
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
  /** (start, end, feature) of every node to partition. */
  jobs: Int32Array;
  /** 256 bytes per job: 1 when a row with that bin goes left. */
  tables: Uint8Array;
  /** Output: first index of the right child of every job. */
  mids: Int32Array;
}

/**
 * Stable in-place partition of the row range of job `j`: rows whose bin maps to 1 in the job's table move to the
 * front. Branch-free (every row is written to both sides and the counters advance by the table bit).
 * Self-contained: runs on worker threads.
 * @param s the arguments
 * @param j the job
 */
export function partitionKernel(s: PartitionShare, j: number): void {
  const cols = s.cols;
  const idx = s.idx;
  const scratch = s.scratch;
  const tables = s.tables;
  {
    const start = s.jobs[3 * j];
    const end = s.jobs[3 * j + 1];
    const co = s.jobs[3 * j + 2] * s.nRows;
    const to = 256 * j;
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
    for (let k = start; k < nr; k++) idx[nl + k - start] = scratch[k];
    s.mids[j] = nl;
  }
}

const PARTITION_KERNEL: KernelSpec<PartitionShare> = { name: "partition", entry: partitionKernel, deps: [] };

/** Partitions the rows of every node of a batch by its split (in parallel across nodes); returns the midpoints. */
function partitionBatch(ctx: GrowerContext, batch: OpenNode[]): Int32Array {
  const nb = batch.length;
  const jobs = new Int32Array(3 * nb);
  const tables = new Uint8Array(256 * nb);
  let rows = 0;
  batch.forEach((n, j) => {
    const sp = n.split!;
    jobs[3 * j] = n.start;
    jobs[3 * j + 1] = n.end;
    jobs[3 * j + 2] = sp.feature;
    const t = tables.subarray(256 * j, 256 * j + 256);
    for (let b = 0; b < MISSING_BIN; b++) {
      t[b] = sp.catBits ? (sp.catBits[b >>> 5] >>> (b & 31)) & 1 : b <= sp.bin ? 1 : 0;
    }
    t[MISSING_BIN] = sp.defaultLeft ? 1 : 0;
    rows += n.end - n.start;
  });
  const mids = sharedInt32(nb);
  const args = { cols: ctx.binsByColumn, nRows: ctx.nRows, idx: ctx.idx, scratch: ctx.scratch, jobs, tables, mids };
  runItems(PARTITION_KERNEL, args, nb, rows >= 1 << 15 ? ctx.nThreads : 1);
  return mids;
}

function finalize(b: TreeBuilder, leafNodes: OpenNode[]): GrownTree {
  const n = b.left.length;
  const cover = Float64Array.from(b.cover);
  const left = Int32Array.from(b.left);
  const right = Int32Array.from(b.right);
  // Internal covers are re-derived bottom-up so that cover(parent) = cover(left) + cover(right) exactly, which
  // TreeSHAP's additivity relies on. Children always have larger ids than their parent.
  for (let i = n - 1; i >= 0; i--) if (left[i] >= 0) cover[i] = cover[left[i]] + cover[right[i]];
  leafNodes.sort((x, y) => x.id - y.id);
  const tree: Tree = {
    left,
    right,
    feature: Int32Array.from(b.feature),
    threshold: Float64Array.from(b.threshold),
    defaultLeft: Uint8Array.from(b.defaultLeft),
    catSet: Int32Array.from(b.catSet),
    catBits: Uint32Array.from(b.catBits),
    value: Float64Array.from(b.value),
    cover,
    gain: Float64Array.from(b.gain),
  };
  return {
    tree,
    binThreshold: Int32Array.from(b.bin),
    leaves: Int32Array.from(leafNodes.map((x) => x.id)),
    leafStart: Int32Array.from(leafNodes.map((x) => x.start)),
    leafEnd: Int32Array.from(leafNodes.map((x) => x.end)),
  };
}
