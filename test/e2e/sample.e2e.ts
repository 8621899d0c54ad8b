/**
 * End-to-end: sample mode (issue 18). The demo built with a forced low threshold (E2E_SAMPLE_DIST, default
 * .tmp/dist-sample: `CUSTOMER_AI_SAMPLE_SIZE=2000 npm run build -- --sample-above 0 --out .tmp/dist-sample`) ships a
 * person-hash sample to the scores and segments pages. Without a filter the figures are exact; with one, the count
 * is an estimate for everyone, said in words with its range, and the true count (DuckDB over the full scores.parquet
 * the site ships) lies in that range; the segments page says the same and its CSV export says it holds the sample
 * and how to export everyone; the person page finds people outside the sample. No console error, no request
 * leaving the site. Screenshots at desktop and phone width.
 */
import { readFileSync } from "node:fs";
import { tableFromIPC } from "apache-arrow";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openDatabase, type Database } from "../../loaders/db/duckdb.js";
import { str } from "../../loaders/sql/quote.js";
import type { SampleInfo } from "../../loaders/contract/schema.js";
import { openPage, screenshot, waitForCells, type PageProblems } from "./browser.js";
import type { SiteServer } from "./server.js";
import { builtFile as builtFileOf, closeAll, openSite } from "./setup.js";

const DIST = process.env["E2E_SAMPLE_DIST"] ?? ".tmp/dist-sample";
const instance = "purchase";
const noProblems = { consoleErrors: [], pageErrors: [], foreignRequests: [] };

/** A built data file of an instance. */
const builtFile = (name: string, ext: string): string => builtFileOf(DIST, instance, name, ext);

let server: SiteServer;
let browser: Browser;
let db: Database;
let sample: SampleInfo;
let scores: string;

beforeAll(async () => {
  ({ server, browser } = await openSite(
    DIST,
    `CUSTOMER_AI_SAMPLE_SIZE=2000 npm run build -- --sample-above 0 --out ${DIST}`,
  ));
  db = await openDatabase();
  scores = builtFile("scores", "parquet");
  sample = (JSON.parse(readFileSync(builtFile("instance", "json"), "utf8")) as { sample: SampleInfo }).sample;
});

afterAll(() => closeAll(db, browser, server));

async function count(sql: string): Promise<number> {
  return Number((await db.connection.runAndReadAll(sql)).getRows()[0]![0]);
}

/** "1.2 million" or "4,300" back into a number. */
function parseCount(text: string): number {
  const million = /([\d.]+) million/.exec(text);
  return million ? Number(million[1]) * 1e6 : Number(text.replaceAll(",", ""));
}

async function open(path: string, width = 1440): Promise<{ page: Page; problems: PageProblems }> {
  const { page, problems } = await openPage(browser);
  await page.setViewportSize({ width, height: width > 800 ? 900 : 844 });
  await page.goto(server.url + path);
  await waitForCells(page);
  return { page, problems };
}

describe("sample mode", () => {
  test("the site ships a sample of the people table and the full per-person files", async () => {
    expect(sample.rate).toBeGreaterThan(0);
    expect(sample.rate).toBeLessThan(1);
    const table = tableFromIPC(readFileSync(builtFile("explorer", "arrow")));
    expect(table.numRows).toBe(sample.people);
    expect(await count(`SELECT count(*) FROM read_parquet(${str(scores)})`)).toBe(sample.total);
    expect(sample.people).toBeLessThan(sample.total);
  });

  test("the scores page: exact without a filter, an estimate with its range and the sample in words with one", async () => {
    for (const width of [1440, 390]) {
      const { page, problems } = await open(`/${instance}/scores`, width);
      await page.locator("[data-testid=people-table] tbody tr").first().waitFor();
      const everyone = (await page.getByTestId("filtered-count").textContent())!;
      expect(everyone).toContain(
        `${sample.total.toLocaleString("en-US")} of ${sample.total.toLocaleString("en-US")} people`,
      );
      expect(await page.getByTestId("sample-note").textContent()).toMatch(/sample of .* people/);
      const input = page.locator("input[data-field=percentile][data-end=from]");
      await input.fill("81");
      await input.dispatchEvent("input");
      await page.waitForFunction(() =>
        /^About/.test(document.querySelector("[data-testid=filtered-count]")?.textContent ?? ""),
      );
      const text = (await page.getByTestId("filtered-count").textContent())!;
      const match =
        /^About ([\d,.]+(?: million)?) of [\d,]+ people \(.*\), likely between ([\d,.]+(?: million)?) and ([\d,.]+(?: million)?)$/.exec(
          text.trim(),
        );
      expect(match, text).not.toBeNull();
      const truth = await count(`SELECT count(*) FROM read_parquet(${str(scores)}) WHERE percentile >= 81`);
      // The words round the interval's ends (to hundreds here): the true count lies within them.
      expect(parseCount(match![2]!)).toBeLessThanOrEqual(truth * 1.03);
      expect(parseCount(match![3]!)).toBeGreaterThanOrEqual(truth * 0.97);
      expect(await page.getByTestId("page").textContent()).toContain("people of the sample");
      await page.locator("input[data-field=percentile][data-end=from]").blur();
      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, `sample-scores-${width > 800 ? "desktop" : "phone"}`);
      expect(problems).toEqual(noProblems);
      await page.close();
    }
  });

  test("the segments page: the size and the expected outcomes as estimates with ranges, and exports that say they hold the sample", async () => {
    for (const width of [1440, 390]) {
      const { page, problems } = await open(`/${instance}/segments`, width);
      const estimate = page.locator("[data-testid=estimate-panel][aria-busy=false] [data-testid=segment-estimate]");
      await estimate.waitFor({ timeout: 60_000 });
      expect(await estimate.getAttribute("data-sampled")).toBe("true");
      const low = Number(await estimate.getAttribute("data-low95"));
      const high = Number(await estimate.getAttribute("data-high95"));
      // The first suggestion is the top 20% by percentile: the true size lies in the page's range.
      const truth = await count(`SELECT count(*) FROM read_parquet(${str(scores)}) WHERE percentile >= 81`);
      expect(low).toBeLessThanOrEqual(truth);
      expect(high).toBeGreaterThanOrEqual(truth);
      const words = (await estimate.textContent())!.replace(/\s+/g, " ");
      expect(words).toMatch(/About [\d,.]+( million)? people \(likely between/);
      expect(words).toMatch(/Counted on a [\d.]+% sample of/);
      const note = (await page.getByTestId("export-sample-note").textContent())!.replace(/\s+/g, " ");
      expect(note).toContain("The CSV holds the sample only");
      expect(note).toContain(`npm run segment -- --run`);
      expect(await page.getByTestId("export-csv").textContent()).toContain("the sample's");
      // The SQL's table is the full one the page links to.
      expect(await page.getByTestId("download-scores").getAttribute("href")).toContain("scores.");
      await page.evaluate(() => window.scrollTo(0, 0));
      await screenshot(page, `sample-segments-${width > 800 ? "desktop" : "phone"}`);
      expect(problems).toEqual(noProblems);
      await page.close();
    }
  });

  test("the person page finds someone outside the sample", async () => {
    const inSample = new Set(
      (
        tableFromIPC(readFileSync(builtFile("explorer", "arrow")))
          .getChild("id")!
          .toArray() as string[]
      ).map(String),
    );
    const ids = (await db.connection.runAndReadAll(`SELECT id FROM read_parquet(${str(scores)}) ORDER BY id LIMIT 200`))
      .getRows()
      .map((r) => String(r[0]));
    const outside = ids.find((id) => !inSample.has(id))!;
    expect(outside).toBeDefined();
    const { page, problems } = await open(`/${instance}/person?id=${encodeURIComponent(outside)}`);
    await page.getByTestId("person").waitFor({ timeout: 60_000 });
    expect(await page.getByTestId("person").textContent()).toContain(outside);
    expect(problems).toEqual(noProblems);
    await page.close();
  });
});
