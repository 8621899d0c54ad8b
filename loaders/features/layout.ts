/**
 * Decides an instance's features from the configuration and what ingest found: which event types get their own
 * features (the most frequent, up to `features.maxEventTypes`), custom events, activity, windows and trend, and
 * the person-level features that the data supports (amounts, purchases, emails, channels, devices, profiles).
 */
import type { ResolvedInstance } from "../config/types.js";
import type { IngestResult } from "../ingest/ingest.js";
import type { Session } from "../ingest/session.js";
import { categoriesSql } from "./sql.js";
import { attributeRef } from "../ingest/profiles-sql.js";
import type { FeatureDef, FeatureLayout, KindDef, PersonFeature, PersonSource } from "./catalogue.js";
import type { HistoryKind } from "./history.js";
import { type EventNoun, capitalise, eventTypeNoun, slug } from "./names.js";

/** Count windows (days) used when shorter than the lookback. */
const COUNT_WINDOWS = [7, 30, 90] as const;

/** Builds the feature layout of an instance: its kinds of event, person-level features and history kinds. */
export async function layoutOf(
  session: Session,
  ingest: IngestResult,
  instance: ResolvedInstance,
): Promise<FeatureLayout> {
  const { config, events } = ingest;
  const flags = events.flags.instances[instance.index];
  const L = config.features.lookbackDays;
  const windows = COUNT_WINDOWS.filter((w) => w < L);
  const trend = L >= 60 ? { recent: 30, earlier: Math.min(90, L) - 30 } : null;
  const kinds = eventKinds(ingest, instance);
  const person = [...behaviourFeatures(ingest, windows), ...(await profileFeatures(session, ingest, instance))];
  const purchase = eventTypeCode(ingest, config.features.purchaseEventType);
  const regularityKind = kinds.findIndex((k) => k.type !== null && k.type === purchase);
  const goal = goalNoun(instance, events.eventTypes, config.eventLabels);
  const history: HistoryKind[] = [
    { key: "history.goal", noun: goal, flag: flags.goal, amount: events.hasAmount, btyd: true },
    { key: "history.activity", noun: ACTIVITY, flag: flags.activity, amount: false, btyd: false },
  ];
  const regularity = regularityKind < 0 ? null : regularityKind;
  return { lookback: L, windows, trend, kinds, regularity, person, history, window: instance.window };
}

/** What an activity event is called. */
const ACTIVITY: EventNoun = { one: "activity event", many: "activity events" };

/** The code of an event type with used events, or null. */
function eventTypeCode(ingest: IngestResult, name: string): number | null {
  const i = ingest.events.eventTypes.findIndex((t) => t.name === name && t.events > 0);
  return i < 0 ? null : i;
}

/** The kinds of event counted: the most frequent event types (up to `features.maxEventTypes`, in name order), the
 * instance's custom events, then activity (every event, or the instance's activity events) unless it would repeat
 * the only event type. */
function eventKinds(ingest: IngestResult, instance: ResolvedInstance): KindDef[] {
  const { config, events } = ingest;
  const flags = events.flags.instances[instance.index];
  const kinds: KindDef[] = events.eventTypes
    .map((t, code) => ({ ...t, code }))
    .filter((t) => t.events > 0)
    .slice(0, config.features.maxEventTypes)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((t) => {
      const noun = eventTypeNoun(t.name, config.eventLabels);
      return { key: `event.${slug(t.name)}`, noun, type: t.code, flag: null };
    });
  for (const ce of flags.customEvents) {
    const noun = { one: ce.label.toLowerCase(), many: ce.plural.toLowerCase() };
    kinds.push({ key: `custom.${ce.name}`, noun, type: null, flag: ce.column });
  }
  const typeKinds = kinds.filter((k) => k.type !== null).length;
  const allTypes = events.eventTypes.filter((t) => t.events > 0).length;
  if (flags.activity !== null || typeKinds !== 1 || allTypes !== 1) {
    kinds.push({ key: "activity", noun: ACTIVITY, type: null, flag: flags.activity });
  }
  return kinds;
}

/** A numeric person-level feature. */
function numeric(
  name: string,
  label: string,
  unit: string,
  group: FeatureDef["group"],
  source: PersonSource,
): PersonFeature {
  return { def: { name, label, kind: "numeric", unit, group }, source };
}

/** The person-level features of behaviour that the data supports: amounts per window, email engagement rates,
 * channel and device shares, tenure. */
function behaviourFeatures(ingest: IngestResult, windows: readonly number[]): PersonFeature[] {
  const { config, events } = ingest;
  const L = config.features.lookbackDays;
  const person: PersonFeature[] = [];
  if (events.hasAmount) {
    for (const w of [...windows.filter((x) => x >= 30), L]) {
      const span = `in the last ${w} days`;
      const amount = (stat: "sum" | "mean" | "max", label: string) =>
        numeric(`amount.${stat}_${w}d`, `${label} ${span}`, "amount", "monetary", { kind: "amount", stat, window: w });
      person.push(amount("sum", "Amount"), amount("mean", "Average amount per transaction"));
      person.push(amount("max", "Largest amount"));
    }
  }
  const email = config.features.email;
  const codeOf = (name: string) => eventTypeCode(ingest, name);
  const [sent, opened, clicked] = [codeOf(email.sent), codeOf(email.opened), codeOf(email.clicked)];
  const ew = Math.min(90, L);
  if (sent !== null && opened !== null) {
    const codes = { sent, opened, clicked: clicked ?? -1 };
    const rate = (name: string, what: string, rate: "open" | "click" | "clickToOpen") => {
      const source = { kind: "email", rate, window: ew, ...codes } as const;
      return numeric(name, `Email ${what} rate (last ${ew} days)`, "share", "engagement", source);
    };
    person.push(rate("email.open_rate", "open", "open"));
    if (clicked !== null) {
      person.push(rate("email.click_rate", "click", "click"));
      person.push(rate("email.click_to_open_rate", "click-to-open", "clickToOpen"));
    }
  }
  events.channels.forEach((value, code) => {
    const label = `Share of events via ${value} (last ${L} days)`;
    const source = { kind: "share", dimension: "ch", code } as const;
    person.push(numeric(`channel.${slug(value)}.share`, label, "share", "channel", source));
  });
  events.devices.forEach((value, code) => {
    const label = `Share of events on ${value} (last ${L} days)`;
    const source = { kind: "share", dimension: "dev", code } as const;
    person.push(numeric(`device.${slug(value)}.share`, label, "share", "channel", source));
  });
  person.push(numeric("tenure_days", "Days since first event", "days", "tenure", { kind: "tenure" }));
  return person;
}

/** The person-level features of the instance's profile attributes: text attributes coded by their most frequent
 * values (up to `features.maxCategories`, the rest "(other)"), dates as days since, numbers and flags as they are. */
async function profileFeatures(
  session: Session,
  ingest: IngestResult,
  instance: ResolvedInstance,
): Promise<PersonFeature[]> {
  const person: PersonFeature[] = [];
  for (const a of instance.profileAttributes) {
    const stored = ingest.profiles!.attributes.find((x) => x.column === a.column)!;
    const name = `profile.${slug(a.column)}`;
    if (stored.storage === "text") {
      const limit = ingest.config.features.maxCategories;
      const rows = await session.rows(categoriesSql(attributeRef(stored.index), limit + 1));
      const top = rows.map((r) => String(r.value));
      const categories = top.length > limit ? [...top.slice(0, limit - 1), "(other)"] : top;
      const known = top.length > limit ? top.slice(0, limit - 1) : top;
      person.push({
        def: { name, label: a.label, kind: "categorical", unit: null, group: "profile", categories },
        source: { kind: "attribute", index: stored.index, storage: "text", categories: known },
      });
    } else {
      const date = stored.storage === "date";
      const label = date ? `Days since ${a.label.charAt(0).toLowerCase()}${a.label.slice(1)}` : capitalise(a.label);
      const unit = date ? "days" : stored.storage === "boolean" ? "flag" : null;
      const source = { kind: "attribute", index: stored.index, storage: stored.storage, categories: null } as const;
      person.push({ def: { name, label, kind: "numeric", unit, group: "profile" }, source });
    }
  }
  return person;
}

/** What a goal event is called: the event type's name when the goal is one event type, else "goal event". */
function goalNoun(
  instance: ResolvedInstance,
  eventTypes: readonly { name: string }[],
  labels: Record<string, EventNoun>,
): EventNoun {
  const type = instance.goal.conditions.find((c) => c.field === "eventType" && c.op === "equals" && !c.not);
  const value = type?.value;
  if (typeof value === "string" && eventTypes.some((t) => t.name === value)) return eventTypeNoun(value, labels);
  return { one: "goal event", many: "goal events" };
}
