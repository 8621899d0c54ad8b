/**
 * Human names of event types and custom events for feature labels: known XDM event types have curated names
 * ("purchase", "email open"); others are made readable from the type's last segment.
 */
import { pluralOf, readable } from "../config/validate.js";

/** Singular and plural display names of a kind of event. */
export interface EventNoun {
  one: string;
  many: string;
}

const KNOWN: Record<string, EventNoun> = {
  "web.webpagedetails.pageViews": { one: "page view", many: "page views" },
  "commerce.productViews": { one: "product view", many: "product views" },
  "commerce.productListAdds": { one: "cart add", many: "cart adds" },
  "commerce.productListRemovals": { one: "cart removal", many: "cart removals" },
  "commerce.checkouts": { one: "checkout", many: "checkouts" },
  "commerce.purchases": { one: "purchase", many: "purchases" },
  "directMarketing.emailSent": { one: "email sent", many: "emails sent" },
  "directMarketing.emailOpened": { one: "email open", many: "email opens" },
  "directMarketing.emailClicked": { one: "email click", many: "email clicks" },
  "application.launches": { one: "app launch", many: "app launches" },
  search: { one: "search", many: "searches" },
};

/** Display names of an event type. */
export function eventTypeNoun(eventType: string): EventNoun {
  const known = KNOWN[eventType];
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
