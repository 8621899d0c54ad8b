import { describe, expect, it } from "vitest";
import type { BinMapper } from "../../loaders/model/binning.js";
import { MISSING_BIN } from "../../loaders/model/binning.js";
import { type GrowerContext, type GrownTree, growTree } from "../../loaders/model/grower.js";
import { HistogramPool } from "../../loaders/model/histogram.js";
import { type GBDTParams, Rng, resolveParams } from "../../loaders/model/index.js";
import { sharedInt32 } from "../../loaders/model/parallel.js";
import { MIN_GAIN } from "../../loaders/model/split.js";
import { type BinnedData, naiveSums, randomBinned, rowIndex } from "./binned-data.js";

/**
 * A grower context over the data: the first `nSampled` entries of the row index are a random sample of the rows
 * (in increasing order, as the boosting loop leaves them). Numeric bin s has upper bound s + 0.5.
 */
function growerContext(data: BinnedData, params: Partial<GBDTParams>, categorical: boolean[], nSampled: number) {
  const { nRows, nFeatures, nBins } = data;
  const mapper: BinMapper = {
    nFeatures,
    nBins,
    bounds: Array.from(nBins, (nb, f) => Float64Array.from({ length: categorical[f] ? 0 : nb - 1 }, (_, s) => s + 0.5)),
    categorical,
    categories: Array.from(nBins, (nb, f) => (categorical[f] ? Float64Array.from({ length: nb }, (_, c) => c) : null)),
  };
  const shuffled = rowIndex(nRows, 99);
  const sample = shuffled.slice(0, nSampled).sort();
  const idx = sharedInt32(nRows);
  idx.set(sample);
  idx.set(shuffled.slice(nSampled), nSampled);
  const ctx: GrowerContext = {
    bins: data.bins,
    binsByColumn: data.binsByColumn,
    nRows,
    nFeatures,
    gh: data.gh,
    idx,
    scratch: sharedInt32(nRows),
    pool: new HistogramPool(nFeatures, 4),
    mapper,
    params: resolveParams({ nThreads: 1, ...params }),
    nThreads: 1,
  };
  return { ctx, sample };
}

/** The nodes a row passes through, root to leaf, walking the grown tree naively on the row's bins. */
function walk(grown: GrownTree, data: BinnedData, r: number): number[] {
  const { left, right, feature, defaultLeft, catSet, catBits } = grown.tree;
  const path = [0];
  let n = 0;
  while (left[n] >= 0) {
    const b = data.bins[r * data.nFeatures + feature[n]];
    let goLeft: boolean;
    if (b === MISSING_BIN) goLeft = defaultLeft[n] === 1;
    else if (catSet[n] >= 0) goLeft = ((catBits[catSet[n] + (b >>> 5)] >>> (b & 31)) & 1) === 1;
    else goLeft = b <= grown.binThreshold[n];
    n = goLeft ? left[n] : right[n];
    path.push(n);
  }
  return path;
}

/** Gain of splitting (G, H) into (gl, hl) and the rest, written as the split finder computes it. */
function gain(gl: number, hl: number, G: number, H: number, lambda: number): number {
  const gr = G - gl;
  const hr = H - hl;
  return (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - (G * G) / (H + lambda);
}

/**
 * The best admissible gain over every split of the rows: every feature, for numeric ones every threshold bin with
 * missing values on either side, for categorical ones every subset of the categories present (missing counting
 * as one more). -Infinity when no split is admissible.
 */
function exhaustiveBestGain(
  data: BinnedData,
  rows: number[],
  feats: Int32Array,
  categorical: boolean[],
  p: GBDTParams,
): number {
  const { G, H } = naiveSums(data, rows);
  let best = -Infinity;
  const consider = (f: number, goLeft: (bin: number) => boolean): void => {
    const left = rows.filter((r) => goLeft(data.bins[r * data.nFeatures + f]));
    if (left.length === 0 || left.length === rows.length) return;
    const { G: gl, H: hl } = naiveSums(data, left);
    if (hl < p.minChildWeight || H - hl < p.minChildWeight) return;
    const g = gain(gl, hl, G, H, p.lambda);
    if (g > Math.max(p.minSplitGain, MIN_GAIN) && g > best) best = g;
  };
  for (const f of feats) {
    if (categorical[f]) {
      const present = [...new Set(rows.map((r) => data.bins[r * data.nFeatures + f]))];
      for (let set = 1; set < 1 << present.length; set++) {
        consider(f, (bin) => ((set >>> present.indexOf(bin)) & 1) === 1);
      }
    } else {
      for (let s = 0; s < data.nBins[f]; s++) {
        for (const missingLeft of [false, true]) consider(f, (bin) => (bin === MISSING_BIN ? missingLeft : bin <= s));
      }
    }
  }
  return best;
}

/**
 * Grows a tree and checks it against brute force: leaves hold exactly the sampled rows that reach them; every
 * node's value and cover come from the sums of its rows; every split has the best gain an exhaustive search
 * finds at its node; and every leaf that was free to split has no admissible split.
 */
function checkTree(
  seed: number,
  params: Partial<GBDTParams>,
  options: { categorical?: number[]; nSampled?: number; feats?: number[] } = {},
): GrownTree {
  const nRows = 400;
  const nFeatures = 4;
  const data = randomBinned(seed, nRows, nFeatures, { maxBins: 7, missingRate: 0.15 });
  const categorical = Array.from({ length: nFeatures }, (_, f) => options.categorical?.includes(f) ?? false);
  const { ctx, sample } = growerContext(data, params, categorical, options.nSampled ?? nRows);
  const p = ctx.params;
  const feats = Int32Array.from(options.feats ?? [0, 1, 2, 3]);
  const grown = growTree(ctx, sample.length, feats, new Rng(seed));
  const { tree } = grown;
  const nNodes = tree.left.length;
  // Rows reaching every node, by the naive walk.
  const rowsOf: number[][] = Array.from({ length: nNodes }, () => []);
  for (const r of sample) for (const n of walk(grown, data, r)) rowsOf[n].push(r);
  const depthOf = new Int32Array(nNodes);
  for (let n = 0; n < nNodes; n++) {
    if (tree.left[n] >= 0) depthOf[tree.left[n]] = depthOf[tree.right[n]] = depthOf[n] + 1;
  }
  // Leaves: their ranges of the row index partition the sample, each holding the rows that reach it.
  let covered = 0;
  grown.leaves.forEach((leaf, k) => {
    expect(tree.left[leaf]).toBe(-1);
    const held = Array.from(ctx.idx.subarray(grown.leafStart[k], grown.leafEnd[k]));
    expect(held).toEqual(rowsOf[leaf]);
    covered += held.length;
  });
  expect(covered).toBe(sample.length);
  expect(grown.leaves.length).toBe(tree.left.filter((l) => l < 0).length);
  for (let n = 0; n < nNodes; n++) {
    const { G, H } = naiveSums(data, rowsOf[n]);
    expect(tree.value[n]).toBe(p.learningRate * (-G / (H + p.lambda)));
    expect(tree.cover[n]).toBe(H);
    const best = exhaustiveBestGain(data, rowsOf[n], feats, categorical, p);
    if (tree.left[n] >= 0) {
      expect(feats).toContain(tree.feature[n]);
      expect(tree.gain[n]).toBeCloseTo(best, 9);
      const left = naiveSums(data, rowsOf[tree.left[n]]);
      expect(tree.gain[n]).toBeCloseTo(gain(left.G, left.H, G, H, p.lambda), 9);
      // A numeric split's threshold is its bin's upper bound (+Infinity for the last bin: missing vs the rest).
      const bin = grown.binThreshold[n];
      const lastBin = data.nBins[tree.feature[n]] - 1;
      if (tree.catSet[n] < 0) expect(tree.threshold[n]).toBe(bin < lastBin ? bin + 0.5 : Infinity);
    } else {
      const free = (p.maxDepth === 0 || depthOf[n] < p.maxDepth) && rowsOf[n].length >= 2 && H >= 2 * p.minChildWeight;
      const roomLeft = p.maxLeaves === 0 || grown.leaves.length < p.maxLeaves;
      if (free && roomLeft) expect(best).toBe(-Infinity);
    }
  }
  if (p.growPolicy === "lossguide") {
    // Best first: a leaf that could split stayed open while every later split was made, so none of those had a
    // smaller gain (a node was split after the leaf was created when its children's ids are larger).
    for (const leaf of grown.leaves) {
      const best = exhaustiveBestGain(data, rowsOf[leaf], feats, categorical, p);
      for (let n = 0; n < nNodes; n++) if (tree.left[n] > leaf) expect(tree.gain[n]).toBeGreaterThanOrEqual(best);
    }
  }
  if (p.maxDepth > 0) expect(Math.max(...depthOf)).toBeLessThanOrEqual(p.maxDepth);
  if (p.maxLeaves > 0) expect(grown.leaves.length).toBeLessThanOrEqual(p.maxLeaves);
  return grown;
}

describe("tree grower", () => {
  it("grows depthwise trees whose splits are the best of an exhaustive search at every node", () => {
    for (const seed of [1, 2, 3]) {
      expect(checkTree(seed, { maxDepth: 3, learningRate: 0.3, lambda: 1 }).leaves.length).toBeGreaterThan(4);
    }
    const regularised = checkTree(4, { maxDepth: 4, minChildWeight: 8, minSplitGain: 0.5, lambda: 2 });
    expect(regularised.leaves.length).toBeGreaterThan(2);
  });

  it("grows best-first (lossguide) up to maxLeaves, and depthwise trees capped by maxLeaves", () => {
    const lossguide = checkTree(5, { maxDepth: 0, maxLeaves: 7, growPolicy: "lossguide" });
    expect(lossguide.leaves.length).toBe(7);
    const capped = checkTree(6, { maxDepth: 4, maxLeaves: 5 });
    expect(capped.leaves.length).toBe(5);
  });

  it("finds the best subset of categories (Fisher's ordering is exact without regularisation)", () => {
    for (const seed of [7, 8]) {
      const grown = checkTree(seed, { maxDepth: 3, lambda: 0, catSmooth: 0 }, { categorical: [0, 2] });
      expect(grown.tree.catSet.some((c) => c >= 0)).toBe(true);
    }
  });

  it("grows on a row sample and on a subset of the features only", () => {
    expect(checkTree(9, { maxDepth: 3 }, { nSampled: 250, feats: [1, 3] }).leaves.length).toBeGreaterThan(2);
  });

  it("leaves a single leaf when no split is admissible", () => {
    const grown = checkTree(10, { maxDepth: 3, minSplitGain: 1e9 });
    expect(grown.tree.left.length).toBe(1);
  });
});
