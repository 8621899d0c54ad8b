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
import { binThreshold } from "./binning.js";
import type { HistogramPool } from "./histogram.js";
import { FEATURE_STRIDE, buildHistograms } from "./histogram.js";
import { partitionBatch } from "./partition.js";
import { runItems, sharedFloat64 } from "./parallel.js";
import type { Rng } from "./rng.js";
import type { SplitInfo, SplitShare } from "./split.js";
import { SPLIT_FIELDS, SPLIT_KERNEL, leafWeight, readSplit } from "./split.js";
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
  const hctx = { bins: ctx.bins, gh, idx, nFeatures: ctx.nFeatures, pool, nThreads: ctx.nThreads };
  // The root's gradient sums are those of any feature's histogram (every row is in exactly one of its bins).
  let G = 0;
  let H = 0;
  let rootHist = -1;
  if (nSampled > 0 && treeFeats.length > 0) {
    rootHist = pool.acquire();
    buildHistograms(hctx, Int32Array.of(0, nSampled, rootHist), treeFeats);
    const o = rootHist + treeFeats[0] * FEATURE_STRIDE;
    for (let k = 0; k < FEATURE_STRIDE; k += 2) {
      G += pool.hist[o + k];
      H += pool.hist[o + k + 1];
    }
  }
  const root: OpenNode = { id: b.add(lr * leafWeight(G, H, lambda), H), depth: 0, start: 0, end: nSampled, G, H, hist: rootHist, split: null };
  const leafNodes: OpenNode[] = [];
  const open: OpenNode[] = [];
  const maxLeaves = p.maxLeaves > 0 ? p.maxLeaves : Infinity;
  let nLeaves = 1;
  const canSplit = (n: OpenNode): boolean =>
    (p.maxDepth <= 0 || n.depth < p.maxDepth) && n.end - n.start >= 2 && n.H >= 2 * p.minChildWeight && nLeaves < maxLeaves;
  const categorical = Uint8Array.from(mapper.categorical, (c) => (c ? 1 : 0));
  const evaluate = (nodes: OpenNode[]): void => {
    const lists = nodes.map(() => nodeFeatures(treeFeats, p.colsampleByNode, rng));
    const featStart = new Int32Array(nodes.length + 1);
    lists.forEach((l, k) => (featStart[k + 1] = featStart[k] + l.length));
    const feats = new Int32Array(featStart[nodes.length]);
    lists.forEach((l, k) => feats.set(l, featStart[k]));
    const out = sharedFloat64(SPLIT_FIELDS * nodes.length);
    const args: SplitShare = {
      hist: pool.hist,
      offsets: Int32Array.from(nodes, (n) => n.hist),
      G: Float64Array.from(nodes, (n) => n.G),
      H: Float64Array.from(nodes, (n) => n.H),
      featStart,
      feats,
      nBins: mapper.nBins,
      categorical,
      params: { lambda: p.lambda, minChildWeight: p.minChildWeight, minSplitGain: p.minSplitGain, catSmooth: p.catSmooth },
      out,
    };
    runItems(SPLIT_KERNEL, args, nodes.length, feats.length >= 64 ? ctx.nThreads : 1);
    nodes.forEach((n, k) => {
      n.split = readSplit(out, k);
      if (n.split.feature >= 0) open.push(n);
      else finish(n);
    });
  };
  const finish = (n: OpenNode): void => {
    if (n.hist >= 0) pool.release(n.hist);
    n.hist = -1;
    leafNodes.push(n);
  };
  if (canSplit(root)) evaluate([root]);
  else finish(root);
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
      const subs: number[] = [];
      for (const [n, small, target] of subtractions) if (target !== small) subs.push(n.hist, small.hist, target.hist);
      buildHistograms(hctx, Int32Array.from(builds), treeFeats, Int32Array.from(subs));
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
