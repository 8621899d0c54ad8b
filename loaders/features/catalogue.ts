/**
 * The feature catalogue of an instance: every feature's stable name, human label, kind (numeric or categorical,
 * with its category dictionary), unit and group, in matrix column order. Per kind of event (event type, custom
 * event, activity) there are eight statistics; then person-level features (monetary, regularity, email
 * engagement, channel and device shares, tenure, profile attributes); then whole-history summaries of the goal and
 * of activity (`history.ts`).
 */
import type { AttributeStorage } from "../ingest/profiles-sql.js";
import { type HistoryKind, historyColumns, historyDefs } from "./history.js";
import { type EventNoun, capitalise } from "./names.js";

/** One feature (one matrix column). */
export interface FeatureDef {
  /** Stable identifier, e.g. `event.commerce.purchases.count_30d`. */
  name: string;
  /** For people, e.g. "Purchases in the last 30 days". */
  label: string;
  kind: "numeric" | "categorical";
  /** `count`, `days`, `amount`, `share`, `log ratio`, `ratio`, or null (plain value, category). */
  unit: string | null;
  group: "behaviour" | "history" | "monetary" | "regularity" | "engagement" | "channel" | "tenure" | "profile";
  /** Category labels by code, for categorical features (the last may be "(other)"). Missing values are NaN. */
  categories?: string[];
}

/** A kind of event counted per person. */
export interface KindDef {
  /** Feature name prefix, e.g. `event.commerce.purchases`, `custom.offersView`, `activity`. */
  key: string;
  noun: EventNoun;
  /** Event type code, or null for flag-based kinds. */
  type: number | null;
  /** Flag column (custom event, activity), or null. */
  flag: string | null;
}

/** Where a person-level feature comes from (translated to SQL by `features/person-sql.ts`). */
export type PersonSource =
  | { kind: "amount"; stat: "sum" | "mean" | "max"; window: number }
  | { kind: "share"; dimension: "ch" | "dev"; code: number }
  | EmailSource<number>
  | { kind: "tenure" }
  | { kind: "attribute"; index: number; storage: AttributeStorage; categories: string[] | null };

/** An email rate over `window` days, from the event types of the sends, opens and clicks (codes, or names). */
export interface EmailSource<EventType> {
  kind: "email";
  rate: "open" | "click" | "clickToOpen";
  window: number;
  sent: EventType;
  opened: EventType;
  clicked: EventType;
}

/** A person-level feature with its source. */
export interface PersonFeature {
  def: FeatureDef;
  source: PersonSource;
}

/** Everything that determines an instance's features. */
export interface FeatureLayout {
  lookback: number;
  /** Count windows shorter than the lookback. */
  windows: number[];
  trend: { recent: number; earlier: number } | null;
  kinds: KindDef[];
  /** Regularity features (mean gap between active days, days since last relative to it) of this kind (index into
   * `kinds`, usually purchases), or null. */
  regularity: number | null;
  person: PersonFeature[];
  /** Whole-history summaries (after the person-level features), and the window the BG/NBD columns predict. */
  history: HistoryKind[];
  window: number;
}

/** Number of columns per kind: a count per window and for the lookback, days since last and first, active days,
 * and the trend when the lookback is long enough. */
export function statsPerKind(layout: FeatureLayout): number {
  return layout.windows.length + 1 + 3 + (layout.trend ? 1 : 0);
}

/** Column of the first regularity feature (after the per-kind statistics). */
export function regularityColumn(layout: FeatureLayout): number {
  return layout.kinds.length * statsPerKind(layout);
}

/** Column of the first person-level feature. */
export function personColumn(layout: FeatureLayout): number {
  return regularityColumn(layout) + (layout.regularity !== null ? 2 : 0);
}

/** Column of the first column of each history kind. */
export function historyColumnsAt(layout: FeatureLayout): number[] {
  let at = personColumn(layout) + layout.person.length;
  return layout.history.map((kind) => {
    const start = at;
    at += historyColumns(kind).length;
    return start;
  });
}

/** The catalogue in matrix column order. */
export function catalogueOf(layout: FeatureLayout): FeatureDef[] {
  const out: FeatureDef[] = [];
  const L = layout.lookback;
  const behaviour = (name: string, label: string, unit: string): FeatureDef => {
    return { name, label, kind: "numeric", unit, group: "behaviour" };
  };
  for (const k of layout.kinds) {
    const many = capitalise(k.noun.many);
    for (const w of [...layout.windows, L]) {
      out.push(behaviour(`${k.key}.count_${w}d`, `${many} in the last ${w} days`, "count"));
    }
    const one = k.noun.one;
    out.push(behaviour(`${k.key}.days_since_last`, `Days since last ${one}`, "days"));
    out.push(behaviour(`${k.key}.days_since_first`, `Days since first ${one} (within ${L} days)`, "days"));
    const article = /^[aeiou]/i.test(one) ? "an" : "a";
    out.push(behaviour(`${k.key}.active_days`, `Days with ${article} ${one} in the last ${L} days`, "days"));
    const t = layout.trend;
    if (t) {
      out.push({
        name: `${k.key}.trend`,
        label: `${capitalise(k.noun.one)} trend: last ${t.recent} days vs the ${t.earlier} days before`,
        kind: "numeric",
        unit: "log ratio",
        group: "behaviour",
      });
    }
  }
  if (layout.regularity !== null) {
    const noun = layout.kinds[layout.regularity].noun;
    const regularity = (name: string, label: string, unit: string): FeatureDef => {
      return { name, label, kind: "numeric", unit, group: "regularity" };
    };
    out.push(
      regularity("regularity.mean_gap_days", `Average days between ${noun.one} days (last ${L} days)`, "days"),
      regularity("regularity.overdue_ratio", `Days since last ${noun.one} relative to the usual gap`, "ratio"),
    );
  }
  for (const p of layout.person) out.push(p.def);
  for (const kind of layout.history) out.push(...historyDefs(kind, layout.window));
  return out;
}
