/**
 * Human names of event types and custom events for feature labels and sentences: the configuration's
 * `eventLabels` first, then curated names of known XDM event types ("purchase", "email open", with what a person
 * does: "buy"); others are made readable from the type's last segment.
 */
import { pluralOf, readable } from "../config/validate.js";

/** Singular and plural display names of a kind of event, and what a person does, as a verb ("buy"), if known. */
export interface EventNoun {
  one: string;
  many: string;
  verb?: string;
}

const KNOWN: Record<string, EventNoun> = {
  "web.webpagedetails.pageViews": { one: "page view", many: "page views", verb: "view a page" },
  "commerce.productViews": { one: "product view", many: "product views", verb: "view a product" },
  "commerce.productListAdds": { one: "cart add", many: "cart adds", verb: "add to the cart" },
  "commerce.productListRemovals": { one: "cart removal", many: "cart removals", verb: "remove from the cart" },
  "commerce.checkouts": { one: "checkout", many: "checkouts", verb: "start a checkout" },
  "commerce.purchases": { one: "purchase", many: "purchases", verb: "buy" },
  "directMarketing.emailSent": { one: "email sent", many: "emails sent" },
  "directMarketing.emailOpened": { one: "email open", many: "email opens", verb: "open an email" },
  "directMarketing.emailClicked": { one: "email click", many: "email clicks", verb: "click in an email" },
  "application.launches": { one: "app launch", many: "app launches", verb: "open the app" },
  search: { one: "search", many: "searches", verb: "search" },
};

/** Display names of an event type: the configuration's `eventLabels`, else the known XDM names, else readable. */
export function eventTypeNoun(eventType: string, labels: Readonly<Record<string, EventNoun>> = {}): EventNoun {
  const known = Object.hasOwn(labels, eventType) ? labels[eventType] : KNOWN[eventType];
  if (known) return known;
  const last = eventType.split(".").filter(Boolean).pop() ?? eventType;
  const one = readable(last).toLowerCase() || eventType;
  return { one, many: pluralOf(one) };
}

/** Capitalises the first letter. */
export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A feature-name-safe version of a value (letters, digits, `_`, `-`, `.`). */
export function slug(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^_+|_+$/g, "") || "value";
}
