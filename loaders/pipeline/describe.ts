/**
 * Instances in words for the pages: the goal, what a probability means, who is eligible, ready-made segments and
 * the known limits of the model.
 */
import type { Condition, ResolvedConfig, ResolvedGroup, ResolvedInstance } from "../config/types.js";
import type { FeatureDef } from "../features/catalogue.js";
import { type EventNoun, eventTypeNoun, slug } from "../features/names.js";
import type { FeatureInfo, Insights, InstanceSummary } from "../contract/schema.js";

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

/** What a group of event conditions selects, in words a marketer would use. */
export interface EventsPhrase {
  /** `types`: some event types; `except`: every event but some types; `other`: any other condition. */
  kind: "types" | "except" | "other";
  /** At least one such event, with its article: "a purchase", "a page view or a checkout", "an event where ...". */
  some: string;
  /** None of them: "no purchase", "no activity other than emails sent". */
  none: string;
  /** The names of the types ("emails sent") for `except`, "" otherwise. */
  except: string;
  /** What a person does, when one verb says it: "buy". */
  verb: string | null;
}

function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? "an" : "a"} ${noun}`;
}

/** "a", "a or b", "a, b or c". */
function joinOr(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

/**
 * A condition group on events in plain words: event types by name (the configuration's `eventLabels`, else the
 * XDM defaults: commerce.purchases is "purchase"), other conditions as they are written.
 */
export function eventsPhrase(g: ResolvedGroup, labels: Record<string, EventNoun> = {}): EventsPhrase {
  const types = g.conditions.filter((c) => c.field === "eventType");
  const rest = g.conditions.filter((c) => c.field !== "eventType");
  const type = types[0];
  if (
    (g.match === "all" || g.conditions.length === 1) &&
    types.length === 1 &&
    type &&
    (type.op === "equals" || type.op === "notEquals" || type.op === "in")
  ) {
    const where = rest.length ? ` where ${rest.map(conditionText).join(" and ")}` : "";
    const nouns = (Array.isArray(type.value) ? type.value : [type.value]).map((v) => eventTypeNoun(String(v), labels));
    if ((type.op !== "notEquals") !== Boolean(type.not)) {
      return {
        kind: "types",
        some: joinOr(nouns.map((n) => withArticle(n.one))) + where,
        none: `no ${joinOr(nouns.map((n) => n.one))}${where}`,
        except: "",
        verb: nouns.length === 1 && !where ? (nouns[0]!.verb ?? null) : null,
      };
    }
    const except = joinOr(nouns.map((n) => n.many));
    return {
      kind: "except",
      some: `any activity other than ${except}${where}`,
      none: `no activity other than ${except}${where}`,
      except,
      verb: null,
    };
  }
  const text = groupText(g);
  return { kind: "other", some: `an event where ${text}`, none: `no event where ${text}`, except: "", verb: null };
}

/** The goal as what people will do: "buy", or "go inactive" with the detail "no activity other than emails sent". */
function goalPhrase(
  inst: ResolvedInstance,
  labels: Record<string, EventNoun>,
): { verb: string; detail: string | null } {
  const e = eventsPhrase(inst.goal, labels);
  if (inst.type === "conversion") {
    if (e.verb) return { verb: e.verb, detail: null };
    return e.kind === "except" ? { verb: "be active", detail: e.some } : { verb: `have ${e.some}`, detail: null };
  }
  if (e.verb) return { verb: `not ${e.verb}`, detail: null };
  return e.kind === "except" ? { verb: "go inactive", detail: e.none } : { verb: `have ${e.none}`, detail: null };
}

/** Who is scored, in plain words. */
function eligiblePhrase(inst: ResolvedInstance, labels: Record<string, EventNoun>, lookbackDays?: number): string {
  const { activeWithinDays, activity, events, attributes } = inst.eligible;
  const when =
    activeWithinDays === null
      ? "at any time before the as-of date"
      : `in the ${activeWithinDays} days before the as-of date`;
  const a = activity ? eventsPhrase(activity, labels) : null;
  let text =
    a === null
      ? `People active ${when}`
      : a.kind === "except"
        ? `People active ${when}, not counting ${a.except}`
        : `People with ${a.some} ${when}`;
  if (events)
    text += `, with ${eventsPhrase(events, labels).some} in the ${lookbackDays ? `${lookbackDays} days` : "feature lookback"} before it`;
  if (attributes) text += `, whose profile has ${groupText(attributes)}`;
  return `${text}.`;
}

/** What probability, score, percentile and bucket mean, in one line, with the instance's bucket rule. */
function scoreTerms(inst: ResolvedInstance, goal: string): string {
  const { on, high, medium } = inst.buckets;
  return (
    `A person's probability is how likely they are to ${goal}; their score is that probability out of 100 (80 means 80%); ` +
    "their percentile ranks them against everyone scored (100 is the top 1%); " +
    `their bucket is High from a ${on} of ${high}, Medium from ${medium} to ${high - 1} and Low below ${medium}.`
  );
}

/** The sentences of an instance, for the pages (produced at build time: the browser only shows them). */
export interface InstanceTexts {
  goalText: string;
  outcomeText: string;
  eligibleText: string;
  scoreText: string;
  description: string | null;
  rules: { goal: string; eligible: string };
}

/**
 * Goal, outcome and eligibility sentences of an instance in plain words ("People who will buy in the next 30
 * days."), what score, percentile and bucket mean, the configured description, and the exact rules (for data
 * scientists). Event types are named by `config.eventLabels`, else the XDM defaults.
 */
export function instanceTexts(
  inst: ResolvedInstance,
  config?: Pick<ResolvedConfig, "eventLabels" | "features">,
): InstanceTexts {
  const labels = config?.eventLabels ?? {};
  const days = `${inst.window} day${inst.window === 1 ? "" : "s"}`;
  const { verb, detail } = goalPhrase(inst, labels);
  const goalText = `People who will ${verb} in the next ${days}${detail ? `: ${detail}` : ""}.`;
  const goal = `${verb} in the next ${days}${detail ? ` (${detail})` : ""}`;
  const outcomeText = `How likely a person is to ${goal}.`;
  const eligibleText = eligiblePhrase(inst, labels, config?.features.lookbackDays);
  const { activity, events, attributes } = inst.eligible;
  const extra = [
    activity && `; activity: an event where ${groupText(activity)}`,
    events && `; with an event where ${groupText(events)}`,
    attributes && `; profile: ${groupText(attributes)}`,
  ]
    .filter(Boolean)
    .join("");
  const within = inst.eligible.activeWithinDays;
  const rules = {
    goal: `${inst.type === "conversion" ? "At least one" : "No"} event where ${groupText(inst.goal)}, within ${days} after the as-of date.`,
    eligible:
      within === null
        ? `Any activity before the as-of date${extra}.`
        : `Any activity in the ${within} days before the as-of date${extra}.`,
  };
  return {
    goalText,
    outcomeText,
    eligibleText,
    scoreText: scoreTerms(inst, goal),
    description: inst.description ?? null,
    rules,
  };
}

/** Ready-made segments of an instance. */
export function suggestedSegments(inst: ResolvedInstance): InstanceSummary["suggestedSegments"] {
  type Suggested = InstanceSummary["suggestedSegments"][number];
  const high = (name: string): Suggested => ({
    name,
    description: "Everyone in the High bucket.",
    where: [{ field: "bucket", op: "in", value: ["High"] }],
  });
  const percentiles = (name: string, description: string, from: number, to: number): Suggested => ({
    name,
    description,
    where: [{ field: "percentile", op: "between", value: [from, to] }],
  });
  if (inst.type === "churn")
    return [
      high("High churn risk"),
      percentiles("Riskiest 20%", "The 20% most likely to churn.", 81, 100),
      percentiles("Likely to stay", "The 25% least likely to churn.", 1, 25),
    ];
  return [
    percentiles("Ready to buy", "The top 20% by likelihood.", 81, 100),
    percentiles("Long shots", "The 25th to 65th percentile: unlikely, but not hopeless.", 25, 65),
    high("High likelihood"),
  ];
}

/** Limits of a model, in words, from what the run knows. */
export function modelLimits(
  inst: ResolvedInstance,
  facts: { lastDay: string; trainRate: number; testRate: number; profileAttributes: number },
): string[] {
  const limits = [
    `The model learned from behaviour up to ${facts.lastDay}; changes in behaviour, offers or tracking after that are not reflected until it is retrained.`,
    inst.eligible.activeWithinDays === null
      ? "Everyone with activity before the as-of date is scored, however long ago it was."
      : `Only eligible people are scored: those inactive for more than ${inst.eligible.activeWithinDays} days get no score.`,
    `The outcome rate was ${(100 * facts.trainRate).toFixed(1)}% in training and ${(100 * facts.testRate).toFixed(1)}% in the latest test period; probabilities assume the rate stays near the recent one.`,
    "Influential factors show what drives the model's score, not what causes the outcome.",
  ];
  if (facts.profileAttributes > 0) {
    limits.push(
      "Profile attributes are taken as they are in the profile export, not as they were at each past cutoff; attributes that change because of the outcome can inflate the measured quality.",
    );
  }
  return limits;
}

/**
 * The feature catalogue as pages show it, with each categorical feature's natural order: a profile attribute's
 * configured `order` (values it does not list follow in code order), else the mean effect of each category on the
 * score, from the least to the most favourable for the goal (lowest first for a conversion, highest first for
 * churn), so loyalty tiers read bronze, silver, gold when the data says so.
 */
export function featureInfos(
  catalogue: readonly FeatureDef[],
  inst: Pick<ResolvedInstance, "type" | "profileAttributes">,
  insights: Pick<Insights, "categories">,
): FeatureInfo[] {
  return catalogue.map((f, code) => {
    const info: FeatureInfo = {
      name: f.name,
      label: f.label,
      kind: f.kind,
      unit: f.unit,
      group: f.group,
      ...(f.categories ? { categories: f.categories } : {}),
    };
    if (f.kind !== "categorical" || !f.categories) return info;
    const declared = inst.profileAttributes.find((a) => a.order && f.name === `profile.${slug(a.column)}`)?.order;
    const codes = f.categories.map((_, i) => i);
    if (declared) {
      const listed = declared.map((v) => f.categories!.indexOf(v)).filter((i) => i >= 0);
      return { ...info, order: [...listed, ...codes.filter((i) => !listed.includes(i))] };
    }
    const effects = insights.categories?.find((c) => c.feature === code)?.effects;
    if (!effects) return info;
    const effect = (i: number) => effects.find((e) => e.code === i)?.meanContribution ?? 0;
    const sign = inst.type === "churn" ? -1 : 1;
    return { ...info, order: [...codes].sort((a, b) => sign * (effect(a) - effect(b)) || a - b) };
  });
}

/** Names of the data's event types for people, and the currency of amounts (the configuration's, or null). */
export function displaySettings(
  config: Pick<ResolvedConfig, "eventLabels" | "currency">,
  eventTypes: readonly { eventType: string }[],
): Required<Pick<InstanceSummary, "eventLabels" | "currency">> {
  const eventLabels: Record<string, string> = {};
  for (const { eventType } of eventTypes) eventLabels[eventType] = eventTypeNoun(eventType, config.eventLabels).one;
  return { eventLabels, currency: config.currency ?? null };
}
