/** Metrics and calibration against brute-force definitions and known cases. */
import { describe, expect, test } from "vitest";
import { calibrate, chooseCalibrator, fitIsotonic, fitPlatt } from "../../loaders/calibration/calibrate.js";
import {
  auc,
  averagePrecision,
  brier,
  calibrationByShares,
  calibrationCurve,
  expectedCalibrationError,
  liftTable,
  logLoss,
  rocCurve,
  thresholdTable,
} from "../../loaders/evaluation/metrics.js";
import { Random } from "../../loaders/demo/random.js";

/** Random scores with many ties (rounded) and labels correlated with them. */
function sample(n: number, seed: number) {
  const rng = new Random(seed);
  const probability = new Float64Array(n);
  const label = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    probability[i] = Math.round(rng.uniform() * 20) / 20;
    label[i] = rng.bernoulli(0.1 + 0.6 * probability[i]!) ? 1 : 0;
  }
  return { probability, label };
}

describe("ranking metrics", () => {
  test("AUC equals the brute-force share of concordant pairs (ties count half)", () => {
    const s = sample(400, 1);
    let pairs = 0;
    let wins = 0;
    for (let i = 0; i < 400; i++)
      for (let j = 0; j < 400; j++) {
        if (!s.label[i] || s.label[j]) continue;
        pairs++;
        wins += s.probability[i]! > s.probability[j]! ? 1 : s.probability[i] === s.probability[j] ? 0.5 : 0;
      }
    expect(auc(s)).toBeCloseTo(wins / pairs, 12);
    expect(auc({ probability: [0.1, 0.2], label: [1, 1] })).toBeNaN();
  });

  test("average precision equals the sum over distinct thresholds of recall step times precision", () => {
    const s = sample(300, 2);
    const thresholds = [...new Set(s.probability)].sort((a, b) => b - a);
    const total = s.label.reduce((a, b) => a + b, 0);
    let ap = 0;
    let previousRecall = 0;
    for (const t of thresholds) {
      let tp = 0,
        k = 0;
      for (let i = 0; i < 300; i++)
        if (s.probability[i]! >= t) {
          k++;
          tp += s.label[i]!;
        }
      ap += (tp / total - previousRecall) * (tp / k);
      previousRecall = tp / total;
    }
    expect(averagePrecision(s)).toBeCloseTo(ap, 12);
  });

  test("the ROC curve runs from (0,0) to (1,1) and its area is the AUC", () => {
    const s = sample(500, 3);
    const roc = rocCurve(s, 10_000);
    expect(roc[0]).toMatchObject({ fpr: 0, tpr: 0 });
    expect(roc.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
    let area = 0;
    for (let i = 1; i < roc.length; i++)
      area += ((roc[i]!.fpr - roc[i - 1]!.fpr) * (roc[i]!.tpr + roc[i - 1]!.tpr)) / 2;
    expect(area).toBeCloseTo(auc(s), 12);
    expect(rocCurve(s, 20).length).toBeLessThanOrEqual(23);
  });
});

describe("probability metrics", () => {
  test("log-loss and Brier on a hand-computed case", () => {
    const o = { probability: [0.9, 0.2, 0.5], label: [1, 0, 1] };
    expect(logLoss(o)).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8) + Math.log(0.5)) / 3, 14);
    expect(brier(o)).toBeCloseTo((0.01 + 0.04 + 0.25) / 3, 14);
  });

  test("calibration error is zero when each bin's rate equals its prediction, and large when not", () => {
    const probability = [...Array(10).fill(0.2), ...Array(10).fill(0.6)];
    const label = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0];
    expect(expectedCalibrationError({ probability, label }, 2)).toBeCloseTo(0, 12);
    const curve = calibrationCurve({ probability, label }, 2);
    expect(curve.map((b) => b.count)).toEqual([10, 10]);
    expect(curve.map((b) => [b.predicted, b.observed].map((x) => x.toFixed(12)))).toEqual([
      ["0.200000000000", "0.200000000000"],
      ["0.600000000000", "0.600000000000"],
    ]);
    expect(expectedCalibrationError({ probability: probability.map((p) => p / 2), label }, 2)).toBeCloseTo(0.2, 12);
  });
});

describe("the ROC curve of a scorer with many ties", () => {
  test("keeps a point at every change of probability once enough people have passed", () => {
    const n = 1000;
    const probability = Float64Array.from({ length: n }, (_, i) => Math.floor(i / 200) / 5);
    const label = Uint8Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const roc = rocCurve({ probability, label }, 100);
    expect(roc.length).toBe(6);
    expect(roc.map((p) => p.threshold)).toEqual([Infinity, 0.8, 0.6, 0.4, 0.2, 0]);
  });
});

describe("the detailed calibration curve", () => {
  test("covers everyone in bins that get finer towards the top, each with its probability range", () => {
    const n = 10_000;
    const probability = Float64Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    const label = Uint8Array.from(probability, (p, i) => (((i * 7919) % 1000) / 1000 < p ? 1 : 0));
    const bins = calibrationByShares({ probability, label });
    expect(bins.reduce((t, b) => t + b.count, 0)).toBe(n);
    expect(bins.map((b) => b.count)).toEqual([2000, 2000, 2000, 1000, 1000, 500, 500, 300, 200, 200, 100, 100, 50, 50]);
    const top = bins[bins.length - 1]!;
    expect(top.low).toBeCloseTo(0.995, 4);
    expect(top.high).toBeCloseTo(1, 3);
    expect(top.predicted).toBeCloseTo(0.9975, 4);
    for (let i = 1; i < bins.length; i++) expect(bins[i]!.low).toBeGreaterThan(bins[i - 1]!.high);
    for (const b of bins) expect(Math.abs(b.observed - b.predicted)).toBeLessThan(0.1);
  });

  test("a bin with too few people joins its neighbour", () => {
    const n = 1000;
    const probability = Float64Array.from({ length: n }, (_, i) => i / n);
    const bins = calibrationByShares({ probability, label: new Uint8Array(n) }, undefined, 30);
    expect(bins.every((b) => b.count >= 30)).toBe(true);
    expect(bins.reduce((t, b) => t + b.count, 0)).toBe(n);
    expect(bins[bins.length - 1]!.high).toBe(0.999);
  });
});

describe("targeting tables", () => {
  test("lift deciles cover everyone and cumulative gains reach 1", () => {
    const s = sample(1000, 4);
    const rows = liftTable(s);
    expect(rows.map((r) => r.count).reduce((a, b) => a + b)).toBe(1000);
    expect(rows.at(-1)!.cumulativeGain).toBeCloseTo(1, 12);
    expect(rows[0]!.lift).toBeGreaterThan(rows[9]!.lift);
  });

  test("per-percentile counts add up and expected positives are sums of probabilities", () => {
    const s = sample(1000, 5);
    const rows = thresholdTable(s);
    expect(rows).toHaveLength(100);
    expect(rows[9]!.people).toBe(100);
    const last = rows.at(-1)!;
    expect(last.people).toBe(1000);
    expect(last.truePositives).toBe(s.label.reduce((a, b) => a + b, 0));
    expect(last.expectedTruePositives).toBeCloseTo(
      s.probability.reduce((a, b) => a + b, 0),
      9,
    );
    for (const r of rows) expect(r.truePositives + r.falsePositives).toBe(r.people);
  });
});

describe("calibration", () => {
  /** Labels drawn from sigmoid(2 * margin - 1): Platt should recover slope 2 and intercept -1. */
  function logistic(n: number, seed: number) {
    const rng = new Random(seed);
    const margin = Float64Array.from({ length: n }, () => 3 * rng.normal());
    const label = Uint8Array.from(margin, (m) => (rng.bernoulli(1 / (1 + Math.exp(-(2 * m - 1)))) ? 1 : 0));
    return { margin, label };
  }

  test("Platt scaling recovers a logistic link", () => {
    const { margin, label } = logistic(20_000, 6);
    const cal = fitPlatt(margin, label);
    expect(cal.kind === "platt" && Math.abs(cal.slope - 2) < 0.1 && Math.abs(cal.intercept + 1) < 0.1).toBe(true);
  });

  test("isotonic regression is monotone and recovers a step function", () => {
    const rng = new Random(7);
    const margin = Float64Array.from({ length: 20_000 }, () => rng.uniform() * 4 - 2);
    const label = Uint8Array.from(margin, (m) => (rng.bernoulli(m < 0 ? 0.1 : 0.7) ? 1 : 0));
    const cal = fitIsotonic(margin, label);
    const p = calibrate(cal, [-1.5, -0.5, 0.5, 1.5]);
    for (let i = 1; i < 4; i++) expect(p[i]!).toBeGreaterThanOrEqual(p[i - 1]!);
    expect(p[0]!).toBeCloseTo(0.1, 1);
    expect(p[3]!).toBeCloseTo(0.7, 1);
  });

  test("isotonic maps keep the model's ranking beyond their end knots (no ties in the tails)", () => {
    const cal = fitIsotonic([-1, -0.5, 0.5, 1], [0, 1, 0, 1]);
    if (cal.kind !== "isotonic") throw new Error("expected isotonic");
    const [lo, hi] = [cal.margins[0]!, cal.margins.at(-1)!];
    const p = calibrate(cal, [lo - 3, lo - 1, lo, hi, hi + 1, hi + 3]);
    for (let i = 1; i < p.length; i++) expect(p[i]!).toBeGreaterThan(p[i - 1]!);
    const logit = (q: number) => Math.log(q / (1 - q));
    expect(logit(p[0]!)).toBeCloseTo(logit(cal.probabilities[0]!) - 3, 10);
    expect(logit(p[5]!)).toBeCloseTo(logit(cal.probabilities.at(-1)!) + 3, 10);
  });

  test("the choice is made by held-out log-loss and beats the raw model when it is miscalibrated", () => {
    const { margin, label } = logistic(10_000, 8);
    const choice = chooseCalibrator(margin, label);
    expect(choice.calibrator.kind).toBe("platt");
    expect(choice.logLoss.platt).toBeLessThan(choice.logLoss.uncalibrated);
    const rng = new Random(9);
    const stepMargin = Float64Array.from({ length: 10_000 }, () => rng.uniform() * 4 - 2);
    const stepLabel = Uint8Array.from(stepMargin, (m) => (rng.bernoulli(m < 0 ? 0.05 : 0.6) ? 1 : 0));
    expect(chooseCalibrator(stepMargin, stepLabel).calibrator.kind).toBe("isotonic");
  });
});
