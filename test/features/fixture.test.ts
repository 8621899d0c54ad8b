import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../loaders/config/errors.js";
import type { CustomerAIConfig } from "../../loaders/config/types.js";
import { validateConfig } from "../../loaders/config/validate.js";
import { type InstanceFeatures, buildFeatureSets, buildFeatures } from "../../loaders/features/build.js";
import {
  assertRequirements,
  cutoffSchedule,
  defaultStride,
  planInstance,
  type InstancePlan,
} from "../../loaders/features/plan.js";
import { dayOf } from "../../loaders/ingest/dates.js";
import { type IngestResult, ingest } from "../../loaders/ingest/ingest.js";
import { Session } from "../../loaders/ingest/session.js";

const dir = mkdtempSync(join(tmpdir(), "features-fixture-"));
const PURCHASE = "commerce.purchases";
const VIEW = "web.webpagedetails.pageViews";

writeFileSync(
  join(dir, "events.csv"),
  [
    "identityMap.ECID,timestamp,eventType,commerce.order.priceTotal",
    `a,2025-11-15 10:00:00,${VIEW},`,
    `a,2025-12-10 09:00:00,${VIEW},`,
    `a,2025-12-25 08:00:00,${VIEW},`,
    `a,2025-12-25 09:00:00,${VIEW},`,
    `a,2025-12-20 12:00:00,${PURCHASE},10`,
    `a,2025-12-25 12:00:00,${PURCHASE},30`,
    `a,2025-12-31 23:00:00,${PURCHASE},20`,
    `b,2025-11-20 10:00:00,${VIEW},`,
    `c,2025-06-01 10:00:00,${VIEW},`,
  ].join("\n") + "\n",
);
writeFileSync(
  join(dir, "profiles.csv"),
  "identityMap.ECID,loyalty.tier,signupDate\na,gold,2025-01-15\nb,silver,2026-02-01\nc,gold,2024-01-01\n",
);

const config: CustomerAIConfig = {
  inputs: { events: { path: "events.csv" }, profiles: { path: "profiles.csv" } },
  asOf: "2025-12-31",
  features: { lookbackDays: 60 },
  instances: [
    {
      name: "purchase",
      type: "conversion",
      window: 30,
      goal: { conditions: [{ field: "eventType", op: "equals", value: PURCHASE }] },
      profileAttributes: ["loyalty.tier", "signupDate"],
    },
    { name: "churn", type: "churn", window: 30, goal: { conditions: [{ field: "eventType", op: "exists" }] } },
    {
      name: "goldNoViews",
      type: "conversion",
      window: 30,
      goal: { conditions: [{ field: "eventType", op: "equals", value: PURCHASE }] },
      eligible: { attributes: { conditions: [{ field: "loyalty.tier", op: "equals", value: "gold" }] } },
      exclusions: [{ name: "views", conditions: [{ field: "eventType", op: "equals", value: VIEW }] }],
    },
  ],
};

let session: Session;
let ingested: IngestResult;
let plan: InstancePlan;
let features: InstanceFeatures;

beforeAll(async () => {
  session = await Session.open({ memoryLimit: "1GB", threads: 2 });
  ingested = await ingest(session, validateConfig(config, { baseDir: dir }));
  plan = await planInstance(session, ingested, "purchase");
  features = await buildFeatures(session, ingested, plan);
});
afterAll(() => {
  session.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The value of a named feature for a person in a set. */
function value(f: InstanceFeatures, set: "train" | "test" | "score", person: string, name: string): number {
  const s = f[set];
  const j = f.catalogue.findIndex((d) => d.name === name);
  if (j < 0) throw new Error(`no feature ${name}`);
  const p = f.people.indexOf(person);
  const i = Array.from(s.person).indexOf(p);
  if (i < 0) throw new Error(`${person} is not in the ${set} set`);
  return s.matrix[j * s.rows + i];
}

describe("cutoffs", () => {
  it("places the test cutoff one window before the scoring cutoff and earlier ones a stride apart, as long as the history allows", () => {
    const score = dayOf("2026-01-01");
    const first = dayOf("2025-06-01");
    expect([7, 30, 60, 90, 180, 365].map(defaultStride)).toEqual([7, 7, 14, 21, 28, 28]);
    // With a 60-day lookback, 18 cutoffs a week apart fit with 60 days of history before each (at least 8 wanted).
    const full = cutoffSchedule(score, 30, 7, 60, first, null);
    expect(full.history).toBe(60);
    const labelled = Math.floor((score - 30 - 60 - first) / 7) + 1;
    expect(full.days).toEqual([score, ...Array.from({ length: labelled }, (_, k) => score - 30 - 7 * k)]);
    expect(full.days.at(-1)! - 60).toBeGreaterThanOrEqual(first);
    // A lookback longer than the data settles for 90, then 30 days of history before each cutoff.
    expect(cutoffSchedule(score, 30, 7, 365, first, null)).toMatchObject({ history: 90 });
    expect(cutoffSchedule(score, 30, 7, 365, dayOf("2025-10-01"), null)).toEqual({
      days: [score, score - 30, score - 37, score - 44, score - 51, score - 58],
      history: 30,
      stride: 7,
    });
    // maxCutoffs keeps the most recent labelled cutoffs.
    expect(cutoffSchedule(score, 30, 7, 60, first, 2).days).toEqual([score, score - 30, score - 37]);
    expect(plan.cutoffs.slice(0, 4).map((c) => [c.part, c.cutoff, c.asOf])).toEqual([
      ["score", "2026-01-01", "2025-12-31"],
      ["test", "2025-12-02", "2025-12-01"],
      ["train", "2025-11-25", "2025-11-24"],
      ["train", "2025-11-18", "2025-11-17"],
    ]);
  });

  it("scores everyone with history for a conversion goal and labels the goal within the window after each cutoff", () => {
    const ids = (s: InstanceFeatures["score"]) => Array.from(s.person).map((p) => features.people[p]);
    expect(ids(features.score)).toEqual(["a", "b", "c"]);
    expect(ids(features.test)).toEqual(["a", "b", "c"]);
    expect(Array.from(features.test.labels!)).toEqual([1, 0, 0]);
    expect(features.score.labels).toBeNull();
    // c, last seen in June, is eligible at every training cutoff, lapsed as they are.
    expect(Array.from(features.train.person).filter((p) => features.people[p] === "c").length).toBe(
      plan.cutoffs.length - 2,
    );
  });

  it("labels churn as the goal not occurring", async () => {
    const churnPlan = await planInstance(session, ingested, "churn");
    const churn = await buildFeatures(session, ingested, churnPlan);
    expect(Array.from(churn.test.person).map((p) => churn.people[p])).toEqual(["a", "b"]);
    expect(Array.from(churn.test.labels!)).toEqual([0, 1]);
  });
});

describe("shared work", () => {
  it("builds instances together (shared examples and eligibility) exactly as one at a time", async () => {
    const plans = [
      plan,
      await planInstance(session, ingested, "churn"),
      await planInstance(session, ingested, "goldNoViews"),
    ];
    const alone: InstanceFeatures[] = [];
    for (const p of plans) alone.push(await buildFeatures(session, ingested, p));
    const together = await buildFeatureSets(session, ingested, plans);
    expect(together.map((f) => f.instance)).toEqual(["purchase", "churn", "goldNoViews"]);
    together.forEach((f, i) => {
      for (const part of ["train", "test", "score"] as const) {
        expect(f[part].rows).toBe(alone[i]![part].rows);
        expect(f[part].person).toEqual(alone[i]![part].person);
        expect(f[part].labels).toEqual(alone[i]![part].labels);
        expect(f[part].matrix).toEqual(alone[i]![part].matrix);
      }
    });
    // The churn instance's scoring set is the purchase instance's: same people, same event statistics.
    const visits = `event.${VIEW}.count_60d`;
    expect(value(together[1]!, "score", "a", visits)).toBe(value(together[0]!, "score", "a", visits));
  });
});

describe("eligibility conditions and instance exclusions", () => {
  it("scores only people whose attributes match and ignores the instance's excluded events", async () => {
    const p = await planInstance(session, ingested, "goldNoViews");
    const f = await buildFeatures(session, ingested, p);
    expect(Array.from(f.score.person).map((i) => f.people[i])).toEqual(["a"]);
    expect(value(f, "score", "a", `event.${VIEW}.count_60d`)).toBe(0);
    expect(value(f, "score", "a", "activity.count_60d")).toBe(3);
    expect(value(f, "score", "a", "tenure_days")).toBe(11);
    expect(ingested.report.instances[2]).toMatchObject({ name: "goldNoViews", goalEvents: 3, ignoredEvents: 6 });
  });
});

describe("feature values", () => {
  it("counts events per window, days since last and first, active days and trend", () => {
    const v = (person: string, name: string) => value(features, "score", person, name);
    const p = `event.${PURCHASE}`;
    const w = `event.${VIEW}`;
    expect([v("a", `${p}.count_7d`), v("a", `${p}.count_30d`), v("a", `${p}.count_60d`)]).toEqual([2, 3, 3]);
    expect([v("a", `${p}.days_since_last`), v("a", `${p}.days_since_first`), v("a", `${p}.active_days`)]).toEqual([
      0, 11, 3,
    ]);
    expect(v("a", `${p}.trend`)).toBeCloseTo(Math.log(4), 5);
    expect([v("a", `${w}.count_7d`), v("a", `${w}.count_30d`), v("a", `${w}.count_60d`)]).toEqual([2, 3, 4]);
    expect([v("a", `${w}.days_since_last`), v("a", `${w}.days_since_first`), v("a", `${w}.active_days`)]).toEqual([
      6, 46, 3,
    ]);
    expect(v("a", `${w}.trend`)).toBeCloseTo(Math.log(2), 5);
    expect([v("a", "activity.count_7d"), v("a", "activity.count_30d"), v("a", "activity.count_60d")]).toEqual([
      4, 6, 7,
    ]);
    // b has no purchases: counts 0, days since missing.
    expect([v("b", `${p}.count_60d`), v("b", `${p}.active_days`), v("b", `${p}.trend`)]).toEqual([0, 0, 0]);
    expect(v("b", `${p}.days_since_last`)).toBeNaN();
    expect([v("b", `${w}.count_60d`), v("b", `${w}.days_since_last`)]).toEqual([1, 41]);
  });

  it("computes monetary, regularity, tenure and profile features", () => {
    const v = (person: string, name: string) => value(features, "score", person, name);
    expect([
      v("a", "amount.sum_30d"),
      v("a", "amount.mean_30d"),
      v("a", "amount.max_30d"),
      v("a", "amount.sum_60d"),
    ]).toEqual([60, 20, 30, 60]);
    expect([v("a", "regularity.mean_gap_days"), v("a", "regularity.overdue_ratio")]).toEqual([5.5, 0]);
    expect(v("a", "tenure_days")).toBe(46);
    expect(v("b", "amount.sum_30d")).toBe(0);
    expect(v("b", "amount.mean_30d")).toBeNaN();
    expect(v("b", "regularity.mean_gap_days")).toBeNaN();
    const tier = features.catalogue.find((d) => d.name === "profile.loyalty.tier")!;
    expect(tier).toMatchObject({ kind: "categorical", categories: ["gold", "silver"], label: "Loyalty tier" });
    expect([v("a", "profile.loyalty.tier"), v("b", "profile.loyalty.tier")]).toEqual([0, 1]);
    expect(v("a", "profile.signupDate")).toBe(350);
    // A signup after the cutoff is not known at the cutoff.
    expect(v("b", "profile.signupDate")).toBeNaN();
    // At the test cutoff (2025-12-02) nothing from December is visible.
    expect(value(features, "test", "a", `event.${PURCHASE}.count_60d`)).toBe(0);
    expect(value(features, "test", "a", `event.${VIEW}.count_60d`)).toBe(1);
    expect(value(features, "test", "a", "tenure_days")).toBe(16);
  });

  /** The history features of the goal and of activity alike: counts, span and gaps. */
  const GAP_STATS = [
    "events",
    "active_days",
    "days_since_first",
    "days_since_last",
    "mean_gap_days",
    "longest_gap_days",
  ];

  it("summarises the whole history of the goal and of activity, gaps and pace included", () => {
    const v = (name: string) => value(features, "score", "a", name);
    // a's purchase days before 2026-01-01: Dec 20, 25 and 31 (amounts 10, 30, 20).
    const goal = [...GAP_STATS, "overdue_ratio", "amount_sum", "amount_mean"];
    expect(goal.map((c) => v(`history.goal.${c}`))).toEqual([3, 3, 11, 0, 5.5, 6, 0, 60, 20]);
    expect(v("history.goal.gap_spread_days")).toBeCloseTo(Math.sqrt((5 * 5 + 6 * 6) / 2 - 5.5 ** 2), 5);
    // Three purchase days in the last 90 days, at the pace of a 12-day lifetime: log((3 + 0.5) / (3 + 0.5)) = 0.
    expect(v("history.goal.recent_pace")).toBeCloseTo(0, 6);
    // a was not yet active a year before the cutoff: the same window last year is unknown, not zero.
    expect(v("history.goal.same_window_last_year")).toBeNaN();
    // Activity: 7 events on Nov 15, Dec 10, 20, 25 and 31 (gaps 25, 10, 5, 6).
    expect(GAP_STATS.map((c) => v(`history.activity.${c}`))).toEqual([7, 5, 46, 0, 11.5, 25]);
    expect(v("history.activity.gap_spread_days")).toBeCloseTo(
      Math.sqrt((25 ** 2 + 10 ** 2 + 5 ** 2 + 6 ** 2) / 4 - 11.5 ** 2),
      5,
    );
    // BG/NBD, fitted at the cutoff: a defined expectation and P(alive) for a, missing for b who never bought.
    expect(v("history.goal.btyd_expected")).toBeGreaterThan(0);
    expect(v("history.goal.btyd_alive")).toBeGreaterThan(0);
    expect(v("history.goal.btyd_alive")).toBeLessThanOrEqual(1);
    expect(value(features, "score", "b", "history.goal.btyd_expected")).toBeNaN();
    expect(value(features, "score", "b", "history.goal.events")).toBe(0);
    // c, last seen on 2025-06-01, is 213 days past its only activity day: no gap, known recency.
    expect(value(features, "score", "c", "history.activity.days_since_last")).toBe(213);
    expect(value(features, "score", "c", "history.activity.mean_gap_days")).toBeNaN();
  });

  it("gives every feature a stable name, a label, a kind and a unit", () => {
    const names = features.catalogue.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    expect(features.catalogue.find((d) => d.name === `event.${PURCHASE}.days_since_last`)).toEqual({
      name: `event.${PURCHASE}.days_since_last`,
      label: "Days since last purchase",
      kind: "numeric",
      unit: "days",
      group: "behaviour",
    });
    expect(features.catalogue.find((d) => d.name === `event.${VIEW}.count_30d`)!.label).toBe(
      "Page views in the last 30 days",
    );
    expect(features.catalogue.find((d) => d.name === "amount.mean_30d")!.label).toBe(
      "Average amount per transaction in the last 30 days",
    );
    for (const d of features.catalogue) {
      expect(d.label.length).toBeGreaterThan(3);
      expect(["numeric", "categorical"]).toContain(d.kind);
    }
    expect(features.score.matrix.length).toBe(features.score.rows * features.catalogue.length);
  });
});

describe("data requirements", () => {
  it("lists each unmet requirement with what was found and what to try", () => {
    expect(plan.requirements.map((r) => [r.check, r.ok])).toEqual([
      ["history", true],
      ["positives", false],
      ["negatives", false],
    ]);
    const labelled = plan.cutoffs.filter((c) => c.part !== "score");
    const positives = labelled.reduce((a, c) => a + c.positives, 0);
    const negatives = labelled.reduce((a, c) => a + c.negatives, 0);
    // a buys within 30 days of the cutoffs of 25 Nov and 2 Dec; c is a negative at all 18 cutoffs, a at 18 Nov and b
    // (first seen 20 Nov) at 25 Nov and 2 Dec.
    expect([labelled.length, positives, negatives]).toEqual([18, 2, 21]);
    let message = "";
    try {
      assertRequirements(plan);
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      message = (error as Error).message;
    }
    expect(message).toBe(
      "instances[0] (purchase) does not meet the data requirements:\n" +
        `- positives: ${positives} positive examples (people who reached the goal within 30 days) across ${labelled.length} labelled cutoffs 7 days apart; need at least 500. ` +
        "Provide more people or a longer history (more cutoffs), use a longer window or looser eligibility, or lower requirements.minPositive.\n" +
        `- negatives: ${negatives} negative examples across ${labelled.length} labelled cutoffs 7 days apart; need at least 500. ` +
        "Provide more people or a longer history, use a shorter window or looser eligibility, or lower requirements.minNegative.",
    );
    expect(ingested.report.instances[0].requirements).toBe(plan.requirements);
  });

  it("reports too short a history for the window, and accepts a goal that is the only kind of event", async () => {
    const short = await Session.open({ memoryLimit: "1GB" });
    try {
      const only = validateConfig(
        {
          ...config,
          instances: [
            { name: "long", type: "churn", window: 200, goal: { conditions: [{ field: "eventType", op: "exists" }] } },
            {
              name: "any",
              type: "conversion",
              window: 30,
              goal: { conditions: [{ field: "eventType", op: "exists" }] },
            },
          ],
        },
        { baseDir: dir },
      );
      const ing = await ingest(short, only);
      const long = (await planInstance(short, ing, "long")).requirements.find((r) => r.check === "history")!;
      expect(long.ok).toBe(false);
      expect(long.message).toBe(
        "the events cover 214 days (2025-06-01 to 2025-12-31); instance long needs at least 230 days (30 days of history before a cutoff + the 200-day window after it)",
      );
      expect(long.hint).toBe("Provide at least 230 days of events, or use a shorter window.");
      // Past goal events are behaviour: a log of one kind of event plans like any other.
      const any = await planInstance(short, ing, "any");
      expect(any.requirements.map((r) => r.check)).toEqual(["history", "positives", "negatives"]);
      expect(any.requirements[0]!.ok).toBe(true);
    } finally {
      short.close();
    }
  });
});
