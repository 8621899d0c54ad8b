/**
 * A transactions-only data set with known truth: one row per purchase (`customer_id, date, amount`), shaped like a
 * real retail customer base, and each customer's exact probability of buying within a window after given cutoffs.
 *
 * The process (deliberately not BG/NBD, so that BG/NBD is not the oracle):
 * - customers are acquired (first purchase) in waves: a launch, the year-end holidays, a spring campaign, and a
 *   seasonal trickle;
 * - a customer is a "one-off" (a fast dropout hazard) or a "regular"; their purchase rate is log-normal (a heavy tail
 *   of frequent buyers) and decays with age towards a personal floor;
 * - every day a living customer may drop out (a time-based hazard, not only after purchases), and a lapsed one may
 *   come back (reactivation); each purchase also carries a small chance of dropping out afterwards;
 * - purchases on a day are Poisson with the customer's rate times weekly and yearly seasonality;
 * - amounts are log-normal around a personal median that correlates with the purchase rate.
 *
 * Deterministic: one random stream per customer (`mixSeed(seed, index)`), so the same arguments give byte-identical
 * files. The truth is exact (a two-state forward recursion over the window's days, no sampling).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Random, mixSeed } from "./random.js";

const DAY_MS = 86_400_000;

/** Options of `generateTransactions`. */
export interface TransactionsOptions {
  /** Number of customers. */
  customers: number;
  /** Random seed (any 32-bit integer). */
  seed: number;
  /** Output folder; created if missing. */
  outDir: string;
  /** First day of the data (YYYY-MM-DD, default 2024-01-01). */
  start?: string;
  /** Last day of the data, included (YYYY-MM-DD, default 2025-12-31). */
  end?: string;
  /** Write `transactions.csv.gz` instead of `transactions.csv`. */
  gzip?: boolean;
  /** Cutoffs (YYYY-MM-DD) of the truth; default the first days of the months 7 and 4 months before the end. */
  cutoffs?: string[];
  /** Windows in days of the truth (default 30 and 90). */
  windows?: number[];
}

/** What was generated. */
export interface TransactionsSummary {
  /** Path of the transactions file. */
  file: string;
  /** Path of the truth file. */
  truth: string;
  customers: number;
  transactions: number;
  start: string;
  end: string;
  cutoffs: string[];
  windows: number[];
}

/** A customer's latent traits. */
export interface Customer {
  /** Day of the first purchase (0 = the first day of the data). */
  acquired: number;
  /** Purchase rate per day at acquisition (before seasonality). */
  rate: number;
  /** Share of the initial rate kept in the long run. */
  floor: number;
  /** Days over which the rate decays towards the floor. */
  decayDays: number;
  /** Daily dropout hazard while alive. */
  dropout: number;
  /** Chance of dropping out after each purchase. */
  purchaseDropout: number;
  /** Daily reactivation hazard while lapsed. */
  reactivation: number;
  /** Median amount of a purchase. */
  spend: number;
}

/** The calendar of a data set: days, seasonality and the acquisition distribution. */
export interface Calendar {
  /** Epoch milliseconds of day 0. */
  startMs: number;
  /** Number of days of data. */
  days: number;
  /** Seasonal multiplier of purchase rates per day, for the data and one year beyond it. */
  season: Float64Array;
  /** Cumulative acquisition probability by day. */
  acquisitionCdf: Float64Array;
}

/** Monday..Sunday multipliers (weekends busier). */
const WEEKDAY = [0.94, 0.9, 0.92, 0.97, 1.07, 1.13, 1.07];
/** Purchases per hour of the day (UTC), for timestamps. */
const HOURS = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3.5, 4.5, 5, 5.5, 6, 5.5, 5, 5, 5, 5.5, 6.5, 7.5, 7.5, 6, 4, 2];
const DEFAULT_START = "2024-01-01";
const DEFAULT_END = "2025-12-31";

/** Day of the year (0-based) of epoch milliseconds. */
function dayOfYear(ms: number): number {
  const d = new Date(ms);
  return Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS);
}

/** Yearly seasonality: a December peak (holidays) over a gentle cycle with a June low. */
function yearly(doy: number): number {
  return 1 + 0.15 * Math.cos((2 * Math.PI * (doy - 350)) / 365.25) + 0.55 * Math.exp(-0.5 * ((doy - 338) / 12) ** 2);
}

/** Parses a YYYY-MM-DD date into epoch milliseconds (a `RangeError` otherwise). */
export function parseDay(text: string, what: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : NaN;
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== text)
    throw new RangeError(`${what} expects a date YYYY-MM-DD, got "${text}"`);
  return ms;
}

/** The calendar from `start` to `end` (both YYYY-MM-DD, end included). */
export function buildCalendar(start: string, end: string): Calendar {
  const startMs = parseDay(start, "start");
  const days = (parseDay(end, "end") - startMs) / DAY_MS + 1;
  if (days < 60) throw new RangeError(`the data must span at least 60 days, got ${start} to ${end}`);
  const season = new Float64Array(days + 366);
  for (let d = 0; d < season.length; d++) {
    const ms = startMs + d * DAY_MS;
    season[d] = WEEKDAY[(new Date(ms).getUTCDay() + 6) % 7]! * yearly(dayOfYear(ms));
  }
  const weight = new Float64Array(days);
  for (let d = 0; d < days; d++) {
    const doy = dayOfYear(startMs + d * DAY_MS);
    const wave = (centre: number, width: number) =>
      Math.exp(-0.5 * ((((doy - centre + 547) % 365) - 182) / width) ** 2);
    // A seasonal trickle, the launch (decaying over its first months), year-end holidays and a spring campaign.
    weight[d] = 0.5 * season[d]! + 6 * Math.exp(-d / 45) + 2.2 * wave(328, 16) + 1.2 * wave(91, 9);
  }
  const acquisitionCdf = new Float64Array(days);
  let total = 0;
  for (let d = 0; d < days; d++) acquisitionCdf[d] = total += weight[d]!;
  for (let d = 0; d < days; d++) acquisitionCdf[d]! /= total;
  return { startMs, days, season, acquisitionCdf };
}

/** Draws a customer's traits from their own stream. */
export function drawCustomer(rng: Random, calendar: Calendar): Customer {
  const u = rng.uniform();
  let lo = 0;
  let hi = calendar.days - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (calendar.acquisitionCdf[mid]! < u) lo = mid + 1;
    else hi = mid;
  }
  const oneOff = rng.bernoulli(0.42);
  const zRate = rng.normal();
  return {
    acquired: lo,
    rate: Math.min(1.5, Math.exp(Math.log(1 / 55) + 1.05 * zRate)),
    floor: rng.beta(3, 4),
    decayDays: rng.logNormal(100, 0.5),
    dropout: oneOff ? rng.logNormal(1 / 12, 0.5) : (rng.gamma(1.5) / 1.5) * (1 / 420),
    purchaseDropout: rng.beta(1, 14),
    reactivation: rng.logNormal(1 / 600, 1),
    spend: Math.exp(Math.log(38) + 0.6 * (0.4 * zRate + 0.92 * rng.normal())),
  };
}

/** Expected purchases on `day` for a living customer: the decayed rate times seasonality. */
export function dailyRate(c: Customer, calendar: Calendar, day: number): number {
  const age = day - c.acquired;
  return c.rate * (c.floor + (1 - c.floor) * Math.exp(-age / c.decayDays)) * calendar.season[day]!;
}

/** One simulated customer: purchases (epoch ms and amount in cents, by time) and whether they are alive at the end
 * of each day before each of `cutoffDays` (NaN-free booleans, one per cutoff). */
export interface SimulatedCustomer {
  times: number[];
  cents: number[];
  aliveBefore: boolean[];
}

/** Simulates a customer's purchases over the calendar, day by day (see the module comment for the process). */
export function simulateCustomer(
  c: Customer,
  rng: Random,
  calendar: Calendar,
  cutoffDays: number[],
): SimulatedCustomer {
  const out: SimulatedCustomer = { times: [], cents: [], aliveBefore: cutoffDays.map(() => false) };
  const buy = (day: number, n: number) => {
    for (let k = 0; k < n; k++) {
      const ms = calendar.startMs + day * DAY_MS + rng.pick(HOURS) * 3_600_000 + rng.int(0, 3599) * 1000;
      out.times.push(ms);
      out.cents.push(Math.max(100, Math.round(100 * rng.logNormal(c.spend, 0.45))));
    }
  };
  let alive = true;
  buy(c.acquired, 1);
  if (rng.bernoulli(c.purchaseDropout)) alive = false;
  for (let day = c.acquired + 1; day < calendar.days; day++) {
    for (let k = 0; k < cutoffDays.length; k++) if (cutoffDays[k] === day) out.aliveBefore[k] = alive;
    alive = alive ? !rng.bernoulli(-Math.expm1(-c.dropout)) : rng.bernoulli(-Math.expm1(-c.reactivation));
    if (!alive) continue;
    const n = rng.poisson(dailyRate(c, calendar, day));
    if (n === 0) continue;
    buy(day, n);
    if (rng.bernoulli(1 - (1 - c.purchaseDropout) ** n)) alive = false;
  }
  for (let k = 0; k < cutoffDays.length; k++) if (cutoffDays[k]! >= calendar.days) out.aliveBefore[k] = alive;
  const order = out.times.map((_, i) => i).sort((a, b) => out.times[a]! - out.times[b]!);
  return {
    times: order.map((i) => out.times[i]!),
    cents: order.map((i) => out.cents[i]!),
    aliveBefore: out.aliveBefore,
  };
}

/**
 * Exact probability of at least one purchase in days [cutoff, cutoff + window) given the customer's traits and
 * whether they were alive at the end of the day before the cutoff: a forward recursion over the two states (alive,
 * lapsed) of the no-purchase paths, in the simulation's order (dropout or reactivation, then that day's purchases).
 */
export function purchaseProbability(
  c: Customer,
  calendar: Calendar,
  aliveBefore: boolean,
  cutoff: number,
  window: number,
): number {
  let alive = aliveBefore ? 1 : 0;
  let lapsed = 1 - alive;
  const stay = Math.exp(-c.dropout);
  const revive = -Math.expm1(-c.reactivation);
  for (let day = cutoff; day < cutoff + window; day++) {
    const a = alive * stay + lapsed * revive;
    lapsed = alive * (1 - stay) + lapsed * (1 - revive);
    alive = a * Math.exp(-dailyRate(c, calendar, day));
  }
  return 1 - alive - lapsed;
}

/** The default truth cutoffs: the first days of the months 7 and 4 months before the day after `end`. */
export function defaultCutoffs(end: string): string[] {
  const after = new Date(parseDay(end, "end") + DAY_MS);
  return [7, 4].map((m) =>
    new Date(Date.UTC(after.getUTCFullYear(), after.getUTCMonth() - m, 1)).toISOString().slice(0, 10),
  );
}

/** Formats epoch milliseconds as `YYYY-MM-DD HH:MM:SS`. */
function timestampText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * Generates the data set into `outDir`: `transactions.csv` (or `.csv.gz`) with `customer_id,date,amount`, sorted by
 * time, and `truth.csv` with `customer_id,cutoff,window,alive,rate,probability` for every customer acquired before
 * each cutoff (`alive`: at the end of the day before it; `rate`: expected purchases per day then, if alive, before
 * seasonality). Customer ids are numbers from 100001.
 */
export function generateTransactions(options: TransactionsOptions): TransactionsSummary {
  const { customers, seed, outDir } = options;
  if (!Number.isSafeInteger(customers) || customers < 1)
    throw new RangeError(`customers must be a positive whole number, got ${customers}`);
  const start = options.start ?? DEFAULT_START;
  const end = options.end ?? DEFAULT_END;
  const calendar = buildCalendar(start, end);
  const cutoffs = options.cutoffs ?? defaultCutoffs(end);
  const windows = options.windows ?? [30, 90];
  const cutoffDays = cutoffs.map((c) => (parseDay(c, "cutoff") - calendar.startMs) / DAY_MS);
  if (cutoffDays.some((d) => d < 1)) throw new RangeError(`truth cutoffs must fall after the first day ${start}`);
  const rows: { ms: number; id: number; cents: number }[] = [];
  const truth: string[][] = cutoffs.map(() => []);
  for (let i = 0; i < customers; i++) {
    const rng = new Random(mixSeed(seed, i));
    const c = drawCustomer(rng, calendar);
    const sim = simulateCustomer(c, rng, calendar, cutoffDays);
    const id = 100_001 + i;
    for (let k = 0; k < sim.times.length; k++) rows.push({ ms: sim.times[k]!, id, cents: sim.cents[k]! });
    cutoffDays.forEach((day, k) => {
      if (c.acquired >= day) return;
      const alive = sim.aliveBefore[k]!;
      const rate = alive ? dailyRate(c, calendar, day) / calendar.season[day]! : 0;
      for (const w of windows) {
        const p = purchaseProbability(c, calendar, alive, day, w);
        truth[k]!.push(`${id},${cutoffs[k]},${w},${alive ? 1 : 0},${rate.toFixed(6)},${p.toFixed(6)}`);
      }
    });
  }
  rows.sort((a, b) => a.ms - b.ms || a.id - b.id);
  const csv =
    [
      "customer_id,date,amount",
      ...rows.map((r) => `${r.id},${timestampText(r.ms)},${(r.cents / 100).toFixed(2)}`),
    ].join("\n") + "\n";
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, options.gzip ? "transactions.csv.gz" : "transactions.csv");
  writeFileSync(file, options.gzip ? gzipSync(csv, { level: 6 }) : csv);
  const truthFile = join(outDir, "truth.csv");
  const truthRows = truth.flatMap((lines) => sortTruth(lines, windows));
  writeFileSync(truthFile, ["customer_id,cutoff,window,alive,rate,probability", ...truthRows].join("\n") + "\n");
  return { file, truth: truthFile, customers, transactions: rows.length, start, end, cutoffs, windows };
}

/** Orders one cutoff's truth lines by window, then customer (they arrive by customer, then window). */
function sortTruth(lines: string[], windows: number[]): string[] {
  return windows.flatMap((_, w) => lines.filter((_, i) => i % windows.length === w));
}
