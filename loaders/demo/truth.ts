/**
 * The true probabilities of the demo goals, computed exactly from the generative process (`process.ts`).
 *
 * From the day after the as-of date, a person's sessions form a Poisson process with known daily rates, each
 * session buying independently with a known chance, and each campaign email being opened, clicked and converted
 * with known chances. Hence, over a window W of future days:
 *   P(no purchase) = exp(-sum_W sessions * buy chance) * prod_{emails in W} (1 - open * click * email buy chance)
 *   P(no activity) = exp(-sum_W sessions) * prod_{emails in W} (1 - open)
 * (activity = any event except `directMarketing.emailSent`, which the marketer, not the person, causes).
 * No scoring code may read these values: they measure how close a model gets to the best possible.
 */
import {
  DEMO_DAYS,
  type Person,
  type Season,
  emailPurchaseChance,
  emailsBefore,
  openChance,
  purchaseChance,
  receivesEmail,
  sessionRate,
} from "./process.js";

/** The goals the truth file carries: column name, window length in days, and which probability. */
export const TRUTH_GOALS = [
  { column: "purchase_30d", window: 30, kind: "purchase" },
  { column: "churn_60d", window: 60, kind: "noActivity" },
] as const;

/** Longest truth window, so the seasonal calendar can be built far enough ahead. */
export const TRUTH_HORIZON = Math.max(...TRUTH_GOALS.map((g) => g.window));

/** Probability that person `p` purchases within `window` days from day `from` (default: after the data ends). */
export function purchaseProbability(p: Person, season: Season, window: number, from = DEMO_DAYS): number {
  let hazard = 0;
  let none = 1;
  let sent = emailsBefore(p, from, season);
  for (let d = from; d < from + window; d++) {
    hazard += sessionRate(p, d, season) * purchaseChance(p, d, season);
    if (receivesEmail(p, d, season)) {
      none *= 1 - openChance(p, d, sent) * p.clickChance * emailPurchaseChance(p, d, season);
      sent++;
    }
  }
  return 1 - Math.exp(-hazard) * none;
}

/** Probability that person `p` shows no activity at all within `window` days from day `from` (default: after the
 * data ends). */
export function noActivityProbability(p: Person, season: Season, window: number, from = DEMO_DAYS): number {
  let rate = 0;
  let none = 1;
  let sent = emailsBefore(p, from, season);
  for (let d = from; d < from + window; d++) {
    rate += sessionRate(p, d, season);
    if (receivesEmail(p, d, season)) {
      none *= 1 - openChance(p, d, sent);
      sent++;
    }
  }
  return Math.exp(-rate) * none;
}

/**
 * Days before the end of the data at which the truth is also given: 0 (the as-of date), and 30 and 60, the
 * out-of-time test cutoffs of the demo's instances, so a model's test AUC can be set against the oracle's on the
 * very same people and period.
 */
export const TRUTH_OFFSETS = [0, 30, 60] as const;

/** The true probability of a goal of `kind` within `window` days from day `from`. */
export function goalProbability(
  p: Person,
  season: Season,
  kind: (typeof TRUTH_GOALS)[number]["kind"],
  window: number,
  from: number,
): number {
  return kind === "purchase"
    ? purchaseProbability(p, season, window, from)
    : noActivityProbability(p, season, window, from);
}

/** The truth row of one person as of `offset` days before the end of the data, in `TRUTH_GOALS` order. */
export function truthOf(p: Person, season: Season, offset = 0): number[] {
  return TRUTH_GOALS.map((g) => goalProbability(p, season, g.kind, g.window, DEMO_DAYS - offset));
}
