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
import type { HistogramContext, HistogramPool } from "./histogram.js";
import { FEATURE_STRIDE, buildHistograms } from "./histogram.js";
import { partitionBatch } from "./partition.js";
import { runItems, sharedFloat64 } from "./parallel.js";
import type { Rng } from "./rng.js";
import type { SplitInfo, SplitParams, SplitShare } from "./split.js";
import { MIN_GAIN, SPLIT_FIELDS, SPLIT_KERNEL, leafWeight, readSplit } from "./split.js";
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

/** A node while the tree grows (scikit-learn's `TreeNode`). */
interface OpenNode {
  /** Node id in the tree. */
  id: number;
  /** Edges from the root. */
  depth: number;
  /** First index of the node's rows in the row-index array. */
  start: number;
  /** End (exclusive) of the node's rows in the row-index array. */
  end: number;
  /** Gradient sum of the node's rows. */
  G: number;
  /** Hessian sum of the node's rows. */
  H: number;
  /** Offset of the node's histogram in the pool, or -1 when it has none. */
  hist: number;
  /** The node's best split, once searched. */
  split: SplitInfo | null;
}

/** The tree under construction, one growable array per node attribute (see {@link Tree}). */
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

  /** Adds a leaf of the given value and cover and returns its id. */
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
  return new TreeGrower(ctx, treeFeats, rng).grow(nSampled);
}

/** What a batch of splits leaves to do on histograms: built children, siblings by subtraction, leaves to close. */
interface HistogramPlan {
  /** (start, end, slot) triples of the children whose histograms are built from their rows. */
  builds: number[];
  /** (parent slot, built child slot, sibling slot) triples: sibling = parent - built child. */
  subtractions: number[];
  /** Children built only for their sibling's subtraction: leaves once the batch's histograms are done. */
  leavesAfterBuild: OpenNode[];
  /** Children that may split further: their best splits are searched next. */
  splittable: OpenNode[];
}

/**
 * Grows one tree, in the steps of scikit-learn's `TreeGrower`: the root's histogram and sums, the best split of
 * every splittable node, then batches of splits (chosen by the growth policy, capped by `maxLeaves`) that
 * partition the rows, plan and build the children's histograms, and search the children's splits; nodes that
 * cannot or need not split are finalized as leaves.
 */
class TreeGrower {
  private readonly tree = new TreeBuilder();
  /** Nodes with a split found, waiting to be split. */
  private readonly open: OpenNode[] = [];
  /** Finalized leaves. */
  private readonly leaves: OpenNode[] = [];
  private readonly maxLeaves: number;
  private nLeaves = 1;
  private readonly categorical: Uint8Array;
  private readonly histograms: HistogramContext;
  private readonly splitParams: SplitParams;

  /**
   * @param ctx fit-wide buffers and settings
   * @param treeFeats features available to this tree (ascending)
   * @param rng generator for per-node column sampling
   */
  constructor(
    private readonly ctx: GrowerContext,
    private readonly treeFeats: Int32Array,
    private readonly rng: Rng,
  ) {
    const { pool, gh, idx, mapper, params } = ctx;
    pool.reset();
    this.histograms = { bins: ctx.bins, gh, idx, nFeatures: ctx.nFeatures, pool, nThreads: ctx.nThreads };
    this.maxLeaves = params.maxLeaves > 0 ? params.maxLeaves : Infinity;
    this.categorical = Uint8Array.from(mapper.categorical, (c) => (c ? 1 : 0));
    const { lambda, minChildWeight, minSplitGain, catSmooth } = params;
    this.splitParams = { lambda, minChildWeight, minSplitGain, catSmooth, minGain: MIN_GAIN };
  }

  /**
   * Grows the tree on the first `nSampled` rows of the row-index array.
   * @param nSampled number of rows of this tree
   */
  grow(nSampled: number): GrownTree {
    const root = this.initializeRoot(nSampled);
    if (this.canSplit(root)) this.findBestSplits([root]);
    else this.finalizeLeaf(root);
    while (this.open.length > 0) {
      const batch = this.capToMaxLeaves(this.nextBatch());
      if (batch.length === 0) break;
      this.nLeaves += batch.length;
      const plan = this.splitBatch(batch);
      this.buildChildHistograms(plan);
      this.findBestSplits(plan.splittable.sort((x, y) => x.id - y.id));
    }
    for (const n of this.open) this.finalizeLeaf(n);
    return finalize(this.tree, this.leaves);
  }

  /** A new node of the tree: its would-be leaf value from its gradient sums, and its place in the row index. */
  private newNode(G: number, H: number, depth: number, start: number, end: number): OpenNode {
    const { learningRate, lambda } = this.ctx.params;
    const id = this.tree.add(learningRate * leafWeight(G, H, lambda), H);
    return { id, depth, start, end, G, H, hist: -1, split: null };
  }

  /**
   * The root, with its histogram built. Its gradient sums are those of any feature's histogram (every row is in
   * exactly one of its bins).
   */
  private initializeRoot(nSampled: number): OpenNode {
    const { pool } = this.ctx;
    const feats = this.treeFeats;
    let G = 0;
    let H = 0;
    let rootHist = -1;
    if (nSampled > 0 && feats.length > 0) {
      rootHist = pool.acquire();
      buildHistograms(this.histograms, Int32Array.of(0, nSampled, rootHist), feats);
      const o = rootHist + feats[0] * FEATURE_STRIDE;
      for (let k = 0; k < FEATURE_STRIDE; k += 2) {
        G += pool.hist[o + k];
        H += pool.hist[o + k + 1];
      }
    }
    const root = this.newNode(G, H, 0, 0, nSampled);
    root.hist = rootHist;
    return root;
  }

  /** Whether a node may be split: depth, at least two rows, hessian for two children, and room for a leaf. */
  private canSplit(n: OpenNode): boolean {
    const p = this.ctx.params;
    return (
      (p.maxDepth <= 0 || n.depth < p.maxDepth) &&
      n.end - n.start >= 2 &&
      n.H >= 2 * p.minChildWeight &&
      this.nLeaves < this.maxLeaves
    );
  }

  /**
   * Searches the best split of every node (one parallel task, one item per node, each over its own sample of
   * the tree's features); nodes with a split are opened, the others finalized as leaves.
   */
  private findBestSplits(nodes: OpenNode[]): void {
    const { params: p, pool, mapper } = this.ctx;
    const lists = nodes.map(() => nodeFeatures(this.treeFeats, p.colsampleByNode, this.rng));
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
      categorical: this.categorical,
      params: this.splitParams,
      out,
    };
    runItems(SPLIT_KERNEL, args, nodes.length, feats.length >= 64 ? this.ctx.nThreads : 1);
    nodes.forEach((n, k) => {
      n.split = readSplit(out, k);
      if (n.split.feature >= 0) this.open.push(n);
      else this.finalizeLeaf(n);
    });
  }

  /** Makes a node a leaf of the tree, returning its histogram slot to the pool. */
  private finalizeLeaf(n: OpenNode): void {
    if (n.hist >= 0) this.ctx.pool.release(n.hist);
    n.hist = -1;
    this.leaves.push(n);
  }

  /**
   * The open nodes to split next, taken out of the open list: with `"lossguide"` the one of largest gain (the
   * first of equals), with `"depthwise"` all those of the shallowest depth.
   */
  private nextBatch(): OpenNode[] {
    const open = this.open;
    if (this.ctx.params.growPolicy === "lossguide") {
      let bi = 0;
      for (let i = 1; i < open.length; i++) if (open[i].split!.gain > open[bi].split!.gain) bi = i;
      return open.splice(bi, 1);
    }
    const d = Math.min(...open.map((n) => n.depth));
    const batch = open.filter((n) => n.depth === d);
    const rest = open.filter((n) => n.depth !== d);
    open.length = 0;
    open.push(...rest);
    return batch;
  }

  /** The batch cut to the leaves `maxLeaves` still allows, keeping the largest gains; the others become leaves. */
  private capToMaxLeaves(batch: OpenNode[]): OpenNode[] {
    if (this.nLeaves + batch.length <= this.maxLeaves) return batch;
    const room = Math.max(0, this.maxLeaves - this.nLeaves);
    const byGain = [...batch].sort((x, y) => y.split!.gain - x.split!.gain || x.id - y.id);
    const keep = new Set(byGain.slice(0, room));
    for (const n of batch) if (!keep.has(n)) this.finalizeLeaf(n);
    return batch.filter((n) => keep.has(n));
  }

  /**
   * Splits every node of a batch: partitions its rows, adds its two children to the tree, and plans their
   * histograms (see {@link TreeGrower.planHistograms}).
   */
  private splitBatch(batch: OpenNode[]): HistogramPlan {
    const plan: HistogramPlan = { builds: [], subtractions: [], leavesAfterBuild: [], splittable: [] };
    const mids = partitionBatch(this.ctx, batch);
    batch.forEach((n, k) => {
      const s = n.split!;
      const left = this.newNode(s.gl, s.hl, n.depth + 1, n.start, mids[k]);
      const right = this.newNode(s.gr, s.hr, n.depth + 1, mids[k], n.end);
      recordSplit(this.tree, n.id, left.id, right.id, s, this.ctx.mapper);
      this.planHistograms(n, left, right, plan);
    });
    return plan;
  }

  /**
   * Plans the children's histograms of a split node: children that cannot split are leaves at once; otherwise
   * the child with fewer rows gets a new slot and is built from its rows, and its sibling, when it may split,
   * takes over the parent's slot and is computed by subtraction (the parent's slot is released otherwise).
   */
  private planHistograms(parent: OpenNode, left: OpenNode, right: OpenNode, plan: HistogramPlan): void {
    const { pool } = this.ctx;
    const needLeft = this.canSplit(left);
    const needRight = this.canSplit(right);
    if (!needLeft && !needRight) {
      this.finalizeLeaf(left);
      this.finalizeLeaf(right);
      pool.release(parent.hist);
      return;
    }
    const leftIsSmall = left.end - left.start <= right.end - right.start;
    const [small, large] = leftIsSmall ? [left, right] : [right, left];
    const [needSmall, needLarge] = leftIsSmall ? [needLeft, needRight] : [needRight, needLeft];
    small.hist = pool.acquire();
    plan.builds.push(small.start, small.end, small.hist);
    if (needLarge) {
      large.hist = parent.hist;
      plan.subtractions.push(parent.hist, small.hist, large.hist);
    } else {
      pool.release(parent.hist);
      this.finalizeLeaf(large);
    }
    if (needSmall) plan.splittable.push(small);
    else plan.leavesAfterBuild.push(small);
    if (needLarge) plan.splittable.push(large);
  }

  /** Builds the planned histograms (one parallel task) and subtracts the siblings; closes the leaves waiting. */
  private buildChildHistograms(plan: HistogramPlan): void {
    if (plan.builds.length > 0) {
      const builds = Int32Array.from(plan.builds);
      buildHistograms(this.histograms, builds, this.treeFeats, Int32Array.from(plan.subtractions));
    }
    for (const n of plan.leavesAfterBuild) this.finalizeLeaf(n);
  }
}

/** The features a node's split search considers: all the tree's, or a seeded sample of them. */
function nodeFeatures(treeFeats: Int32Array, fraction: number, rng: Rng): Int32Array {
  if (fraction >= 1) return treeFeats;
  const k = Math.max(1, Math.round(fraction * treeFeats.length));
  const pick = rng.sampleSorted(treeFeats.length, k);
  return pick.map((i) => treeFeats[i]);
}

/** Turns leaf `id` into a split node with children `l` and `r`; numeric thresholds are read from the bin edges. */
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

/** The finished tree in typed arrays, with its leaves (by id) and their row ranges. */
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
