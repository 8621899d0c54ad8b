/**
 * The demo's generative process: latent traits per person and the daily intensities they imply.
 *
 * Time is counted in whole days from the calendar start (`DEMO_START`). A person is acquired on day `acquired`
 * (negative for people who were already customers before the data starts). From then on:
 * - sessions (web or app visits) arrive as a Poisson process with daily rate `sessionRate(p, day)`: a base rate
 *   (log-normal, heavy-tailed) times an engagement curve that decays from acquisition towards a loyal floor, with
 *   an optional lapse or recovery around a change day, times weekly and yearly seasonality;
 * - each session ends in a purchase with probability `purchaseChance(p, day)` (funnel: product views, cart add,
 *   checkout, purchase), higher in the Black Friday and December season;
 * - a fortnightly email campaign (weekly, plus a Friday send, in November and December) reaches opted-in people until they
 *   unsubscribe; each email is opened with `openChance` (responsiveness, fatigue and engagement), clicked with
 *   `clickChance`, and a click leads to a session that buys with `emailPurchaseChance`.
 * Because every future intensity is a deterministic function of the traits, the true probability of a goal in a
 * future window is exact (see `truth.ts`).
 */
import { Random } from "./random.js";

/** First calendar day of the demo data (UTC). */
export const DEMO_START = Date.UTC(2025, 4, 1);
/** Number of days of data: 2025-05-01 to 2026-10-31 inclusive (18 months). */
export const DEMO_DAYS = 549;
/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

/** Latent traits of one person. Plain numbers only, so the hot loops stay monomorphic. */
export interface Person {
  index: number;
  acquired: number; // day of acquisition (first visit); negative = customer before the data starts
  bouncer: boolean; // one-visit person: engagement fades within days
  baseRate: number; // sessions per day at full engagement
  decayDays: number; // engagement time constant after acquisition
  floor: number; // long-run share of engagement that stays
  changeDay: number; // day of a lapse or recovery (NaN when none)
  changeFactor: number; // engagement multiplier after the change
  changeWidth: number; // days over which the change happens
  purchaseBase: number; // purchase probability per session, before seasonality
  appShare: number; // share of sessions in the mobile app
  desktopShare: number; // share of web sessions on desktop
  searchChance: number; // chance a session includes a search
  browseDepth: number; // mean extra product views per session
  priceLevel: number; // median order value
  optIn: boolean; // receives email
  unsubscribeDay: number; // day the person stops receiving email (Infinity = never)
  responsiveness: number; // base email open chance
  fatigue: number; // emails after which open chance has fallen by 1/e
  clickChance: number; // click chance given an open
  hour: number; // preferred hour of day
  category: number; // preferred product category
  country: number;
  ageBand: number;
  tier: number; // loyalty tier index
}

/** Profile attribute vocabularies (indices are stored on the person). */
export const COUNTRIES = ["US", "GB", "DE", "FR", "CA", "AU", "NL", "ES", "IT", "SE"] as const;
export const COUNTRY_WEIGHTS = [38, 16, 11, 9, 7, 5, 4, 4, 4, 2];
export const AGE_BANDS = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"] as const;
export const AGE_WEIGHTS = [14, 27, 23, 17, 12, 7];
export const TIERS = ["none", "silver", "gold", "platinum"] as const;
export const CATEGORIES = ["Apparel", "Shoes", "Home", "Beauty", "Electronics", "Outdoor", "Toys", "Books"] as const;

const logistic = (x: number): number => 1 / (1 + Math.exp(-x));

/** Draws the latent traits of person `index` from its own random stream. */
export function drawPerson(index: number, rng: Random): Person {
  // Acquisition: a third were customers before the data starts; the rest arrive over the period, more later on.
  const existing = rng.bernoulli(0.32);
  const acquired = existing ? -rng.int(30, 900) : Math.floor(DEMO_DAYS * Math.pow(rng.uniform(), 0.85));
  const bouncer = !existing && rng.bernoulli(0.4);
  const baseRate = rng.logNormal(0.035, 1.1);
  const decayDays = bouncer ? rng.logNormal(2.5, 0.4) : rng.logNormal(110, 0.8);
  const floor = bouncer ? 0 : rng.beta(1.3, 3.2);
  const hasChange = !bouncer && rng.bernoulli(0.35);
  const changeDay = hasChange ? rng.int(Math.max(acquired, 0) + 14, DEMO_DAYS + 60) : NaN;
  const changeFactor = hasChange ? (rng.bernoulli(0.6) ? rng.logNormal(0.15, 0.6) : rng.logNormal(3, 0.5)) : 1;
  const purchaseBase = Math.min(0.45, logistic(-3.3 + 0.9 * rng.normal() + 0.35 * Math.log(baseRate / 0.035)));
  const ageBand = rng.pick(AGE_WEIGHTS);
  const appShare = rng.beta(1, 1 + ageBand * 0.8);
  const optIn = rng.bernoulli(0.6);
  const responsiveness = rng.beta(2, 5);
  const spend = purchaseBase * baseRate;
  const tierScore = Math.log(spend + 1e-4) + 0.8 * rng.normal();
  const tier = tierScore > -4.4 ? 3 : tierScore > -5.4 ? 2 : tierScore > -6.6 ? 1 : 0;
  return {
    index,
    acquired,
    bouncer,
    baseRate,
    decayDays,
    floor,
    changeDay,
    changeFactor,
    changeWidth: rng.int(5, 40),
    purchaseBase,
    appShare,
    desktopShare: rng.beta(2, 2),
    searchChance: rng.beta(1.2, 4),
    browseDepth: rng.logNormal(1.2, 0.6),
    priceLevel: rng.logNormal(55, 0.5),
    optIn,
    unsubscribeDay: optIn && rng.bernoulli(0.3) ? rng.int(Math.max(acquired, 0), DEMO_DAYS + 365) : Infinity,
    responsiveness,
    fatigue: rng.logNormal(150, 0.7),
    clickChance: rng.beta(1.5, 6),
    hour: Math.min(22, Math.max(6, 8 + 14 * rng.uniform())),
    category: rng.int(0, CATEGORIES.length - 1),
    country: rng.pick(COUNTRY_WEIGHTS),
    ageBand,
    tier,
  };
}

/** Day of year (0-based) and weekday (0 = Sunday) of a demo day. */
function calendar(day: number): { doy: number; weekday: number; month: number } {
  const d = new Date(DEMO_START + day * DAY_MS);
  const jan1 = Date.UTC(d.getUTCFullYear(), 0, 1);
  return { doy: Math.floor((d.getTime() - jan1) / DAY_MS), weekday: d.getUTCDay(), month: d.getUTCMonth() };
}

/** Seasonal multipliers, precomputed per day for the data period plus a year of future windows. */
export interface Season {
  visits: Float64Array; // weekly and yearly rhythm of sessions
  buying: Float64Array; // Black Friday / December lift of purchase chance
  campaign: Uint8Array; // 1 on days an email campaign is sent
}

/** Builds the seasonal calendar for `days` days from the start. */
export function buildSeason(days: number): Season {
  const visits = new Float64Array(days);
  const buying = new Float64Array(days);
  const campaign = new Uint8Array(days);
  for (let day = 0; day < days; day++) {
    const { doy, weekday, month } = calendar(day);
    const weekend = weekday === 0 || weekday === 6 ? 1.2 : 1;
    visits[day] = weekend * (1 + 0.2 * Math.cos((2 * Math.PI * (doy - 345)) / 365));
    const blackFriday = Math.exp(-((doy - 331) ** 2) / (2 * 6 ** 2));
    const december = Math.exp(-((doy - 350) ** 2) / (2 * 9 ** 2));
    buying[day] = 1 + 0.9 * blackFriday + 0.5 * december;
    const holiday = month === 10 || month === 11;
    const fortnight = Math.floor(day / 7) % 2 === 0;
    campaign[day] = (weekday === 2 && (fortnight || holiday)) || (holiday && weekday === 5) ? 1 : 0;
  }
  return { visits, buying, campaign };
}

/** Engagement in [0, ~3] on a day: decay towards a floor after acquisition, then a lapse or recovery. */
export function engagement(p: Person, day: number): number {
  const age = day - p.acquired;
  if (age < 0) return 0;
  let g = p.floor + (1 - p.floor) * Math.exp(-age / p.decayDays);
  if (p.changeDay === p.changeDay) g *= 1 + (p.changeFactor - 1) * logistic((day - p.changeDay) / p.changeWidth);
  return g;
}

/** Expected sessions (web or app visits) on a day. */
export function sessionRate(p: Person, day: number, season: Season): number {
  return p.baseRate * engagement(p, day) * season.visits[day]!;
}

/** Chance that a session on this day ends in a purchase. */
export function purchaseChance(p: Person, day: number, season: Season): number {
  return Math.min(0.5, p.purchaseBase * season.buying[day]!);
}

/** Whether the person is sent the campaign email on this day. */
export function receivesEmail(p: Person, day: number, season: Season): boolean {
  return p.optIn && season.campaign[day] === 1 && day >= p.acquired && day < p.unsubscribeDay;
}

/** Chance of opening an email sent on `day`, given `sentBefore` emails already received (fatigue). */
export function openChance(p: Person, day: number, sentBefore: number): number {
  const g = Math.min(1, engagement(p, day));
  return Math.min(0.95, p.responsiveness * Math.exp(-sentBefore / p.fatigue) * (0.25 + 0.75 * g));
}

/** Chance that an email click leads to a purchase in the session it opens. */
export function emailPurchaseChance(p: Person, day: number, season: Season): number {
  return Math.min(0.6, 1.5 * purchaseChance(p, day, season));
}

/** Number of campaign emails the person received before `day` (drives fatigue). */
export function emailsBefore(p: Person, day: number, season: Season): number {
  let n = 0;
  const from = Math.max(0, p.acquired);
  for (let d = from; d < day; d++) if (receivesEmail(p, d, season)) n++;
  return n;
}
