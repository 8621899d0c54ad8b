/**
 * Model quality per slice of the test: for each value of a categorical profile attribute (country, loyalty tier,
 * ...), the people, base rate, AUC and calibration (mean predicted against actual rate), so a model that is worse
 * for one group shows. Groups too small to measure are merged, and the smallest group measured is reported.
 *
 * A group's AUC only compares people of that group with each other, so when the attribute itself tells people
 * apart every group's AUC is below the whole test's; a group is therefore compared with the AUC within groups (over
 * the pairs of people of the same group, all groups together), and flagged only when it falls short of it by more
 * than both a set gap and its own 95% uncertainty.
 */
import { aucInterval } from "../contract/auc-interval.js";
import type { Slice, SliceGroup } from "../contract/schema.js";
import { type Outcomes, auc } from "./metrics.js";

/** People a group needs to be measured on its own; smaller groups are merged into one. */
export const MIN_SLICE_PEOPLE = 100;
/** A group whose AUC is this much below the AUC within groups (and below its own 95% interval) is flagged. */
export const SLICE_AUC_GAP = 0.05;
/** A slice whose mean prediction is off its actual rate by more than this share of the rate (and 2 points) is
 * flagged. */
export const SLICE_CALIBRATION_GAP = 0.25;

/**
 * The slice of the test by one categorical feature: `codes` per test row (NaN = missing), `categories` by code.
 */
export function sliceBy(
  feature: number,
  codes: ArrayLike<number>,
  categories: readonly string[],
  outcomes: Outcomes,
): Slice {
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
  const groups = kept.map(([category, members]) => groupOf(category, members, outcomes));
  const withinAuc = aucWithinGroups(groups);
  for (const g of groups) g.flags.unshift(...rankingFlag(g, withinAuc));
  return { feature, groups, smallestGroup: Math.min(...groups.map((g) => g.people)), merged, withinAuc };
}

/** The AUC over pairs of people of the same group: the groups' AUCs weighted by their positive-negative pairs. */
function aucWithinGroups(groups: readonly SliceGroup[]): number {
  let pairs = 0;
  let sum = 0;
  for (const g of groups) {
    if (!Number.isFinite(g.auc)) continue;
    const n = g.positives * (g.people - g.positives);
    pairs += n;
    sum += n * g.auc;
  }
  return pairs > 0 ? sum / pairs : Number.NaN;
}

/** The ranking flag of a group whose AUC falls short of the AUC within groups by more than the set gap and more
 * than its own uncertainty (the top of its 95% interval is below the reference). */
function rankingFlag(g: SliceGroup, withinAuc: number): string[] {
  if (!Number.isFinite(g.auc) || !Number.isFinite(withinAuc)) return [];
  const [, high] = aucInterval(g.auc, g.positives, g.people - g.positives);
  if (g.auc >= withinAuc - SLICE_AUC_GAP || high >= withinAuc) return [];
  return [
    `ranks worse than within the other groups (AUC ${g.auc.toFixed(3)} against ${withinAuc.toFixed(3)} within groups)`,
  ];
}

/** One group's figures and its calibration flag (the ranking flag needs every group: `rankingFlag`). */
function groupOf(category: string, members: number[], outcomes: Outcomes): SliceGroup {
  const probability = Float64Array.from(members, (i) => outcomes.probability[i]!);
  const label = Uint8Array.from(members, (i) => outcomes.label[i]!);
  const positives = label.reduce((a, b) => a + b, 0);
  const predicted = probability.reduce((a, b) => a + b, 0) / members.length;
  const actual = positives / members.length;
  const groupAuc = positives > 0 && positives < members.length ? auc({ probability, label }) : Number.NaN;
  const flags: string[] = [];
  const gap = predicted - actual;
  if (Math.abs(gap) > Math.max(0.02, SLICE_CALIBRATION_GAP * actual)) {
    flags.push(
      `${gap > 0 ? "over" : "under"}-predicts (${(100 * predicted).toFixed(1)}% predicted, ${(100 * actual).toFixed(1)}% actual)`,
    );
  }
  return { category, people: members.length, positives, predicted, actual, auc: groupAuc, flags };
}
