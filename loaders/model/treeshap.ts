/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent Individualized Feature Attribution for
 * Tree Ensembles", Algorithm 2), in margin (log-odds) space like XGBoost's `pred_contribs=True`.
 *
 * The value of a feature subset S is E[f(x) | x_S] computed on the tree: at a split on a feature in S follow x, at
 * any other split average both children weighted by their cover (hessian sum). TreeSHAP computes the Shapley values
 * of that game in O(leaves · depth²) per tree by carrying, along the root-to-leaf path, the proportions of subsets
 * (EXTEND), removing a feature when it reappears deeper (UNWIND) and summing the unwound weights at leaves
 * (UNWOUND-SUM). Contributions of a row sum, with the expected value (cover-weighted mean leaf value plus the base
 * score), to the row's margin.
 *
 * Batching: the recursion's structure (nodes visited, path features, zero fractions = cover ratios, which features
 * get unwound) does not depend on the row; only the one fractions (1 along the row's path, 0 off it) and hence the
 * path weights do. So a block of up to 64 rows walks each tree once in lockstep, visiting left then right child
 * with per-row one fractions (`one` for the child the row goes to, 0 for the other) — the algorithm's hot/cold
 * calls, reordered — and every EXTEND/UNWIND/UNWOUND-SUM step is a loop over the block's rows on flat typed arrays.
 * Path storage follows XGBoost's layout (per-depth segments of the path), times the block size; no objects are
 * allocated per row or node. Blocks run on worker threads when available.
 */
import type { KernelSpec } from "./parallel.js";
import type { Forest } from "./forest.js";
import { forestOf } from "./forest.js";
import type { RowShare } from "./predict.js";
import { checkColumns, runRowKernel } from "./predict.js";
import { type ShapTables, shapTables } from "./treeshap-table.js";
import type { FeatureMatrix, Model } from "./types.js";

/** SHAP output: `contributions[r * nFeatures + f]` plus the common expected value (`base`). */
export interface ShapResult {
  /** Expected margin: base score + Σ over trees of the cover-weighted mean leaf value. */
  base: number;
  /** Row-major `nRows x nFeatures` contributions in log-odds. */
  contributions: Float64Array;
  /** Number of rows. */
  nRows: number;
  /** Number of features. */
  nFeatures: number;
}

/**
 * Working state of one kernel call, a fixed-shape object so property loads stay cheap. Kernels walk B = 64 rows in
 * lockstep (they are self-contained, hence the literal 64s). Path element e of the segment starting at p has feature `pf[p+e]` and zero fraction `pz[p+e]` (shared by the block) and, for block row
 * r, one fraction `po[(p+e)*B + r]` and weight `pw[(p+e)*B + r]`.
 */
interface ShapState {
  s: RowShare;
  nb: number;
  pf: Int32Array;
  pz: Float64Array;
  po: Float64Array;
  pw: Float64Array;
  /** One fractions handed to the children, per tree level: `ones[level*B + r]`. */
  ones: Float64Array;
  /** Incoming one fractions of a node's split feature (1, or the unwound element's), per tree level. */
  inc: Float64Array;
  /** Per-level child decisions: `right[level*B + r]` is 1 when row r goes right. */
  right: Uint8Array;
  /** Row offsets into `values`, and output offsets into `out`. */
  xo: Int32Array;
  oo: Int32Array;
  /** Scratch per row (and per path position for `total`). */
  next: Float64Array;
  total: Float64Array;
  cold: Float64Array;
  /** Coefficient tables indexed `d * m + i`: (i+1)/(d+1), (d-i)/(d+1), (d+1)/(i+1), (d+1)/(d-i). */
  ta: Float64Array;
  tb: Float64Array;
  ia: Float64Array;
  ib: Float64Array;
  m: number;
}

/**
 * EXTEND: appends element d (feature `feat`, zero fraction `zero`, per-row one fractions `ones[lvl*B + r]`) to the
 * path segment at `p` and updates the weights of all block rows.
 */
export function shapExtend(st: ShapState, p: number, d: number, zero: number, lvl: number, feat: number): void {
  const B = 64;
  const nb = st.nb;
  const pw = st.pw;
  const po = st.po;
  const ones = st.ones;
  st.pf[p + d] = feat;
  st.pz[p + d] = zero;
  const e = (p + d) * B;
  const w0 = d === 0 ? 1 : 0;
  for (let r = 0; r < nb; r++) {
    po[e + r] = ones[lvl * B + r];
    pw[e + r] = w0;
  }
  const row = d * st.m;
  for (let i = d - 1; i >= 0; i--) {
    const a = st.ta[row + i];
    const b = zero * st.tb[row + i];
    const ei = (p + i) * B;
    for (let r = 0; r < nb; r++) {
      const w = pw[ei + r];
      pw[ei + B + r] += po[e + r] * w * a;
      pw[ei + r] = w * b;
    }
  }
}

/**
 * UNWIND: removes element k from the path segment at `p` (elements 0..d) for all block rows.
 */
export function shapUnwind(st: ShapState, p: number, d: number, k: number): void {
  const B = 64;
  const nb = st.nb;
  const pw = st.pw;
  const po = st.po;
  const next = st.next;
  const row = d * st.m;
  const zero = st.pz[p + k];
  const invZero = 1 / zero;
  const ek = (p + k) * B;
  const ed = (p + d) * B;
  for (let r = 0; r < nb; r++) next[r] = pw[ed + r];
  for (let i = d - 1; i >= 0; i--) {
    const ia = st.ia[row + i];
    const tb = zero * st.tb[row + i];
    const ib = invZero * st.ib[row + i];
    const ei = (p + i) * B;
    for (let r = 0; r < nb; r++) {
      const one = po[ek + r];
      const w = pw[ei + r];
      if (one !== 0) {
        const nw = (next[r] * ia) / one;
        pw[ei + r] = nw;
        next[r] = w - nw * tb;
      } else {
        pw[ei + r] = w * ib;
      }
    }
  }
  for (let i = k; i < d; i++) {
    st.pf[p + i] = st.pf[p + i + 1];
    st.pz[p + i] = st.pz[p + i + 1];
    po.copyWithin((p + i) * B, (p + i + 1) * B, (p + i + 1) * B + nb);
  }
}

/**
 * Leaf step: for every path element i ≥ 1, UNWOUND-SUM (the path's total weight with i removed) for every block
 * row, times (one − zero) times the leaf value, added to the row's contribution of the element's feature.
 * UNWOUND-SUM is linear in the path weights with coefficients that depend only on the element's zero fraction, so
 * they are computed once per element (`coef[k] = coef[k−1]·(−z·(d−k+1)/(d+1)·(d+1)/k) + (d+1)/k`, the recurrence
 * of XGBoost's loop unrolled) and each row needs a d-term dot product. For rows where the element is off the path
 * (one = 0) the sum is `Σ_j w_j (d+1)/(d−j)`, shared, divided by the zero fraction.
 */
export function shapLeaf(st: ShapState, p: number, d: number, v: number): void {
  const B = 64;
  const nb = st.nb;
  const pw = st.pw;
  const po = st.po;
  const cold = st.cold;
  const coef = st.total;
  const out = st.s.out;
  const oo = st.oo;
  const row = d * st.m;
  for (let r = 0; r < nb; r++) cold[r] = 0;
  for (let j = d - 1; j >= 0; j--) {
    const ib = st.ib[row + j];
    const ej = (p + j) * B;
    for (let r = 0; r < nb; r++) cold[r] += pw[ej + r] * ib;
  }
  for (let i = 1; i <= d; i++) {
    const zero = st.pz[p + i];
    const f = st.pf[p + i];
    const ei = (p + i) * B;
    let c = 0;
    for (let k = 1; k <= d; k++) {
      c = c * (-zero * st.tb[row + k - 1] * st.ia[row + k - 1]) + st.ia[row + k - 1];
      coef[k] = c;
    }
    const invZero = 1 / zero;
    for (let r = 0; r < nb; r++) {
      const one = po[ei + r];
      let w: number;
      if (one !== 0) {
        let t = 0;
        for (let k = 1; k <= d; k++) t += coef[k] * pw[(p + k) * B + r];
        w = t / one;
      } else {
        w = cold[r] * invZero;
      }
      out[oo[r] + f] += w * (one - zero) * v;
    }
  }
}

/**
 * Category index of value `x` of categorical feature `f` (-1 when unknown or missing). The same rule as
 * `forestCategory` in predict.ts, repeated here because a kernel may only call functions of its own module (bundlers
 * rewrite calls to imported functions, which then do not exist inside a worker).
 */
export function shapCategory(s: Forest, f: number, x: number): number {
  const ds = s.catDenseSize[f];
  if (ds > 0) {
    const xi = x | 0;
    return xi === x && xi >= 0 && xi < ds ? s.catDense[s.catDenseStart[f] + xi] : -1;
  }
  if (x !== x) return -1;
  const cv = s.catValues;
  const c0 = s.catStart[f];
  let lo = c0;
  let hi = c0 + s.catCount[f] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cv[mid] < x) lo = mid + 1;
    else if (cv[mid] > x) hi = mid - 1;
    else return mid - c0;
  }
  return -1;
}

/**
 * Recursive TreeSHAP step at `node` (tree level `lvl`) with path length d; the parent's segment starts at `pp`
 * and the edge into `node` has zero fraction `zero`, per-row one fractions in `ones[lvl]` and feature `feat`.
 */
export function shapRecurse(
  st: ShapState,
  node: number,
  lvl: number,
  d: number,
  pp: number,
  zero: number,
  feat: number,
): void {
  const B = 64;
  const nb = st.nb;
  const s = st.s;
  const p = pp + d + 1;
  for (let i = 0; i < d; i++) {
    st.pf[p + i] = st.pf[pp + i];
    st.pz[p + i] = st.pz[pp + i];
  }
  st.po.copyWithin(p * B, pp * B, (pp + d) * B);
  st.pw.copyWithin(p * B, pp * B, (pp + d) * B);
  shapExtend(st, p, d, zero, lvl, feat);
  const left = s.left[node];
  if (left === node) {
    shapLeaf(st, p, d, s.value[node]);
    return;
  }
  const f = s.feature[node];
  const values = s.values;
  const cs = s.colStride;
  const xo = st.xo;
  const rt = st.right;
  const dec = (lvl + 1) * B;
  const set = s.catSet[node];
  if (set < 0) {
    const thr = s.threshold[node];
    const mr = s.missRight[node];
    for (let r = 0; r < nb; r++) {
      const x = values[xo[r] + f * cs];
      rt[dec + r] = (x > thr ? 1 : 0) | (x !== x ? mr : 0);
    }
  } else {
    for (let r = 0; r < nb; r++) {
      const c = shapCategory(s, f, values[xo[r] + f * cs]);
      rt[dec + r] = c < 0 ? s.missRight[node] : 1 - ((s.catBits[set + (c >>> 5)] >>> (c & 31)) & 1);
    }
  }
  const w = s.cover[node];
  const ones = st.ones;
  const inc = st.inc;
  const oc = (lvl + 1) * B;
  let inZero = 1;
  let k = 1;
  for (; k <= d; k++) if (st.pf[p + k] === f) break;
  if (k <= d) {
    // The feature is already on the path: undo its earlier split so this one replaces it.
    inZero = st.pz[p + k];
    const ek = (p + k) * B;
    for (let r = 0; r < nb; r++) inc[oc + r] = st.po[ek + r];
    shapUnwind(st, p, d, k);
    d -= 1;
  } else {
    for (let r = 0; r < nb; r++) inc[oc + r] = 1;
  }
  for (let r = 0; r < nb; r++) ones[oc + r] = rt[dec + r] === 0 ? inc[oc + r] : 0;
  shapRecurse(st, left, lvl + 1, d + 1, p, (s.cover[left] / w) * inZero, f);
  for (let r = 0; r < nb; r++) ones[oc + r] = rt[dec + r] === 1 ? inc[oc + r] : 0;
  shapRecurse(st, left + 1, lvl + 1, d + 1, p, (s.cover[left + 1] / w) * inZero, f);
}

/**
 * TreeSHAP of the rows of work item `item`: writes `out[(outBegin + r - rowBegin) * nFeatures + f]`.
 * Self-contained kernel (runs on worker threads).
 * @param s the rows and forest
 * @param item the block of rows
 */
export function shapKernel(s: RowShare, item: number): void {
  const B = 64;
  const m = s.maxDepth + 3;
  const size = (m * (m + 1)) / 2 + m;
  const ta = new Float64Array(m * m);
  const tb = new Float64Array(m * m);
  const ia = new Float64Array(m * m);
  const ib = new Float64Array(m * m);
  for (let d = 0; d < m; d++) {
    for (let i = 0; i < d; i++) {
      ta[d * m + i] = (i + 1) / (d + 1);
      tb[d * m + i] = (d - i) / (d + 1);
      ia[d * m + i] = (d + 1) / (i + 1);
      ib[d * m + i] = (d + 1) / (d - i);
    }
  }
  const st: ShapState = {
    s,
    nb: 0,
    pf: new Int32Array(size),
    pz: new Float64Array(size),
    po: new Float64Array(size * B),
    pw: new Float64Array(size * B),
    ones: new Float64Array(m * B),
    inc: new Float64Array(m * B),
    right: new Uint8Array(m * B),
    xo: new Int32Array(B),
    oo: new Int32Array(B),
    next: new Float64Array(B),
    total: new Float64Array(B),
    cold: new Float64Array(B),
    ta,
    tb,
    ia,
    ib,
    m,
  };
  const F = s.nFeatures;
  const rEnd = Math.min(s.rowEnd, s.rowBegin + (item + 1) * s.blockRows);
  for (let r0 = s.rowBegin + item * s.blockRows; r0 < rEnd; r0 += B) {
    const nb = Math.min(B, rEnd - r0);
    st.nb = nb;
    for (let r = 0; r < nb; r++) {
      st.xo[r] = (r0 + r) * s.rowStride;
      st.oo[r] = (s.outBegin + r0 + r - s.rowBegin) * F;
      st.ones[r] = 1;
    }
    s.out.fill(0, st.oo[0], st.oo[0] + nb * F);
    for (let t = 0; t < s.nTrees; t++) {
      const root = s.roots[t];
      if (s.left[root] !== root) shapRecurse(st, root, 0, 0, 0, 1, -1);
    }
  }
}

const SHAP_KERNEL: KernelSpec<RowShare> = {
  name: "treeshap",
  entry: shapKernel,
  deps: [shapExtend, shapUnwind, shapLeaf, shapRecurse, shapCategory],
};

/** The row share of the table kernel: rows, forest and the forest's leaf tables (`treeshap-table.ts`). */
interface TableShare extends RowShare, ShapTables {}

/**
 * TreeSHAP of the rows of work item `item` from the forest's tables: per small tree, the row's directions at its
 * internal nodes index the whole-tree table; per other tree, each internal node's decision for the row, then per
 * leaf the row's pattern (which of the path's features it follows) and the leaf table's contributions for it. Writes `out[(outBegin + r - rowBegin) * nFeatures + f]`. Self-contained kernel.
 * @param s the rows, forest and tables
 * @param item the block of rows
 */
export function tableShapKernel(s: TableShare, item: number): void {
  const values = s.values;
  const cs = s.colStride;
  const F = s.nFeatures;
  const out = s.out;
  const {
    roots,
    left,
    feature,
    threshold,
    missRight,
    catSet,
    catBits,
    treeLeaf,
    leafDepth,
    leafPath,
    pathNode,
    pathRight,
    pathBit,
    leafTable,
    leafDistinct,
    distinct,
    table,
  } = s;
  const { treeTable, treeDistinct, treeFeature, wholeTable } = s;
  const nTrees = s.nTrees;
  const nNodes = left.length;
  const right = new Int32Array(s.treeNodes);
  const rEnd = Math.min(s.rowEnd, s.rowBegin + (item + 1) * s.blockRows);
  for (let r = s.rowBegin + item * s.blockRows; r < rEnd; r++) {
    const xo = r * s.rowStride;
    const oo = (s.outBegin + r - s.rowBegin) * F;
    out.fill(0, oo, oo + F);
    for (let t = 0; t < nTrees; t++) {
      const l0 = treeLeaf[t];
      const l1 = treeLeaf[t + 1];
      if (l0 === l1) continue;
      const root = roots[t];
      const end = t + 1 < nTrees ? roots[t + 1] : nNodes;
      const whole = treeTable[t];
      if (whole >= 0) {
        // A small tree: the directions at its internal nodes index its whole-tree table.
        let set = 0;
        let bit = 0;
        for (let n = root; n < end; n++) {
          if (left[n] === n) continue;
          const f = feature[n];
          const x = values[xo + f * cs];
          const c = catSet[n];
          let dir: number;
          if (c < 0) dir = (x > threshold[n] ? 1 : 0) | (x !== x ? missRight[n] : 0);
          else {
            const k = shapCategory(s, f, x);
            dir = k < 0 ? missRight[n] : 1 - ((catBits[c + (k >>> 5)] >>> (k & 31)) & 1);
          }
          set |= dir << bit++;
        }
        const fa = treeDistinct[t];
        const D = treeDistinct[t + 1] - fa;
        const at = whole + set * D;
        for (let i = 0; i < D; i++) out[oo + treeFeature[fa + i]] += wholeTable[at + i];
        continue;
      }
      for (let n = root; n < end; n++) {
        if (left[n] === n) continue;
        const f = feature[n];
        const x = values[xo + f * cs];
        const set = catSet[n];
        if (set < 0) right[n - root] = (x > threshold[n] ? 1 : 0) | (x !== x ? missRight[n] : 0);
        else {
          const c = shapCategory(s, f, x);
          right[n - root] = c < 0 ? missRight[n] : 1 - ((catBits[set + (c >>> 5)] >>> (c & 31)) & 1);
        }
      }
      for (let l = l0; l < l1; l++) {
        const d = leafDepth[l];
        let pattern = (1 << d) - 1;
        const e1 = leafPath[l + 1];
        for (let e = leafPath[l]; e < e1; e++) if (right[pathNode[e] - root] !== pathRight[e]) pattern &= ~pathBit[e];
        const at = leafTable[l] + pattern * d;
        const fa = leafDistinct[l];
        for (let i = 0; i < d; i++) out[oo + distinct[fa + i]] += table[at + i];
      }
    }
  }
}

const TABLE_SHAP_KERNEL: KernelSpec<TableShare> = {
  name: "treeshap-table",
  entry: tableShapKernel,
  deps: [shapCategory],
};

/**
 * Expected value of the model's margin under the trees' cover distribution: base score plus, for every tree,
 * Σ leaves value · cover / root cover.
 * @param model a fitted model
 */
export function expectedValue(model: Model): number {
  return forestExpectedValue(forestOf(model));
}

function forestExpectedValue(forest: Forest): number {
  let e = forest.baseScore;
  for (let t = 0; t < forest.nTrees; t++) {
    const root = forest.roots[t];
    const end = t + 1 < forest.nTrees ? forest.roots[t + 1] : forest.left.length;
    let sum = 0;
    for (let n = root; n < end; n++) if (forest.left[n] === n) sum += forest.value[n] * forest.cover[n];
    e += sum / forest.cover[root];
  }
  return e;
}

/**
 * Exact path-dependent TreeSHAP contributions (log-odds) of every feature for every row.
 * `base + Σ_f contributions[r * nFeatures + f]` equals the row's margin.
 * @param model a fitted model
 * @param X rows to explain
 * @param options `nThreads` (0 = auto, 1 = calling thread only); `method`: the tables of `treeshap-table.ts` (the
 *   default for trees up to 4 distinct features deep, where they are faster) or the recursive algorithm
 */
export function treeShap(
  model: Model,
  X: FeatureMatrix,
  options: { nThreads?: number; method?: "auto" | "tables" | "recursive" } = {},
): ShapResult {
  checkColumns(model, X);
  const forest = forestOf(model);
  const contributions = new Float64Array(X.nRows * X.nFeatures);
  const tables = options.method === "recursive" ? null : shapTables(forest);
  if (options.method === "tables" && !tables)
    throw new Error("treeShap: this model's trees are too deep for leaf tables");
  if (tables) runRowKernel(TABLE_SHAP_KERNEL, forest, X, contributions, X.nFeatures, options.nThreads ?? 0, 64, tables);
  else runRowKernel(SHAP_KERNEL, forest, X, contributions, X.nFeatures, options.nThreads ?? 0, 64, {});
  return { base: forestExpectedValue(forest), contributions, nRows: X.nRows, nFeatures: X.nFeatures };
}
