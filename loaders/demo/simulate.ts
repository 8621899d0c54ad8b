/**
 * Simulates the events of one person from the demo process, as compact tab-separated rows that `generate.ts`
 * expands into XDM-named Parquet columns with DuckDB. Codes below are indices into the vocabularies exported here.
 */
import {
  CATEGORIES,
  DAY_MS,
  DEMO_DAYS,
  DEMO_START,
  type Person,
  type Season,
  emailPurchaseChance,
  emailsBefore,
  openChance,
  purchaseChance,
  receivesEmail,
  sessionRate,
} from "./process.js";
import type { Random } from "./random.js";

/** XDM event types, in code order. */
export const EVENT_TYPES = [
  "web.webpagedetails.pageViews",
  "commerce.productViews",
  "commerce.productListAdds",
  "commerce.checkouts",
  "commerce.purchases",
  "directMarketing.emailSent",
  "directMarketing.emailOpened",
  "directMarketing.emailClicked",
  "application.launches",
  "search",
] as const;
const [
  PAGE_VIEW,
  PRODUCT_VIEW,
  CART_ADD,
  CHECKOUT,
  PURCHASE,
  EMAIL_SENT,
  EMAIL_OPENED,
  EMAIL_CLICKED,
  APP_LAUNCH,
  SEARCH,
] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

/** Page names, in code order: Home, Offers, Search results, Cart, Checkout, then one per category. */
export const PAGES = [
  "Home",
  "Offers",
  "Search results",
  "Cart",
  "Checkout",
  ...CATEGORIES.map((c) => `Category: ${c}`),
];
const [HOME, OFFERS, SEARCH_RESULTS, CART_PAGE] = [0, 1, 2, 3] as const;
export const CHANNELS = ["web", "mobileApp", "email"] as const;
export const DEVICES = ["desktop", "mobile", "tablet"] as const;
export const KEYWORDS = [
  "gift",
  "sale",
  "dress",
  "sneakers",
  "lamp",
  "serum",
  "headphones",
  "tent",
  "lego",
  "novel",
  "jacket",
  "boots",
  "rug",
  "lipstick",
  "charger",
  "backpack",
  "puzzle",
  "cookbook",
  "scarf",
  "mug",
] as const;
/** SKUs per category; SKU code = category * SKUS_PER_CATEGORY + item. */
export const SKUS_PER_CATEGORY = 250;

const SECONDS_PER_DAY = 86_400;

/** One event before encoding: the time (ms since epoch) and its tab-separated fields after person and sequence. */
interface PendingEvent {
  ms: number;
  fields: string;
}

/** Receives the encoded rows of people, in order. */
export interface EventSink {
  push(line: string): void;
}

/**
 * Emits every event of person `p` on days [from, to) (default: acquisition to the end of the data), one day at a
 * time, time-ordered. Returns the number of events written. Row layout (tab-separated): person, seq, epoch ms,
 * type, page, price, sku, quantity, channel, device, campaign day, keyword, order number (empty = NULL).
 * Simulating days after the data (up to the season's length) is how tests check the truth file.
 */
export function simulatePerson(
  p: Person,
  rng: Random,
  season: Season,
  sink: EventSink,
  from = 0,
  to = DEMO_DAYS,
): number {
  const day: PendingEvent[] = [];
  let seq = 0;
  let orders = 0;
  let emailsSent = emailsBefore(p, from, season);
  for (let d = Math.max(from, p.acquired); d < to; d++) {
    const dayStart = DEMO_START + d * DAY_MS;
    let sessions = rng.poisson(sessionRate(p, d, season));
    if (d === p.acquired) sessions += 1; // acquisition is a first visit
    for (let s = 0; s < sessions; s++) {
      const start = clampSecond(p.hour * 3600 + rng.normal() * 9000);
      orders += session(p, rng, dayStart, start, purchaseChance(p, d, season), HOME, orders, day);
    }
    if (receivesEmail(p, d, season)) {
      const sent = clampSecond(9 * 3600 + rng.int(0, 3600));
      day.push({ ms: dayStart + sent * 1000, fields: `${EMAIL_SENT}\t\t\t\t\t2\t\t${d}\t\t` });
      if (rng.bernoulli(openChance(p, d, emailsSent))) {
        const opened = clampSecond(sent + rng.exponential(7200));
        const device = rng.bernoulli(0.7) ? 1 : 0;
        day.push({ ms: dayStart + opened * 1000, fields: `${EMAIL_OPENED}\t\t\t\t\t2\t${device}\t${d}\t\t` });
        if (rng.bernoulli(p.clickChance)) {
          const clicked = clampSecond(opened + rng.int(5, 300));
          day.push({ ms: dayStart + clicked * 1000, fields: `${EMAIL_CLICKED}\t\t\t\t\t2\t${device}\t${d}\t\t` });
          orders += session(p, rng, dayStart, clicked + 2, emailPurchaseChance(p, d, season), OFFERS, orders, day);
        }
      }
      emailsSent++;
    }
    if (day.length === 0) continue;
    day.sort((a, b) => a.ms - b.ms);
    for (const e of day) sink.push(`${p.index}\t${seq++}\t${e.ms}\t${e.fields}`);
    day.length = 0;
  }
  return seq;
}

/** One visit: optional app launch, page views, search, product views and the purchase funnel. Returns orders made. */
function session(
  p: Person,
  rng: Random,
  dayStart: number,
  startSecond: number,
  buyChance: number,
  landing: number,
  orders: number,
  out: PendingEvent[],
): number {
  const app = rng.bernoulli(p.appShare);
  const channel = app ? 1 : 0;
  const device = app ? (rng.bernoulli(0.85) ? 1 : 2) : rng.bernoulli(p.desktopShare) ? 0 : rng.bernoulli(0.85) ? 1 : 2;
  let t = startSecond;
  const emit = (
    type: number,
    page: string,
    price: string,
    sku: string,
    qty: string,
    keyword: string,
    order: string,
  ) => {
    out.push({
      ms: dayStart + clampSecond(t) * 1000,
      fields: `${type}\t${page}\t${price}\t${sku}\t${qty}\t${channel}\t${device}\t\t${keyword}\t${order}`,
    });
    t += rng.int(10, 150);
  };
  if (app) emit(APP_LAUNCH, "", "", "", "", "", "");
  emit(PAGE_VIEW, String(landing), "", "", "", "", "");
  const morePages = Math.floor(rng.exponential(1.2));
  for (let i = 0; i < morePages; i++) emit(PAGE_VIEW, String(5 + pickCategory(p, rng)), "", "", "", "", "");
  if (rng.bernoulli(p.searchChance)) {
    emit(SEARCH, "", "", "", "", String(rng.int(0, KEYWORDS.length - 1)), "");
    emit(PAGE_VIEW, String(SEARCH_RESULTS), "", "", "", "", "");
  }
  // Purchase funnel: cart add, checkout (55% of carts), purchase; calibrated so P(purchase) = buyChance.
  const cartChance = Math.min(0.95, 3.5 * buyChance);
  const cart = rng.bernoulli(cartChance);
  const views = rng.poisson(p.browseDepth) + (cart ? 1 : 0);
  let sku = 0;
  for (let i = 0; i < views; i++) {
    sku = pickCategory(p, rng) * SKUS_PER_CATEGORY + Math.floor(SKUS_PER_CATEGORY * rng.uniform() ** 2);
    emit(PRODUCT_VIEW, "", "", String(sku), "", "", "");
  }
  if (!cart) return 0;
  const qty = String(1 + rng.poisson(0.3));
  emit(CART_ADD, "", "", String(sku), qty, "", "");
  emit(PAGE_VIEW, String(CART_PAGE), "", "", "", "", "");
  if (!rng.bernoulli(0.55)) return 0;
  emit(CHECKOUT, "", "", String(sku), qty, "", "");
  if (!rng.bernoulli(buyChance / (cartChance * 0.55))) return 0;
  const price = (p.priceLevel * Math.exp(0.45 * rng.normal()) * Number(qty)).toFixed(2);
  emit(PURCHASE, "", price, String(sku), qty, "", String(orders));
  return 1;
}

/** The preferred category most of the time, another one otherwise. */
function pickCategory(p: Person, rng: Random): number {
  return rng.bernoulli(0.7) ? p.category : rng.int(0, CATEGORIES.length - 1);
}

/** Keeps a second-of-day inside the day. */
function clampSecond(s: number): number {
  return Math.min(SECONDS_PER_DAY - 1, Math.max(0, Math.round(s)));
}
