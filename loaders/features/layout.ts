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
import type { FeatureLayout, KindDef, PersonFeature } from "./catalogue.js";
import type { HistoryKind } from "./history.js";
import { type EventNoun, capitalise, eventTypeNoun, slug } from "./names.js";

/** Count windows (days) used when shorter than the lookback. */
export const COUNT_WINDOWS = [7, 30, 90] as const;

/** Builds the feature layout of an instance. */
export async function layoutOf(session: Session, ingest: IngestResult, instance: ResolvedInstance): Promise<FeatureLayout> {
  const { config, events } = ingest;
  const flags = events.flags.instances[instance.index];
  const L = config.features.lookbackDays;
  const windows = COUNT_WINDOWS.filter((w) => w < L);
  const trend = L >= 60 ? { recent: 30, earlier: Math.min(90, L) - 30 } : null;
  const codeOf = (name: string) => {
    const i = events.eventTypes.findIndex((t) => t.name === name && t.events > 0);
    return i < 0 ? null : i;
  };

  const kinds: KindDef[] = events.eventTypes
    .map((t, code) => ({ ...t, code }))
    .filter((t) => t.events > 0)
    .slice(0, config.features.maxEventTypes)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((t) => ({ key: `event.${slug(t.name)}`, noun: eventTypeNoun(t.name, config.eventLabels), type: t.code, flag: null }));
  for (const ce of flags.customEvents) {
    kinds.push({ key: `custom.${ce.name}`, noun: { one: ce.label.toLowerCase(), many: ce.plural.toLowerCase() }, type: null, flag: ce.column });
  }
  // Activity (every event, or the instance's activity events) unless it would repeat the only event type.
  const typeKinds = kinds.filter((k) => k.type !== null).length;
  const allTypes = events.eventTypes.filter((t) => t.events > 0).length;
  if (flags.activity !== null || typeKinds !== 1 || allTypes !== 1) {
    kinds.push({ key: "activity", noun: { one: "activity event", many: "activity events" }, type: null, flag: flags.activity });
  }

  const person: PersonFeature[] = [];
  if (events.hasAmount) {
    for (const w of [...windows.filter((x) => x >= 30), L]) {
      const span = `in the last ${w} days`;
      person.push(
        { def: { name: `amount.sum_${w}d`, label: `Amount ${span}`, kind: "numeric", unit: "amount", group: "monetary" }, source: { kind: "amount", stat: "sum", window: w } },
        { def: { name: `amount.mean_${w}d`, label: `Average amount per transaction ${span}`, kind: "numeric", unit: "amount", group: "monetary" }, source: { kind: "amount", stat: "mean", window: w } },
        { def: { name: `amount.max_${w}d`, label: `Largest amount ${span}`, kind: "numeric", unit: "amount", group: "monetary" }, source: { kind: "amount", stat: "max", window: w } },
      );
    }
  }
  const email = config.features.email;
  const [sent, opened, clicked] = [codeOf(email.sent), codeOf(email.opened), codeOf(email.clicked)];
  const ew = Math.min(90, L);
  if (sent !== null && opened !== null) {
    const codes = { sent, opened, clicked: clicked ?? -1 };
    person.push({ def: { name: "email.open_rate", label: `Email open rate (last ${ew} days)`, kind: "numeric", unit: "share", group: "engagement" }, source: { kind: "email", rate: "open", window: ew, ...codes } });
    if (clicked !== null) {
      person.push(
        { def: { name: "email.click_rate", label: `Email click rate (last ${ew} days)`, kind: "numeric", unit: "share", group: "engagement" }, source: { kind: "email", rate: "click", window: ew, ...codes } },
        { def: { name: "email.click_to_open_rate", label: `Email click-to-open rate (last ${ew} days)`, kind: "numeric", unit: "share", group: "engagement" }, source: { kind: "email", rate: "clickToOpen", window: ew, ...codes } },
      );
    }
  }
  events.channels.forEach((value, code) =>
    person.push({ def: { name: `channel.${slug(value)}.share`, label: `Share of events via ${value} (last ${L} days)`, kind: "numeric", unit: "share", group: "channel" }, source: { kind: "share", dimension: "ch", code } }),
  );
  events.devices.forEach((value, code) =>
    person.push({ def: { name: `device.${slug(value)}.share`, label: `Share of events on ${value} (last ${L} days)`, kind: "numeric", unit: "share", group: "channel" }, source: { kind: "share", dimension: "dev", code } }),
  );
  person.push({ def: { name: "tenure_days", label: "Days since first event", kind: "numeric", unit: "days", group: "tenure" }, source: { kind: "tenure" } });

  for (const a of instance.profileAttributes) {
    const stored = ingest.profiles!.attributes.find((x) => x.column === a.column)!;
    const name = `profile.${slug(a.column)}`;
    if (stored.storage === "text") {
      const limit = config.features.maxCategories;
      const top = (await session.rows(categoriesSql(attributeRef(stored.index), limit + 1))).map((r) => String(r.value));
      const categories = top.length > limit ? [...top.slice(0, limit - 1), "(other)"] : top;
      const known = top.length > limit ? top.slice(0, limit - 1) : top;
      person.push({ def: { name, label: a.label, kind: "categorical", unit: null, group: "profile", categories }, source: { kind: "attribute", index: stored.index, storage: "text", categories: known } });
    } else {
      const label = stored.storage === "date" ? `Days since ${a.label.charAt(0).toLowerCase()}${a.label.slice(1)}` : capitalise(a.label);
      const unit = stored.storage === "date" ? "days" : stored.storage === "boolean" ? "flag" : null;
      person.push({ def: { name, label, kind: "numeric", unit, group: "profile" }, source: { kind: "attribute", index: stored.index, storage: stored.storage, categories: null } });
    }
  }
  const purchase = codeOf(config.features.purchaseEventType);
  const regularityKind = kinds.findIndex((k) => k.type !== null && k.type === purchase);
  const history: HistoryKind[] = [
    { key: "history.goal", noun: goalNoun(instance, events.eventTypes, config.eventLabels), flag: flags.goal, amount: events.hasAmount, btyd: true },
    { key: "history.activity", noun: { one: "activity event", many: "activity events" }, flag: flags.activity, amount: false, btyd: false },
  ];
  return { lookback: L, windows, trend, kinds, regularity: regularityKind < 0 ? null : regularityKind, person, history, window: instance.window };
}

/** What a goal event is called: the event type's name when the goal is one event type, else "goal event". */
function goalNoun(instance: ResolvedInstance, eventTypes: readonly { name: string }[], labels: Record<string, EventNoun>): EventNoun {
  const type = instance.goal.conditions.find((c) => c.field === "eventType" && c.op === "equals" && !c.not);
  if (type && typeof type.value === "string" && eventTypes.some((t) => t.name === type.value)) return eventTypeNoun(type.value, labels);
  return { one: "goal event", many: "goal events" };
}
