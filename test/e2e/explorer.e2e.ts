/**
 * End-to-end: the explorer pages of the built site (dist/) in headless Chromium, checked against the same built
 * data files read with DuckDB in Node: the scores page's filter; a person's contributions and calibrated
 * probability; hostile ids shown as text; the instance switcher. (The segment page: segments.e2e.ts.)
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { calibrate, type Calibrator } from "../../loaders/calibration/calibrate.js";
import { openDatabase, type Database } from "../../loaders/db/duckdb.js";
import { str } from "../../loaders/sql/quote.js";
import { openPage, screenshot, waitForCells, type PageProblems } from "./browser.js";
import type { SiteServer } from "./server.js";
import { builtFile as builtFileOf, closeAll, openSite, rowsOf } from "./setup.js";

const DIST = "dist";
const HOSTILE = "<img src=x onerror=alert(1)>";

/** A built data file of an instance, e.g. dist/_file/purchase/data/scores.<hash>.parquet. */
const builtFile = (instance: string, name: string, ext: string): string => builtFileOf(DIST, instance, name, ext);

/** The instances of the built site. */
function builtInstances(): { name: string; label: string }[] {
  const dir = join(DIST, "_file", "data");
  const file = readdirSync(dir).find((f) => f.startsWith("instances.") && f.endsWith(".json"))!;
  return JSON.parse(readFileSync(join(dir, file), "utf8"));
}

let server: SiteServer;
let browser: Browser;
let db: Database;
let instance: string;
let scores: string;

const queryNode = <T = Record<string, unknown>>(sql: string): Promise<T[]> => rowsOf<T>(db, sql);

beforeAll(async () => {
  ({ server, browser } = await openSite(DIST));
  db = await openDatabase();
  instance = builtInstances()[0]!.name;
  scores = builtFile(instance, "scores", "parquet");
});

afterAll(() => closeAll(db, browser, server));

/** Opens a page, collecting dialogs (an `alert` would mean injected markup ran). */
async function open(path: string): Promise<{ page: Page; problems: PageProblems; dialogs: string[] }> {
  const { page, problems } = await openPage(browser);
  const dialogs: string[] = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(server.url + path);
  await waitForCells(page);
  return { page, problems, dialogs };
}

const number = (text: string | null) => Number((text ?? "").replaceAll(",", ""));
const noProblems = { consoleErrors: [], pageErrors: [], foreignRequests: [] };

describe("the scores page", () => {
  test("its count follows a filter as DuckDB counts the built file", async () => {
    const [all] = await queryNode<{ n: number }>(`SELECT COUNT(*)::INTEGER AS n FROM read_parquet(${str(scores)})`);
    const [some] = await queryNode<{ n: number }>(
      `SELECT COUNT(*)::INTEGER AS n FROM read_parquet(${str(scores)}) WHERE score BETWEEN 20 AND 60 AND bucket <> 'High'`,
    );
    const { page, problems } = await open(`/${instance}/scores`);
    const count = async () => number((await page.getByTestId("filtered-count").textContent())!.split(" of ")[0]!);
    expect(await count()).toBe(all!.n);
    await page.locator("input[data-field=score][data-end=from]").fill("20");
    await page.locator("input[data-field=score][data-end=to]").fill("60");
    await page.locator("input[data-field=bucket][data-value=High]").uncheck();
    await expect.poll(count, { timeout: 20_000 }).toBe(some!.n);
    await page.locator("[data-testid=people-table] tbody tr").first().waitFor();
    expect(await page.locator("[data-testid=people-table] tbody tr").count()).toBe(Math.min(25, some!.n));
    await screenshot(page, `${instance}_scores_filtered`);
    await page.close();
    expect(problems).toEqual(noProblems);
  });
});

describe("the person page", () => {
  test("the contributions plus the base value equal the margin, which calibrates to the shown probability", async () => {
    const [person] = await queryNode<{ id: string; probability: number }>(
      `SELECT id, probability::DOUBLE AS probability FROM read_parquet(${str(scores)}) ORDER BY probability DESC, id LIMIT 1 OFFSET 7`,
    );
    const { page, problems } = await open(`/${instance}/person?id=${encodeURIComponent(person!.id)}`);
    await page.getByTestId("margin").waitFor({ state: "attached" });
    await screenshot(page, `${instance}_person_lookup`);
    const value = async (locator: ReturnType<Page["getByTestId"]>) => Number(await locator.getAttribute("data-value"));
    const base = await value(page.getByTestId("base-value"));
    const contributions = await Promise.all((await page.getByTestId("contribution").all()).map(value));
    const margin = await value(page.getByTestId("margin"));
    const shown = await value(page.getByTestId("person-probability"));
    expect(contributions.length).toBeGreaterThan(1);
    expect(base + contributions.reduce((t, c) => t + c, 0)).toBeCloseTo(margin, 9);
    // The model's calibrator (the build copies it from model.json), applied in Node.
    const { calibrator } = JSON.parse(readFileSync(builtFile(instance, "calibrator", "json"), "utf8")) as {
      calibrator: Calibrator;
    };
    const calibrated = calibrate(calibrator, [margin])[0]!;
    // Contributions and probabilities are stored as 32-bit floats.
    expect(Math.abs(calibrated - shown)).toBeLessThan(1e-4);
    expect(await value(page.getByTestId("calibrated"))).toBeCloseTo(calibrated, 9);
    expect(shown).toBeCloseTo(person!.probability, 6);
    expect(await page.getByTestId("person-shown-id").textContent()).toBe(person!.id);
    await page.close();
    expect(problems).toEqual(noProblems);
  });
});

describe("hostile ids render as text", () => {
  test("in the person lookup", async () => {
    const { page, problems, dialogs } = await open(`/${instance}/person`);
    await page.getByTestId("person-lookup").fill(HOSTILE);
    await page.getByTestId("person-lookup").press("Enter");
    await page.getByTestId("person-not-found").waitFor();
    expect(await page.getByTestId("person-not-found").textContent()).toContain(HOSTILE);
    expect(await page.locator("img[src=x]").count()).toBe(0);
    expect(new URL(page.url()).searchParams.get("id")).toBe(HOSTILE);
    await page.close();
    expect(dialogs).toEqual([]);
    expect(problems).toEqual(noProblems);
  });

  test("in the scores page's id search", async () => {
    const { page, problems, dialogs } = await open(`/${instance}/scores`);
    await page.locator("input[data-field=id]").fill(HOSTILE);
    await expect
      .poll(async () => page.getByTestId("results").getAttribute("data-key"), { timeout: 20_000 })
      .toContain("onerror");
    expect(number((await page.getByTestId("filtered-count").textContent())!.split(" of ")[0]!)).toBe(0);
    expect(await page.locator("img[src=x]").count()).toBe(0);
    await page.close();
    expect(dialogs).toEqual([]);
    expect(problems).toEqual(noProblems);
  });
});

describe("the instance switcher", () => {
  test("reaches the same page of every other instance, and only when the choice is confirmed", async () => {
    const instances = builtInstances();
    expect(instances.length).toBeGreaterThanOrEqual(2);
    let confirmWithEnter = true;
    for (const pageName of ["scores", ""]) {
      for (const target of instances.slice(1)) {
        const from = `/${instances[0]!.name}/${pageName}`;
        const { page, problems } = await open(from);
        const switcher = page.getByTestId("instance-switcher");
        expect(await switcher.locator("option").allTextContents()).toEqual(instances.map((i) => i.label));
        // Stepping through the instances with the arrow keys, or choosing one, does not leave the page.
        await switcher.focus();
        await page.keyboard.press("ArrowDown");
        await page.keyboard.press("ArrowUp");
        await switcher.selectOption({ label: target.label });
        await page.waitForTimeout(300);
        expect(new URL(page.url()).pathname).toBe(from);
        // Enter in the select, or the Open button, confirms.
        const confirm = confirmWithEnter ? switcher.press("Enter") : page.getByTestId("instance-switcher-open").click();
        confirmWithEnter = !confirmWithEnter;
        await Promise.all([page.waitForURL(`**/${target.name}/${pageName}`), confirm]);
        await waitForCells(page);
        expect(new URL(page.url()).pathname).toBe(`/${target.name}/${pageName}`);
        expect(await page.getByTestId("instance-switcher").inputValue()).toContain(target.name);
        await page.close();
        expect(problems).toEqual(noProblems);
      }
    }
  });
});
