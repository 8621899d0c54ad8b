/**
 * Room for wrapped y-axis labels (components/chart-style.ts): the estimated lines of a label and the row height
 * that keeps wrapped labels of neighbouring rows apart on a narrow screen.
 */
import { describe, expect, test } from "vitest";
import { fittingLabel, labelMargin, spacedTicks, textEms, wrappedLines } from "../../components/chart-style.js";

describe("wrapped labels", () => {
  test("narrow letters take less room than wide ones", () => {
    expect(textEms("illi")).toBeLessThan(textEms("mwmw"));
    expect(textEms("")).toBe(0);
  });

  test("a label wraps on its spaces once a line is full, and a single long word stays one line", () => {
    expect(wrappedLines("Cart adds", 20)).toBe(1);
    expect(wrappedLines("Days with an activity event in the last 365 days", 10)).toBeGreaterThanOrEqual(3);
    expect(wrappedLines("Days with an activity event in the last 365 days", 10)).toBeLessThanOrEqual(5);
    expect(wrappedLines("buy-till-you-die", 2)).toBe(1);
  });

  test("rows grow with the most-wrapped label at phone width, and keep the chart's minimum on a wide screen", () => {
    const labels = [
      "Cart adds in the last 90 days",
      "Expected goal event days in the next 60 days (buy-till-you-die model)",
    ];
    const phone = labelMargin(labels, 300);
    const desktop = labelMargin(labels, 1200);
    expect(phone.rowHeight(22)).toBeGreaterThan(22);
    // Every line of the longest label (10px each) fits in its row.
    expect(phone.rowHeight(22)).toBeGreaterThanOrEqual(wrappedLines(labels[1]!, phone.lineWidth) * 10);
    expect(desktop.rowHeight(22)).toBe(22);
  });
});

describe("ticks and axis labels on narrow charts", () => {
  const ticks = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10];
  test("log ticks thin out as the axis narrows, keeping at least the gap asked for", () => {
    const at = (px: number) => (t: number) => (Math.log10(t) + 2) * (px / 3);
    expect(spacedTicks(ticks, at(900), 30)).toEqual(ticks);
    const narrow = spacedTicks(ticks, at(150), 30);
    expect(narrow.length).toBeLessThan(ticks.length);
    expect(narrow[0]).toBe(0.01);
    for (let i = 1; i < narrow.length; i++)
      expect(at(150)(narrow[i]!) - at(150)(narrow[i - 1]!)).toBeGreaterThanOrEqual(30);
  });

  test("a label that does not fit the chart is left out", () => {
    expect(fittingLabel("Days", 200)).toBe("Days");
    expect(fittingLabel("Expected goal event days in the next 60 days (buy-till-you-die model) →", 250)).toBeNull();
  });
});
