/** The baselines learn what they should from recency and RFM signals. */
import { describe, expect, test } from "vitest";
import { fitStandardiser, recencyBaseline, rfmBaseline } from "../../loaders/baselines/baselines.js";
import { fitLogistic } from "../../loaders/baselines/logistic.js";
import { auc } from "../../loaders/evaluation/metrics.js";
import { Random } from "../../loaders/demo/random.js";

function people(n: number, seed: number, churn = false) {
  const rng = new Random(seed);
  const recency = new Float64Array(n);
  const frequency = new Float64Array(n);
  const monetary = new Float64Array(n);
  const label = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    recency[i] = rng.bernoulli(0.1) ? NaN : rng.exponential(40);
    frequency[i] = rng.poisson(3);
    monetary[i] = frequency[i]! * rng.logNormal(50, 0.5);
    const r = Number.isNaN(recency[i]!) ? 400 : recency[i]!;
    const z = -1 - r / 30 + 0.3 * frequency[i]!;
    label[i] = rng.bernoulli(1 / (1 + Math.exp(churn ? z : -z))) ? 1 : 0;
  }
  return { columns: { recency, frequency, monetary }, label };
}

describe("baselines", () => {
  test("logistic regression recovers known weights", () => {
    const rng = new Random(1);
    const x1 = Float64Array.from({ length: 20_000 }, () => rng.normal());
    const x2 = Float64Array.from({ length: 20_000 }, () => rng.normal());
    const y = Uint8Array.from(x1, (v, i) => (rng.bernoulli(1 / (1 + Math.exp(-(0.5 + 1.5 * v - x2[i]!)))) ? 1 : 0));
    const m = fitLogistic([x1, x2], y, 0);
    expect(m.intercept).toBeCloseTo(0.5, 1);
    expect(m.weights[0]!).toBeCloseTo(1.5, 1);
    expect(m.weights[1]!).toBeCloseTo(-1, 1);
  });

  test.each([false, true])("recency-only ranks by recency in the direction the data shows (churn: %s)", (churn) => {
    const train = people(5000, 2, churn);
    const test_ = people(5000, 3, churn);
    const p = recencyBaseline(train.columns, train.label, test_.columns);
    expect(auc({ probability: p, label: test_.label })).toBeGreaterThan(0.7);
  });

  test("RFM logistic regression uses frequency too, beating recency alone", () => {
    const train = people(5000, 4);
    const test_ = people(5000, 5);
    const rfm = rfmBaseline(train.columns, train.label, test_.columns);
    const recency = recencyBaseline(train.columns, train.label, test_.columns);
    expect(auc({ probability: rfm, label: test_.label })).toBeGreaterThan(
      auc({ probability: recency, label: test_.label }),
    );
  });

  test("the standardiser centres and scales each training column, in single precision", () => {
    const rng = new Random(6);
    const train = [
      Float64Array.from({ length: 4000 }, () => 5 + 3 * rng.normal()),
      Float64Array.from({ length: 4000 }, () => rng.exponential(2)),
    ];
    const scaled = fitStandardiser(train)(train);
    for (const column of scaled) {
      const mean = column.reduce((a, b) => a + b, 0) / column.length;
      const variance = column.reduce((a, b) => a + (b - mean) ** 2, 0) / column.length;
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      expect(variance).toBeCloseTo(1, 5);
      expect(column.every((z) => Math.fround(z) === z)).toBe(true);
    }
  });

  test("the standardiser applies the training moments to other rows, and maps a column with no spread to 0", () => {
    const standardise = fitStandardiser([
      [1, 2, 3, 4, 5],
      [7, 7, 7, 7, 7],
    ]);
    const [first, flat] = standardise([
      [3, 3 + Math.SQRT2, 1],
      [7, 8, 6],
    ]);
    expect(first![0]).toBe(0);
    expect(first![1]).toBeCloseTo(1, 6);
    expect(first![2]).toBeCloseTo(-Math.SQRT2, 6);
    expect(Array.from(flat!)).toEqual([0, 0, 0]);
  });
});
