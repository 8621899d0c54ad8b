/** Customer value and groups of people in words (components/value.ts, components/slices.ts), and the scores table's value sort. */
import { describe, expect, test } from "vitest";
import { peoplePageSql, sortableColumns } from "../../components/explorer.js";
import { formatCompactMoney, formatMoney } from "../../components/format.js";
import { aucInterval, flaggedGroupWords, groupPhrase, slicesSummary } from "../../components/slices.js";
import {
  concentrationWords,
  goalVerb,
  hasValue,
  ratioWords,
  unavailableValue,
  validationWords,
  valueColumnsText,
  valueMeaning,
} from "../../components/value.js";
import { auc } from "../../loaders/evaluation/metrics.js";
import type { Slice, FeatureInfo, InstanceValue, ValueValidation } from "../../loaders/contract/schema.js";

const value: InstanceValue = {
  horizonDays: 365,
  window: 30,
  people: 3470,
  withoutValue: 5707,
  total: 815804.09,
  expectedEvents: 773.65,
  expectedEventsHorizon: 8728.9,
  perBucket: [
    { bucket: "High", people: 90, total: 245562, mean: 2728.47 },
    { bucket: "Medium", people: 596, total: 284090.57, mean: 476.66 },
    { bucket: "Low", people: 2784, total: 286151.53, mean: 102.78 },
  ],
  deciles: Array.from({ length: 10 }, (_, i) => ({
    decile: i + 1,
    people: 347,
    min: 0,
    max: 0,
    total: 0,
    mean: 0,
    share: [0.57, 0.14, 0.08, 0.06, 0.05, 0.04, 0.03, 0.02, 0.01, 0][i]!,
  })),
  params: { bgnbd: { r: 0.3, alpha: 6, a: 0.15, b: 1 }, gammaGamma: { p: 3.8, q: 4.2, gamma: 75.9 }, meanSpend: 89.8 },
};

describe("customer value in words", () => {
  test("value is there only when the summary has its figures", () => {
    expect(hasValue(value)).toBe(true);
    expect(hasValue(undefined)).toBe(false);
    expect(hasValue(null)).toBe(false);
    const unavailable = { horizonDays: 365, window: 30, unavailable: "the goal events have no amount" };
    expect(hasValue(unavailable)).toBe(false);
    expect(unavailableValue(unavailable)).toBe("the goal events have no amount");
    expect(unavailableValue(value)).toBeNull();
  });

  test("the goal's verb comes from the build's sentence, else a plain stand-in", () => {
    expect(goalVerb("People who will buy in the next 30 days.")).toBe("buy");
    expect(goalVerb("People who will have a purchase or a checkout in the next 1 day.")).toBe(
      "have a purchase or a checkout",
    );
    expect(goalVerb("People who will be active in the next 30 days: any activity other than emails sent.")).toBe(
      "be active",
    );
    expect(goalVerb("People who will not buy in the next 60 days.")).toBe("reach the goal");
    expect(goalVerb(undefined)).toBe("reach the goal");
  });

  test("the meaning names the horizon, that it is undiscounted, and who has a value", () => {
    const text = valueMeaning(value, "People who will buy in the next 30 days.");
    expect(text).toContain("in the next 365 days");
    expect(text).toContain("expected to buy");
    expect(text).toContain("not discounted");
    expect(text).toContain("3,470 of the 9,177 scored people");
    expect(text).toContain("The other 5,707 scored people");
    expect(text).not.toMatch(/BG\/NBD|Gamma|log-odds/);
    expect(valueColumnsText(value, "People who will buy in the next 30 days.")).toContain("next 365 days");
  });

  test("the concentration sentence adds the top tenths' shares", () => {
    expect(concentrationWords(value)).toBe(
      "The most valuable 10% of customers (347 people) hold 57% of the expected value, and the top 30% hold 79%.",
    );
  });

  test("amounts are whole units with the configured currency, compact on axes", () => {
    expect(formatMoney(815804.09)).toBe("815,804");
    expect(formatMoney(815804.09, "EUR")).toBe("€815,804");
    expect(formatMoney(3.456, "USD")).toBe("$3.46");
    expect(formatMoney(NaN)).toBe("–");
    expect(formatCompactMoney(815804, "EUR")).toBe("€815.8K");
    expect(formatCompactMoney(815804)).toBe("815.8K");
  });

  test("a validation period reads as expected against spent, the top tenth and the best naive guess", () => {
    expect(ratioWords(0.928)).toBe("7.2% low");
    expect(ratioWords(1.2575)).toBe("26% high");
    expect(ratioWords(1.002)).toBe("right");
    const scorer = (
      name: "model" | "last-period" | "lifetime-rate",
      label: string,
      predicted: number,
      mae: number,
    ) => ({
      name,
      label,
      predicted,
      actual: 80384.4,
      ratio: predicted / 80384.4,
      relativeError: predicted / 80384.4 - 1,
      meanAbsoluteError: mae,
      topDecileShare: 0.6,
      deciles: [{ decile: 1, people: 469, predicted: 43560.2, actual: 48444.28, ratio: 43560.2 / 48444.28 }],
    });
    const period: ValueValidation = {
      periodDays: 30,
      cutoff: "2026-10-01",
      customers: 4698,
      events: { predicted: 799.3, actual: 839 },
      spendPerEvent: { predicted: 94.03, actual: 95.81 },
      scorers: [
        scorer("model", "BG/NBD x Gamma-Gamma", 74600.6, 21.49),
        scorer("last-period", "Spend in the 30 days before", 101079.9, 25.42),
        scorer("lifetime-rate", "Lifetime spend per period", 172858.2, 37.27),
      ],
    };
    const text = validationWords(period, "EUR");
    expect(text).toContain(
      "Behind it: they did so on 839 days where it expected 799, and spent €95.81 on such a day where it expected €94.03.",
    );
    expect(text).toContain("Fitted as of 1 Oct 2026");
    expect(text).toContain(
      "expected its 4,698 customers to spend €74,601 in the next 30 days; they spent €80,384, so it was 7.2% low.",
    );
    expect(text).toContain(
      "Its most valuable tenth (469 customers) spent €48,444 where it expected €43,560 (10% low).",
    );
    expect(text).toContain(
      "Taking spend in the 30 days before as the guess would have been 26% high in all, and off by €25 per customer on average against the model's €21.",
    );
    expect(
      validationWords({ periodDays: 365, cutoff: "2026-01-01", customers: 0, skipped: "too little history" }),
    ).toBe("Over 365 days: not tested (too little history).");
  });
});

describe("the scores table's value columns", () => {
  const everyone = { where: "TRUE", params: [] };
  test("are sortable only when the scores carry them, nulls last, ties by id", () => {
    expect(sortableColumns(false)).not.toContain("expected_value");
    expect(sortableColumns(true)).toEqual(expect.arrayContaining(["expected_value", "expected_spend", "p_alive"]));
    const sql = peoplePageSql(everyone, { column: "expected_value", descending: true }, true);
    expect(sql).toContain('ORDER BY "expected_value" DESC NULLS LAST, id');
    expect(sql).toContain('"expected_value"::DOUBLE AS "expected_value"');
    expect(() => peoplePageSql(everyone, { column: "expected_value", descending: true }, false)).toThrow(/Cannot sort/);
    expect(peoplePageSql(everyone, { column: "score", descending: false })).not.toContain("expected_value");
    expect(() =>
      peoplePageSql(everyone, { column: "id; DROP TABLE scores" as never, descending: false }, true),
    ).toThrow(/Cannot sort/);
  });
});

describe("groups of people", () => {
  const features = [] as FeatureInfo[];
  features[3] = {
    name: "country",
    label: "Home country",
    kind: "categorical",
    unit: null,
    group: "Profile",
    categories: ["US", "FR"],
  };
  features[4] = {
    name: "tier",
    label: "Loyalty tier",
    kind: "categorical",
    unit: null,
    group: "Profile",
    categories: ["none", "gold"],
  };

  test("the AUC interval (Hanley and McNeil) is about the bootstrap's on a known sample, and narrows with people", () => {
    // 300 positives, 2,700 negatives with scores that separate them partly.
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const label = Uint8Array.from({ length: 3000 }, (_, i) => (i < 300 ? 1 : 0));
    const probability = Float64Array.from(label, (y) => random() + (y ? 0.6 : 0));
    const a = auc({ probability, label });
    const [lo, hi] = aucInterval(a, 300, 2700);
    expect(lo).toBeLessThan(a);
    expect(hi).toBeGreaterThan(a);
    // The standard error of an AUC near 0.8 with 300 positives is about 0.013: the interval is about ±0.026.
    expect(hi - lo).toBeGreaterThan(0.035);
    expect(hi - lo).toBeLessThan(0.07);
    const [lo2, hi2] = aucInterval(a, 30, 270);
    expect(hi2 - lo2).toBeGreaterThan(2.5 * (hi - lo));
    expect(aucInterval(NaN, 10, 10).every(Number.isNaN)).toBe(true);
    expect(aucInterval(0.8, 0, 10).every(Number.isNaN)).toBe(true);
    expect(aucInterval(0.999, 5, 5)[1]).toBeLessThanOrEqual(1);
  });

  test("flagged groups read as sentences with their size and intervals", () => {
    expect(groupPhrase("Home country", "FR")).toBe("home country = FR");
    expect(groupPhrase("Home country", "Not known")).toBe("home country not known");
    expect(groupPhrase("Home country", "Other (small groups)")).toBe("home country: the small groups together");
    const [ranking] = flaggedGroupWords(
      "Home country",
      {
        category: "FR",
        people: 743,
        positives: 55,
        predicted: 0.069,
        actual: 0.074,
        auc: 0.72,
        flags: ["ranks worse than within the other groups (AUC 0.720 against 0.854 within groups)"],
      },
      0.854,
      "conversion",
    );
    expect(ranking).toMatch(
      /^The model is much less accurate at ranking people for home country = FR: AUC 0\.720 \(95% interval 0\.\d{3} to 0\.\d{3}\) against 0\.854 within the groups of home country together, on 743 people, of whom 55 had the outcome\.$/,
    );
    const [calibration] = flaggedGroupWords(
      "Home country",
      {
        category: "US",
        people: 1000,
        positives: 40,
        predicted: 0.08,
        actual: 0.04,
        auc: 0.85,
        flags: ["over-predicts (8.0% predicted, 4.0% actual)"],
      },
      0.854,
      "churn",
    );
    expect(calibration).toContain(
      "For home country = US the model over-predicts: it expected 8% to have the outcome and 4% did (95% interval 3% to 5.4%), on 1,000 people, of whom 40 churned. Expected counts for this group are too high.",
    );
    expect(
      flaggedGroupWords(
        "Home country",
        { category: "DE", people: 900, positives: 80, predicted: 0.08, actual: 0.09, auc: 0.86, flags: [] },
        0.854,
        "conversion",
      ),
    ).toEqual([]);
  });

  test("an attribute whose every group ranks below everyone gets the note on why", () => {
    const group = (category: string, aucValue: number, flags: string[] = []) => ({
      category,
      people: 1000,
      positives: 100,
      predicted: 0.1,
      actual: 0.1,
      auc: aucValue,
      flags,
    });
    const slices: Slice[] = [
      {
        feature: 4,
        groups: [
          group("none", 0.77, ["ranks worse than within the other groups (AUC 0.770 against 0.854 within groups)"]),
          group("gold", 0.8),
        ],
        smallestGroup: 1000,
        merged: [],
        withinAuc: 0.785,
      },
      { feature: 3, groups: [group("US", 0.86), group("FR", 0.84)], smallestGroup: 1000, merged: [], withinAuc: 0.85 },
    ];
    const { flagged, notes } = slicesSummary(slices, features, 0.854, "conversion");
    expect(flagged.length).toBe(1);
    expect(flagged[0]).toContain("loyalty tier = none");
    expect(notes).toEqual([expect.stringContaining("Every group of loyalty tier ranks below everyone together")]);
  });
});
