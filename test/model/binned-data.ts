/**
 * Small random binned data sets for the unit tests of the histogram, partition and grower stages, and the naive
 * reference computations they are checked against.
 *
 * Gradients and hessians are multiples of 1/256 below 4 in magnitude, so every sum of them is exact in any order:
 * the library's histograms and the naive sums below must then agree bit for bit, however rows are chunked.
 */
import { MISSING_BIN } from "../../loaders/model/binning.js";
import { Rng } from "../../loaders/model/index.js";
import { sharedFloat64, sharedInt32, sharedUint8 } from "../../loaders/model/parallel.js";

/** A binned training matrix with gradients: row-major and column-major bins, interleaved gradients/hessians. */
export interface BinnedData {
  /** Number of rows. */
  nRows: number;
  /** Number of features. */
  nFeatures: number;
  /** Non-missing bins of every feature: its cells are in [0, nBins[f]) or {@link MISSING_BIN}. */
  nBins: Uint16Array;
  /** Row-major bins. */
  bins: Uint8Array;
  /** Column-major bins. */
  binsByColumn: Uint8Array;
  /** `gh[2r]` gradient, `gh[2r + 1]` hessian of row r. */
  gh: Float64Array;
}

/**
 * Random binned data on shared memory: feature f has between 2 and `maxBins` bins; a cell is missing with
 * probability `missingRate`. Gradients are in (-4, 4) and hessians in (0, 4), multiples of 1/256.
 */
export function randomBinned(
  seed: number,
  nRows: number,
  nFeatures: number,
  options: { maxBins?: number; missingRate?: number } = {},
): BinnedData {
  const { maxBins = 12, missingRate = 0.1 } = options;
  const rng = new Rng(seed);
  const nBins = Uint16Array.from({ length: nFeatures }, () => 2 + rng.nextInt(maxBins - 1));
  const bins = sharedUint8(nRows * nFeatures);
  const binsByColumn = sharedUint8(nRows * nFeatures);
  const gh = sharedFloat64(2 * nRows);
  for (let r = 0; r < nRows; r++) {
    for (let f = 0; f < nFeatures; f++) {
      const b = rng.next() < missingRate ? MISSING_BIN : rng.nextInt(nBins[f]);
      bins[r * nFeatures + f] = b;
      binsByColumn[f * nRows + r] = b;
    }
    gh[2 * r] = (rng.nextInt(2047) - 1023) / 256;
    gh[2 * r + 1] = (1 + rng.nextInt(1023)) / 256;
  }
  return { nRows, nFeatures, nBins, bins, binsByColumn, gh };
}

/** Row indices 0..n-1 on shared memory, in a seeded random order when `seed` is given. */
export function rowIndex(n: number, seed?: number): Int32Array {
  const idx = sharedInt32(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  if (seed !== undefined) {
    const rng = new Rng(seed);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
  }
  return idx;
}

/** Naive (gradient, hessian) sums per bin (256 bins, the last one missing) of feature f over the given rows. */
export function naiveHistogram(data: BinnedData, rows: ArrayLike<number>, f: number): Float64Array {
  const out = new Float64Array(512);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const b = data.bins[r * data.nFeatures + f];
    out[2 * b] += data.gh[2 * r];
    out[2 * b + 1] += data.gh[2 * r + 1];
  }
  return out;
}

/** Gradient and hessian sums of the given rows. */
export function naiveSums(data: BinnedData, rows: ArrayLike<number>): { G: number; H: number } {
  let G = 0;
  let H = 0;
  for (let i = 0; i < rows.length; i++) {
    G += data.gh[2 * rows[i]];
    H += data.gh[2 * rows[i] + 1];
  }
  return { G, H };
}
