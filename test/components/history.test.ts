/**
 * The "Over time" page's logic (components/history.ts): which runs count as history, the model behind each run,
 * the bucket movement in totals and words, the drift rows and warning, the realised outcomes in words and beside
 * the simulated backtest, and a person's score history.
 */
import { describe, expect, test } from "vitest";
import { compactCount } from "../../components/charts-history.js";
import {
  PSI_ACT,
  PSI_WATCH,
  driftChartRows,
  driftRows,
  driftWarning,
  expectedLabel,
  formatIndex,
  goalVerb,
  hasHistory,
  modelInWords,
  movementSentences,
  movementSummary,
  outcomeBucketRows,
  outcomeSentence,
  overviewTrendText,
  personRuns,
  personTrendSentence,
  realAndSimulated,
  retrainedBetween,
  transitionMatrix,
} from "../../components/history.js";
import * as drift from "../../loaders/history/drift.js";
import type { Evaluation, InstanceHistory, RealisedOutcome } from "../../loaders/contract/schema.js";

const purchase = { goalText: "People who will buy in the next 30 days.", type: "conversion" as const, window: 30 };
const churn = {
  goalText: "People who will go inactive in the next 60 days: no activity other than emails sent.",
  type: "churn" as const,
  window: 60,
};

const run = (asOf: string, trainedAsOf: string, high: number, expected: number) => ({
  asOf,
  trainedAsOf,
  scored: 1000,
  expectedPositives: expected,
  buckets: [
    { bucket: "High" as const, people: high, meanProbability: 0.8 },
    { bucket: "Medium" as const, people: 100, meanProbability: 0.4 },
    { bucket: "Low" as const, people: 900 - high, meanProbability: 0.05 },
  ],
});

/** The movement of the demo's last two runs (history.json of 2026-10-31), with people newly scored and no longer scored. */
const movement: NonNullable<InstanceHistory["previous"]>["movement"] = [
  { from: null, to: "Medium", people: 4 },
  { from: null, to: "Low", people: 402 },
  { from: null, to: "High", people: 2 },
  { from: "High", to: "High", people: 47 },
  { from: "High", to: "Medium", people: 3 },
  { from: "Medium", to: null, people: 1 },
  { from: "Medium", to: "High", people: 40 },
  { from: "Medium", to: "Medium", people: 336 },
  { from: "Medium", to: "Low", people: 37 },
  { from: "Low", to: null, people: 327 },
  { from: "Low", to: "High", people: 3 },
  { from: "Low", to: "Medium", people: 320 },
  { from: "Low", to: "Low", people: 10560 },
];

describe("runs", () => {
  test("history needs two runs to compare", () => {
    expect(hasHistory(null)).toBe(false);
    expect(
      hasHistory({ schemaVersion: 1, runs: [run("2026-09-01", "2026-09-01", 37, 553)], previous: null, outcomes: [] }),
    ).toBe(false);
    expect(
      hasHistory({
        schemaVersion: 1,
        runs: [run("2026-09-01", "2026-09-01", 37, 553), run("2026-10-01", "2026-09-01", 47, 601)],
        previous: null,
        outcomes: [],
      }),
    ).toBe(true);
  });

  test("say which model produced each run", () => {
    expect(modelInWords({ asOf: "2026-09-01", trainedAsOf: "2026-09-01" })).toBe("Trained on 1 Sep 2026");
    expect(modelInWords({ asOf: "2026-10-01", trainedAsOf: "2026-09-01" })).toBe(
      "Scored with the model trained on 1 Sep 2026",
    );
    expect(retrainedBetween([{ trainedAsOf: "2026-09-01" }, { trainedAsOf: "2026-09-01" }])).toBe(false);
    expect(retrainedBetween([{ trainedAsOf: "2026-09-01" }, { trainedAsOf: "2026-10-31" }])).toBe(true);
  });

  test("name the goal in the page's words", () => {
    expect(goalVerb(purchase)).toBe("buy");
    expect(goalVerb(churn)).toBe("go inactive");
    expect(goalVerb({ goalText: "People who will have a purchase in the next 1 day." })).toBe("have a purchase");
    expect(goalVerb({ goalText: "Something else." })).toBe("have the outcome");
    expect(expectedLabel(churn)).toBe("Expected to go inactive");
  });

  test("the overview's sentence compares the last two runs", () => {
    const history: InstanceHistory = {
      schemaVersion: 1,
      runs: [
        run("2026-09-01", "2026-09-01", 37, 552.9),
        run("2026-10-01", "2026-09-01", 47, 601.4),
        run("2026-10-31", "2026-10-31", 90, 747.1),
      ],
      previous: null,
      outcomes: [],
    };
    expect(overviewTrendText(history, purchase)).toBe(
      "Since the run of 1 Oct 2026, the High bucket went from 47 to 90 people, and the people expected to buy from 601 to 747.",
    );
  });
});

describe("movement", () => {
  test("the transition matrix counts each pair and shows 'not scored' only when it occurs", () => {
    const m = transitionMatrix(movement);
    expect(m.from).toEqual(["High", "Medium", "Low", null]);
    expect(m.to).toEqual(["High", "Medium", "Low", null]);
    expect(m.count("Medium", "High")).toBe(40);
    expect(m.count(null, "Low")).toBe(402);
    expect(m.count("High", "Low")).toBe(0);
    const closed = transitionMatrix(movement.filter((x) => x.from !== null && x.to !== null));
    expect(closed.from).toEqual(["High", "Medium", "Low"]);
    expect(closed.to).toEqual(["High", "Medium", "Low"]);
  });

  test("totals: up, down, stayed, newly and no longer scored, into and out of High", () => {
    const s = movementSummary(movement);
    expect(s).toMatchObject({
      up: 40 + 3 + 320,
      down: 3 + 37,
      stayed: 47 + 336 + 10560,
      newlyScored: 408,
      noLongerScored: 328,
      enteredHigh: 45,
      leftHigh: 3,
    });
    expect(s.enteredHighFrom).toEqual([
      { from: "Medium", people: 40 },
      { from: "Low", people: 3 },
      { from: null, people: 2 },
    ]);
    // As the pipeline counts it: in High now, not in High before (newly scored included).
    expect(s.enteredHigh).toBe(
      movement.filter((x) => x.to === "High" && x.from !== "High").reduce((a, x) => a + x.people, 0),
    );
  });

  test("in words", () => {
    const lines = movementSentences({ asOf: "2026-10-01", movement });
    expect(lines[0]).toBe(
      "45 people moved up into High since 1 Oct 2026 (40 from Medium, 3 from Low, 2 newly scored).",
    );
    expect(lines[1]).toBe("3 people left High.");
    expect(lines[2]).toBe(
      "Of the people scored in both runs, 363 moved up a bucket, 40 moved down and 10,943 stayed in the same bucket.",
    );
    expect(lines[3]).toMatch(/^408 people scored now were not scored then .* and 328 scored then are not scored now/);
    const one = movementSentences({
      asOf: "2026-10-01",
      movement: [
        { from: "Medium", to: "High", people: 1 },
        { from: "Low", to: "Low", people: 5 },
      ],
    });
    expect(one).toEqual([
      "1 person moved up into High since 1 Oct 2026 (1 from Medium).",
      "Of the people scored in both runs, 1 moved up a bucket, 0 moved down and 5 stayed in the same bucket.",
    ]);
    expect(movementSentences({ asOf: "2026-10-01", movement: [{ from: "Low", to: "Low", people: 5 }] })[0]).toBe(
      "Nobody moved up into High since 1 Oct 2026.",
    );
  });
});

describe("drift", () => {
  const features = [{ label: "Visits in the last 30 days" }, { label: "Loyalty tier" }] as Parameters<
    typeof driftRows
  >[1]["features"];
  const shifted: NonNullable<InstanceHistory["previous"]>["drift"] = {
    score: { psi: 0.136, level: "watch" },
    features: [
      { feature: 1, psi: 0.002, level: "stable" },
      { feature: 0, psi: 0.31, level: "act" },
    ],
    level: "act",
    text: "The population has shifted enough since the previous run that the model should be retrained.",
  };

  test("thresholds are the pipeline's", () => {
    expect(PSI_WATCH).toBe(drift.PSI_WATCH);
    expect(PSI_ACT).toBe(drift.PSI_ACT);
  });

  test("rows: the scores first, then the features from the largest shift, labelled", () => {
    expect(driftRows(shifted, { features })).toEqual([
      { label: "The scores", kind: "score", psi: 0.136, level: "watch" },
      { label: "Visits in the last 30 days", kind: "feature", psi: 0.31, level: "act" },
      { label: "Loyalty tier", kind: "feature", psi: 0.002, level: "stable" },
    ]);
  });

  test("the chart leaves the scores out when the model changed between the two runs", () => {
    const history = (trainedAsOf: string): InstanceHistory => ({
      schemaVersion: 1,
      runs: [run("2026-09-01", "2026-09-01", 37, 553), run("2026-10-01", trainedAsOf, 47, 601)],
      previous: { asOf: "2026-09-01", movement: [], enteredHigh: 0, enteredHighIds: [], drift: shifted },
      outcomes: [],
    });
    expect(driftChartRows(history("2026-09-01"), { features }).map((r) => r.label)).toEqual([
      "The scores",
      "Visits in the last 30 days",
      "Loyalty tier",
    ]);
    expect(driftChartRows(history("2026-10-01"), { features }).map((r) => r.label)).toEqual([
      "Visits in the last 30 days",
      "Loyalty tier",
    ]);
  });

  test("the overview warns on watch and act, not when stable", () => {
    const history = (d: typeof shifted): InstanceHistory => ({
      schemaVersion: 1,
      runs: [],
      previous: { asOf: "2026-10-01", movement: [], enteredHigh: 0, enteredHighIds: [], drift: d },
      outcomes: [],
    });
    expect(driftWarning(history(shifted))).toEqual({ level: "act", text: shifted.text });
    expect(driftWarning(history({ ...shifted, level: "watch" }))?.level).toBe("watch");
    expect(driftWarning(history({ ...shifted, level: "stable" }))).toBeNull();
    expect(driftWarning(null)).toBeNull();
  });

  test("small axes write counts compactly", () => {
    expect([0, 80, 1000, 1500, 12_345, 2_000_000].map(compactCount)).toEqual(["0", "80", "1k", "1.5k", "12.3k", "2M"]);
  });

  test("indices read with three decimals, tiny ones as a bound", () => {
    expect(formatIndex(0.2833)).toBe("0.283");
    expect(formatIndex(0.00012)).toBe("<0.001");
    expect(formatIndex(0)).toBe("0.000");
  });
});

describe("realised outcomes", () => {
  const outcome: RealisedOutcome = {
    asOf: "2026-09-01",
    windowEnd: "2026-10-01",
    people: 8186,
    positives: 640,
    predicted: 552.9,
    auc: 0.846,
    buckets: [
      { bucket: "Low", people: 7777, predicted: 0.0456, actual: 0.0539 },
      { bucket: "High", people: 37, predicted: 0.839, actual: 0.919 },
      { bucket: "Medium", people: 0, predicted: 0, actual: 0 },
    ],
    deciles: [],
  };

  test("in one sentence", () => {
    expect(outcomeSentence(outcome, purchase)).toBe(
      "Of the 8,186 people scored on 1 Sep 2026, 640 went on to buy within 30 days (by 1 Oct 2026); the scores expected 553.",
    );
    expect(outcomeSentence({ ...outcome, positives: 1 }, churn)).toMatch(/, 1 went on to go inactive within 60 days/);
  });

  test("bucket rows in bucket order, empty buckets left out", () => {
    expect(outcomeBucketRows([outcome]).map((r) => r.bucket)).toEqual(["High", "Low"]);
  });

  test("real runs beside the simulated backtest, newest first, with the test's AUC at its cutoff", () => {
    const evaluation = {
      auc: 0.858,
      testCutoff: "2026-08-02",
      testExamples: 7744,
      backtest: [
        { cutoff: "2026-08-02", bucket: "High", people: 31, predicted: 0.87, actual: 0.97 },
        { cutoff: "2026-08-02", bucket: "Low", people: 7361, predicted: 0.039, actual: 0.048 },
        { cutoff: "2026-06-28", bucket: "High", people: 0, predicted: 0, actual: 0 },
        { cutoff: "2026-06-28", bucket: "Low", people: 7000, predicted: 0.04, actual: 0.05 },
      ],
    } satisfies Pick<Evaluation, "auc" | "testCutoff" | "testExamples" | "backtest">;
    const later = { ...outcome, asOf: "2026-10-01", auc: 0.852 };
    const checks = realAndSimulated([outcome, later], evaluation);
    expect(checks.map((c) => [c.asOf, c.kind, c.auc])).toEqual([
      ["2026-10-01", "real", 0.852],
      ["2026-09-01", "real", 0.846],
      ["2026-08-02", "simulated", 0.858],
      ["2026-06-28", "simulated", null],
    ]);
    expect(checks[2]!.people).toBe(31 + 7361);
    expect(Object.keys(checks[3]!.buckets)).toEqual(["Low"]);
    expect(realAndSimulated([outcome], null).map((c) => c.kind)).toEqual(["real"]);
  });
});

describe("a person's score over the runs", () => {
  test("rows become runs in date order, whatever the date's type", () => {
    const rows = [
      { id: "p", as_of: new Date("2026-10-31T00:00:00Z"), probability: 0.42, score: 42, bucket: "Medium" },
      { id: "p", as_of: "2026-09-01", probability: 0.55, score: 55, bucket: "Medium" },
      { id: "p", as_of: Date.UTC(2026, 9, 1), probability: 0.81, score: 81, bucket: "High" },
    ];
    const runs = personRuns(rows);
    expect(runs.map((r) => [r.asOf, r.score, r.bucket])).toEqual([
      ["2026-09-01", 55, "Medium"],
      ["2026-10-01", 81, "High"],
      ["2026-10-31", 42, "Medium"],
    ]);
    expect(personTrendSentence(runs)).toBe(
      "Score 55 (Medium) on 1 Sep 2026, then 42 (Medium) on 31 Oct 2026: down 13 over 3 runs.",
    );
    expect(personTrendSentence(runs.slice(0, 2))).toBe(
      "Score 55 (Medium) on 1 Sep 2026, then 81 (High) on 1 Oct 2026: up 26 over 2 runs. The person moved from Medium to High.",
    );
    expect(personTrendSentence([])).toBe("");
  });
});
