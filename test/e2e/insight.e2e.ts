/**
 * End-to-end: the insight pages of every instance (overview, influential factors, model quality, person, scores)
 * in headless Chromium, against the built site (dist/, or E2E_DIST). Each renders in light and dark mode with no
 * console error, page error, failed cell or request to another host; shows the AUC that the instance's
 * evaluation.json holds; draws the expected charts (as many marks as the JSON has rows); speaks plain words (no
 * XDM event type, effects in percentage points, colours that follow the goal, categories in their natural order);
 * shows its content before the browser database is ready; and choosing another factor redraws the factor charts.
 * Screenshots: dark mode beside the site test's (light) ones, and a looked-up person at desktop and phone width.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { openDatabase } from "../../loaders/db/duckdb.js";
import { str } from "../../loaders/sql/quote.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Evaluation, Insights, InstanceSummary, ValueReport } from "../../loaders/contract/schema.js";
import { formatMoney } from "../../components/format.js";
import { hasValue } from "../../components/value.js";
import { shortFlag } from "../../components/slices.js";
import { openPage, screenshot, waitForCells, type PageProblems } from "./browser.js";
import type { SiteServer } from "./server.js";
import { builtFile as builtFileOf, closeAll, openSite, rowsOf } from "./setup.js";

const DIST = process.env["E2E_DIST"] ?? "dist";
const PAGES = ["index", "factors", "quality"] as const;
/** Raw event types and log-odds jargon that the words for people must not show. */
const JARGON = /directMarketing\.|commerce\.|web\.webpagedetails|application\.launches|event type is|log-odds/;
/** The effect colours (components/effects.ts): good news for the goal, bad news. */
const GOOD = "var(--direction-raises)";
const BAD = "var(--direction-lowers)";

/** Instances of the built site: folders of dist/ with every insight page. */
function builtInstances(): string[] {
  if (!existsSync(DIST)) return [];
  return readdirSync(DIST, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("_"))
    .map((e) => e.name)
    .filter((name) => PAGES.every((p) => existsSync(join(DIST, name, `${p}.html`))))
    .sort();
}

/** A JSON file the build shipped for an instance (Framework names it `_file/<instance>/data/<name>.<hash>.json`). */
function shipped<T>(instance: string, name: string): T {
  return JSON.parse(readFileSync(builtFileOf(DIST, instance, name, "json"), "utf8")) as T;
}

/** A built data file of an instance (e.g. `scores`, `parquet`). */
const builtFile = (instance: string, name: string, ext: string): string => builtFileOf(DIST, instance, name, ext);

/** Rows of a query over the built files, read with DuckDB in Node. */
async function queryNode<T>(sql: string): Promise<T[]> {
  const db = await openDatabase();
  try {
    return await rowsOf<T>(db, sql);
  } finally {
    db.close();
  }
}

function pagePath(instance: string, page: string): string {
  return page === "index" ? `/${instance}/` : `/${instance}/${page}`;
}

let server: SiteServer;
let browser: Browser;

beforeAll(async () => {
  ({ server, browser } = await openSite(DIST, "npm run build"));
});

afterAll(() => closeAll(browser, server));

/** Opens a page, waits for every cell, and returns it with what went wrong. */
async function visit(path: string, dark = false): Promise<{ page: Page; problems: PageProblems }> {
  const { page, problems } = await openPage(browser);
  if (dark) await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(server.url + path);
  await waitForCells(page);
  return { page, problems };
}

/** Number of SVG elements of a Plot mark (by its aria-label) inside a test id. */
function marks(page: Page, testid: string, mark: string, element: string): Promise<number> {
  return page.locator(`[data-testid="${testid}"] g[aria-label="${mark}"] ${element}`).count();
}

const instances = builtInstances();

describe("insight pages", () => {
  test("the site has instances with insight pages", () => expect(instances.length).toBeGreaterThanOrEqual(1));

  const cases = instances.flatMap((instance) =>
    PAGES.flatMap((page) => [false, true].map((dark) => ({ instance, page, dark }))),
  );
  test.each(cases)(
    "$instance $page (dark: $dark) renders with no error and no foreign request",
    async ({ instance, page: name, dark }) => {
      const { page, problems } = await visit(pagePath(instance, name), dark);
      if (dark) await screenshot(page, `${instance}_${name}-dark`);
      const failedCells = await page.locator(".observablehq--error").allTextContents();
      const figures = await page.locator("figure").count();
      await page.close();
      expect(failedCells).toEqual([]);
      expect(problems).toEqual({ consoleErrors: [], pageErrors: [], foreignRequests: [] });
      expect(figures).toBeGreaterThanOrEqual(2);
    },
  );
});

describe.each(instances)("instance %s", (instance) => {
  const summary = () => shipped<InstanceSummary>(instance, "instance");
  const evaluation = () => shipped<Evaluation>(instance, "evaluation");
  const insights = () => shipped<Insights>(instance, "insights");

  test("the overview shows the goal in plain words, the counts, the AUC of evaluation.json and a panel per bucket", async () => {
    const s = summary();
    const { page } = await visit(pagePath(instance, "index"));
    expect(await page.getByTestId("goal").textContent()).toBe(s.goalText);
    expect(s.goalText).toMatch(/^People who will /);
    for (const id of ["goal", "eligible", "score-terms"])
      expect(await page.getByTestId(id).textContent()).not.toMatch(JARGON);
    expect(await page.getByTestId("score-terms").textContent()).toContain("percentile");
    // The exact rules are kept for data scientists, folded away.
    expect(await page.getByTestId("rules").textContent()).toContain("event type");
    expect(await page.getByTestId("scored").textContent()).toBe(s.scored.toLocaleString("en-US"));
    expect(await page.getByTestId("auc").textContent()).toBe(evaluation().auc.toFixed(3));
    expect(await page.getByTestId("quality-text").textContent()).toBe(s.quality.text);
    // One panel per bucket with people, each titled with its count, every score drawn once.
    expect(await marks(page, "score-distribution", "rect", "rect")).toBe(s.scoreHistogram.length);
    const titles = await page.locator('[data-testid="score-distribution"] figure h2').allTextContents();
    const withPeople = s.buckets.counts.filter((c) => c.people > 0);
    expect(titles.length).toBe(withPeople.length);
    for (const c of withPeople)
      expect(titles).toContainEqual(expect.stringContaining(`${c.bucket}: ${c.people.toLocaleString("en-US")} people`));
    expect(await marks(page, "bucket-counts", "bar", "rect")).toBe(3);
    expect(await page.getByTestId("data-quality").count()).toBe(1);
    await page.close();
  });

  test("the overview shows customer value only when the scores carry it: what it means, per tenth and per bucket, and its test on the past", async () => {
    const s = summary();
    const { page, problems } = await visit(pagePath(instance, "index"));
    if (!hasValue(s.value)) {
      // A churn instance (or one without amounts) shows no value, and nothing breaks.
      expect(await page.getByTestId("value-total").count()).toBe(0);
      expect(await page.locator('[data-testid="customer-value"] figure').count()).toBe(0);
      await page.close();
      expect(problems).toEqual({ consoleErrors: [], pageErrors: [], foreignRequests: [] });
      return;
    }
    const value = s.value;
    const report = shipped<ValueReport>(instance, "value");
    const meaning = await page.getByTestId("value-meaning").textContent();
    expect(meaning).toContain(`in the next ${value.horizonDays.toLocaleString("en-US")} days`);
    expect(meaning).toContain("not discounted");
    expect(meaning).toContain(
      `${value.people.toLocaleString("en-US")} of the ${(value.people + value.withoutValue).toLocaleString("en-US")} scored people`,
    );
    expect(meaning).not.toMatch(JARGON);
    expect(await page.getByTestId("value-total").textContent()).toBe(formatMoney(value.total, s.currency));
    expect(await page.getByTestId("value-people").textContent()).toBe(value.people.toLocaleString("en-US"));
    // One bar per tenth, labelled with its share; one bar per bucket, and a row per bucket with its total and mean.
    expect(await marks(page, "value-deciles", "bar", "rect")).toBe(value.deciles.length);
    const top = value.deciles.find((d) => d.decile === 1)!;
    expect(await page.getByTestId("value-concentration").textContent()).toContain(
      `hold ${Math.round(100 * top.share)}% of the expected value`,
    );
    expect(await marks(page, "value-buckets", "bar", "rect")).toBe(3);
    const rows = await page
      .locator('[data-testid="value-bucket-table"] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent)));
    for (const b of value.perBucket) {
      expect(rows).toContainEqual([
        b.bucket,
        b.people.toLocaleString("en-US"),
        formatMoney(b.total, s.currency),
        formatMoney(b.mean, s.currency),
        expect.any(String),
      ]);
    }
    // The test on the past: each tested period's expected and actual spend, the model beside the naive guesses.
    const tested = report.validation.filter((v) => !v.skipped && v.scorers?.length);
    expect(await page.getByTestId("value-validation-words").count()).toBe(tested.length);
    for (const v of tested) {
      const model = v.scorers!.find((x) => x.name === "model")!;
      const words = await page
        .locator(`[data-testid="value-validation-words"][data-period="${v.periodDays}"]`)
        .textContent();
      expect(words).toContain(
        `to spend ${formatMoney(model.predicted, s.currency)} in the next ${v.periodDays.toLocaleString("en-US")} days; they spent ${formatMoney(model.actual, s.currency)}`,
      );
      expect(
        await page.locator(`[data-testid="value-validation-table"][data-period="${v.periodDays}"] tbody tr`).count(),
      ).toBe(v.scorers!.length);
    }
    await page.close();
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], foreignRequests: [] });
  });

  test("the quality page shows the AUC of evaluation.json and one mark per row of its curves", async () => {
    const e = evaluation();
    const { page } = await visit(pagePath(instance, "quality"));
    expect(await page.getByTestId("auc").textContent()).toBe(e.auc.toFixed(3));
    expect(await page.locator('[data-testid="roc"] figure h2').textContent()).toContain(e.auc.toFixed(3));
    // The diagonal, the model and one curve per baseline.
    expect(await marks(page, "roc", "line", "path")).toBe(2 + e.baselines.filter((b) => b.roc?.length).length);
    expect(e.baselines.every((b) => (b.roc?.length ?? 0) > 1)).toBe(true);
    expect(await marks(page, "lift", "bar", "rect")).toBe(e.deciles.length);
    expect(await marks(page, "gains", "dot", "circle")).toBe(e.deciles.length + 1);
    // Calibration bins reach the highest probabilities, each with its interval.
    const bins = e.calibrationDetail ?? e.calibration;
    expect(await marks(page, "calibration", "dot", "circle")).toBe(bins.length);
    expect(await marks(page, "calibration", "rule", "line")).toBe(bins.length);
    expect(bins[bins.length - 1]!.count / e.testExamples).toBeLessThanOrEqual(0.01);
    const predicted = bins.reduce((t, b) => t + b.predicted * b.count, 0) / bins.reduce((t, b) => t + b.count, 0);
    const words = await page.getByTestId("calibration-words").textContent();
    const gap = e.baseRate - predicted;
    const matched = Math.abs(gap) <= 0.01 && Math.abs(gap) / predicted <= 0.1;
    expect(words).toContain(
      matched ? "predictions matched what happened" : gap > 0 ? "the model under-predicts" : "the model over-predicts",
    );
    expect(await page.locator('[data-testid="backtest-table"] tbody tr').count()).toBe(e.backtest.length);
    expect(await marks(page, "backtest", "rule", "line")).toBe(e.backtest.filter((r) => r.people > 0).length);
    expect(await page.locator('[data-testid="baseline-chart"] figure').count()).toBe(3);
    expect(await marks(page, "baseline-chart", "bar", "rect")).toBe(3 * (1 + e.baselines.length));
    expect(await page.locator('[data-testid="baselines"] tbody tr').count()).toBe(1 + e.baselines.length);
    expect(await marks(page, "backtest", "dot", "circle")).toBe(e.backtest.length);
    expect(await page.getByTestId("model-card").count()).toBe(1);
    // The bootstrap intervals beside the figures they qualify.
    if (e.intervals) {
      const iv = e.intervals;
      expect(await page.getByTestId("quality-intervals").textContent()).toContain(
        `AUC ${iv.auc.low.toFixed(3)} to ${iv.auc.high.toFixed(3)}`,
      );
      expect(await page.locator('[data-testid="baselines"] [data-testid="metric-interval"]').allTextContents()).toEqual(
        [
          `${iv.auc.low.toFixed(3)} to ${iv.auc.high.toFixed(3)}`,
          `${iv.prAuc.low.toFixed(3)} to ${iv.prAuc.high.toFixed(3)}`,
          `${iv.ece.low.toFixed(3)} to ${iv.ece.high.toFixed(3)}`,
          expect.stringMatching(/^[\d.]+× to [\d.]+×$/),
        ],
      );
      expect(await page.getByTestId("ece-interval").count()).toBe(1);
      expect(await page.locator('[data-testid="roc"] figure h2').textContent()).toContain(
        `(95% interval ${iv.auc.low.toFixed(3)} to ${iv.auc.high.toFixed(3)})`,
      );
      expect(await page.locator('[data-testid="lift"] figure h2').textContent()).toContain("95% interval");
      // The AUC and PR-AUC charts draw the model's interval across its bar (besides each chart's zero line).
      expect(await marks(page, "baseline-chart", "rule", "line")).toBe(3 + 2);
      expect(await page.getByTestId("model-lead").textContent()).toContain(
        `${iv.auc.low.toFixed(3)} to ${iv.auc.high.toFixed(3)}`,
      );
    }
    await page.close();
  });

  test("the quality page shows the model per group of people: sizes, rates, AUC with intervals, and the flagged groups in words", async () => {
    const s = summary();
    const e = evaluation();
    const slices = e.slices ?? [];
    const { page, problems } = await visit(pagePath(instance, "quality"));
    if (slices.length === 0) {
      expect(await page.getByTestId("slices-none").count()).toBe(1);
    } else {
      expect(await page.getByTestId("slice").count()).toBe(slices.length);
      for (const slice of slices) {
        const box = page.locator(`[data-testid="slice"][data-feature="${slice.feature}"]`);
        expect(await box.locator(":scope > h3").textContent()).toBe(s.features[slice.feature]!.label);
        const cells = await box
          .locator("tbody tr")
          .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent ?? "")));
        expect(cells.map((c) => [c[0], c[1]])).toEqual(
          slice.groups.map((g) => [g.category, g.people.toLocaleString("en-US")]),
        );
        slice.groups.forEach((g, i) => {
          // Each AUC with its interval below it (a line of its own: no space between them in the text).
          expect(cells[i]![4]).toMatch(
            Number.isFinite(g.auc)
              ? new RegExp(`^${g.auc.toFixed(3)}0\\.\\d{3} to [01]\\.\\d{3}$`)
              : /one outcome only/,
          );
          expect(cells[i]![5]).toBe(g.flags.length ? g.flags.map(shortFlag).join(", ") : "–");
        });
        expect(await box.getByTestId("slice-smallest").textContent()).toContain(
          `${slice.smallestGroup.toLocaleString("en-US")} people`,
        );
        // The chart: one dot and one interval per group with an AUC.
        expect(await box.locator('g[aria-label="dot"] circle').count()).toBe(
          slice.groups.filter((g) => Number.isFinite(g.auc)).length,
        );
      }
      // Every flagged group is said in words, naming the group and its size.
      const flagged = slices.flatMap((slice) => slice.groups.filter((g) => g.flags.length).map((g) => ({ slice, g })));
      const findings = await page.getByTestId("slice-finding").allTextContents();
      expect(findings.length).toBeGreaterThanOrEqual(flagged.length);
      for (const { g } of flagged) {
        expect(
          findings.some(
            (f) =>
              f.includes(
                g.category === "Other (small groups)"
                  ? "the small groups together"
                  : g.category === "Not known"
                    ? "not known"
                    : `= ${g.category}`,
              ) && f.includes(`${g.people.toLocaleString("en-US")} people`),
          ),
        ).toBe(true);
      }
      if (flagged.length === 0)
        expect(await page.getByTestId("slices-flagged").textContent()).toContain("No group stands out");
    }
    await page.close();
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], foreignRequests: [] });
  });

  test("the factors page draws importance and bucket cards, and choosing another factor redraws its charts", async () => {
    const s = summary();
    const i = insights();
    const { page } = await visit(pagePath(instance, "factors"));
    expect(await marks(page, "importance", "bar", "rect")).toBe(i.global.length);
    expect(await page.getByTestId("bucket-factors").count()).toBe(i.buckets.length);
    // Effects in percentage points, coloured by what they mean for the goal: raising churn risk is bad news.
    for (const bucket of i.buckets) {
      const card = page.locator(`[data-testid="bucket-factors"][data-bucket="${bucket.bucket}"]`);
      const fills = await card
        .locator('g[aria-label="bar"] rect')
        .evaluateAll((rects) => rects.map((r) => r.getAttribute("fill")));
      const expected = bucket.factors.map((f) => ((s.type === "churn") === f.meanContribution >= 0 ? BAD : GOOD));
      expect(fills).toEqual(expected);
      expect(await card.locator("figure").first().textContent()).toContain("percentage points");
    }
    if (i.factors.length === 0) {
      expect(await page.getByTestId("factor-charts").textContent()).toContain("no per-factor insights");
      await page.close();
      return;
    }
    const check = async (index: number) => {
      const factor = i.factors[index]!;
      const feature = s.features[factor.feature]!;
      await page.locator(`[data-testid="factor-charts"][data-feature="${factor.feature}"]`).waitFor();
      await waitForCells(page);
      expect(await page.locator('[data-testid="factor-charts"] figure').count()).toBe(4);
      expect(await page.locator('[data-testid="factor-distribution"] figure h2').textContent()).toContain(
        feature.label,
      );
      expect(await marks(page, "factor-ranges", "bar", "rect")).toBe(factor.ranges.length);
      const shown =
        feature.kind === "categorical" ? factor.sample.length : factor.sample.filter((d) => d.value !== null).length;
      expect(await marks(page, "factor-scatter", "dot", "circle")).toBe(shown);
    };
    await check(0);
    if (i.factors.length > 1) {
      await page.getByLabel("Factor", { exact: true }).selectOption({ index: 1 });
      await check(1);
    }
    // A categorical factor's values read in their natural order (FeatureInfo.order), never alphabetically by accident.
    const categorical = i.factors.findIndex(
      (f) => s.features[f.feature]!.kind === "categorical" && s.features[f.feature]!.order,
    );
    if (categorical >= 0) {
      const feature = s.features[i.factors[categorical]!.feature]!;
      await page.getByLabel("Factor", { exact: true }).selectOption({ index: categorical });
      await check(categorical);
      const labels = await page
        .locator('[data-testid="factor-ranges"] g[aria-label="y-axis tick label"] text')
        .allTextContents();
      const names = feature.order!.map((c) => feature.categories![c]!).filter((n) => labels.includes(n));
      expect(labels.filter((l) => names.includes(l))).toEqual(names);
    }
    await page.close();
  });

  test("the person page finds a person whatever the case and spaces, and words what it shows", async () => {
    const s = summary();
    const [person] = await queryNode<{ id: string; amounts: number }>(
      `SELECT s.id, (SELECT COUNT(DISTINCT (t.time, t.event)) FROM read_parquet(${str(builtFile(instance, "timeline", "parquet"))}) t WHERE t.id = s.id AND t.amount IS NOT NULL)::INTEGER AS amounts
       FROM read_parquet(${str(builtFile(instance, "scores", "parquet"))}) s ORDER BY s.probability DESC, s.id LIMIT 1 OFFSET 3`,
    );
    const typed = `  ${person!.id.toUpperCase()} `;
    const { page, problems } = await visit(`${pagePath(instance, "person")}?id=${encodeURIComponent(typed)}`);
    await page.getByTestId("margin").waitFor({ state: "attached" });
    expect(await page.getByTestId("person-shown-id").textContent()).toBe(person!.id);
    // Effects in points that follow the goal; log-odds only in the part for data scientists.
    const effects = await page.getByTestId("factor-effect").allTextContents();
    expect(effects.length).toBeGreaterThan(1);
    for (const e of effects)
      expect(e).toMatch(
        new RegExp(`^(raises|lowers) the ${s.type === "churn" ? "risk" : "likelihood"} by <?[\\d.]+ points?$`),
      );
    // "All other factors" opens onto the factors it groups: every feature not among the person's own.
    const others = page.getByTestId("other-factors");
    await others.locator("summary").click();
    const listed = await others.locator("li").count();
    expect(listed).toBe(s.features.length - (await page.getByTestId("contribution").count()) + 1);
    // Days without a time of day, events by name, amounts as money.
    const timeline = await page.getByTestId("timeline").textContent();
    expect(timeline).not.toMatch(/\d\d:\d\d/);
    expect(timeline).not.toMatch(JARGON);
    const amounts = await page.locator('[data-testid="timeline"] tbody td:nth-child(4)').allTextContents();
    expect(amounts.filter((a) => a !== "").length).toBe(person!.amounts);
    for (const a of amounts.filter((x) => x !== "")) expect(a).toMatch(/^[^\d-]*-?[\d,]+\.\d\d$/);
    await screenshot(page, `${instance}_person_found`);
    await page.close();
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], foreignRequests: [] });
  });

  test("part of an id lists the people whose id contains it", async () => {
    const scores = str(builtFile(instance, "scores", "parquet"));
    const [row] = await queryNode<{ id: string }>(
      `SELECT id FROM read_parquet(${scores}) ORDER BY id LIMIT 1 OFFSET 5`,
    );
    const part = row!.id.slice(-4).toUpperCase();
    const expected = await queryNode<{ id: string }>(
      `SELECT id FROM read_parquet(${scores}) WHERE contains(lower(id), ${str(part.toLowerCase())}) AND lower(id) <> ${str(part.toLowerCase())} ORDER BY length(id), id LIMIT 20`,
    );
    const { page, problems } = await visit(`${pagePath(instance, "person")}?id=${encodeURIComponent(part)}`);
    await page.getByTestId("person-not-found").waitFor();
    const suggestions = await page.getByTestId("person-suggestion").allTextContents();
    expect(suggestions).toEqual(expected.map((r) => r.id));
    await page.getByTestId("person-suggestion").first().click();
    await page.getByTestId("margin").waitFor({ state: "attached" });
    expect(await page.getByTestId("person-shown-id").textContent()).toBe(expected[0]!.id);
    await page.close();
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], foreignRequests: [] });
  });

  test("the scores page shows its summary and a progress state while the browser database loads", async () => {
    const s = summary();
    const { page, problems } = await openPage(browser);
    // Hold the database engine back until the page has shown its content.
    let release = () => {};
    const held = new Promise<void>((ok) => (release = ok));
    await page.route("**/*.wasm", async (route) => {
      await held;
      await route.fallback();
    });
    await page.goto(server.url + pagePath(instance, "scores"));
    await page.getByTestId("loading").waitFor();
    expect(await page.getByTestId("goal").textContent()).toBe(s.goalText);
    expect(await page.getByTestId("filtered-count").textContent()).toContain(
      `${s.scored.toLocaleString("en-US")} of ${s.scored.toLocaleString("en-US")} people`,
    );
    expect(await page.locator('[data-testid="histogram"] svg').count()).toBe(1);
    expect(await page.getByTestId("loading").textContent()).toContain("Loading the people table");
    expect(await page.locator("[data-testid=loading] progress").count()).toBe(1);
    expect(await page.locator("[data-testid=people-table]").count()).toBe(0);
    // Above the count, a note says that filters wait for the table.
    expect(await page.locator('[data-testid="results"] [data-testid="loading-notice"]').count()).toBe(1);
    release();
    await page.locator("[data-testid=people-table] tbody tr").first().waitFor();
    expect(await page.getByTestId("loading").count()).toBe(0);
    expect(await page.getByTestId("loading-notice").count()).toBe(0);
    await page.close();
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], foreignRequests: [] });
  });

  test("the scores table shows the value columns when the scores carry them, and sorts by expected value", async () => {
    const s = summary();
    const { page, problems } = await visit(pagePath(instance, "scores"));
    await page.locator("[data-testid=people-table] tbody tr").first().waitFor();
    const headings = await page.locator("[data-testid=people-table] thead th").allTextContents();
    if (!hasValue(s.value)) {
      expect(headings.join(" ")).not.toMatch(/Expected value|Still a customer/);
      expect(await page.getByTestId("value-columns").count()).toBe(0);
      await page.close();
      expect(problems).toEqual({ consoleErrors: [], pageErrors: [], foreignRequests: [] });
      return;
    }
    expect(headings).toEqual(
      expect.arrayContaining([
        `Expected value, ${s.value.horizonDays.toLocaleString("en-US")} days`,
        "Spend each time",
        "Still a customer",
      ]),
    );
    expect(await page.getByTestId("value-columns").textContent()).toContain(
      `next ${s.value.horizonDays.toLocaleString("en-US")} days`,
    );
    const scores = str(builtFile(instance, "scores", "parquet"));
    const ordered = async (direction: "DESC" | "ASC") =>
      queryNode<{ id: string; value: number }>(
        `SELECT id, expected_value::DOUBLE AS value FROM read_parquet(${scores}) ORDER BY expected_value ${direction} NULLS LAST, id LIMIT 25`,
      );
    const shown = async () => ({
      ids: await page.getByTestId("person-id").allTextContents(),
      values: await page
        .locator('[data-testid="people-table"] tbody td[data-column="expected_value"]')
        .allTextContents(),
    });
    const sortButton = page.locator('[data-testid="people-table"] th[data-column="expected_value"] button');
    await sortButton.click();
    const highest = await ordered("DESC");
    await expect.poll(async () => (await shown()).ids, { timeout: 20_000 }).toEqual(highest.map((r) => r.id));
    expect((await shown()).values).toEqual(highest.map((r) => formatMoney(r.value, s.currency)));
    expect(await page.locator('th[data-column="expected_value"]').getAttribute("aria-sort")).toBe("descending");
    await screenshot(page, `${instance}_scores_by_value`);
    await sortButton.click();
    const lowest = await ordered("ASC");
    await expect.poll(async () => (await shown()).ids, { timeout: 20_000 }).toEqual(lowest.map((r) => r.id));
    await page.close();
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], foreignRequests: [] });
  });
});
