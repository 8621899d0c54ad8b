/**
 * Instances in words for the pages: the goal, what a probability means, who is eligible, ready-made segments and
 * the known limits of the model.
 */
import type { Condition, ResolvedGroup, ResolvedInstance } from "../config/types.js";
import type { InstanceSummary } from "./schema.js";

const OPS: Record<Condition["op"], string> = {
  equals: "is",
  notEquals: "is not",
  in: "is one of",
  startsWith: "starts with",
  contains: "contains",
  exists: "is present",
  gt: "is above",
  gte: "is at least",
  lt: "is below",
  lte: "is at most",
  between: "is between",
};

/** A field path in words: `commerce.order.priceTotal` -> "commerce order price total". */
function fieldWords(field: string): string {
  return field
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/[._\s]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase())
    .join(" ");
}

/** One condition in words, e.g. "event type is commerce.purchases". */
export function conditionText(c: Condition): string {
  const field = fieldWords(c.field);
  const v = c.value;
  let text: string;
  if (c.op === "exists") text = `${field} ${v === false ? "is missing" : "is present"}`;
  else if (c.op === "between" && Array.isArray(v)) text = `${field} is between ${v[0]} and ${v[1]}`;
  else if (Array.isArray(v)) text = `${field} ${OPS[c.op]} ${v.join(", ")}`;
  else text = `${field} ${OPS[c.op]} ${String(v)}`;
  return c.not ? `not (${text})` : text;
}

/** A condition group in words. */
export function groupText(g: ResolvedGroup): string {
  return g.conditions.map(conditionText).join(g.match === "all" ? " and " : " or ");
}

/** Goal, outcome and eligibility sentences of an instance. */
export function instanceTexts(inst: ResolvedInstance): Pick<InstanceSummary, "goalText" | "outcomeText" | "eligibleText"> {
  const goal = groupText(inst.goal);
  const days = `${inst.window} day${inst.window === 1 ? "" : "s"}`;
  const goalText =
    inst.type === "conversion"
      ? `Will occur: an event where ${goal}, within ${days} of the as-of date.`
      : `Will not occur: no event where ${goal}, within ${days} of the as-of date (churn).`;
  const outcomeText =
    inst.type === "conversion"
      ? `Probability of an event where ${goal} in the next ${days}.`
      : `Probability of no event where ${goal} in the next ${days}.`;
  const extra = [inst.eligible.activity, inst.eligible.events, inst.eligible.attributes]
    .filter((g): g is ResolvedGroup => g !== null)
    .map((g) => `, with ${groupText(g)}`)
    .join("");
  const within = inst.eligible.activeWithinDays;
  const eligibleText = within === null ? `Everyone with any activity before the as-of date${extra}.` : `People with any activity in the ${within} days before the as-of date${extra}.`;
  return { goalText, outcomeText, eligibleText };
}

/** Ready-made segments of an instance. */
export function suggestedSegments(inst: ResolvedInstance): InstanceSummary["suggestedSegments"] {
  if (inst.type === "churn") {
    return [
      { name: "High churn risk", description: "Everyone in the High bucket.", where: [{ field: "bucket", op: "in", value: ["High"] }] },
      { name: "Riskiest 20%", description: "The 20% most likely to churn.", where: [{ field: "percentile", op: "between", value: [81, 100] }] },
      { name: "Likely to stay", description: "The 25% least likely to churn.", where: [{ field: "percentile", op: "between", value: [1, 25] }] },
    ];
  }
  return [
    { name: "Ready to buy", description: "The top 20% by likelihood.", where: [{ field: "percentile", op: "between", value: [81, 100] }] },
    { name: "Long shots", description: "The 25th to 65th percentile: unlikely, but not hopeless.", where: [{ field: "percentile", op: "between", value: [25, 65] }] },
    { name: "High likelihood", description: "Everyone in the High bucket.", where: [{ field: "bucket", op: "in", value: ["High"] }] },
  ];
}

/** Limits of a model, in words, from what the run knows. */
export function modelLimits(inst: ResolvedInstance, facts: { lastDay: string; trainRate: number; testRate: number; profileAttributes: number }): string[] {
  const limits = [
    `The model learned from behaviour up to ${facts.lastDay}; changes in behaviour, offers or tracking after that are not reflected until it is retrained.`,
    inst.eligible.activeWithinDays === null
      ? "Everyone with activity before the as-of date is scored, however long ago it was."
      : `Only eligible people are scored: those inactive for more than ${inst.eligible.activeWithinDays} days get no score.`,
    `The outcome rate was ${(100 * facts.trainRate).toFixed(1)}% in training and ${(100 * facts.testRate).toFixed(1)}% in the latest test period; probabilities assume the rate stays near the recent one.`,
    "Influential factors show what drives the model's score, not what causes the outcome.",
  ];
  if (facts.profileAttributes > 0) {
    limits.push("Profile attributes are taken as they are in the profile export, not as they were at each past cutoff; attributes that change because of the outcome can inflate the measured quality.");
  }
  return limits;
}
