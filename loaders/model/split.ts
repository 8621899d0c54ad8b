/**
 * Split finding on a node histogram (see `histogram.ts` for the layout).
 *
 * Gain is XGBoost's loss reduction `GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ)`; a split is admissible when both children
 * have hessian sum ≥ `minChildWeight` (and > 0) and its gain exceeds `max(minSplitGain, MIN_GAIN)`.
 *
 * Numeric features: every threshold bin `s` (only bins that hold rows of the node) is tried twice when the node
 * has missing values for the feature: missing values sent right, then left; the better direction is learned.
 * Without missing values in the node, missing values at prediction time go to the child with the larger cover.
 *
 * Categorical features: the categories present in the node (the missing bin counting as one more category) are
 * ordered by `G / (H + catSmooth)` and every prefix of that order is tried as the left set, the optimal-partition
 * method of Fisher (1958) used by LightGBM and XGBoost, which is exact for this gain up to the smoothing.
 * The learned direction of missing values is wherever the missing pseudo-category lands.
 */
import type { KernelSpec } from "./parallel.js";

/** Minimum gain of any split, as in XGBoost (`kRtEps`); see {@link SplitParams.minGain}. */
export const MIN_GAIN = 1e-6;

/** The best split of a node. */
export interface SplitInfo {
  /** Loss reduction (XGBoost scale); -Infinity when no admissible split exists. */
  gain: number;
  /** Feature, or -1. */
  feature: number;
  /** Numeric: threshold bin (bins <= bin go left). Categorical: -1. */
  bin: number;
  /** Whether missing values go left. */
  defaultLeft: boolean;
  /** Categorical left set as an 8-word bit set over category bins, or null for numeric splits. */
  catBits: Uint32Array | null;
  /** Gradient sum of the left child. */
  gl: number;
  /** Hessian sum of the left child. */
  hl: number;
  /** Gradient sum of the right child. */
  gr: number;
  /** Hessian sum of the right child. */
  hr: number;
}

/** Regularisation parameters used by split finding. */
export interface SplitParams {
  /** L2 regularisation. */
  lambda: number;
  /** Minimum child hessian sum. */
  minChildWeight: number;
  /** Minimum gain. */
  minSplitGain: number;
  /** Hessian smoothing for ordering categories. */
  catSmooth: number;
  /** Gain a split must exceed whatever `minSplitGain`: {@link MIN_GAIN} (kernels cannot read module constants). */
  minGain: number;
}

/** A fresh "no split" result (self-contained). */
export function emptySplit(): SplitInfo {
  return { gain: -Infinity, feature: -1, bin: -1, defaultLeft: false, catBits: null, gl: 0, hl: 0, gr: 0, hr: 0 };
}

/**
 * Loss reduction of splitting (G, H) into (gl, hl) and (G - gl, H - hl).
 * @param gl left gradient sum
 * @param hl left hessian sum
 * @param gr right gradient sum
 * @param hr right hessian sum
 * @param lambda L2 regularisation
 */
export function splitGain(gl: number, hl: number, gr: number, hr: number, lambda: number): number {
  const g = gl + gr;
  const h = hl + hr;
  return (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - (g * g) / (h + lambda);
}

/**
 * Optimal leaf value (before shrinkage) for gradient sum g and hessian sum h: `-g / (h + lambda)`.
 * @param g gradient sum
 * @param h hessian sum
 * @param lambda L2 regularisation
 */
export function leafWeight(g: number, h: number, lambda: number): number {
  return -g / (h + lambda);
}

/**
 * Finds the best split of a node over the given features (self-contained: runs on worker threads).
 * @param hist histogram pool
 * @param off offset of the node's histogram
 * @param feats candidate features
 * @param nBins non-missing bins per feature
 * @param categorical categorical flag per feature
 * @param G node gradient sum
 * @param H node hessian sum
 * @param p regularisation
 * @returns the best split (gain -Infinity when none is admissible)
 */
export function findBestSplit(
  hist: Float64Array,
  off: number,
  feats: Int32Array,
  nBins: Uint16Array,
  categorical: ArrayLike<boolean | number>,
  G: number,
  H: number,
  p: SplitParams,
): SplitInfo {
  const best = emptySplit();
  const lambda = p.lambda;
  const mcw = Math.max(p.minChildWeight, 0);
  const parent = (G * G) / (H + lambda);
  let bestGain = Math.max(p.minSplitGain, p.minGain);
  for (let j = 0; j < feats.length; j++) {
    const f = feats[j];
    const base = off + f * 512;
    const nb = nBins[f];
    if (categorical[f]) {
      const found = scanCategorical(hist, base, nb, G, H, parent, lambda, mcw, p.catSmooth, bestGain, f, best);
      if (found) bestGain = best.gain;
      continue;
    }
    const gm = hist[base + 510];
    const hm = hist[base + 511];
    const hasMissing = hm > 0;
    let last = -1;
    for (let s = nb - 1; s >= 0; s--) {
      if (hist[base + 2 * s + 1] > 0) {
        last = s;
        break;
      }
    }
    let gl = 0;
    let hl = 0;
    for (let s = 0; s <= last; s++) {
      const hs = hist[base + 2 * s + 1];
      if (hs <= 0) continue;
      gl += hist[base + 2 * s];
      hl += hs;
      if (s < last || hasMissing) {
        // Missing values go right.
        const gr = G - gl;
        const hr = H - hl;
        if (hl >= mcw && hr >= mcw && hr > 0) {
          const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parent;
          if (gain > bestGain) {
            bestGain = gain;
            setNumeric(best, gain, f, s, hasMissing ? false : hl >= hr, gl, hl, gr, hr);
          }
        }
      }
      if (hasMissing && s < last) {
        // Missing values go left.
        const gl2 = gl + gm;
        const hl2 = hl + hm;
        const gr = G - gl2;
        const hr = H - hl2;
        if (hl2 >= mcw && hr >= mcw && hr > 0) {
          const gain = (gl2 * gl2) / (hl2 + lambda) + (gr * gr) / (hr + lambda) - parent;
          if (gain > bestGain) {
            bestGain = gain;
            setNumeric(best, gain, f, s, true, gl2, hl2, gr, hr);
          }
        }
      }
    }
  }
  return best;
}

function setNumeric(
  best: SplitInfo,
  gain: number,
  f: number,
  s: number,
  defaultLeft: boolean,
  gl: number,
  hl: number,
  gr: number,
  hr: number,
): void {
  best.gain = gain;
  best.feature = f;
  best.bin = s;
  best.defaultLeft = defaultLeft;
  best.catBits = null;
  best.gl = gl;
  best.hl = hl;
  best.gr = gr;
  best.hr = hr;
}

function scanCategorical(
  hist: Float64Array,
  base: number,
  nb: number,
  G: number,
  H: number,
  parent: number,
  lambda: number,
  mcw: number,
  catSmooth: number,
  bestGain: number,
  f: number,
  best: SplitInfo,
): boolean {
  const present: number[] = [];
  for (let c = 0; c < nb; c++) if (hist[base + 2 * c + 1] > 0) present.push(c);
  if (hist[base + 511] > 0) present.push(255);
  if (present.length < 2) return false;
  const key = (c: number): number => hist[base + 2 * c] / (hist[base + 2 * c + 1] + catSmooth);
  present.sort((a, b) => key(a) - key(b) || a - b);
  let gl = 0;
  let hl = 0;
  let bestK = -1;
  let bgl = 0;
  let bhl = 0;
  for (let k = 0; k + 1 < present.length; k++) {
    const c = present[k];
    gl += hist[base + 2 * c];
    hl += hist[base + 2 * c + 1];
    const gr = G - gl;
    const hr = H - hl;
    if (hl < mcw || hr < mcw || hr <= 0) continue;
    const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parent;
    if (gain > bestGain) {
      bestGain = gain;
      bestK = k;
      bgl = gl;
      bhl = hl;
    }
  }
  if (bestK < 0) return false;
  const bits = new Uint32Array(8);
  let missingLeft = false;
  for (let k = 0; k <= bestK; k++) {
    const c = present[k];
    if (c === 255) missingLeft = true;
    else bits[c >>> 5] |= 1 << (c & 31);
  }
  const hasMissing = hist[base + 511] > 0;
  best.gain = bestGain;
  best.feature = f;
  best.bin = -1;
  best.defaultLeft = hasMissing ? missingLeft : bhl >= H - bhl;
  best.catBits = bits;
  best.gl = bgl;
  best.hl = bhl;
  best.gr = G - bgl;
  best.hr = H - bhl;
  return true;
}

/** Arguments of {@link splitKernel}: one item per node. */
export interface SplitShare {
  /** Histogram pool. */
  hist: Float64Array;
  /** Histogram offset of every node. */
  offsets: Int32Array;
  /** Gradient sum of every node. */
  G: Float64Array;
  /** Hessian sum of every node. */
  H: Float64Array;
  /** Candidate features of node k: `feats[featStart[k] .. featStart[k + 1])`. */
  featStart: Int32Array;
  /** Concatenated candidate features. */
  feats: Int32Array;
  /** Non-missing bins per feature. */
  nBins: Uint16Array;
  /** 1 for categorical features. */
  categorical: Uint8Array;
  /** Regularisation. */
  params: SplitParams;
  /**
   * Output, {@link SPLIT_FIELDS} numbers per node: gain, feature, bin, defaultLeft, gl, hl, gr, hr, isCat, then
   * the 8 words of the bit set.
   */
  out: Float64Array;
}

/** Numbers per node in {@link SplitShare.out}. */
export const SPLIT_FIELDS = 17;

/**
 * Finds the best split of node `item` and writes it to `out` (self-contained kernel).
 * @param s the arguments
 * @param item the node
 */
export function splitKernel(s: SplitShare, item: number): void {
  const feats = s.feats.subarray(s.featStart[item], s.featStart[item + 1]);
  const b = findBestSplit(s.hist, s.offsets[item], feats, s.nBins, s.categorical, s.G[item], s.H[item], s.params);
  const o = 17 * item;
  const out = s.out;
  out[o] = b.gain;
  out[o + 1] = b.feature;
  out[o + 2] = b.bin;
  out[o + 3] = b.defaultLeft ? 1 : 0;
  out[o + 4] = b.gl;
  out[o + 5] = b.hl;
  out[o + 6] = b.gr;
  out[o + 7] = b.hr;
  out[o + 8] = b.catBits ? 1 : 0;
  for (let w = 0; w < 8; w++) out[o + 9 + w] = b.catBits ? b.catBits[w] : 0;
}

/** The split finder as a pool kernel. */
export const SPLIT_KERNEL: KernelSpec<SplitShare> = {
  name: "split",
  entry: splitKernel,
  deps: [findBestSplit, emptySplit, setNumeric, scanCategorical],
};

/**
 * Reads node `k`'s split back from a {@link SplitShare} output.
 * @param out the output array
 * @param k the node
 */
export function readSplit(out: Float64Array, k: number): SplitInfo {
  const o = SPLIT_FIELDS * k;
  return {
    gain: out[o],
    feature: out[o + 1],
    bin: out[o + 2],
    defaultLeft: out[o + 3] === 1,
    catBits: out[o + 8] === 1 ? Uint32Array.from(out.subarray(o + 9, o + 17)) : null,
    gl: out[o + 4],
    hl: out[o + 5],
    gr: out[o + 6],
    hr: out[o + 7],
  };
}
