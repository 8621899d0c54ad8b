/**
 * A feature layout that travels with a saved model. A layout refers to event types, channels and devices by the
 * codes one ingest gave them (by frequency in that data), and to profile attributes by their position; a model
 * saved with those codes could not score other data. The portable form names them instead, and `bindLayout` gives
 * the names the codes of the data being scored, so a frozen model computes exactly the features it was trained on.
 */
import { UserError } from "../config/errors.js";
import type { IngestResult } from "../ingest/ingest.js";
import type { AttributeStorage } from "../ingest/profiles-sql.js";
import type { EmailSource, FeatureDef, FeatureLayout, KindDef, PersonFeature, PersonSource } from "./catalogue.js";
import type { HistoryKind } from "./history.js";

/** A person-level feature's source with names where the layout has codes. */
export type PortableSource =
  | Exclude<PersonSource, { kind: "share" } | { kind: "email" } | { kind: "attribute" }>
  | { kind: "share"; dimension: "ch" | "dev"; value: string }
  | (Omit<EmailSource<string>, "clicked"> & { clicked: string | null })
  | { kind: "attribute"; column: string; storage: AttributeStorage; categories: string[] | null };

/** `FeatureLayout` with event types, channels, devices and attributes named. */
export interface PortableLayout extends Omit<FeatureLayout, "kinds" | "person"> {
  kinds: (Omit<KindDef, "type"> & { eventType: string | null })[];
  person: { def: FeatureDef; source: PortableSource }[];
  history: HistoryKind[];
}

/** The portable form of a layout built on `ingest`. */
export function portableLayout(layout: FeatureLayout, ingest: IngestResult): PortableLayout {
  const { eventTypes, channels, devices } = ingest.events;
  const typeName = (code: number) => eventTypes[code]!.name;
  const person = layout.person.map(({ def, source: s }): PortableLayout["person"][number] => {
    if (s.kind === "share") {
      const value = (s.dimension === "ch" ? channels : devices)[s.code]!;
      return { def, source: { kind: "share", dimension: s.dimension, value } };
    }
    if (s.kind === "email") {
      const clicked = s.clicked < 0 ? null : typeName(s.clicked);
      const [sent, opened] = [typeName(s.sent), typeName(s.opened)];
      return { def, source: { kind: "email", rate: s.rate, window: s.window, sent, opened, clicked } };
    }
    if (s.kind === "attribute") {
      const column = ingest.profiles!.attributes.find((a) => a.index === s.index)!.column;
      return { def, source: { kind: "attribute", column, storage: s.storage, categories: s.categories } };
    }
    return { def, source: s };
  });
  const kinds = layout.kinds.map(({ type, ...k }) => ({ ...k, eventType: type === null ? null : typeName(type) }));
  return { ...layout, kinds, person };
}

/** A code no event has: features of an event type, channel or device the scored data lacks count nothing. */
const ABSENT = -1;

/**
 * The layout of a saved model on the data of `ingest`: names get this data's codes (an event type, channel or
 * device the data lacks counts nothing). A layout the data cannot support (amounts or a profile attribute the model
 * uses are missing, or stored differently) is a `UserError` naming what is missing.
 */
export function bindLayout(portable: PortableLayout, ingest: IngestResult, model: string): FeatureLayout {
  const { eventTypes, channels, devices, hasAmount } = ingest.events;
  const code = (list: readonly string[], value: string) => {
    const i = list.indexOf(value);
    return i < 0 ? ABSENT : i;
  };
  const typeCode = (name: string) =>
    code(
      eventTypes.map((t) => t.name),
      name,
    );
  const needsAmount = portable.person.some((p) => p.source.kind === "amount") || portable.history.some((h) => h.amount);
  if (needsAmount && !hasAmount) {
    throw new UserError(
      "model",
      `the model in ${model} uses amounts, and these events have none: ` +
        "map the amount column in inputs.events, or retrain",
    );
  }
  const person = portable.person.map(({ def, source: s }): PersonFeature => {
    if (s.kind === "share") {
      const shareCode = code(s.dimension === "ch" ? channels : devices, s.value);
      return { def, source: { kind: "share", dimension: s.dimension, code: shareCode } };
    }
    if (s.kind === "email") {
      const clicked = s.clicked === null ? ABSENT : typeCode(s.clicked);
      return { def, source: { ...s, sent: typeCode(s.sent), opened: typeCode(s.opened), clicked } };
    }
    if (s.kind === "attribute") {
      const stored = ingest.profiles?.attributes.find((a) => a.column === s.column);
      if (!stored || stored.storage !== s.storage) {
        const found = stored ? `is read as ${stored.storage}` : "is not in inputs.profiles";
        throw new UserError(
          "model",
          `the model in ${model} uses the profile attribute "${s.column}" (${s.storage}), which ${found}: ` +
            "add it to the instance's profileAttributes with the same data, or retrain",
        );
      }
      return { def, source: { kind: "attribute", index: stored.index, storage: s.storage, categories: s.categories } };
    }
    return { def, source: s };
  });
  const kinds = portable.kinds.map(({ eventType, ...k }) => {
    return { ...k, type: eventType === null ? null : typeCode(eventType) };
  });
  return { ...portable, kinds, person };
}
