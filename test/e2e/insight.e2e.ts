/**
 * End-to-end: the insight pages of every instance (overview, influential factors, model quality) in headless
 * Chromium, against the built site (dist/, or E2E_DIST). Each renders in light and dark mode with no console
 * error, page error, failed cell or request to another host; shows the AUC that the instance's evaluation.json
 * holds; draws the expected charts (as many marks as the JSON has rows); and choosing another factor redraws the
 * factor charts. Dark-mode screenshots are saved next to the site test's (light) ones.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Evaluation, Insights, InstanceSummary } from "../../loaders/pipeline/schema.js";
import { launchBrowser, openPage, screenshot, waitForCells, type PageProblems } from "./browser.js";
import { serveSite, type SiteServer } from "./server.js";

const DIST = process.env["E2E_DIST"] ?? "dist";
const PAGES = ["index", "factors", "quality"] as const;

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
  const dir = join(DIST, "_file", instance, "data");
  const file = readdirSync(dir).find((f) => f.startsWith(`${name}.`) && f.endsWith(".json"));
  if (!file) throw new Error(`no ${name}.json shipped for ${instance} in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), "utf8")) as T;
}

function pagePath(instance: string, page: string): string {
  return page === "index" ? `/${instance}/` : `/${instance}/${page}`;
}

let server: SiteServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(join(DIST, "index.html"))) throw new Error(`${DIST}/ is missing: run \`npm run build\` first`);
  server = await serveSite(DIST);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

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

  const cases = instances.flatMap((instance) => PAGES.flatMap((page) => [false, true].map((dark) => ({ instance, page, dark }))));
  test.each(cases)("$instance $page (dark: $dark) renders with no error and no foreign request", async ({ instance, page: name, dark }) => {
    const { page, problems } = await visit(pagePath(instance, name), dark);
    if (dark) await screenshot(page, `${instance}_${name}-dark`);
    const failedCells = await page.locator(".observablehq--error").allTextContents();
    const figures = await page.locator("figure").count();
    await page.close();
    expect(failedCells).toEqual([]);
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], foreignRequests: [] });
    expect(figures).toBeGreaterThanOrEqual(2);
  });
});

describe.each(instances)("instance %s", (instance) => {
  const summary = () => shipped<InstanceSummary>(instance, "instance");
  const evaluation = () => shipped<Evaluation>(instance, "evaluation");
  const insights = () => shipped<Insights>(instance, "insights");

  test("the overview shows the goal, the counts, the AUC of evaluation.json and the score charts", async () => {
    const s = summary();
    const { page } = await visit(pagePath(instance, "index"));
    expect(await page.getByTestId("goal").textContent()).toBe(s.goalText);
    expect(await page.getByTestId("scored").textContent()).toBe(s.scored.toLocaleString("en-US"));
    expect(await page.getByTestId("auc").textContent()).toBe(evaluation().auc.toFixed(3));
    expect(await page.getByTestId("quality-text").textContent()).toBe(s.quality.text);
    expect(await marks(page, "score-distribution", "rect", "rect")).toBe(s.scoreHistogram.length);
    expect(await marks(page, "bucket-counts", "bar", "rect")).toBe(3);
    expect(await page.getByTestId("data-quality").count()).toBe(1);
    await page.close();
  });

  test("the quality page shows the AUC of evaluation.json and one mark per row of its curves", async () => {
    const e = evaluation();
    const { page } = await visit(pagePath(instance, "quality"));
    expect(await page.getByTestId("auc").textContent()).toBe(e.auc.toFixed(3));
    expect(await page.locator('[data-testid="roc"] figure h2').textContent()).toContain(e.auc.toFixed(3));
    expect(await marks(page, "roc", "line", "path")).toBe(2);
    expect(await marks(page, "lift", "bar", "rect")).toBe(e.deciles.length);
    expect(await marks(page, "gains", "dot", "circle")).toBe(e.deciles.length + 1);
    expect(await marks(page, "calibration", "dot", "circle")).toBe(e.calibration.length);
    expect(await page.locator('[data-testid="baseline-chart"] figure').count()).toBe(3);
    expect(await marks(page, "baseline-chart", "bar", "rect")).toBe(3 * (1 + e.baselines.length));
    expect(await page.locator('[data-testid="baselines"] tbody tr').count()).toBe(1 + e.baselines.length);
    expect(await marks(page, "backtest", "dot", "circle")).toBe(e.backtest.length);
    expect(await page.getByTestId("model-card").count()).toBe(1);
    await page.close();
  });

  test("the factors page draws importance and bucket cards, and choosing another factor redraws its charts", async () => {
    const s = summary();
    const i = insights();
    const { page } = await visit(pagePath(instance, "factors"));
    expect(await marks(page, "importance", "bar", "rect")).toBe(i.global.length);
    expect(await page.getByTestId("bucket-factors").count()).toBe(i.buckets.length);
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
      expect(await page.locator('[data-testid="factor-distribution"] figure h2').textContent()).toContain(feature.label);
      expect(await marks(page, "factor-ranges", "bar", "rect")).toBe(factor.ranges.length);
      const shown = feature.kind === "categorical" ? factor.sample.length : factor.sample.filter((d) => d.value !== null).length;
      expect(await marks(page, "factor-scatter", "dot", "circle")).toBe(shown);
    };
    await check(0);
    if (i.factors.length > 1) {
      await page.getByLabel("Factor", { exact: true }).selectOption({ index: 1 });
      await check(1);
    }
    await page.close();
  });
});
