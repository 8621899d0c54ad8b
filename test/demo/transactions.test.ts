/**
 * The transactions-only generator: deterministic bytes, the shape of a retail customer base, and a truth that
 * matches the realised outcomes (mean) and ranks them well (AUC), with its recursion checked by Monte Carlo.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Random, mixSeed } from "../../loaders/demo/random.js";
import {
  buildCalendar,
  drawCustomer,
  generateTransactions,
  purchaseProbability,
  simulateCustomer,
} from "../../loaders/demo/transactions.js";
import { auc } from "../../loaders/evaluation/metrics.js";

const dir = mkdtempSync(join(tmpdir(), "transactions-test-"));
const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const CUSTOMERS = 6000;
let rows: { id: number; ms: number; amount: number }[] = [];

beforeAll(() => {
  generateTransactions({ customers: CUSTOMERS, seed: 3, outDir: join(dir, "a") });
  generateTransactions({ customers: CUSTOMERS, seed: 3, outDir: join(dir, "b") });
  generateTransactions({ customers: 300, seed: 4, outDir: join(dir, "c"), gzip: true });
  rows = readFileSync(join(dir, "a", "transactions.csv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => {
      const [id, date, amount] = line.split(",");
      return { id: Number(id), ms: Date.parse(`${date!.replace(" ", "T")}Z`), amount: Number(amount) };
    });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Truth rows of `dir` with the realised outcome (a purchase in [cutoff, cutoff + window)) beside each. */
function truthWithOutcomes(): Map<string, { probability: number[]; label: number[] }> {
  const byCustomer = new Map<number, number[]>();
  for (const r of rows) byCustomer.set(r.id, [...(byCustomer.get(r.id) ?? []), r.ms]);
  const groups = new Map<string, { probability: number[]; label: number[] }>();
  for (const line of readFileSync(join(dir, "a", "truth.csv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)) {
    const [id, cutoff, window, , , p] = line.split(",");
    const from = Date.parse(`${cutoff}T00:00:00Z`);
    const to = from + Number(window) * 86_400_000;
    const g = groups.get(`${cutoff}/${window}`) ?? { probability: [], label: [] };
    g.probability.push(Number(p));
    g.label.push(byCustomer.get(Number(id))!.some((ms) => ms >= from && ms < to) ? 1 : 0);
    groups.set(`${cutoff}/${window}`, g);
  }
  return groups;
}

describe("generateTransactions", () => {
  test("the same arguments give byte-identical files; another seed does not", () => {
    for (const f of ["transactions.csv", "truth.csv"]) expect(sha(join(dir, "a", f))).toBe(sha(join(dir, "b", f)));
    const other = generateTransactions({ customers: 300, seed: 5, outDir: join(dir, "d"), gzip: true });
    expect(sha(other.file)).not.toBe(sha(join(dir, "c", "transactions.csv.gz")));
    expect(gunzipSync(readFileSync(join(dir, "c", "transactions.csv.gz"))).toString("utf8")).toMatch(
      /^customer_id,date,amount\n\d+,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+\.\d\d\n/,
    );
  });

  test("looks like a retail base: most buy on one or two days, a heavy tail buys often, spends are skewed", () => {
    const days = new Map<number, Set<number>>();
    for (const r of rows) days.set(r.id, (days.get(r.id) ?? new Set()).add(Math.floor(r.ms / 86_400_000)));
    const counts = [...days.values()].map((s) => s.size).sort((a, b) => b - a);
    expect(days.size).toBe(CUSTOMERS);
    const once = counts.filter((n) => n === 1).length / counts.length;
    expect(once).toBeGreaterThan(0.35);
    expect(once).toBeLessThan(0.6);
    expect(counts.filter((n) => n <= 2).length / counts.length).toBeGreaterThan(0.55);
    const top = counts.slice(0, counts.length / 10).reduce((a, b) => a + b, 0) / counts.reduce((a, b) => a + b, 0);
    expect(top).toBeGreaterThan(0.35);
    expect(counts[0]).toBeGreaterThan(40);
    const amounts = rows.map((r) => r.amount).sort((a, b) => a - b);
    const mean = amounts.reduce((a, b) => a + b, 0) / amounts.length;
    expect(mean).toBeGreaterThan(1.1 * amounts[amounts.length >> 1]!);
    expect(rows.every((r, i) => i === 0 || r.ms >= rows[i - 1]!.ms)).toBe(true);
  });

  test("the truth matches the realised outcome rate and ranks the outcomes well", () => {
    const groups = truthWithOutcomes();
    expect([...groups.keys()].sort()).toEqual(["2025-06-01/30", "2025-06-01/90", "2025-09-01/30", "2025-09-01/90"]);
    for (const [key, g] of groups) {
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(Math.abs(mean(g.probability) - mean(g.label)), key).toBeLessThan(0.02);
      expect(auc(g), key).toBeGreaterThan(0.85);
    }
  });
});

describe("purchaseProbability", () => {
  test("equals the share of simulated futures with a purchase in the window (Monte Carlo)", () => {
    const calendar = buildCalendar("2024-01-01", "2025-12-31");
    const cutoff = 500;
    let checked = 0;
    for (let i = 0; checked < 4; i++) {
      const c = drawCustomer(new Random(mixSeed(9, i)), calendar);
      if (c.acquired >= cutoff - 60) continue;
      for (const alive of [true, false]) {
        const p = purchaseProbability(c, calendar, alive, cutoff, 90);
        let hits = 0;
        const runs = 4000;
        for (let run = 0; run < runs; run++)
          hits += futurePurchase(c, calendar, alive, cutoff, 90, new Random(mixSeed(i, run))) ? 1 : 0;
        expect(Math.abs(hits / runs - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / runs) + 0.005);
      }
      checked++;
    }
  });

  test("the simulation's alive state is the one the truth starts from", () => {
    const calendar = buildCalendar("2024-01-01", "2025-12-31");
    const c = {
      ...drawCustomer(new Random(1), calendar),
      acquired: 10,
      dropout: 0,
      reactivation: 0,
      purchaseDropout: 0,
    };
    const sim = simulateCustomer(c, new Random(2), calendar, [400]);
    expect(sim.aliveBefore).toEqual([true]);
    expect(purchaseProbability(c, calendar, false, 400, 90)).toBe(0);
  });
});

/** One simulated future of the window from the cutoff, in the generator's daily order. */
function futurePurchase(
  c: ReturnType<typeof drawCustomer>,
  calendar: ReturnType<typeof buildCalendar>,
  aliveBefore: boolean,
  cutoff: number,
  window: number,
  rng: Random,
): boolean {
  let alive = aliveBefore;
  for (let day = cutoff; day < cutoff + window; day++) {
    alive = alive ? !rng.bernoulli(-Math.expm1(-c.dropout)) : rng.bernoulli(-Math.expm1(-c.reactivation));
    if (
      alive &&
      rng.poisson(
        c.rate * (c.floor + (1 - c.floor) * Math.exp(-(day - c.acquired) / c.decayDays)) * calendar.season[day]!,
      ) > 0
    )
      return true;
  }
  return false;
}
