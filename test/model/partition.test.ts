import { describe, expect, it } from "vitest";
import { MISSING_BIN } from "../../loaders/model/binning.js";
import { Rng, shutdownWorkers } from "../../loaders/model/index.js";
import { sharedInt32 } from "../../loaders/model/parallel.js";
import type { PartitionNode } from "../../loaders/model/partition.js";
import { partitionBatch } from "../../loaders/model/partition.js";
import type { SplitInfo } from "../../loaders/model/split.js";
import { type BinnedData, randomBinned, rowIndex } from "./binned-data.js";

/** A random split of a feature: numeric (bins <= a threshold go left) or categorical (a random set of bins). */
function randomSplit(rng: Rng, data: BinnedData): SplitInfo {
  const feature = rng.nextInt(data.nFeatures);
  const defaultLeft = rng.next() < 0.5;
  const sums = { gain: 1, gl: 0, hl: 0, gr: 0, hr: 0 };
  if (rng.next() < 0.5) return { ...sums, feature, bin: rng.nextInt(data.nBins[feature]), defaultLeft, catBits: null };
  const catBits = new Uint32Array(8);
  for (let b = 0; b < data.nBins[feature]; b++) if (rng.next() < 0.5) catBits[b >>> 5] |= 1 << (b & 31);
  return { ...sums, feature, bin: -1, defaultLeft, catBits };
}

/** Whether a row goes left, read naively from its bin. */
function goesLeft(data: BinnedData, r: number, s: SplitInfo): boolean {
  const b = data.bins[r * data.nFeatures + s.feature];
  if (b === MISSING_BIN) return s.defaultLeft;
  if (s.catBits) return ((s.catBits[b >>> 5] >>> (b & 31)) & 1) === 1;
  return b <= s.bin;
}

/**
 * Partitions random nodes (consecutive ranges of a shuffled row index, with gaps between them) by random splits
 * and checks every node against the stable partition done naively; rows outside the nodes must not move.
 */
function checkBatch(seed: number, nRows: number, bounds: number[], nThreads: number): void {
  const data = randomBinned(seed, nRows, 4, { missingRate: 0.2 });
  const rng = new Rng(seed + 1);
  const idx = rowIndex(nRows, seed + 2);
  const before = idx.slice();
  const batch: PartitionNode[] = [];
  for (let k = 0; k + 1 < bounds.length; k += 2) {
    batch.push({ start: bounds[k], end: bounds[k + 1], split: randomSplit(rng, data) });
  }
  const ctx = { binsByColumn: data.binsByColumn, nRows, idx, scratch: sharedInt32(nRows), nThreads };
  const mids = partitionBatch(ctx, batch);
  batch.forEach((n, k) => {
    const rows = Array.from(before.subarray(n.start, n.end));
    const left = rows.filter((r) => goesLeft(data, r, n.split!));
    const right = rows.filter((r) => !goesLeft(data, r, n.split!));
    expect(mids[k]).toBe(n.start + left.length);
    expect(Array.from(idx.subarray(n.start, mids[k]))).toEqual(left);
    expect(Array.from(idx.subarray(mids[k], n.end))).toEqual(right);
  });
  const inside = new Uint8Array(nRows);
  for (const n of batch) inside.fill(1, n.start, n.end);
  for (let i = 0; i < nRows; i++) if (!inside[i]) expect(idx[i]).toBe(before[i]);
}

describe("partition", () => {
  it("keeps every row of a node exactly once, on its side of the split, in its order (stable)", () => {
    checkBatch(1, 500, [0, 500], 1);
    checkBatch(2, 500, [0, 120, 120, 121, 130, 130, 140, 480], 1); // a one-row and an empty node, gaps between
  });

  it("stitches the chunks of large nodes into the same stable partition, on worker threads too", async () => {
    // A node of 3.5 chunks (of 65,536 rows) next to small ones.
    const n = 65_536 * 3 + 32_768 + 1000;
    checkBatch(3, n, [0, 500, 500, n - 500, n - 500, n], 1);
    checkBatch(4, n, [0, 500, 500, n - 500, n - 500, n], 2);
    await shutdownWorkers();
  });
});
