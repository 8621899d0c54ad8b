/**
 * Model quality per slice of the test: for each value of a categorical profile attribute (country, loyalty tier,
 * ...), the people, base rate, AUC and calibration (mean predicted against actual rate), so a model that is worse
 * for one group shows. Groups too small to measure are merged, and the smallest group measured is reported.
 */
import { type Outcomes, auc } from "./metrics.js";

/** People a group needs to be measured on its own; smaller groups are merged into one. */
export const MIN_SLICE_PEOPLE = 100;
/** A slice whose AUC is this much below the whole test's is flagged. */
export const SLICE_AUC_GAP = 0.05;
/** A slice whose mean prediction is off its actual rate by more than this share of the rate (and 2 points) is
 * flagged. */
export const SLICE_CALIBRATION_GAP = 0.25;

/** One group of a slice. */
export interface SliceGroup {
  /** The category, "Not known" for missing values, or "Other (small groups)". */
  category: string;
  people: number;
  positives: number;
  /** Mean predicted probability and actual outcome rate. */
  predicted: number;
  actual: number;
  /** NaN when the group has one class only. */
  auc: number;
  /** Why the group stands out, in words (empty when it does not). */
  flags: string[];
}

/** The slices of one attribute. */
export interface Slice {
  /** Feature code of the attribute. */
  feature: number;
  groups: SliceGroup[];
  /** People in the smallest group listed. */
  smallestGroup: number;
  /** Categories merged into "Other (small groups)". */
  merged: string[];
}

/**
 * The slice of the test by one categorical feature: `codes` per test row (NaN = missing), `categories` by code.
 * @param overallAuc the AUC over the whole test, which each group is compared with
 */
export function sliceBy(feature: number, codes: ArrayLike<number>, categories: readonly string[], outcomes: Outcomes, overallAuc: number): Slice {
  const rows = new Map<string, number[]>();
  for (let i = 0; i < codes.length; i++) {
    const name = Number.isNaN(codes[i]!) ? "Not known" : (categories[codes[i]!] ?? "Not known");
    (rows.get(name) ?? rows.set(name, []).get(name)!).push(i);
  }
  const merged: string[] = [];
  const other: number[] = [];
  const kept: [string, number[]][] = [];
  for (const [name, members] of [...rows].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]))) {
    if (members.length >= MIN_SLICE_PEOPLE) kept.push([name, members]);
    else {
      merged.push(name);
      other.push(...members);
    }
  }
  if (other.length) kept.push(["Other (small groups)", other]);
  const groups = kept.map(([category, members]) => groupOf(category, members, outcomes, overallAuc));
  return { feature, groups, smallestGroup: Math.min(...groups.map((g) => g.people)), merged };
}

/** One group's figures and flags. */
function groupOf(category: string, members: number[], outcomes: Outcomes, overallAuc: number): SliceGroup {
  const probability = Float64Array.from(members, (i) => outcomes.probability[i]!);
  const label = Uint8Array.from(members, (i) => outcomes.label[i]!);
  const positives = label.reduce((a, b) => a + b, 0);
  const predicted = probability.reduce((a, b) => a + b, 0) / members.length;
  const actual = positives / members.length;
  const groupAuc = positives > 0 && positives < members.length ? auc({ probability, label }) : Number.NaN;
  const flags: string[] = [];
  if (groupAuc < overallAuc - SLICE_AUC_GAP) flags.push(`ranks worse than for everyone (AUC ${groupAuc.toFixed(3)} against ${overallAuc.toFixed(3)})`);
  const gap = predicted - actual;
  if (Math.abs(gap) > Math.max(0.02, SLICE_CALIBRATION_GAP * actual)) {
    flags.push(`${gap > 0 ? "over" : "under"}-predicts (${(100 * predicted).toFixed(1)}% predicted, ${(100 * actual).toFixed(1)}% actual)`);
  }
  return { category, people: members.length, positives, predicted, actual, auc: groupAuc, flags };
}
