/**
 * Estimates from a person-hash sample: the count's estimate and 95% interval (against the formula k(1-r)/r² and by
 * simulation: the interval holds the true count about 95 times in 100), totals and the expected outcomes, and the
 * words.
 */
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../loaders/db/duckdb.js";
import { inSampleSql, sampleRate, sampleSettings } from "../../loaders/site/sample.js";
import {
  estimateCount,
  estimateOutcomes,
  estimateTotal,
  estimateWords,
  normalQuantile,
  roundedCount,
  sampleWords,
} from "../../components/sample.js";
import { Random } from "../../loaders/demo/random.js";

/** A seeded uniform generator in [0, 1) (the demo's Mulberry32 stream). */
function random(seed: number): () => number {
  const stream = new Random(seed);
  return () => stream.uniform();
}

describe("estimateCount", () => {
  it("scales k to M·k/m, with the interval of the variance k(1-r)/r² for a large count", () => {
    const sample = { rate: 0.1, people: 100_000, total: 1_000_000 };
    const k = 12_000;
    const { estimate, low, high } = estimateCount(k, sample);
    expect(estimate).toBe(120_000);
    const se = Math.sqrt((k * (1 - 0.1)) / 0.1 ** 2) * Math.sqrt(1 - k / sample.people); // binomial with p(1-p)
    expect((high - low) / 2).toBeCloseTo(1.96 * se, -2);
    expect(low).toBeLessThan(estimate);
    expect(high).toBeGreaterThan(estimate);
  });

  it("is exact for everyone, and for no one gives 0 up to about 3.8/r", () => {
    const sample = { rate: 0.05, people: 50_000, total: 1_000_000 };
    expect(estimateCount(50_000, sample).estimate).toBe(1_000_000);
    expect(estimateCount(50_000, sample).high).toBe(1_000_000);
    const none = estimateCount(0, sample);
    expect(none.estimate).toBe(0);
    expect(none.low).toBe(0);
    expect(none.high).toBeGreaterThan(3 / 0.05);
    expect(none.high).toBeLessThan(4 / 0.05);
  });

  it("has no uncertainty when the sample is everyone", () => {
    expect(estimateCount(321, { rate: 1, people: 1000, total: 1000 })).toEqual({ estimate: 321, low: 321, high: 321 });
  });

  it("holds the true count about 95 times in 100 (simulated hash samples)", () => {
    const next = random(7);
    const M = 200_000;
    const r = 0.05;
    const matches = Array.from({ length: M }, () => next() < 0.03);
    const N = matches.filter(Boolean).length;
    let held = 0;
    const trials = 400;
    for (let t = 0; t < trials; t++) {
      let m = 0;
      let k = 0;
      for (let i = 0; i < M; i++)
        if (next() < r) {
          m++;
          if (matches[i]) k++;
        }
      const { low, high } = estimateCount(k, { rate: r, people: m, total: M });
      if (low <= N && N <= high) held++;
    }
    expect(held / trials).toBeGreaterThan(0.92);
    expect(held / trials).toBeLessThan(0.98);
  });
});

describe("estimateOutcomes", () => {
  it("scales Σp and its range covers the sampling and the outcome's chance about 9 times in 10", () => {
    const next = random(3);
    const M = 100_000;
    const r = 0.1;
    const p = Array.from({ length: M }, () => next() ** 3);
    const inSegment = p.map((x) => x > 0.2);
    let held = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      let m = 0;
      let expected = 0;
      let variance = 0;
      let k = 0;
      for (let i = 0; i < M; i++)
        if (next() < r) {
          m++;
          if (!inSegment[i]) continue;
          k++;
          expected += p[i]!;
          variance += p[i]! * (1 - p[i]!);
        }
      // The actual outcomes of everyone in the segment: one draw.
      let actual = 0;
      for (let i = 0; i < M; i++) if (inSegment[i] && next() < p[i]!) actual++;
      const sample = { people: m, total: M, rate: r };
      const estimate = estimateOutcomes({ expected, variance }, sample, estimateCount(k, sample));
      if (estimate.low <= actual && actual <= estimate.high) held++;
    }
    expect(held / trials).toBeGreaterThan(0.85);
    expect(held / trials).toBeLessThan(0.95);
  });

  it("estimateTotal is M times the sample mean", () => {
    expect(estimateTotal(50, 30, { people: 100, total: 1000 }).estimate).toBe(500);
    expect(estimateTotal(50, 30, { people: 1000, total: 1000 }).se).toBe(0);
  });
});

describe("words", () => {
  it("rounds estimates to what a sample supports", () => {
    expect(roundedCount(1_234_567)).toBe("1.23 million");
    expect(roundedCount(10_560_000)).toBe("10.6 million");
    expect(roundedCount(2_000_000)).toBe("2 million");
    expect(roundedCount(48_213)).toBe("48,000");
    expect(roundedCount(1_234)).toBe("1,200");
    expect(roundedCount(87.4)).toBe("87");
    expect(estimateWords({ estimate: 1_200_000, low: 1_180_000, high: 1_220_000 })).toBe(
      "about 1.2 million people (1.18 million to 1.22 million)",
    );
    expect(sampleWords({ people: 497_000, total: 10_560_000 })).toBe("a 4.7% sample of 10.6 million people");
    expect(sampleWords({ people: 1_932, total: 9_177 })).toBe("a 21% sample of 9,177 people");
  });

  it("normalQuantile inverts the normal distribution", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 8);
  });
});

describe("the build's sample (loaders/site/sample.ts)", () => {
  it("samples above the threshold only, at a rate of two significant digits", () => {
    const settings = { above: 1_000_000, size: 400_000 };
    expect(sampleRate(10_559_590, settings)).toBe(0.037);
    expect(sampleRate(1_055_959, settings)).toBe(0.37);
    expect(sampleRate(1_000_000, settings)).toBeNull();
    expect(sampleRate(9177, { above: 0, size: 2000 })).toBe(0.21);
    expect(sampleRate(1500, { above: 0, size: 2000 })).toBeNull();
  });

  it("reads its settings from the environment and refuses what is not a whole number in one line", () => {
    expect(sampleSettings({})).toEqual({ above: 1_000_000, size: 400_000 });
    expect(sampleSettings({ CUSTOMER_AI_SAMPLE_ABOVE: "2_000_000", CUSTOMER_AI_SAMPLE_SIZE: "300000" })).toEqual({
      above: 2_000_000,
      size: 300_000,
    });
    expect(() => sampleSettings({ CUSTOMER_AI_SAMPLE_ABOVE: "a lot" })).toThrow(
      /CUSTOMER_AI_SAMPLE_ABOVE: expected a whole number/,
    );
    expect(() => sampleSettings({ CUSTOMER_AI_SAMPLE_SIZE: "10" })).toThrow(/at least 100/);
  });

  it("picks people by the hash of their id: the same at every run, a lower rate's sample inside a higher one's, about r of everyone", async () => {
    const db = await openDatabase();
    try {
      const sql = `SELECT count(*) FILTER (WHERE ${inSampleSql("id", 0.03)})::INTEGER, count(*) FILTER (WHERE ${inSampleSql("id", 0.05)})::INTEGER,
        count(*) FILTER (WHERE ${inSampleSql("id", 0.03)} AND NOT ${inSampleSql("id", 0.05)})::INTEGER
        FROM (SELECT 'ecid-' || lpad(range::VARCHAR, 7, '0') AS id FROM range(200000))`;
      const [first] = (await db.connection.runAndReadAll(sql)).getRows() as number[][];
      const [again] = (await db.connection.runAndReadAll(sql)).getRows() as number[][];
      expect(again).toEqual(first);
      expect(first![2]).toBe(0);
      expect(Math.abs(first![0]! - 6000)).toBeLessThan(4 * Math.sqrt(6000));
      expect(Math.abs(first![1]! - 10000)).toBeLessThan(4 * Math.sqrt(10000));
    } finally {
      db.close();
    }
  });
});
