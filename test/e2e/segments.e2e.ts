/**
 * End-to-end: the segment page of the built site (dist/) in headless Chromium, checked against the same built
 * files read with DuckDB in Node. A segment built through the UI has the size and the expected count DuckDB finds;
 * the page shows exactly one estimate (the test's true and false positives only for a pure top X%); its CSV holds
 * the same people with reasons in words; its JSON and SQL carry labels, not codes; the exported SQL run on the
 * scores table selects the same people; the JSON imports back; an empty segment cannot be exported; new
 * conditions choose nothing; the focus survives Add, Remove and field changes, and browsing the field list with
 * the arrow keys changes nothing. Screenshots at desktop and phone width, light and dark.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openDatabase, type Database } from "../../loaders/db/duckdb.js";
import type { InstanceSummary } from "../../loaders/contract/schema.js";
import { str } from "../../loaders/sql/quote.js";
import { openPage, screenshot, waitForCells, type PageProblems } from "./browser.js";
import type { SiteServer } from "./server.js";
import { builtFile as builtFileOf, closeAll, openSite, rowsOf } from "./setup.js";

const DIST = process.env["E2E_DIST"] ?? "dist";

/** A built data file of an instance, e.g. dist/_file/purchase/data/scores.<hash>.parquet. */
const builtFile = (instance: string, name: string, ext: string): string => builtFileOf(DIST, instance, name, ext);

let server: SiteServer;
let browser: Browser;
let db: Database;
const instance = "purchase";
let scores: string;
let summary: InstanceSummary;

const queryNode = <T = Record<string, unknown>>(sql: string): Promise<T[]> => rowsOf<T>(db, sql);

beforeAll(async () => {
  ({ server, browser } = await openSite(DIST));
  db = await openDatabase();
  scores = builtFile(instance, "scores", "parquet");
  summary = JSON.parse(readFileSync(builtFile(instance, "instance", "json"), "utf8")) as InstanceSummary;
});

afterAll(() => closeAll(db, browser, server));

const noProblems = { consoleErrors: [], pageErrors: [], foreignRequests: [] };
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's violations on the page as it is (rule, and the elements it flags). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            context: Document,
            options: object,
          ) => Promise<{ violations: { id: string; nodes: { target: unknown[] }[] }[] }>;
        };
      }
    ).axe;
    const { violations } = await axe.run(document, { resultTypes: ["violations"] });
    return violations.map((v) => `${v.id}: ${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")}`);
  });
}
const number = (text: string | null) => Number((text ?? "").replaceAll(",", ""));

/** Opens the segment page (optionally at a phone's width or in dark mode) and waits for its first estimate. */
async function open(
  path = `/${instance}/segments`,
  view: { width?: number; height?: number; dark?: boolean } = {},
): Promise<{ page: Page; problems: PageProblems }> {
  const { page, problems } = await openPage(browser);
  await page.setViewportSize({ width: view.width ?? 1440, height: view.height ?? 900 });
  await page.emulateMedia({ colorScheme: view.dark ? "dark" : "light" });
  await page.goto(server.url + path);
  await waitForCells(page);
  await page.locator("[data-testid=estimate-panel][aria-busy=false]").waitFor({ timeout: 60_000 });
  return { page, problems };
}

/** The size the page shows, once the estimate is no longer busy. */
async function shownSize(page: Page): Promise<number> {
  await page.locator("[data-testid=estimate-panel][aria-busy=false]").waitFor();
  return number(await page.getByTestId("segment-size").textContent());
}

/** Removes every condition through the UI. */
async function clearConditions(page: Page): Promise<void> {
  while ((await page.locator("[data-role=remove]").count()) > 0)
    await page.locator("[data-role=remove]").first().click();
}

/** Adds a condition on `field` through the UI and returns its row. */
async function addCondition(page: Page, field: string) {
  await page.getByTestId("add-field").selectOption(field);
  await page.getByTestId("add-condition").click();
  return page.getByTestId("condition").last();
}

/** A full-page screenshot from the top, with no control focused (fixed headers then sit where people see them). */
async function pageShot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
  });
  await screenshot(page, name);
}

/** Clicks an export button and returns the downloaded file's text and name. */
async function exported(page: Page, testid: string): Promise<{ text: string; name: string }> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId(testid).click()]);
  return { text: readFileSync((await download.path())!, "utf8"), name: download.suggestedFilename() };
}

/** Runs exported SQL on the built scores.parquet as the table `scores` (and other instances' as `scores_<name>`),
 * as its header says to. */
async function runExportedSql(sql: string, tables: Record<string, string> = { scores }): Promise<string[]> {
  for (const [name, file] of Object.entries(tables))
    await db.connection.run(`CREATE OR REPLACE VIEW "${name}" AS SELECT * FROM read_parquet(${str(file)})`);
  const rows = (await db.connection.runAndReadAll(sql.trim().replace(/;$/, ""))).getRowObjectsJson();
  return rows.map((r) => String(r["id"]));
}

/** The ids of a CSV export (first column; ids here need no quoting). */
function csvIds(csv: string): string[] {
  return csv
    .trim()
    .split(/\r\n/)
    .slice(1)
    .map((line) => line.split(",")[0]!);
}

/** The segment the next test builds: the 30th to 90th percentile whose top factor is the most common one. */
interface BuiltSegment {
  /** The factor's code (top1) and its label. */
  code: number;
  label: string;
  /** DuckDB's count of its people and sum of their probabilities. */
  n: number;
  p: number;
}

/** The segment as DuckDB finds it in the built scores.parquet. */
async function segmentInDuckDB(): Promise<BuiltSegment> {
  const [common] = await queryNode<{ code: number }>(
    `SELECT top1::INTEGER AS code FROM read_parquet(${str(scores)}) GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1`,
  );
  const label = summary.features[common!.code]!.label;
  const [expected] = await queryNode<{
    n: number;
    p: number;
  }>(`SELECT COUNT(*)::INTEGER AS n, SUM(probability::DOUBLE) AS p FROM read_parquet(${str(scores)})
      WHERE percentile BETWEEN 30 AND 90 AND top1 = ${common!.code}`);
  return { code: common!.code, label, n: expected!.n, p: expected!.p };
}

/** Builds the segment through the UI: a percentile range, then a factor found by the search, until its size shows. */
async function buildSegment(page: Page, segment: BuiltSegment): Promise<void> {
  await clearConditions(page);
  const percentile = await addCondition(page, "percentile");
  await percentile.locator("[data-role=from]").fill("30");
  await percentile.locator("[data-role=to]").fill("90");
  await percentile.locator("[data-role=to]").press("Enter");
  const factor = await addCondition(page, "factor");
  // Nothing is chosen for people: the new factor condition matches everyone and says so.
  expect(await factor.locator("input[type=checkbox]:checked").count()).toBe(0);
  expect(await factor.getByTestId("matches-everyone").textContent()).toContain("matches everyone");
  await expect
    .poll(() => factor.getByTestId("factor-options").locator("li").count(), { timeout: 20_000 })
    .toBeGreaterThan(0);
  // The most common factors come with counts; the search finds any factor.
  expect(await factor.getByTestId("factor-options").locator("li").first().textContent()).toMatch(
    /\d[\d,]* (people|person)/,
  );
  await factor.locator("[data-role=factor-search]").fill(segment.label);
  await factor.getByTestId("factor-options").locator(`input[data-value="${segment.code}"]`).check();
  await expect.poll(() => shownSize(page), { timeout: 20_000 }).toBe(segment.n);
}

/** Exactly one estimate: the sum of the probabilities with its range; no test counts for a segment that is not a top X%. */
async function expectOneEstimate(page: Page, segment: BuiltSegment): Promise<void> {
  expect(await page.getByTestId("segment-estimate").count()).toBe(1);
  expect(await page.getByTestId("segment-tested").count()).toBe(0);
  expect(await page.locator("main").textContent()).not.toMatch(/true positives/i);
  const estimate = page.getByTestId("segment-estimate");
  expect(Number(await estimate.getAttribute("data-expected"))).toBeCloseTo(segment.p, 1);
  expect(number(await page.getByTestId("segment-expected").textContent())).toBe(Math.round(segment.p));
  const low = number(await page.getByTestId("segment-low").textContent());
  const high = number(await page.getByTestId("segment-high").textContent());
  expect(low).toBeLessThanOrEqual(segment.p);
  expect(high).toBeGreaterThanOrEqual(segment.p);
}

/** CSV: the same people, reasons in words, the attribute the segment uses by its label. Returns the ids. */
async function expectCsvExport(page: Page, segment: BuiltSegment): Promise<string[]> {
  await page.getByTestId("csv-attributes").locator(`input[data-field="${summary.explorer[0]!.column}"]`).check();
  const csv = await exported(page, "export-csv");
  const header = csv.text.split("\r\n")[0]!;
  const attribute = summary.features[summary.explorer[0]!.feature]!;
  expect(header).toBe(`id,score,probability,percentile,bucket,reason_1,reason_2,reason_3,${attribute.label}`);
  const ids = csvIds(csv.text);
  expect(ids.length).toBe(segment.n);
  expect(csv.text).toContain(`${segment.label}: `);
  expect(csv.text).toMatch(/\((raises|lowers) the likelihood\)/);
  if (attribute.kind === "categorical")
    expect(attribute.categories!.some((c) => csv.text.includes(`,${c}\r\n`))).toBe(true);
  return ids;
}

/** JSON: labels and names, never a bare feature code. Returns the file's text. */
async function expectJsonExport(page: Page, segment: BuiltSegment): Promise<string> {
  const json = await exported(page, "export-json");
  const definition = JSON.parse(json.text);
  expect(definition.format).toBe("customer-ai-segment");
  expect(definition.people).toBe(segment.n);
  const factorCondition = definition.conditions.find((c: { field: string }) => c.field === "factor");
  expect(factorCondition).toMatchObject({ value: [segment.label], rank: 1, label: "Influential factor" });
  expect(definition.description).toContain(segment.label);
  return json.text;
}

/** SQL: labels and names, and run on the scores table it selects the people of the page (`ids`). */
async function expectSqlExport(page: Page, segment: BuiltSegment, ids: string[]): Promise<void> {
  const sql = await exported(page, "export-sql");
  expect(sql.name).toBe(`${instance}-custom-segment.sql`);
  expect(sql.text).toContain(`"Top factor 1" IN (${"'" + segment.label.replaceAll("'", "''") + "'"})`);
  expect(sql.text.slice(sql.text.indexOf("\nWHERE"))).not.toMatch(/"(f_\d+|top\d)"/);
  expect(new Set(await runExportedSql(sql.text))).toEqual(new Set(ids));
}

/**
 * The link of the page (closed here) restores the segment; the JSON imports back into a fresh page. Returns the
 * problems of the two pages it opened.
 */
async function expectLinkAndImport(page: Page, segment: BuiltSegment, json: string): Promise<PageProblems[]> {
  const link = page.url();
  expect(link).toContain("#segment=");
  await page.close();
  const again = await open(link.slice(server.url.length));
  expect(await shownSize(again.page)).toBe(segment.n);
  expect(await again.page.getByTestId("condition").count()).toBe(2);
  await again.page.close();
  const fresh = await open();
  const file = join(tmpdir(), `segment-${process.pid}.json`);
  writeFileSync(file, json);
  await fresh.page.getByTestId("import-segment").setInputFiles(file);
  await expect.poll(() => shownSize(fresh.page), { timeout: 20_000 }).toBe(segment.n);
  await fresh.page.close();
  return [again.problems, fresh.problems];
}

describe("a segment built in the UI", () => {
  test("has DuckDB's size and expected count, one estimate, and exports that carry labels and select the same people", async () => {
    const segment = await segmentInDuckDB();
    expect(segment.n).toBeGreaterThan(0);
    const { page, problems } = await open();
    await buildSegment(page, segment);
    await expectOneEstimate(page, segment);
    await pageShot(page, `segments/${instance}-built-desktop-light`);
    const ids = await expectCsvExport(page, segment);
    const json = await expectJsonExport(page, segment);
    await expectSqlExport(page, segment, ids);
    const [againProblems, freshProblems] = await expectLinkAndImport(page, segment, json);
    expect(problems).toEqual(noProblems);
    expect(againProblems).toEqual(noProblems);
    expect(freshProblems).toEqual(noProblems);
  });
});

describe("a segment across instances", () => {
  test("churn risk and purchase propensity, joined by person id: the page counts what DuckDB counts over both built files, and its exports carry the other instance's label", async () => {
    const churn = builtFile("churn", "scores", "parquet");
    const purchaseLabel = summary.label;
    const joined = `read_parquet(${str(churn)}) c JOIN read_parquet(${str(scores)}) p USING (id) WHERE c.percentile BETWEEN 51 AND 100 AND p.percentile BETWEEN 71 AND 100`;
    const [expected] = await queryNode<{ n: number; p: number }>(
      `SELECT COUNT(*)::INTEGER AS n, SUM(c.probability::DOUBLE) AS p FROM ${joined}`,
    );
    const expectedIds = (await queryNode<{ id: string }>(`SELECT id FROM ${joined}`)).map((r) => r.id).sort();
    const [unscored] = await queryNode<{ n: number }>(
      `SELECT COUNT(*)::INTEGER AS n FROM read_parquet(${str(churn)}) WHERE id NOT IN (SELECT id FROM read_parquet(${str(scores)}))`,
    );
    expect(expected!.n).toBeGreaterThan(0);

    const { page, problems } = await open("/churn/segments");
    await clearConditions(page);
    // The other instance's fields are listed under its label.
    expect(
      await page
        .getByTestId("add-field")
        .locator(`optgroup[label="${purchaseLabel} (another instance)"] option`)
        .allTextContents(),
    ).toEqual([`${purchaseLabel}: score (0-100)`, `${purchaseLabel}: percentile (1-100)`, `${purchaseLabel}: bucket`]);
    const own = await addCondition(page, "percentile");
    await own.locator("[data-role=from]").fill("51");
    await own.locator("[data-role=to]").fill("100");
    await own.locator("[data-role=to]").press("Enter");
    const other = await addCondition(page, "purchase:percentile");
    expect(await other.getByTestId("matches-everyone").textContent()).toContain("matches everyone");
    await other.locator("[data-role=from]").fill("71");
    await other.locator("[data-role=to]").fill("100");
    await other.locator("[data-role=to]").press("Enter");
    await expect.poll(() => shownSize(page), { timeout: 30_000 }).toBe(expected!.n);
    // The row and the estimate say that people the other instance did not score are left out, and how many.
    expect(await other.getByTestId("matches-everyone").textContent()).toContain(
      `uses the scores of “${purchaseLabel}”`,
    );
    const note = page.getByTestId("segment-linked-note").locator("li");
    expect(Number(await note.getAttribute("data-unscored"))).toBe(unscored!.n);
    expect((await note.textContent())!.replace(/\s+/g, " ")).toContain(
      unscored!.n === 0 ? "no one is left out" : "scored here but not there",
    );
    expect(number(await page.getByTestId("segment-expected").textContent())).toBe(Math.round(expected!.p));
    await pageShot(page, "segments/churn-across-instances");

    // CSV: the same people, with the other instance's percentile under its label.
    const csv = await exported(page, "export-csv");
    expect(csv.text.split("\r\n")[0]).toContain(`${purchaseLabel}: percentile (1-100)`);
    expect(csvIds(csv.text).sort()).toEqual(expectedIds);
    // JSON: the other instance by name and label; SQL: joins its scores table and selects the same people.
    const definition = JSON.parse((await exported(page, "export-json")).text);
    expect(definition.conditions[1]).toMatchObject({
      field: "purchase:percentile",
      instance: { name: "purchase", label: purchaseLabel },
    });
    expect(definition.description).toContain(`${purchaseLabel}: percentile is 71 to 100`);
    const sql = (await exported(page, "export-sql")).text;
    expect(sql).toContain(`CREATE VIEW "scores_purchase"`);
    expect((await runExportedSql(sql, { scores: churn, scores_purchase: scores })).sort()).toEqual(expectedIds);
    // The link restores it.
    const link = page.url();
    await page.close();
    const again = await open(link.slice(server.url.length));
    await expect.poll(() => shownSize(again.page), { timeout: 30_000 }).toBe(expected!.n);
    await again.page.close();
    expect(problems).toEqual(noProblems);
    expect(again.problems).toEqual(noProblems);
  });
});

describe("customer value", () => {
  test("the top 10% by expected value and a value above an amount: the page's counts, total and order are DuckDB's; the SQL computes the same percentile", async () => {
    const ranked = `(SELECT *, CASE WHEN expected_value IS NULL THEN NULL ELSE ((100 * COUNT(expected_value) OVER (ORDER BY expected_value ASC NULLS LAST)
      + COUNT(expected_value) OVER () - 1) // COUNT(expected_value) OVER ())::INTEGER END AS vp FROM read_parquet(${str(scores)}))`;
    const [top] = await queryNode<{ n: number; total: number }>(
      `SELECT COUNT(*)::INTEGER AS n, SUM(expected_value::DOUBLE) AS total FROM ${ranked} WHERE vp >= 91`,
    );
    const both = await queryNode<{ id: string }>(
      `SELECT id FROM ${ranked} WHERE vp >= 91 AND expected_value >= 1000 ORDER BY expected_value DESC, id`,
    );
    expect(top!.n).toBeGreaterThan(0);
    expect(both.length).toBeGreaterThan(0);
    // The overview's top tenth holds the same people.
    expect(top!.n).toBe((summary.value as { deciles: { people: number }[] }).deciles[0]!.people);

    const { page, problems } = await open();
    await page.locator("[data-testid=suggested-segments] button", { hasText: "Most valuable" }).click();
    await expect.poll(() => shownSize(page), { timeout: 20_000 }).toBe(top!.n);
    const value = page.getByTestId("segment-value");
    expect(Number(await value.getAttribute("data-total"))).toBeCloseTo(top!.total, 0);
    expect((await value.textContent())!.replace(/\s+/g, " ")).toMatch(
      /expected value over the next 365 days: [\d,.]+ in total/,
    );
    const amount = await addCondition(page, "expected_value");
    await amount.locator("[data-role=from]").fill("1000");
    await amount.locator("[data-role=from]").press("Enter");
    await expect.poll(() => shownSize(page), { timeout: 20_000 }).toBe(both.length);
    // Ordered by expected value, highest first, in the CSV and the SQL.
    await page.getByTestId("export-sort").selectOption("expected_value");
    const csv = await exported(page, "export-csv");
    expect(csv.text.split("\r\n")[0]).toContain("Expected value, next 365 days");
    expect(csvIds(csv.text)).toEqual(both.map((r) => r.id));
    const sql = (await exported(page, "export-sql")).text;
    expect(sql).toContain("Expected value percentile");
    expect(await runExportedSql(sql)).toEqual(both.map((r) => r.id));
    await pageShot(page, `segments/${instance}-value`);
    await page.close();
    expect(problems).toEqual(noProblems);
  });

  test("an instance without value columns shows nothing of it", async () => {
    const { page, problems } = await open("/churn/segments");
    expect(await page.getByTestId("add-field").locator('optgroup[label="Customer value"]').count()).toBe(0);
    expect(await page.getByTestId("segment-value").count()).toBe(0);
    expect(await page.getByTestId("export-sort").count()).toBe(0);
    expect(await page.locator("[data-testid=suggested-segments] button", { hasText: "Most valuable" }).count()).toBe(0);
    await page.close();
    expect(problems).toEqual(noProblems);
  });
});

describe("suggested segments", () => {
  test("the loaded one is marked; a pure top X% adds the test's counts, labelled as such, and any other segment does not", async () => {
    const { page, problems } = await open();
    const loaded = () => page.locator("[data-testid=suggested-segments] [aria-pressed=true]").allTextContents();
    // The page starts on the first suggestion, the demo's top 20%.
    const first = summary.suggestedSegments[0]!;
    expect(first.where).toEqual([{ field: "percentile", op: "between", value: [81, 100] }]);
    expect(await loaded()).toEqual([first.name]);
    expect(await page.getByTestId("segment-estimate").count()).toBe(1);
    const tested = page.getByTestId("segment-tested");
    expect(await tested.count()).toBe(1);
    const words = (await tested.textContent())!.replace(/\s+/g, " ");
    expect(words).toMatch(/out-of-time test|held-out people/);
    expect(words).toMatch(/true positives.*false positives/);
    expect(words).toContain("not a second estimate");
    const [top] = await queryNode<{ p: number }>(
      `SELECT SUM(probability::DOUBLE) AS p FROM read_parquet(${str(scores)}) WHERE percentile >= 81`,
    );
    expect(number(await page.getByTestId("segment-expected").textContent())).toBe(Math.round(top!.p));
    await pageShot(page, `segments/${instance}-suggested-top`);
    for (const suggestion of summary.suggestedSegments.slice(1)) {
      await page.locator("[data-testid=suggested-segments] button", { hasText: suggestion.name }).click();
      await expect.poll(loaded).toEqual([suggestion.name]);
      await page.locator("[data-testid=estimate-panel][aria-busy=false]").waitFor();
      expect(await page.getByTestId("segment-estimate").count()).toBe(1);
      const pureTop =
        suggestion.where.length === 1 &&
        suggestion.where[0]!.field === "percentile" &&
        suggestion.where[0]!.value[1] === 100;
      await expect.poll(() => page.getByTestId("segment-tested").count()).toBe(pureTop ? 1 : 0);
    }
    // Editing a loaded suggestion unmarks it.
    const row = await addCondition(page, "score");
    await row.locator("[data-role=from]").fill("1");
    await row.locator("[data-role=from]").press("Enter");
    await expect.poll(loaded).toEqual([]);
    await page.close();
    expect(problems).toEqual(noProblems);
  });
});

describe("a churn instance", () => {
  test("counts expected churners, in the goal's words", async () => {
    const churn = builtFile("churn", "scores", "parquet");
    const churnSummary = JSON.parse(readFileSync(builtFile("churn", "instance", "json"), "utf8")) as InstanceSummary;
    const { page, problems } = await open("/churn/segments");
    const first = churnSummary.suggestedSegments[0]!;
    const where = first.where
      .map((w) =>
        w.op === "in"
          ? `${w.field} IN (${w.value.map((v) => str(String(v))).join(", ")})`
          : `${w.field} BETWEEN ${w.value[0]} AND ${w.value[1]}`,
      )
      .join(" AND ");
    const [expected] = await queryNode<{ n: number; p: number }>(
      `SELECT COUNT(*)::INTEGER AS n, SUM(probability::DOUBLE) AS p FROM read_parquet(${str(churn)}) WHERE ${where}`,
    );
    expect(await shownSize(page)).toBe(expected!.n);
    expect(number(await page.getByTestId("segment-expected").textContent())).toBe(Math.round(expected!.p));
    const goal = /^People who will (.+?)(?::.*)?\.?$/.exec(churnSummary.goalText)?.[1];
    if (goal)
      expect((await page.getByTestId("segment-estimate").textContent())!.replace(/\s+/g, " ")).toContain(
        `expected to ${goal}`,
      );
    await pageShot(page, "segments/churn-suggested");
    await page.close();
    expect(problems).toEqual(noProblems);
  });
});

describe("an empty segment", () => {
  test("cannot be exported, and says why", async () => {
    const { page, problems } = await open();
    const id = await addCondition(page, "id");
    await id.locator("[data-role=text]").fill("no-such-person-anywhere");
    await id.locator("[data-role=text]").press("Enter");
    await expect.poll(() => shownSize(page), { timeout: 20_000 }).toBe(0);
    expect(await page.getByTestId("segment-empty").count()).toBe(1);
    for (const button of ["export-csv", "export-json", "export-sql"])
      expect(await page.getByTestId(button).isDisabled()).toBe(true);
    expect(await page.getByTestId("export-disabled-reason").textContent()).toContain("no one is in this segment");
    expect(await page.getByTestId("export-csv").getAttribute("aria-describedby")).toBe("export-reason");
    await pageShot(page, `segments/${instance}-empty`);
    await page.close();
    expect(problems).toEqual(noProblems);
  });
});

describe("the editor", () => {
  test("new conditions choose nothing and match everyone", async () => {
    const { page, problems } = await open();
    await clearConditions(page);
    const everyone = await shownSize(page);
    for (const field of summary.explorer.map((e) => e.column)) {
      const row = await addCondition(page, field);
      expect(await row.locator("input[type=checkbox]:checked").count()).toBe(0);
      expect(await row.getByTestId("matches-everyone").textContent()).toContain("matches everyone");
    }
    await addCondition(page, "factor");
    await addCondition(page, "bucket");
    expect(await shownSize(page)).toBe(everyone);
    await pageShot(page, `segments/${instance}-new-conditions`);
    await page.close();
    expect(problems).toEqual(noProblems);
  });

  test("keeps the focus through Add, Remove and field changes; arrow keys in the field list change nothing until Enter", async () => {
    const { page, problems } = await open();
    const focused = () =>
      page.evaluate(() => {
        const e = document.activeElement as HTMLElement | null;
        return e && e !== document.body
          ? `${e.tagName.toLowerCase()}:${e.dataset["role"] ?? e.dataset["testid"] ?? ""}`
          : "body";
      });
    await page.getByTestId("add-field").selectOption("factor");
    await page.getByTestId("add-condition").focus();
    await page.keyboard.press("Enter");
    expect(await focused()).toBe("input:factor-search");
    // Browse the new condition's field list with the arrow keys: nothing is redrawn and nothing changes.
    await page.evaluate(() => {
      const editor = document.querySelector("[data-testid=segment-editor]")!;
      (window as unknown as { changes: number }).changes = 0;
      editor.addEventListener("input", () => ((window as unknown as { changes: number }).changes += 1));
    });
    const field = page.getByTestId("condition").last().locator("[data-role=field]");
    await field.focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press("ArrowDown");
    expect(await page.evaluate(() => (window as unknown as { changes: number }).changes)).toBe(0);
    expect(await page.getByTestId("condition").last().getAttribute("data-field")).toBe("factor");
    const chosen = await field.inputValue();
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => (window as unknown as { changes: number }).changes)).toBe(1);
    expect(await page.getByTestId("condition").last().getAttribute("data-field")).toBe(chosen);
    expect(await focused()).toBe("select:field");
    // Remove: the focus moves to the neighbouring condition's Remove button, or to the field list when none is left.
    await page.getByTestId("condition").last().locator("[data-role=remove]").click();
    expect(await focused()).toBe("button:remove");
    await clearConditions(page);
    expect(await focused()).toBe("select:add-field");
    await page.close();
    expect(problems).toEqual(noProblems);
  });
});

describe("screenshots", () => {
  const views = [
    { name: "desktop-light", width: 1440, height: 900, dark: false },
    { name: "desktop-dark", width: 1440, height: 900, dark: true },
    { name: "phone-light", width: 390, height: 844, dark: false },
    { name: "phone-dark", width: 390, height: 844, dark: true },
  ];
  test.each(views)(
    "$name: a segment with a factor condition, a value condition and one on another instance, with no sideways scroll",
    async (view) => {
      const { page, problems } = await open(`/${instance}/segments`, view);
      const factor = await addCondition(page, "factor");
      await expect
        .poll(() => factor.getByTestId("factor-options").locator("li").count(), { timeout: 20_000 })
        .toBeGreaterThan(0);
      await factor.getByTestId("factor-options").locator("input[type=checkbox]").first().check();
      const value = await addCondition(page, "value_percentile");
      await value.locator("[data-role=from]").fill("50");
      await value.locator("[data-role=from]").press("Enter");
      const other = await addCondition(page, "churn:bucket");
      await other.locator('input[data-value="Medium"]').check();
      await page.getByTestId("segment-linked-note").waitFor();
      await page.locator("[data-testid=estimate-panel][aria-busy=false]").waitFor();
      await page.locator("details", { hasText: "The segment as SQL" }).locator("summary").click();
      await page.locator("[data-testid=estimate-panel][aria-busy=false]").waitFor();
      // The accessibility test checks the page as it loads; this checks it with the value and cross-instance parts.
      expect(await axeViolations(page)).toEqual([]);
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      await pageShot(page, `segments/${instance}-${view.name}`);
      expect(overflow).toBeLessThanOrEqual(0);
      await page.close();
      expect(problems).toEqual(noProblems);
    },
  );
});
