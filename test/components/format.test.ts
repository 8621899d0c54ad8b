/** How pages write numbers, shares, probabilities, dates and feature values (components/format.ts). */
import { describe, expect, test } from "vitest";
import type { FeatureInfo } from "../../loaders/contract/schema.js";
import {
  MISSING,
  featureAxisLabel,
  featureTickFormat,
  formatContribution,
  formatCount,
  formatDate,
  formatDateRange,
  formatFeatureValue,
  formatFixed,
  formatNumber,
  formatOddsChange,
  formatPercent,
  formatProbability,
  formatQuantity,
  formatRatio,
  parseDate,
  sentence,
} from "../../components/format.js";

const numeric = (unit: string | null, label = "A feature"): FeatureInfo => ({
  name: "f",
  label,
  kind: "numeric",
  unit,
  group: "behaviour",
});

describe("numbers", () => {
  test("counts have thousands separators and are whole", () => {
    expect(formatCount(1313928)).toBe("1,313,928");
    expect(formatCount(471.6)).toBe("472");
    expect(formatCount(0)).toBe("0");
  });

  test("missing and non-finite values read as an en dash everywhere", () => {
    for (const f of [
      formatCount,
      formatNumber,
      formatFixed,
      formatPercent,
      formatProbability,
      formatRatio,
      formatContribution,
      formatOddsChange,
    ]) {
      expect(f(null)).toBe(MISSING);
      expect(f(undefined)).toBe(MISSING);
      expect(f(NaN)).toBe(MISSING);
      expect(f(Infinity)).toBe(MISSING);
    }
    expect(MISSING).toBe("–");
  });

  test("plain numbers keep at most the given decimals; fixed numbers exactly", () => {
    expect(formatNumber(1234.567)).toBe("1,234.57");
    expect(formatNumber(3)).toBe("3");
    expect(formatNumber(2.25, 1)).toBe("2.3");
    expect(formatFixed(0.81234)).toBe("0.812");
    expect(formatFixed(0.8, 3)).toBe("0.800");
  });
});

describe("shares and probabilities", () => {
  test("percentages get more decimals as shares get smaller, and a non-zero share never reads as zero", () => {
    expect(formatPercent(0.5)).toBe("50%");
    expect(formatPercent(0.123)).toBe("12%");
    expect(formatPercent(0.083)).toBe("8.3%");
    expect(formatPercent(0.0042)).toBe("0.42%");
    expect(formatPercent(0.00004)).toBe("0.004%");
    expect(formatPercent(0)).toBe("0%");
    expect(formatPercent(0.000001)).toBe("<0.001%");
    expect(formatPercent(0.004, 0)).toBe("<1%");
    expect(formatPercent(0.4567, 1)).toBe("45.7%");
    expect(formatPercent(1)).toBe("100%");
  });

  test("probabilities bound the extremes instead of rounding them to 0% or 100%", () => {
    expect(formatProbability(0.081)).toBe("8.1%");
    expect(formatProbability(0.00004)).toBe("<0.01%");
    expect(formatProbability(0.99996)).toBe(">99.99%");
    expect(formatProbability(0.995)).toBe("99.50%");
    expect(formatProbability(0)).toBe("0%");
    expect(formatProbability(1)).toBe("100%");
  });

  test("ratios to the average", () => {
    expect(formatRatio(2.04)).toBe("2.0×");
    expect(formatRatio(0.456)).toBe("0.46×");
    expect(formatRatio(1)).toBe("1.0×");
  });
});

describe("contributions", () => {
  test("log-odds are signed with a true minus sign", () => {
    expect(formatContribution(0.4213)).toBe("+0.42");
    expect(formatContribution(-1.5)).toBe("−1.50");
    expect(formatContribution(0.001)).toBe("0.00");
  });

  test("what a contribution does to the odds, in words", () => {
    expect(formatOddsChange(0.5)).toBe("raises the odds by 65%");
    expect(formatOddsChange(-0.7)).toBe("lowers the odds by 50%");
    expect(formatOddsChange(0.05)).toBe("raises the odds by 5.1%");
    expect(formatOddsChange(1.5)).toBe("multiplies the odds by 4.5");
    expect(formatOddsChange(0.001)).toBe("hardly changes the odds");
  });
});

describe("dates and durations", () => {
  test("days are read and written in UTC whatever the reader's time zone", () => {
    expect(formatDate("2026-10-31")).toBe("31 Oct 2026");
    expect(formatDate("2026-01-01T00:00:00Z")).toBe("1 Jan 2026");
    expect(formatDate(Date.UTC(2025, 4, 1))).toBe("1 May 2025");
    expect(formatDate(new Date(Date.UTC(2025, 11, 31, 23, 59)))).toBe("31 Dec 2025");
    expect(formatDate("not a date")).toBe(MISSING);
    expect(formatDate(null)).toBe(MISSING);
    expect(parseDate("2026-10-31")?.toISOString()).toBe("2026-10-31T00:00:00.000Z");
    expect(formatDateRange(["2025-05-01", "2026-10-31"])).toBe("1 May 2025 to 31 Oct 2026");
  });

  test("quantities take the plural unless exactly one", () => {
    expect(formatQuantity(1, "day")).toBe("1 day");
    expect(formatQuantity(30, "day")).toBe("30 days");
    expect(formatQuantity(1200, "person", "people")).toBe("1,200 people");
  });
});

describe("feature values", () => {
  test("each unit reads as the site's factors do", () => {
    expect(formatFeatureValue(numeric("days"), 3)).toBe("3 days");
    expect(formatFeatureValue(numeric("days"), 1)).toBe("1 day");
    expect(formatFeatureValue(numeric("count"), 2)).toBe("2");
    expect(formatFeatureValue(numeric("count"), 2.25)).toBe("2.3");
    expect(formatFeatureValue(numeric("amount"), 123.4)).toBe("123.40");
    expect(formatFeatureValue(numeric("amount"), 1234.5)).toBe("1,234.50");
    expect(formatFeatureValue(numeric("share"), 0.35)).toBe("35%");
    expect(formatFeatureValue(numeric("ratio"), 1.5)).toBe("1.5×");
    expect(formatFeatureValue(numeric("log ratio"), -0.25)).toBe("−0.25");
    expect(formatFeatureValue(numeric("flag"), 1)).toBe("yes");
    expect(formatFeatureValue(numeric("flag"), 0)).toBe("no");
    expect(formatFeatureValue(numeric(null), 0.123456)).toBe("0.12");
  });

  test("missing values: never for days since an event, missing otherwise", () => {
    expect(formatFeatureValue(numeric("days"), null)).toBe("never");
    expect(formatFeatureValue(numeric("days"), NaN)).toBe("never");
    expect(formatFeatureValue(numeric("count"), null)).toBe("missing");
  });

  test("categories by name, as plain text (markup in a category stays literal)", () => {
    const tier: FeatureInfo = {
      name: "tier",
      label: "Loyalty tier",
      kind: "categorical",
      unit: null,
      group: "profile",
      categories: ["bronze", "<b>gold</b>"],
    };
    expect(formatFeatureValue(tier, 0)).toBe("bronze");
    expect(formatFeatureValue(tier, 1)).toBe("<b>gold</b>");
    expect(formatFeatureValue(tier, 7)).toBe("7");
    expect(formatFeatureValue(tier, null)).toBe("missing");
  });

  test("axis ticks and labels", () => {
    expect(featureTickFormat(numeric("share"))(0.25)).toBe("25%");
    expect(featureTickFormat(numeric("flag"))(1)).toBe("yes");
    expect(featureTickFormat(numeric("days"))(1500)).toBe("1,500");
    expect(featureAxisLabel(numeric("amount", "Amount in the last 90 days"))).toBe(
      "Amount in the last 90 days (amount)",
    );
    expect(featureAxisLabel(numeric("days", "Days since last purchase"))).toBe("Days since last purchase");
  });
});

describe("sentence", () => {
  test("adds a full stop only when the text has no final punctuation", () => {
    expect(sentence("Active within 45 days")).toBe("Active within 45 days.");
    expect(sentence("Active within 45 days. ")).toBe("Active within 45 days.");
    expect(sentence("Really?")).toBe("Really?");
    expect(sentence("")).toBe("");
  });
});
