/**
 * End-to-end: scores over time. A site built from a small history folder (E2E_HISTORY_DIST, default
 * .tmp/dist-history: `npm run demo:history -- --profiles 3000 --data .tmp/e2e-history-data --history
 * .tmp/e2e-history`, then `CUSTOMER_AI_HISTORY=.tmp/e2e-history npm run build -- --out .tmp/dist-history`) shows on
 * its Over time page the trend, movement, drift and realised outcomes with the numbers of the history.json it
 * ships; its overview the trend; its person page a person's score in each run (as score-history.parquet has them).
 * The demo site (E2E_DIST, default dist/, one run) explains on the same page what it would show, with no chart.
 * Every page visited must render with no console error, failed cell or request to another host; the Over time,
 * overview and person pages are saved at 1440 and 390 px wide, light and dark (test-output/screenshots/history/).
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { formatCount, formatDate } from "../../components/format.js";
import { openDatabase } from "../../loaders/db/duckdb.js";
import type { Evaluation, InstanceHistory } from "../../loaders/contract/schema.js";
import { str } from "../../loaders/sql/quote.js";
import { launchBrowser, openPage, screenshot, waitForCells, type PageProblems } from "./browser.js";
import { serveSite, type SiteServer } from "./server.js";
import { VIEWS, builtFile } from "./setup.js";

const HISTORY_DIST = process.env["E2E_HISTORY_DIST"] ?? ".tmp/dist-history";
const DEMO_DIST = process.env["E2E_DIST"] ?? "dist";

let history: SiteServer;
let demo: SiteServer;
let browser: Browser;

beforeAll(async () => {
  for (const [dist, how] of [
    [
      HISTORY_DIST,
      "CUSTOMER_AI_HISTORY=.tmp/e2e-history npm run build -- --out .tmp/dist-history (after npm run demo:history)",
    ],
    [DEMO_DIST, "npm run build"],
  ]) {
    if (!existsSync(join(dist!, "index.html"))) throw new Error(`${dist}/ is missing: run \`${how}\` first`);
  }
  history = await serveSite(HISTORY_DIST);
  demo = await serveSite(DEMO_DIST);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await history?.close();
  await demo?.close();
});

/** The instances of a built site: the folders with an Over time page. */
function instancesOf(dist: string): string[] {
  return readdirSync(dist, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dist, e.name, "history.html")))
    .map((e) => e.name);
}

/** Opens a path and waits for every cell; `check()` then fails on any problem the visit recorded. */
async function visit(
  server: SiteServer,
  path: string,
  view: (typeof VIEWS)[number] = VIEWS[0],
): Promise<{ page: Page; check: () => Promise<void> }> {
  const { page, problems } = await openPage(browser);
  await page.setViewportSize({ width: view.width, height: view.height });
  await page.emulateMedia({ colorScheme: view.scheme });
  await page.goto(server.url + path);
  await waitForCells(page);
  const check = async () => {
    const failed = await page.locator(".observablehq--error").allTextContents();
    await page.close();
    expect(failed, `failed cells on ${path}`).toEqual([]);
    expect(problems, `problems on ${path}`).toEqual<PageProblems>({
      consoleErrors: [],
      pageErrors: [],
      foreignRequests: [],
    });
  };
  return { page, check };
}

/** Numbers written in a text ("1,214 people ... 89 ...") as numbers. */
const texts = (page: Page, id: string) => page.getByTestId(id).allTextContents();
const values = async (page: Page, id: string) =>
  (await page.getByTestId(id).evaluateAll((els) => els.map((e) => e.getAttribute("data-value")))).map(Number);

/** Everyone's rows of a score history, by id. */
async function scoreHistory(file: string): Promise<Map<string, { asOf: string; score: number }[]>> {
  const db = await openDatabase();
  try {
    const rows = (
      await db.connection.runAndReadAll(
        `SELECT id, strftime(as_of, '%Y-%m-%d') AS as_of, score::INTEGER AS score FROM read_parquet(${str(file)}) ORDER BY id, as_of`,
      )
    ).getRowObjects();
    const byId = new Map<string, { asOf: string; score: number }[]>();
    for (const r of rows) {
      const id = String(r["id"]);
      byId.set(id, [...(byId.get(id) ?? []), { asOf: String(r["as_of"]), score: Number(r["score"]) }]);
    }
    return byId;
  } finally {
    db.close();
  }
}

describe("a site built from a history folder", () => {
  const instances = existsSync(HISTORY_DIST) ? instancesOf(HISTORY_DIST) : [];
  test("has instances with an Over time page", () => expect(instances.length).toBeGreaterThanOrEqual(1));

  describe.each(instances)("%s", (instance) => {
    const data = () =>
      JSON.parse(readFileSync(builtFile(HISTORY_DIST, instance, "history", "json"), "utf8")) as InstanceHistory;
    const evaluation = () =>
      JSON.parse(readFileSync(builtFile(HISTORY_DIST, instance, "evaluation", "json"), "utf8")) as Evaluation;

    test("the history has runs to compare", () => {
      expect(data().runs.length).toBeGreaterThanOrEqual(2);
      expect(data().previous).not.toBeNull();
    });

    test("Over time: the runs, their models and the trend", async () => {
      const h = data();
      const { page, check } = await visit(history, `/${instance}/history`);
      const newest = [...h.runs].reverse();
      expect(await texts(page, "run-date")).toEqual(newest.map((r) => formatDate(r.asOf)));
      expect(await texts(page, "run-model")).toEqual(
        newest.map((r) =>
          r.trainedAsOf === r.asOf
            ? `Trained on ${formatDate(r.asOf)}`
            : `Scored with the model trained on ${formatDate(r.trainedAsOf)}`,
        ),
      );
      expect(await texts(page, "run-expected")).toEqual(newest.map((r) => formatCount(r.expectedPositives)));
      // Four panels (High, Medium, Low, expected), each with a dot and its value per run.
      const panels = page.getByTestId("history-trend").locator("svg[role=img]");
      expect(await panels.count()).toBe(4);
      const series = [
        ...(["High", "Medium", "Low"] as const).map((b) =>
          h.runs.map((r) => r.buckets.find((x) => x.bucket === b)?.people ?? 0),
        ),
        h.runs.map((r) => r.expectedPositives),
      ];
      for (let i = 0; i < 4; i++) {
        expect(await panels.nth(i).locator("g[aria-label=dot] circle").count()).toBe(h.runs.length);
        expect(await panels.nth(i).locator("g[aria-label=text] text").allTextContents()).toEqual(
          series[i]!.map(formatCount),
        );
      }
      await check();
    });

    test("Over time: the movement between the last two runs, and who entered High", async () => {
      const previous = data().previous!;
      const { page, check } = await visit(history, `/${instance}/history`);
      const cells = await page
        .getByTestId("movement-cell")
        .evaluateAll((els) =>
          els.map(
            (e) =>
              [e.getAttribute("data-from"), e.getAttribute("data-to"), Number(e.getAttribute("data-value"))] as const,
          ),
        );
      const state = (s: string | null) => (s === "none" ? null : s);
      for (const [from, to, people] of cells) {
        const expected = previous.movement
          .filter((m) => m.from === state(from) && m.to === state(to))
          .reduce((a, m) => a + m.people, 0);
        expect(people, `${from} → ${to}`).toBe(expected);
      }
      // Every movement of history.json has its cell.
      expect(cells.reduce((a, c) => a + c[2], 0)).toBe(previous.movement.reduce((a, m) => a + m.people, 0));
      const words = (await texts(page, "movement-words"))[0]!;
      const who = previous.enteredHigh === 1 ? "1 person" : `${formatCount(previous.enteredHigh)} people`;
      expect(words).toContain(
        previous.enteredHigh === 0
          ? "Nobody moved up into High"
          : `${who} moved up into High since ${formatDate(previous.asOf)}`,
      );
      const links = page.getByTestId("entered-high-id");
      expect(await links.count()).toBe(previous.enteredHighIds.length);
      expect(await links.allTextContents()).toEqual(previous.enteredHighIds);
      if (previous.enteredHighIds.length > 0) {
        const first = previous.enteredHighIds[0]!;
        expect(await links.first().getAttribute("href")).toBe(`./person?id=${encodeURIComponent(first)}`);
        await links.first().click();
        await page.waitForURL(/\/person\?id=/);
        await waitForCells(page);
        expect(await page.getByTestId("person-shown-id").textContent()).toBe(first);
      }
      await check();
    });

    test("Over time: drift of the scores and every feature, with its level", async () => {
      const drift = data().previous!.drift;
      const { page, check } = await visit(history, `/${instance}/history`);
      const psi = await values(page, "drift-psi");
      expect(psi[0]).toBe(drift.score.psi);
      expect(psi.slice(1)).toEqual(drift.features.map((f) => f.psi).sort((a, b) => b - a));
      const verdict = page.getByTestId("drift-verdict");
      expect(await verdict.getAttribute("data-level")).toBe(drift.level);
      expect(await verdict.textContent()).toContain(drift.text);
      expect(await page.getByTestId("drift-thresholds").textContent()).toMatch(
        /below 0\.1.*0\.1 to 0\.25.*0\.25 or more/s,
      );
      // The chart draws what judges the shift: the features, and the scores too when one model scored both runs.
      const runs = data().runs;
      const retrained = runs.at(-1)!.trainedAsOf !== runs.at(-2)!.trainedAsOf;
      expect(await page.getByTestId("drift-chart").locator("g[aria-label=bar] rect").count()).toBe(
        (retrained ? 0 : 1) + drift.features.length,
      );
      await check();
    });

    test("Over time: realised outcomes of past runs, beside the simulated backtest", async () => {
      const { outcomes } = data();
      expect(outcomes.length).toBeGreaterThanOrEqual(1);
      const { page, check } = await visit(history, `/${instance}/history`);
      const newest = [...outcomes].reverse();
      const sentences = await texts(page, "outcome-words");
      expect(sentences.length).toBe(outcomes.length);
      newest.forEach((o, i) => {
        expect(sentences[i]).toContain(
          `Of the ${formatCount(o.people)} people scored on ${formatDate(o.asOf)}, ${formatCount(o.positives)} went on to`,
        );
        expect(sentences[i]).toContain(`the scores expected ${formatCount(o.predicted)}.`);
      });
      expect(await values(page, "real-auc")).toEqual(newest.map((o) => o.auc));
      expect(await values(page, "simulated-auc")).toEqual([evaluation().auc]);
      // One ring and one dot per bucket with people, per past run.
      const groups = outcomes.reduce((a, o) => a + o.buckets.filter((b) => b.people > 0).length, 0);
      expect(await page.getByTestId("outcome-buckets").locator("g[aria-label=dot] circle").count()).toBe(2 * groups);
      expect(await page.getByTestId("outcome-deciles").locator("g[aria-label=bar] rect").count()).toBe(
        2 * outcomes.at(-1)!.deciles.length,
      );
      await check();
    });

    test("the overview shows the trend, and a drift warning only on a shift", async () => {
      const h = data();
      const { page, check } = await visit(history, `/${instance}/`);
      const [then, now] = [h.runs.at(-2)!, h.runs.at(-1)!];
      const high = (r: typeof then) => formatCount(r.buckets.find((b) => b.bucket === "High")?.people ?? 0);
      expect(await page.getByTestId("overview-trend").textContent()).toContain(
        `from ${high(then)} to ${high(now)} people`,
      );
      expect(await page.getByTestId("overview-history").locator("g[aria-label=dot] circle").count()).toBe(
        h.runs.length,
      );
      expect(await page.getByTestId("drift-warning").count()).toBe(h.previous!.drift.level === "stable" ? 0 : 1);
      expect(await page.getByTestId("overview-history").locator('a[href="./history"]').count()).toBeGreaterThanOrEqual(
        1,
      );
      await check();
    });

    test("the person page shows the person's score in each run, and nothing more for a person of one run", async () => {
      const byId = await scoreHistory(builtFile(HISTORY_DIST, instance, "score-history", "parquet"));
      const [many, runs] = [...byId].sort(
        (a, b) =>
          b[1].length - a[1].length || new Set(b[1].map((r) => r.score)).size - new Set(a[1].map((r) => r.score)).size,
      )[0]!;
      expect(runs.length).toBeGreaterThanOrEqual(2);
      const { page, check } = await visit(history, `/${instance}/person?id=${encodeURIComponent(many)}`);
      expect(await texts(page, "person-history-score")).toEqual([...runs].reverse().map((r) => String(r.score)));
      expect(await page.getByTestId("person-history").locator("g[aria-label=dot] circle").count()).toBe(runs.length);
      expect(await page.getByTestId("person-history-words").textContent()).toContain(`Score ${runs[0]!.score} (`);
      await check();
      const single = [...byId].find(([, r]) => r.length === 1)?.[0];
      if (single !== undefined) {
        const one = await visit(history, `/${instance}/person?id=${encodeURIComponent(single)}`);
        expect(await one.page.getByTestId("person-score").textContent()).toBe(String(byId.get(single)![0]!.score));
        expect(await one.page.getByTestId("person-history").count()).toBe(0);
        await one.check();
      }
    });
  });

  test.each(VIEWS)("screenshots at $width px, $scheme", async (view) => {
    const byId = await scoreHistory(builtFile(HISTORY_DIST, instances[0]!, "score-history", "parquet"));
    const person = [...byId].find(([, r]) => r.length >= 2)![0];
    for (const instance of instances) {
      const paths = [
        `/${instance}/history`,
        `/${instance}/`,
        ...(instance === instances[0] ? [`/${instance}/person?id=${encodeURIComponent(person)}`] : []),
      ];
      for (const path of paths) {
        const { page, check } = await visit(history, path, view);
        const name = path.slice(1).replace(/\?.*$/, "").replace(/\/$/, "/index").replaceAll("/", "_");
        await screenshot(page, `history/${name}-${view.name}-${view.scheme}`);
        if (view.name === "phone") {
          const scroll = await page.evaluate(
            () => document.scrollingElement!.scrollWidth - document.scrollingElement!.clientWidth,
          );
          expect(scroll, `${path} scrolls sideways at ${view.width} px`).toBeLessThanOrEqual(0);
        }
        await check();
      }
    }
  });
});

describe("the demo site, built from one run", () => {
  const instances = existsSync(DEMO_DIST) ? instancesOf(DEMO_DIST) : [];
  test("ships no history", () => {
    expect(instances.length).toBeGreaterThanOrEqual(1);
    for (const instance of instances)
      expect(readFileSync(builtFile(DEMO_DIST, instance, "history", "json"), "utf8").trim()).toBe("null");
  });

  test.each(VIEWS)(
    "Over time explains what it will show and how, with no chart, at $width px, $scheme",
    async (view) => {
      for (const instance of instances) {
        const { page, check } = await visit(demo, `/${instance}/history`, view);
        expect(await page.getByTestId("history-none").textContent()).toContain(
          "Once the site is built from a folder of dated runs",
        );
        expect(await page.getByTestId("history-recipe").textContent()).toMatch(
          /--history runs\/[\s\S]*--model runs\/[\s\S]*CUSTOMER_AI_HISTORY=runs npm run build/,
        );
        expect(await page.locator("#observablehq-main svg").count()).toBe(0);
        expect(
          await page
            .locator("[data-testid^=history-]")
            .evaluateAll((els) => els.map((e) => e.getAttribute("data-testid"))),
        ).toEqual(["history-none", "history-recipe"]);
        if (instance === instances[0])
          await screenshot(page, `history/demo-${instance}_history-${view.name}-${view.scheme}`);
        await check();
      }
    },
  );

  test("the overview and the person page show no history", async () => {
    const instance = instances[0]!;
    const overview = await visit(demo, `/${instance}/`);
    expect(await overview.page.getByTestId("overview-history").count()).toBe(0);
    await overview.check();
    const db = await openDatabase();
    let id: string;
    try {
      id = String(
        (
          await db.connection.runAndReadAll(
            `SELECT min(id) FROM read_parquet(${str(builtFile(DEMO_DIST, instance, "scores", "parquet"))})`,
          )
        ).getRows()[0]![0],
      );
    } finally {
      db.close();
    }
    const person = await visit(demo, `/${instance}/person?id=${encodeURIComponent(id)}`);
    expect(await person.page.getByTestId("person-shown-id").textContent()).toBe(id);
    expect(await person.page.getByTestId("person-history").count()).toBe(0);
    await person.check();
  });
});
