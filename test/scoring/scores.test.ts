/** Scores, percentiles and buckets. */
import { describe, expect, test } from "vitest";
import { scorePeople } from "../../loaders/scoring/scores.js";
import { BUCKETS } from "../../loaders/contract/buckets.js";

describe("scorePeople", () => {
  test("score is the rounded probability in percent, buckets follow the default thresholds", () => {
    const s = scorePeople(Float64Array.from([0.8, 0.745, 0.25, 0.2449, 0.001]));
    expect(Array.from(s.score)).toEqual([80, 75, 25, 24, 0]);
    expect(Array.from(s.bucket, (b) => BUCKETS[b])).toEqual(["High", "High", "Medium", "Low", "Low"]);
  });

  test("percentiles run 1-100 with the top person at 100, and ties share one", () => {
    const probability = Float64Array.from({ length: 1000 }, (_, i) => i / 1000);
    const s = scorePeople(probability);
    expect(s.percentile[999]).toBe(100);
    expect(s.percentile[0]).toBe(1);
    expect(s.percentile[499]).toBe(50);
    const tied = scorePeople(Float64Array.from([0.1, 0.1, 0.1, 0.9]));
    expect(Array.from(tied.percentile)).toEqual([75, 75, 75, 100]);
  });

  test("buckets can be assigned on the percentile with other thresholds", () => {
    const probability = Float64Array.from({ length: 100 }, (_, i) => i / 1000);
    const s = scorePeople(probability, { on: "percentile", high: 91, medium: 51 });
    const counts = [0, 0, 0];
    for (const b of s.bucket) counts[b]!++;
    expect(counts).toEqual([10, 40, 50]);
  });
});
