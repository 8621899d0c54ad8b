import { describe, expect, it } from "vitest";
import { FEATURE_STRIDE, HistogramPool, buildHistograms } from "../../loaders/model/histogram.js";
import type { HistogramContext } from "../../loaders/model/histogram.js";
import { shutdownWorkers } from "../../loaders/model/index.js";
import { type BinnedData, naiveHistogram, randomBinned, rowIndex } from "./binned-data.js";

/** A histogram context over the data, its rows in the given order. */
function context(data: BinnedData, idx: Int32Array, nThreads = 1): HistogramContext {
  const pool = new HistogramPool(data.nFeatures, 2);
  return { bins: data.bins, gh: data.gh, idx, nFeatures: data.nFeatures, pool, nThreads };
}

/** Feature f's 512 numbers of the histogram at `slot`. */
function featureOf(ctx: HistogramContext, slot: number, f: number): Float64Array {
  return ctx.pool.hist.slice(slot + f * FEATURE_STRIDE, slot + (f + 1) * FEATURE_STRIDE);
}

const range = (idx: Int32Array, start: number, end: number): Int32Array => idx.slice(start, end);

describe("histograms", () => {
  it("hold, per feature and bin, the naive sums of the node's rows (all features, and a list with gaps)", () => {
    const data = randomBinned(1, 700, 11);
    const idx = rowIndex(700, 2);
    const ctx = context(data, idx);
    const all = Int32Array.from({ length: 11 }, (_, f) => f);
    // A gapped list takes the kernel's other path; 6 features leave a remainder after its four-way unrolling.
    const gapped = Int32Array.of(0, 2, 3, 7, 9, 10);
    for (const feats of [all, gapped]) {
      const slot = ctx.pool.acquire();
      ctx.pool.hist.fill(NaN, slot, slot + ctx.pool.slotSize);
      buildHistograms(ctx, Int32Array.of(100, 600, slot), feats);
      for (let f = 0; f < 11; f++) {
        const built = featureOf(ctx, slot, f);
        if (feats.includes(f)) expect(built).toEqual(naiveHistogram(data, range(idx, 100, 600), f));
        else expect(built.every(Number.isNaN)).toBe(true); // features not asked for are left alone
      }
    }
  });

  it("builds several nodes of a batch at once, each from its own rows, large nodes in chunks", () => {
    // 3 x 4096 + 17 rows: that node is summed from three row chunks built separately.
    const n = 3 * 4096 + 17 + 300 + 1;
    const data = randomBinned(3, n, 5);
    const idx = rowIndex(n, 4);
    const ctx = context(data, idx);
    const nodes = [
      [0, 300],
      [300, 300], // an empty node
      [300, n - 1],
      [n - 1, n],
    ];
    const slots = nodes.map(() => ctx.pool.acquire());
    const feats = Int32Array.of(0, 1, 2, 3, 4);
    buildHistograms(ctx, Int32Array.from(nodes.flatMap(([s, e], k) => [s, e, slots[k]])), feats);
    nodes.forEach(([s, e], k) => {
      for (const f of feats) expect(featureOf(ctx, slots[k], f)).toEqual(naiveHistogram(data, range(idx, s, e), f));
    });
  });

  it("gives a sibling by subtraction equal to building it from its rows (the subtraction trick)", () => {
    const n = 9000;
    const data = randomBinned(5, n, 7, { missingRate: 0.3 });
    const idx = rowIndex(n, 6);
    const feats = Int32Array.of(0, 1, 2, 3, 4, 5, 6);
    const ctx = context(data, idx);
    const parent = ctx.pool.acquire();
    buildHistograms(ctx, Int32Array.of(0, n, parent), feats);
    // The parent's rows split at 3,000: the left child is built and the right one derived in the parent's slot.
    const left = ctx.pool.acquire();
    buildHistograms(ctx, Int32Array.of(0, 3000, left), feats, Int32Array.of(parent, left, parent));
    const direct = ctx.pool.acquire();
    buildHistograms(ctx, Int32Array.of(3000, n, direct), feats);
    for (const f of feats) {
      expect(featureOf(ctx, parent, f)).toEqual(featureOf(ctx, direct, f));
      expect(featureOf(ctx, direct, f)).toEqual(naiveHistogram(data, range(idx, 3000, n), f));
    }
  });

  it("gives the same histograms on worker threads as on the calling thread", async () => {
    const n = 40_000;
    const data = randomBinned(7, n, 6);
    const idx = rowIndex(n, 8);
    const feats = Int32Array.of(0, 1, 2, 3, 4, 5);
    const results = [1, 2].map((nThreads) => {
      const ctx = context(data, idx, nThreads);
      const a = ctx.pool.acquire();
      const b = ctx.pool.acquire();
      buildHistograms(ctx, Int32Array.of(0, 25_000, a, 25_000, n, b), feats);
      return ctx.pool.hist.slice(0, 2 * ctx.pool.slotSize);
    });
    expect(results[1]).toEqual(results[0]);
    await shutdownWorkers();
  });
});

describe("histogram pool", () => {
  it("grows when every slot is taken, keeping the slots' contents, and reuses released slots", () => {
    const pool = new HistogramPool(2, 1);
    const a = pool.acquire();
    pool.hist.fill(1.5, a, a + pool.slotSize);
    const b = pool.acquire(); // grows
    expect(b).not.toBe(a);
    expect(pool.hist.slice(a, a + pool.slotSize).every((x) => x === 1.5)).toBe(true);
    pool.release(a);
    expect(pool.acquire()).toBe(a);
    pool.reset();
    const taken = new Set([pool.acquire(), pool.acquire()]);
    expect(taken).toEqual(new Set([a, b]));
  });
});
