/**
 * The person page's logic: the browser's calibration twin agrees with the pipeline's calibrator, and factors are
 * ordered and labelled as the waterfall shows them.
 */
import { describe, expect, test } from "vitest";
import { calibrate, fitIsotonic, fitPlatt } from "../../loaders/calibration/calibrate.js";
import { calibrateMargin, contributions } from "../../components/person.js";

describe("calibrating a margin in the page", () => {
  const margins = Array.from({ length: 400 }, (_, i) => -6 + (i * 12) / 399);
  const labels = margins.map((m, i) => (Math.sin(i * 12.9898) * 43758.5453 % 1 + 1) % 1 < 1 / (1 + Math.exp(-m)) ? 1 : 0);

  test.each([["platt", fitPlatt(margins, labels)], ["isotonic", fitIsotonic(margins, labels)]] as const)("%s matches loaders/calibration", (_, calibrator) => {
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
    expect(contributions(rows, { features })).toEqual([
      { rank: 1, label: "Visits", value: "12", contribution: 0.9 },
      { rank: 2, label: "Tier", value: "gold", contribution: -0.5 },
      { rank: 0, label: "All other factors", value: null, contribution: 0.1 },
    ]);
  });
});
