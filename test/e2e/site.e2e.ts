/**
 * End-to-end: the built site (dist/) served on 127.0.0.1 and opened in headless Chromium. Every page must render
 * with no console error, page error, failed cell or request to another host; each gets a screenshot.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openPage, screenshot, sitePages, waitForCells } from "./browser.js";
import type { SiteServer } from "./server.js";
import { closeAll, openSite } from "./setup.js";

const DIST = "dist";

let server: SiteServer;
let browser: Browser;

beforeAll(async () => {
  ({ server, browser } = await openSite(DIST, "npm run build"));
});

afterAll(() => closeAll(browser, server));

describe("every page", () => {
  const pages = sitePages(DIST);
  test("the site has pages", () => expect(pages.length).toBeGreaterThanOrEqual(2));
  test.each(pages)("%s renders with no error and no foreign request", async (path) => {
    const { page, problems } = await openPage(browser);
    await page.goto(server.url + path);
    await waitForCells(page);
    await screenshot(page, path === "/" ? "index" : path.slice(1).replaceAll("/", "_"));
    const failedCells = await page.locator(".observablehq--error").allTextContents();
    await page.close();
    expect(failedCells).toEqual([]);
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], foreignRequests: [] });
  });
});

describe("the data page", () => {
  test("shows what DuckDB-WASM computed from the built files", async () => {
    const manifest = JSON.parse(readFileSync("data/demo/manifest.json", "utf8")) as {
      peopleWithEvents: number;
      start: string;
      asOf: string;
      events: number;
    };
    const { page } = await openPage(browser);
    await page.goto(server.url + "/data");
    await waitForCells(page);
    const number = async (id: string) => Number((await page.getByTestId(id).textContent())!.replaceAll(",", ""));
    expect(await number("people")).toBe(manifest.peopleWithEvents);
    expect(await number("events")).toBe(manifest.events);
    expect(await page.getByTestId("date-range").textContent()).toBe(`${manifest.start} to ${manifest.asOf}`);
    // The weekly chart has one line per event type.
    expect(await page.locator("figure svg g[aria-label='line'] path").count()).toBe(10);
    await page.close();
  });
});

describe("the home page", () => {
  test("says what each instance predicts in plain words", async () => {
    const dir = join(DIST, "_file", "data");
    const file = readdirSync(dir).find((f) => f.startsWith("instances.") && f.endsWith(".json"))!;
    const instances = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
      name: string;
      goalText: string;
      scored: number;
    }[];
    const { page, problems } = await openPage(browser);
    await page.goto(server.url + "/");
    await waitForCells(page);
    for (const instance of instances) {
      const card = page.locator(`[data-testid="instance-card"][data-instance="${instance.name}"]`);
      expect(await card.getByTestId("instance-goal").textContent()).toBe(instance.goalText);
      expect(instance.goalText).toMatch(/^People who will /);
      expect(instance.goalText).not.toMatch(/directMarketing\.|commerce\.|event type/);
      expect(await card.getByTestId("scored").textContent()).toBe(instance.scored.toLocaleString("en-US"));
    }
    await page.close();
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], foreignRequests: [] });
  });
});
