/** Bootstrap intervals: the linear metrics against metrics.ts, coverage of the true AUC on simulated data, Wilson. */
import { describe, expect, it } from "vitest";
import { bootstrapIntervals, sortedMetrics, wilsonInterval } from "../../loaders/evaluation/bootstrap.js";
import {
  auc,
  averagePrecision,
  expectedCalibrationError,
  liftTable,
  rankDescending,
} from "../../loaders/evaluation/metrics.js";
import { Rng } from "../../loaders/model/index.js";

/** n people: 30% positives; scores N(shift, 1) for positives, N(0, 1) for negatives, squashed into (0, 1). */
function simulate(n: number, shift: number, rng: Rng) {
  const u = () => (rng.nextUint32() + 0.5) / 2 ** 32;
  const normal = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const label = Uint8Array.from({ length: n }, () => (u() < 0.3 ? 1 : 0));
  const probability = Float64Array.from(label, (y) => 1 / (1 + Math.exp(-(normal() + y * shift - 1))));
  return { probability, label };
}

describe("bootstrap intervals", () => {
  it("computes each metric in one pass over sorted outcomes exactly as metrics.ts does", () => {
    const outcomes = simulate(2003, 1, new Rng(4));
    // Ties too: probabilities rounded to two decimals.
    const tied = { probability: outcomes.probability.map((p) => Math.round(p * 100) / 100), label: outcomes.label };
    for (const o of [outcomes, tied]) {
      const order = rankDescending(o.probability);
      const m = sortedMetrics(
        Float64Array.from(order, (i) => o.probability[i]!),
        Uint8Array.from(order, (i) => o.label[i]!),
      );
      expect(m.auc).toBeCloseTo(auc(o), 12);
      expect(m.prAuc).toBeCloseTo(averagePrecision(o), 12);
      expect(m.topDecileLift).toBeCloseTo(liftTable(o)[0]!.lift, 12);
      if (o === outcomes) expect(m.ece).toBeCloseTo(expectedCalibrationError(o), 12);
    }
  });

  it("contains the true AUC about 95% of the time on data simulated with a known AUC", () => {
    // Positives N(1, 1) against negatives N(0, 1): AUC = Phi(1 / sqrt(2)) = 0.76025.
    const trueAuc = 0.760249938;
    const rng = new Rng(11);
    const trials = 120;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      const interval = bootstrapIntervals(simulate(600, 1, rng), t, 200).auc;
      if (interval.low <= trueAuc && trueAuc <= interval.high) covered++;
    }
    // 95% nominal: with 120 trials, a binomial 99% range is about 0.89 to 0.995.
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(covered / trials).toBeLessThan(0.995);
  });

  it("is reproducible for a seed, holds the point estimate and narrows with more people", () => {
    const small = simulate(400, 1, new Rng(1));
    const large = simulate(6400, 1, new Rng(2));
    const a = bootstrapIntervals(small, 3);
    expect(bootstrapIntervals(small, 3)).toEqual(a);
    expect(a.auc.low).toBeLessThan(auc(small));
    expect(a.auc.high).toBeGreaterThan(auc(small));
    const b = bootstrapIntervals(large, 3);
    const ratio = (a.auc.high - a.auc.low) / (b.auc.high - b.auc.low);
    expect(ratio).toBeGreaterThan(2.5);
    expect(ratio).toBeLessThan(6);
  });

  it("gives Wilson's interval for a rate", () => {
    // 8 of 10: Wilson's 95% interval is 0.4902 to 0.9433.
    const w = wilsonInterval(8, 10);
    expect(w.low).toBeCloseTo(0.4902, 4);
    expect(w.high).toBeCloseTo(0.9433, 4);
    expect(wilsonInterval(0, 50).low).toBe(0);
    expect(Number.isNaN(wilsonInterval(0, 0).low)).toBe(true);
  });
});
