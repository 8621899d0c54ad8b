/**
 * TreeSHAP by per-leaf tables (the idea of Yang 2021, "Fast TreeSHAP", algorithm v2): the same exact path-dependent
 * Shapley values as `treeshap.ts`, computed in O(leaves · depth) per tree and row instead of O(leaves · depth²).
 *
 * Path-dependent TreeSHAP's value function is a sum over leaves: leaf l (value v, the distinct features U of its
 * path, d = |U|) adds v · Π_{j∈U} (j ∈ S ? o_j : z_j), where z_j is the product of the cover ratios of the path's
 * edges that split on j and o_j is 1 when the row takes all of them, else 0. Shapley values are linear in the game
 * and features off the path are null players, so the leaf gives feature i ∈ U
 *   φ_i = v · (o_i − z_i) · Σ_{S ⊆ {j ≠ i : o_j = 1}} |S|! (d − |S| − 1)! / d! · Π_{j ∈ U∖{i}∖S} z_j,
 * which depends on the row only through the pattern o ∈ {0,1}^d. Each leaf therefore keeps a table of φ for all
 * 2^d patterns, built once per model; a row then costs one decision per node (to know which way it goes) and, per
 * leaf, its pattern and d additions. Tables grow as 2^depth and their lookups stop fitting in the cache, so
 * models with a leaf more than 4 distinct features deep (or tables over {@link MAX_TABLE_ENTRIES}) use the
 * recursive algorithm instead.
 *
 * Small trees go one step further: their contributions depend on the row only through the directions it takes at
 * the tree's I internal nodes, so a tree with few of them (the default depth-3 trees have 7) keeps one table of
 * all 2^I direction sets, summed over its leaves; a row then costs I decisions and one addition per distinct
 * feature of the tree.
 */
import { sharedFloat64, sharedInt32 } from "./parallel.js";
import type { Forest } from "./forest.js";

/** Largest total table size (values) worth precomputing: 16M values, 128 MB. */
export const MAX_TABLE_ENTRIES = 2 ** 24;
/** Most distinct features on one leaf's path for which tables pay: beyond 4, a row's lookups into the larger
 * tables miss the cache, and the recursive algorithm (which walks 64 rows in lockstep) is faster (measured on
 * fitted 200-tree models: depth 3, 4.3x faster with tables; depth 4, 1.4x; depth 5, 0.74x; depth 6, 0.52x). */
const MAX_PATH_FEATURES = 4;

/** The per-leaf tables of a forest (flat arrays on shared memory, read by the kernel on worker threads). */
export interface ShapTables {
  /** Leaves of tree t: `treeLeaf[t]` to `treeLeaf[t + 1]`. */
  treeLeaf: Int32Array;
  /** Path entries of leaf l: `leafPath[l]` to `leafPath[l + 1]`; its distinct features from `leafDistinct[l]`. */
  leafPath: Int32Array;
  leafDistinct: Int32Array;
  /** Start of leaf l's table (`2^d · d` values, pattern-major) and its number of distinct features d. */
  leafTable: Int32Array;
  leafDepth: Int32Array;
  /** Path entry e: node, the child the path takes there (1 = right), and the bit of its feature in the pattern. */
  pathNode: Int32Array;
  pathRight: Int32Array;
  pathBit: Int32Array;
  /** Distinct features of the leaves, concatenated. */
  distinct: Int32Array;
  /** Most nodes in one tree. */
  treeNodes: number;
  /** Contributions per leaf, pattern and distinct feature. */
  table: Float64Array;
  /** Start of tree t's whole-tree table (`2^I · D` values: direction set, then distinct feature), or -1 when it
   * uses its leaves' tables. */
  treeTable: Int32Array;
  /** Distinct features of tree t: `treeFeature[treeDistinct[t]]` to `treeFeature[treeDistinct[t + 1] - 1]`. */
  treeDistinct: Int32Array;
  treeFeature: Int32Array;
  /** Contributions per small tree, direction set and distinct feature. */
  wholeTable: Float64Array;
}

/** Most internal nodes of a tree with a whole-tree table, and its largest size (values). */
const WHOLE_TREE_NODES = 10;
const WHOLE_TREE_ENTRIES = 2 ** 13;

/** The leaves' part of the tables. */
type LeafTables = Omit<ShapTables, "treeTable" | "treeDistinct" | "treeFeature" | "wholeTable">;

interface LeafPath {
  leaf: number;
  entries: { node: number; right: number; feature: number; zero: number }[];
}

const tablesOf = new WeakMap<Forest, ShapTables | null>();

/** The forest's tables, built on first use; null when a leaf is too deep for them or they would be too large. */
export function shapTables(forest: Forest): ShapTables | null {
  if (!tablesOf.has(forest)) tablesOf.set(forest, buildTables(forest));
  return tablesOf.get(forest)!;
}

/** Every leaf's root-to-leaf path, tree by tree (a tree that is a single leaf has none). */
function leafPaths(forest: Forest): { paths: LeafPath[]; treeLeaf: number[] } {
  const paths: LeafPath[] = [];
  const treeLeaf = [0];
  const walk = (node: number, entries: LeafPath["entries"]) => {
    const left = forest.left[node]!;
    if (left === node) {
      paths.push({ leaf: node, entries });
      return;
    }
    const cover = forest.cover[node]!;
    const feature = forest.feature[node]!;
    walk(left, [...entries, { node, right: 0, feature, zero: forest.cover[left]! / cover }]);
    walk(left + 1, [...entries, { node, right: 1, feature, zero: forest.cover[left + 1]! / cover }]);
  };
  for (let t = 0; t < forest.nTrees; t++) {
    const root = forest.roots[t]!;
    if (forest.left[root] !== root) walk(root, []);
    treeLeaf.push(paths.length);
  }
  return { paths, treeLeaf };
}

/** Builds the leaf tables, then the whole-tree tables; null when a leaf is too deep or the tables too large. */
function buildTables(forest: Forest): ShapTables | null {
  const { paths, treeLeaf } = leafPaths(forest);
  const distinct = paths.map((p) => [...new Set(p.entries.map((e) => e.feature))]);
  let size = 0;
  for (const features of distinct) {
    if (features.length > MAX_PATH_FEATURES) return null;
    size += 2 ** features.length * features.length;
    if (size > MAX_TABLE_ENTRIES) return null;
  }
  const nEntries = paths.reduce((a, p) => a + p.entries.length, 0);
  const t: LeafTables = {
    treeLeaf: sharedInt32(treeLeaf.length),
    leafPath: sharedInt32(paths.length + 1),
    leafDistinct: sharedInt32(paths.length + 1),
    leafTable: sharedInt32(paths.length + 1),
    leafDepth: sharedInt32(paths.length),
    pathNode: sharedInt32(nEntries),
    pathRight: sharedInt32(nEntries),
    pathBit: sharedInt32(nEntries),
    distinct: sharedInt32(distinct.reduce((a, f) => a + f.length, 0)),
    treeNodes: Array.from(
      { length: forest.nTrees },
      (_, k) => (k + 1 < forest.nTrees ? forest.roots[k + 1]! : forest.left.length) - forest.roots[k]!,
    ).reduce((a, b) => Math.max(a, b), 1),
    table: sharedFloat64(size),
  };
  t.treeLeaf.set(treeLeaf);
  let e = 0;
  let f = 0;
  let at = 0;
  paths.forEach((path, l) => {
    const features = distinct[l]!;
    const d = features.length;
    const zero = features.map((feature) =>
      path.entries.filter((x) => x.feature === feature).reduce((z, x) => z * x.zero, 1),
    );
    t.leafPath[l] = e;
    t.leafDistinct[l] = f;
    t.leafTable[l] = at;
    t.leafDepth[l] = d;
    for (const x of path.entries) {
      t.pathNode[e] = x.node;
      t.pathRight[e] = x.right;
      t.pathBit[e++] = 1 << features.indexOf(x.feature);
    }
    t.distinct.set(features, f);
    f += d;
    leafTable(forest.value[path.leaf]!, zero, t.table, at);
    at += 2 ** d * d;
  });
  t.leafPath[paths.length] = e;
  t.leafDistinct[paths.length] = f;
  t.leafTable[paths.length] = at;
  return withWholeTrees(forest, t);
}

/** The internal nodes of tree `t`, in node order (bit k of a direction set is the k-th one's direction). */
function internalNodes(forest: Forest, t: number): number[] {
  const end = t + 1 < forest.nTrees ? forest.roots[t + 1]! : forest.left.length;
  const nodes: number[] = [];
  for (let n = forest.roots[t]!; n < end; n++) if (forest.left[n] !== n) nodes.push(n);
  return nodes;
}

/** Adds whole-tree tables for the trees with few internal nodes, summed from their leaves' tables. */
function withWholeTrees(forest: Forest, t: LeafTables): ShapTables {
  let budget = MAX_TABLE_ENTRIES - t.table.length;
  const trees = Array.from({ length: forest.nTrees }, (_, k) => {
    const nodes = internalNodes(forest, k);
    const features = [...new Set(nodes.map((n) => forest.feature[n]!))];
    const size = 2 ** nodes.length * features.length;
    const whole = nodes.length > 0 && nodes.length <= WHOLE_TREE_NODES && size <= WHOLE_TREE_ENTRIES && size <= budget;
    if (whole) budget -= size;
    return { nodes, features, size: whole ? size : -1 };
  });
  const treeTable = sharedInt32(forest.nTrees);
  const treeDistinct = sharedInt32(forest.nTrees + 1);
  const treeFeature = sharedInt32(trees.reduce((a, x) => a + x.features.length, 0));
  const wholeTable = sharedFloat64(trees.reduce((a, x) => a + Math.max(0, x.size), 0));
  let at = 0;
  let fa = 0;
  const right = new Map<number, number>();
  trees.forEach(({ nodes, features, size }, k) => {
    treeDistinct[k] = fa;
    treeFeature.set(features, fa);
    fa += features.length;
    treeTable[k] = size < 0 ? -1 : at;
    if (size < 0) return;
    const D = features.length;
    for (let set = 0; set < 2 ** nodes.length; set++) {
      nodes.forEach((n, bit) => right.set(n, (set >> bit) & 1));
      for (let l = t.treeLeaf[k]!; l < t.treeLeaf[k + 1]!; l++) {
        const d = t.leafDepth[l]!;
        let pattern = (1 << d) - 1;
        for (let e = t.leafPath[l]!; e < t.leafPath[l + 1]!; e++)
          if (right.get(t.pathNode[e]!) !== t.pathRight[e]) pattern &= ~t.pathBit[e]!;
        for (let i = 0; i < d; i++)
          wholeTable[at + set * D + features.indexOf(t.distinct[t.leafDistinct[l]! + i]!)] +=
            t.table[t.leafTable[l]! + pattern * d + i]!;
      }
    }
    at += size;
  });
  treeDistinct[forest.nTrees] = fa;
  return { ...t, treeTable, treeDistinct, treeFeature, wholeTable };
}

/**
 * Writes a leaf's contributions for every pattern: `out[at + p·d + i]` is φ_i of a row whose pattern is p (bit j
 * set when the row takes every edge of distinct feature j), for leaf value `v` and zero fractions `zero`.
 */
function leafTable(v: number, zero: readonly number[], out: Float64Array, at: number): void {
  const d = zero.length;
  // weight[k] = k! (d - k - 1)! / d!: the Shapley weight of a coalition of k of the other d - 1 features.
  const weight = Array.from({ length: d }, (_, k) => 1 / (d * binomial(d - 1, k)));
  const poly = new Float64Array(d);
  for (let p = 0; p < 2 ** d; p++) {
    for (let i = 0; i < d; i++) {
      // Σ over coalitions S of the others that the row satisfies, by size: Π_{j≠i} (o_j·y + z_j), coefficient of y^k.
      poly.fill(0);
      poly[0] = 1;
      let degree = 0;
      for (let j = 0; j < d; j++) {
        if (j === i) continue;
        const z = zero[j]!;
        if ((p >> j) & 1) {
          degree++;
          for (let k = degree; k > 0; k--) poly[k] = poly[k]! * z + poly[k - 1]!;
          poly[0] = poly[0]! * z;
        } else {
          for (let k = 0; k <= degree; k++) poly[k] = poly[k]! * z;
        }
      }
      let sum = 0;
      for (let k = 0; k <= degree; k++) sum += poly[k]! * weight[k]!;
      out[at + p * d + i] = v * (((p >> i) & 1) - zero[i]!) * sum;
    }
  }
}

function binomial(n: number, k: number): number {
  let b = 1;
  for (let i = 1; i <= k; i++) b = (b * (n - k + i)) / i;
  return b;
}
