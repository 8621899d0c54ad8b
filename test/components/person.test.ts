/**
 * The person page's logic: the browser's calibration twin agrees with the pipeline's calibrator, and factors are
 * ordered and labelled as the waterfall shows them.
 */
import { describe, expect, test } from "vitest";
import { calibrate, fitIsotonic, fitPlatt } from "../../loaders/calibration/calibrate.js";
import {
  calibrateMargin,
  contributions,
  eventName,
  matchIds,
  otherFactors,
  personValue,
  timelineRows,
} from "../../components/person.js";

describe("calibrating a margin in the page", () => {
  const margins = Array.from({ length: 400 }, (_, i) => -6 + (i * 12) / 399);
  const labels = margins.map((m, i) =>
    (((Math.sin(i * 12.9898) * 43758.5453) % 1) + 1) % 1 < 1 / (1 + Math.exp(-m)) ? 1 : 0,
  );

  test.each([
    ["platt", fitPlatt(margins, labels)],
    ["isotonic", fitIsotonic(margins, labels)],
  ] as const)("%s matches loaders/calibration", (_, calibrator) => {
    const probes = [-9, -6, -2.5, -0.1, 0, 0.37, 2, 6, 9, ...margins.filter((_, i) => i % 7 === 0)];
    const expected = calibrate(calibrator, probes);
    probes.forEach((m, i) => expect(calibrateMargin(calibrator, m)).toBeCloseTo(expected[i]!, 12));
  });
});

describe("a person's contributions", () => {
  test("ranks 1..k in order, then all other factors, with feature labels", () => {
    const features = [
      { name: "a", label: "Visits", kind: "numeric" as const, unit: null, group: "behaviour" },
      { name: "b", label: "Tier", kind: "categorical" as const, unit: null, group: "profile", categories: ["x"] },
    ];
    const rows = [
      { id: "p", rank: 0, feature: null, contribution: 0.1, value: null },
      { id: "p", rank: 2, feature: 1, contribution: -0.5, value: "gold" },
      { id: "p", rank: 1, feature: 0, contribution: 0.9, value: "12" },
    ];
    const ranked = contributions(rows, { features });
    expect(ranked).toEqual([
      { rank: 1, feature: 0, label: "Visits", value: "12", contribution: 0.9 },
      { rank: 2, feature: 1, label: "Tier", value: "gold", contribution: -0.5 },
      { rank: 0, feature: null, label: "All other factors", value: null, contribution: 0.1 },
    ]);
    // "All other factors" groups every feature that is not among the person's own.
    expect(otherFactors(ranked.slice(1), features)).toEqual(["Visits"]);
    expect(otherFactors(ranked, features)).toEqual([]);
  });
});

describe("finding a typed id", () => {
  const ids = ["ecid-0005975", "ecid-0059750", "ECID-0000001", "ecid-1000000", "x5975"];

  test("case and surrounding spaces do not matter", () => {
    expect(matchIds(ids, "  ecid-0000001 ").exact).toBe("ECID-0000001");
    expect(matchIds(ids, "Ecid-0005975")).toEqual({ exact: "ecid-0005975", partial: [], total: 0 });
  });

  test("part of an id offers the ids that contain it, shortest first, up to the limit", () => {
    expect(matchIds(ids, "5975")).toEqual({
      exact: null,
      partial: ["x5975", "ecid-0005975", "ecid-0059750"],
      total: 3,
    });
    expect(matchIds(ids, "5975", 2)).toEqual({ exact: null, partial: ["x5975", "ecid-0005975"], total: 3 });
    expect(matchIds(ids, "nobody")).toEqual({ exact: null, partial: [], total: 0 });
    expect(matchIds(ids, "   ")).toEqual({ exact: null, partial: [], total: 0 });
  });
});

describe("a person's values and events in words", () => {
  const feature = (unit: string | null) => ({
    name: "f",
    label: "F",
    kind: "numeric" as const,
    unit,
    group: "behaviour",
  });

  test("numbers get separators, amounts their currency; words stay", () => {
    expect(personValue(feature("amount"), "12515.55", "EUR")).toBe("€12,515.55");
    expect(personValue(feature("amount"), "12515.5")).toBe("12,515.50");
    expect(personValue(feature("count"), "1307")).toBe("1,307");
    expect(personValue(feature("days"), "203 days")).toBe("203 days");
    expect(personValue(feature("days"), "never")).toBe("never");
    expect(personValue(feature("share"), "35%")).toBe("35%");
    expect(personValue({ ...feature(null), kind: "categorical" }, "gold")).toBe("gold");
    expect(personValue(feature("count"), null)).toBe("");
  });

  test("event types by their names from the build, unknown ones as they are", () => {
    const labels = { "commerce.purchases": "purchase", "web.webpagedetails.pageViews": "page view" };
    expect(eventName("commerce.purchases", labels)).toBe("Purchase");
    expect(eventName("web.webpagedetails.pageViews", labels)).toBe("Page view");
    expect(eventName("custom_thing", labels)).toBe("Custom_thing");
    expect(eventName("toString", labels)).toBe("ToString");
  });
});

describe("the timeline", () => {
  test("groups a day's events of one type, newest day first, summing their amounts", () => {
    const day = (d: number) => new Date(Date.UTC(2026, 9, d));
    const rows = timelineRows([
      { time: day(29), event: "web.webpagedetails.pageViews", amount: null },
      { time: day(31), event: "commerce.purchases", amount: 10.5 },
      { time: day(29), event: "web.webpagedetails.pageViews", amount: null },
      { time: day(31), event: "commerce.purchases", amount: 2 },
      { time: day(31), event: "search", amount: null },
    ]);
    expect(rows).toEqual([
      { day: day(31).getTime(), event: "commerce.purchases", count: 2, amount: 12.5 },
      { day: day(31).getTime(), event: "search", count: 1, amount: null },
      { day: day(29).getTime(), event: "web.webpagedetails.pageViews", count: 2, amount: null },
    ]);
  });
});
