/**
 * Effects of factors for people: a contribution (log-odds, as TreeSHAP gives it) becomes a change in probability
 * in percentage points, and its direction reads against the goal: raising a conversion is good news, raising
 * the risk of churn is bad news, and the colours follow. Log-odds stay available for data scientists.
 */
import type { InstanceSummary } from "../loaders/contract/schema.js";
import type { Bucket } from "../loaders/contract/buckets.js";
import { DIRECTION_COLORS } from "./chart-style.js";
import { MISSING } from "./format.js";

/** What an instance predicts: a conversion (the goal will occur) or churn (it will not). */
export type GoalType = "conversion" | "churn";

/** The logistic function: log-odds to probability. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Probability to log-odds (clamped away from 0 and 1). */
export function logit(p: number): number {
  const q = Math.min(1 - 1e-9, Math.max(1e-9, p));
  return Math.log(q / (1 - q));
}

/** The change in probability (a share, -1 to 1) that adding `contribution` log-odds makes to probability `p`. */
export function probabilityChange(p: number, contribution: number): number {
  return sigmoid(logit(p) + contribution) - p;
}

/**
 * A change in probability (a share) in percentage points: 0.032 → "+3.2 points", -0.0004 → "−0.04 points",
 * tiny changes keep their sign ("+<0.01 points").
 */
export function formatPoints(change: number | null | undefined): string {
  if (typeof change !== "number" || !Number.isFinite(change)) return MISSING;
  const points = 100 * change;
  const size = Math.abs(points);
  if (size === 0) return "0 points";
  const sign = points > 0 ? "+" : "−";
  if (size < 0.01) return `${sign}<0.01 points`;
  const text = size.toLocaleString("en-US", { maximumFractionDigits: size >= 10 ? 0 : size >= 1 ? 1 : 2 });
  return `${sign}${text} point${text === "1" ? "" : "s"}`;
}

/** An effect in words that follow the goal, with its size: "raises the risk by 3.2 points". */
export function effectInWords(contribution: number, change: number, type: GoalType): string {
  return `${effectWords(contribution, type)} by ${formatPoints(Math.abs(change)).replace("+", "")}`;
}

/** What the probability is of, in one word for effects: "likelihood" (conversion) or "risk" (churn). */
export function goalNoun(type: GoalType): "likelihood" | "risk" {
  return type === "churn" ? "risk" : "likelihood";
}

/** The direction of a contribution in words that follow the goal: "raises the risk", "lowers the likelihood". */
export function effectWords(contribution: number, type: GoalType): string {
  return `${contribution >= 0 ? "raises" : "lowers"} the ${goalNoun(type)}`;
}

/** Whether a contribution is good news for the goal: raising a conversion, lowering the risk of churn. */
export function isGood(contribution: number, type: GoalType): boolean {
  return type === "churn" ? contribution < 0 : contribution >= 0;
}

/** Colour of an effect: the "good" colour when it helps the goal, the "bad" one when it hurts. */
export function effectColor(contribution: number, type: GoalType): string {
  return isGood(contribution, type) ? DIRECTION_COLORS.raises : DIRECTION_COLORS.lowers;
}

/**
 * Plot's colour scale for effects named by `effectWords`: for a conversion "raises the likelihood" has the good
 * colour, for churn "raises the risk" has the bad one.
 */
export function effectColorScale(
  type: GoalType,
  legend = true,
): { type: "ordinal"; domain: string[]; range: string[]; legend: boolean } {
  const raises = effectWords(1, type);
  const lowers = effectWords(-1, type);
  return { type: "ordinal", domain: [raises, lowers], range: [effectColor(1, type), effectColor(-1, type)], legend };
}

/** What turning log-odds into points needs: the goal, and the mean probability of everyone and of each bucket. */
export interface EffectContext {
  type: GoalType;
  /** Mean probability of the scored people. */
  probability: number;
  /** Mean probability of each bucket's people. */
  buckets: Partial<Record<Bucket, number>>;
  /** ISO 4217 code of amounts, or null. */
  currency: string | null;
}

/** The effect context of an instance, from its summary. */
export function effectContext(
  summary: Pick<InstanceSummary, "type" | "buckets" | "expectedPositives" | "scored" | "currency">,
): EffectContext {
  const buckets: Partial<Record<Bucket, number>> = {};
  for (const c of summary.buckets.counts) if (c.people > 0) buckets[c.bucket] = c.meanProbability;
  return {
    type: summary.type,
    probability: summary.scored ? summary.expectedPositives / summary.scored : 0.5,
    buckets,
    currency: summary.currency ?? null,
  };
}

/**
 * The change in probability (a share) that a contribution made for a person whose probability, with it, is `p`:
 * p minus the probability without it. An approximation for groups (the mean contribution at the group's mean
 * probability), exact in log-odds.
 */
export function pointsOf(contribution: number, p: number): number {
  return p - sigmoid(logit(p) - contribution);
}
