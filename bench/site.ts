/**
 * `npm run bench:site [-- --sizes 100k,1m] [--active-within DAYS] [--site DIR] [--rebuild] [--instance NAME]`: the
 * site in a real browser. Per size it builds the site on generated demo data (data shared with the other
 * benchmarks in `.tmp/bench-features/<size>/`, site in `.tmp/bench-site/<size>/dist`, reused unless `--rebuild`), or
 * takes an already built site with `--site`, serves it on 127.0.0.1 and drives headless Chromium:
 *
 * - per page (home, and the instance's overview, scores, segments, person with an id, factors, quality): the time
 *   from navigation to its first meaningful content (the summary from the build's JSON) and to its interactive
 *   state (for the scores and segments pages: DuckDB-WASM ready and the first query drawn), median of 3 cold loads,
 *   timed in the page (performance.now(), from the start of navigation) when each part first appears;
 * - filter update: from a change of the score or percentile filter to the updated count and histogram (median and
 *   p95 over 30 changes); on the segments page, from a change of the first condition's range to its estimate (the
 *   count, expected outcomes and their range), and which table file that page downloaded;
 * - bytes the browser downloads for the scores page (total, and the explorer data per scored person, as sent and
 *   gzip-compressed), and for one person lookup (range requests).
 *
 * `--active-within DAYS` sets every instance's `eligible.activeWithinDays` (the demo configuration says 45)
 * so that more of the generated people are scored (site in `.tmp/bench-site/<size>-active<DAYS>/dist`): 180 scores
 * about 75% of them instead of 45%, e.g. `--sizes 1.4m --active-within 180` for over a million.
 *
 * `--sizes 10m` builds the site on a generated 10M-people run (sample mode): `.tmp/bench-site/10m-run`, made once by
 * bench/replicate-run.ts from a scored run given with `--replicate-from RUN` (each person under 10 new ids), and
 * checks the headless export (`npm run segment`) of two segments against the segments page's sample estimates. `--run
 * DIR` builds the site on any run folder (`CUSTOMER_AI_RUN`). Sites built on a run are in `.tmp/bench-site/<label>/dist`.
 *
 * Targets, by the people scored: first meaningful content within 1 s on every page, interactive within 3 s at 100k
 * and 6 s at 1M; p95 filter update within 150 ms at 100k and 500 ms at 1M; explorer data at most ~40 bytes per
 * person compressed. Generated data scores about 45% of its people, so `--sizes 220k` measures the 100k targets.
 * Each report also gives the scored people of every instance.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { UsageError, runCli } from "../loaders/cli/run.js";
import { demoConfig } from "../loaders/config/demo.js";
import { openDatabase } from "../loaders/db/duckdb.js";
import { str } from "../loaders/sql/quote.js";
import { launchBrowser } from "../test/e2e/browser.js";
import { serveSite, type SiteServer } from "../test/e2e/server.js";
import { ensureData, parseSize } from "./common.js";
import { replicateRun } from "./replicate-run.js";
import { segmentCommand } from "../loaders/cli/commands/segment.js";
import { estimateCount } from "../components/sample.js";
import type { SampleInfo } from "../loaders/contract/schema.js";
import { builderColumns, compileSegment } from "../components/segment.js";
import { inSampleSql } from "../loaders/site/sample.js";

const DATA = resolve(".tmp/bench-features");
const SITES = resolve(".tmp/bench-site");
const TARGETS: Record<"100k" | "1m", { content: number; interactive: number; p95: number }> = {
  "100k": { content: 1000, interactive: 3000, p95: 150 },
  "1m": { content: 1000, interactive: 6000, p95: 500 },
};
const CHANGES = 30;

/**
 * Builds the site for generated data of `size` into `.tmp/bench-site/<label>/dist` (or reuses it); the label is the
 * size, plus `-active<DAYS>` with `activeWithinDays`.
 */
async function buildSite(
  size: string,
  label: string,
  seed: number,
  rebuild: boolean,
  activeWithinDays?: number,
): Promise<string> {
  const { dir, dist, reuse } = siteFolder(label, rebuild);
  if (reuse) return dist;
  const data = join(DATA, size);
  await ensureData(data, parseSize(size), seed);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, "customer-ai.config.json");
  const demo = demoConfig(data);
  if (activeWithinDays !== undefined)
    demo.instances = demo.instances.map((i) => ({ ...i, eligible: { ...i.eligible, activeWithinDays } }));
  writeFileSync(config, JSON.stringify(demo, null, 2));
  frameworkBuild(dir, dist, `building the site for ${label} into ${dist} (runs the scoring pipeline)`, {
    CUSTOMER_AI_CONFIG: config,
  });
  return dist;
}

/** Builds the site on a run folder (`CUSTOMER_AI_RUN`) into `.tmp/bench-site/<label>/dist`, or reuses it. */
function buildRunSite(run: string, label: string, rebuild: boolean): string {
  const { dir, dist, reuse } = siteFolder(label, rebuild);
  if (reuse) return dist;
  mkdirSync(dir, { recursive: true });
  frameworkBuild(dir, dist, `building the site on ${run} into ${dist}`, { CUSTOMER_AI_RUN: run });
  return dist;
}

/** The folder of the site `label` and its `dist`; `reuse` when that is built and `rebuild` is false. */
function siteFolder(label: string, rebuild: boolean): { dir: string; dist: string; reuse: boolean } {
  const dir = join(SITES, label);
  const dist = join(dir, "dist");
  const reuse = !rebuild && existsSync(join(dist, "index.html"));
  if (reuse) console.error(`reusing ${dist}`);
  return { dir, dist, reuse };
}

/**
 * Runs `observable build` into `dist` through a Framework config file in `dir`, with `env` added to the
 * environment (the data to build on); logs `message` and the time taken.
 */
function frameworkBuild(dir: string, dist: string, message: string, env: Record<string, string>): void {
  const framework = join(dir, "observablehq.config.ts");
  writeFileSync(
    framework,
    `import base from "../../../observablehq.config.ts";\nexport default { ...base, output: ${JSON.stringify(dist)} };\n`,
  );
  // Framework's loader cache is keyed by file, not by configuration: start from an empty one (as npm run build does).
  rmSync("src/.observablehq/cache", { recursive: true, force: true });
  console.error(message);
  const started = performance.now();
  execFileSync("npx", ["observable", "build", "--config", framework], {
    stdio: ["ignore", "ignore", "inherit"],
    // Framework loads only the default config file through tsx; this one needs it too.
    env: {
      ...process.env,
      ...env,
      OBSERVABLE_TELEMETRY_DISABLE: "true",
      NODE_OPTIONS: `${process.env["NODE_OPTIONS"] ?? ""} --import tsx/esm`.trim(),
    },
  });
  rmSync("src/.observablehq/cache", { recursive: true, force: true });
  console.error(`built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/** Segments whose full membership the 10M bench exports headless, against the page's sample estimate. */
const CHECKED_SEGMENTS = [
  {
    name: "percentile 96-100",
    definition: { match: "all", conditions: [{ field: "percentile", op: "between", value: [96, 100] }] },
  },
  {
    name: "bucket High, or score 20+ and percentile below 99",
    definition: {
      match: "any",
      conditions: [
        { field: "bucket", op: "in", value: ["High"] },
        {
          match: "all",
          conditions: [
            { field: "score", op: "between", value: [20, null] },
            { field: "percentile", op: "between", value: [null, 98] },
          ],
        },
      ],
    },
  },
];

/**
 * Exports each checked segment headless over the run's full scores and sets its count against the estimate and
 * 95% interval of the site's sample (the segments page's numbers, from the sample the site ships); returns report
 * lines.
 */
async function checkHeadless(run: string, dist: string, instance: string): Promise<string[]> {
  const summaryFile = builtFile(dist, instance, "instance");
  const sample = (JSON.parse(readFileSync(summaryFile, "utf8")) as { sample?: SampleInfo }).sample;
  if (!sample) return [`  headless check: ${instance} is not in sample mode`];
  const db = await openDatabase();
  const lines: string[] = [];
  const folder = join(SITES, "headless-check");
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  try {
    // The page's table is the sample the site ships: the people of the run whose id hashes below the rate (the
    // rule of loaders/site/sample.ts), counted here by the page's SQL.
    const scores = str(join(run, instance, "scores.parquet"));
    for (const { name, definition } of CHECKED_SEGMENTS) {
      const summary = JSON.parse(readFileSync(summaryFile, "utf8"));
      const { where, params } = compileSegment(definition as never, builderColumns(summary, []));
      const query = `SELECT count(*)::INTEGER FROM (SELECT * FROM read_parquet(${scores}) WHERE ${inSampleSql("id", sample.rate)}) AS scores WHERE ${where}`;
      const k = Number((await db.connection.runAndReadAll(query, params as never)).getRows()[0]![0]);
      const interval = estimateCount(k, sample);
      const file = join(folder, `${name.replace(/\W+/g, "-")}.json`);
      writeFileSync(file, JSON.stringify(definition));
      const out = join(folder, `${name.replace(/\W+/g, "-")}.csv`);
      const started = performance.now();
      await segmentCommand(["--run", run, "--instance", instance, "--definition", file, "--out", out], {
        log: () => {},
        table: () => {},
        error: () => {},
      });
      const seconds = (performance.now() - started) / 1000;
      const everyone = Number(
        (await db.connection.runAndReadAll(`SELECT count(*) FROM read_csv(${str(out)})`)).getRows()[0]![0],
      );
      const inside = everyone >= interval.low && everyone <= interval.high;
      lines.push(
        `  headless segment "${name}": npm run segment wrote ${everyone.toLocaleString("en-US")} people in ${seconds.toFixed(0)} s; ` +
          `the page's sample (${k.toLocaleString("en-US")} of ${sample.people.toLocaleString("en-US")}) estimates ${Math.round(interval.estimate).toLocaleString("en-US")} ` +
          `(95%: ${Math.round(interval.low).toLocaleString("en-US")}-${Math.round(interval.high).toLocaleString("en-US")}) ${inside ? "ok, within" : "MISSED, outside"}`,
      );
    }
    lines.push(await coverage(db, scores, sample));
  } finally {
    db.close();
    rmSync(folder, { recursive: true, force: true });
  }
  return lines;
}

/**
 * How often the page's 95% interval holds the true count, over the 99 segments "percentile at least t" (t = 2..100)
 * and the 100 segments "score at least s" (s = 1..100): counted over the full scores and the sample in one scan.
 */
async function coverage(
  db: Awaited<ReturnType<typeof openDatabase>>,
  scores: string,
  sample: SampleInfo,
): Promise<string> {
  const rows = (
    await db.connection
      .runAndReadAll(`SELECT percentile::INTEGER, score::INTEGER, count(*)::BIGINT, count(*) FILTER (WHERE ${inSampleSql("id", sample.rate)})::BIGINT
    FROM read_parquet(${scores}) GROUP BY ALL`)
  )
    .getRows()
    .map((r) => r.map(Number));
  let held = 0;
  let tried = 0;
  for (const [column, from] of [
    [0, 2],
    [1, 1],
  ] as const) {
    for (let t = from; t <= 100; t++) {
      const kept = rows.filter((r) => r[column]! >= t);
      const truth = kept.reduce((a, r) => a + r[2]!, 0);
      const k = kept.reduce((a, r) => a + r[3]!, 0);
      if (truth === 0) continue;
      const { low, high } = estimateCount(k, sample);
      tried++;
      if (low <= truth && truth <= high) held++;
    }
  }
  return `  interval coverage: the true count lies in the page's 95% interval for ${held} of ${tried} segments (percentile at least t, score at least s)`;
}

/** A built data file of an instance. */
function builtFile(dist: string, instance: string, name: string): string {
  const dir = join(dist, "_file", instance, "data");
  const file = readdirSync(dir).find((f) => f.startsWith(`${name}.`));
  if (!file) throw new Error(`no ${name} for ${instance} in ${dir}`);
  return join(dir, file);
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** A page to time: its path, and what marks its first meaningful content and its interactive state. */
interface TimedPage {
  name: string;
  path: (instance: string, someone: string) => string;
  content: string;
  interactive: string;
}

/** The pages timed, with the selectors of their first meaningful content and of their interactive state. */
const PAGES: TimedPage[] = [
  { name: "home", path: () => "/", content: "[data-testid=instance-card]", interactive: "[data-testid=instance-card]" },
  {
    name: "overview",
    path: (i) => `/${i}/`,
    content: "[data-testid=goal]",
    interactive: "[data-testid=score-distribution] svg",
  },
  {
    name: "scores",
    path: (i) => `/${i}/scores`,
    content: "[data-testid=filtered-count]",
    interactive: "[data-testid=people-table] tbody tr",
  },
  {
    name: "segments",
    path: (i) => `/${i}/segments`,
    content: "[data-testid=segment-editor]",
    interactive: "[data-testid=segment-estimate]",
  },
  {
    name: "person",
    path: (i, id) => `/${i}/person?id=${encodeURIComponent(id)}`,
    content: "[data-testid=goal]",
    interactive: "[data-testid=person]",
  },
  {
    name: "factors",
    path: (i) => `/${i}/factors`,
    content: "[data-testid=goal]",
    interactive: "[data-testid=importance] svg",
  },
  {
    name: "quality",
    path: (i) => `/${i}/quality`,
    content: "[data-testid=quality-rating]",
    interactive: "[data-testid=roc] svg",
  },
];

/**
 * Run in the page before its scripts: records in `window.__marks` when each selector first matches (ms from the
 * start of navigation). A string, so the TypeScript transpiler's helpers never reach the page.
 */
const MARKS = `(selectors) => {
  const marks = (window.__marks = {});
  const check = () => {
    for (const s of selectors) if (!(s in marks) && document.querySelector(s)) marks[s] = performance.now();
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", check);
}`;

/**
 * Opens a page in a fresh context (empty HTTP cache) and returns ms from navigation to its first meaningful
 * content and to its interactive state, with the page (still open) and the bytes it downloaded.
 */
async function timePage(
  browser: Browser,
  server: SiteServer,
  timed: TimedPage,
  path: string,
): Promise<{ content: number; interactive: number; page: Page; bytes: Map<string, number> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(`(${MARKS})(${JSON.stringify([timed.content, timed.interactive])})`);
  server.resetLog();
  await page.goto(server.url + path, { waitUntil: "commit" });
  await page.locator(timed.interactive).first().waitFor({ state: "attached", timeout: 300_000 });
  const marks = (await page.evaluate("window.__marks")) as Record<string, number>;
  await page.waitForLoadState("networkidle");
  return { content: marks[timed.content]!, interactive: marks[timed.interactive]!, page, bytes: server.bytesByPath() };
}

/**
 * In the page: changes a filter, then resolves with the ms until the results block shows that filter with its
 * histogram. A string, so the TypeScript transpiler's helpers never reach the page.
 */
const FILTER_CHANGE = `async ({ field, from }) => {
  const input = document.querySelector("input[data-field=" + field + "][data-end=from]");
  const form = document.querySelector("[data-testid=filters]");
  const started = performance.now();
  input.value = String(from);
  input.dispatchEvent(new Event("input", { bubbles: true }));
  const key = JSON.stringify(form.value);
  const done = () => {
    const results = document.querySelector("[data-testid=results]");
    return results !== null && results.dataset.key === key && results.querySelector("[data-testid=histogram] svg") !== null;
  };
  await new Promise((ok) => {
    if (done()) return ok();
    const observer = new MutationObserver(() => {
      if (done()) {
        observer.disconnect();
        ok();
      }
    });
    observer.observe(document.body, { childList: true, subtree: true, attributes: true });
  });
  return performance.now() - started;
}`;

/** Changes a filter and returns ms until the count and histogram show the new filter. */
async function filterChange(page: Page, field: "score" | "percentile", from: number): Promise<number> {
  return page.evaluate(`(${FILTER_CHANGE})(${JSON.stringify({ field, from })})`) as Promise<number>;
}

/**
 * In the page: changes the "from" of the segment's first range condition (the segments page starts on a suggestion
 * of percentiles), then resolves with the ms until the estimate panel has computed that segment (busy, then not).
 * A string, so the TypeScript transpiler's helpers never reach the page.
 */
const SEGMENT_CHANGE = `async ({ from }) => {
  const input = document.querySelector("[data-testid=condition] [data-role=from]");
  const panel = document.querySelector("[data-testid=estimate-panel]");
  const started = performance.now();
  let busy = false;
  const done = new Promise((ok) => {
    const observer = new MutationObserver(() => {
      if (panel.getAttribute("aria-busy") === "true") busy = true;
      else if (busy) {
        observer.disconnect();
        ok();
      }
    });
    observer.observe(panel, { attributes: true, attributeFilter: ["aria-busy"] });
  });
  input.value = String(from);
  input.dispatchEvent(new Event("change", { bubbles: true }));
  await done;
  return performance.now() - started;
}`;

/** Changes the segment's first range condition and returns ms until its estimate is drawn. */
async function segmentChange(page: Page, from: number): Promise<number> {
  return page.evaluate(`(${SEGMENT_CHANGE})(${JSON.stringify({ from })})`) as Promise<number>;
}

/** An instance of a built site as the home page lists it. */
interface BuiltInstance {
  name: string;
  scored: number;
}

/** Measures one built site; returns the report line. */
async function measure(browser: Browser, dist: string, label: string, instanceName?: string): Promise<string> {
  const server = await serveSite(dist);
  try {
    const instances = builtInstances(dist);
    const instance = instances.find((i) => i.name === (instanceName ?? instances[0]!.name))!;
    const scoresFile = builtFile(dist, instance.name, "scores");
    const someone = await somePerson(scoresFile);
    const timed = await timePages(browser, server, instance.name, someone);
    const updates = await filterUpdates(timed.scoresPage);
    const segmentUpdates = await segmentChanges(timed.segmentsPage);
    const segmentTable = [...timed.segmentsBytes.entries()]
      .filter(([p]) => isTableFile(p))
      .map(([p, b]) => `${p.replace(/^.*\//, "")} ${(b / 1024).toFixed(0)} KB`)
      .join(", ");
    const personBytes = await personLookupBytes(browser, server, instance.name, someone);
    return report({
      dist,
      label,
      instances,
      instance,
      scoresFile,
      timed,
      updates,
      segmentUpdates,
      segmentTable,
      personBytes,
    });
  } finally {
    await server.close();
  }
}

/** The instances of a built site, with their scored people. */
function builtInstances(dist: string): BuiltInstance[] {
  const instancesFile = readdirSync(join(dist, "_file", "data")).find((f) => f.startsWith("instances."))!;
  return JSON.parse(readFileSync(join(dist, "_file", "data", instancesFile), "utf8")) as BuiltInstance[];
}

/** The id of one scored person (the same every time), for the person page and the lookup. */
async function somePerson(scoresFile: string): Promise<string> {
  const db = await openDatabase();
  const someone = String(
    (
      await db.connection.runAndReadAll(`SELECT id FROM read_parquet(${str(scoresFile)}) ORDER BY hash(id) LIMIT 1`)
    ).getRowObjects()[0]!["id"],
  );
  db.close();
  return someone;
}

/** What `timePages` measured: per page the medians, and the scores and segments pages kept open with their bytes. */
interface TimedPages {
  pages: { name: string; content: number; interactive: number; runs: string }[];
  scoresBytes: Map<string, number>;
  scoresPage: Page;
  segmentsBytes: Map<string, number>;
  segmentsPage: Page;
}

/** Each page cold, three times: the medians of its first meaningful content and of its interactive state. */
async function timePages(browser: Browser, server: SiteServer, instance: string, someone: string): Promise<TimedPages> {
  const pages: TimedPages["pages"] = [];
  let bytes = new Map<string, number>();
  let page: Page | undefined;
  let segmentBytes = new Map<string, number>();
  let segmentPage: Page | undefined;
  for (const timed of PAGES) {
    const runs: { content: number; interactive: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const run = await timePage(browser, server, timed, timed.path(instance, someone));
      runs.push(run);
      if (timed.name === "scores") {
        bytes = run.bytes;
        if (page) await page.context().close();
        page = run.page;
      } else if (timed.name === "segments") {
        segmentBytes = run.bytes;
        if (segmentPage) await segmentPage.context().close();
        segmentPage = run.page;
      } else await run.page.context().close();
    }
    pages.push({
      name: timed.name,
      content: quantile(
        runs.map((r) => r.content),
        0.5,
      ),
      interactive: quantile(
        runs.map((r) => r.interactive),
        0.5,
      ),
      runs: runs.map((r) => `${r.content.toFixed(0)}/${r.interactive.toFixed(0)}`).join(" "),
    });
  }
  return { pages, scoresBytes: bytes, scoresPage: page!, segmentsBytes: segmentBytes, segmentsPage: segmentPage! };
}

/** Warm up, then 30 filter changes alternating between score and percentile; closes the page. */
async function filterUpdates(page: Page): Promise<number[]> {
  await filterChange(page, "score", 1);
  const updates: number[] = [];
  for (let i = 0; i < CHANGES; i++)
    updates.push(await filterChange(page, i % 2 ? "percentile" : "score", ((i * 37) % 90) + 2));
  await page.context().close();
  return updates;
}

/** The segments page: the estimate after a change of its first condition (warm up, then 30 changes); closes it. */
async function segmentChanges(segmentPage: Page): Promise<number[]> {
  await segmentChange(segmentPage, 50);
  const segmentUpdates: number[] = [];
  for (let i = 0; i < CHANGES; i++) segmentUpdates.push(await segmentChange(segmentPage, ((i * 37) % 90) + 2));
  await segmentPage.context().close();
  return segmentUpdates;
}

/** The bytes of one person lookup by range requests. */
async function personLookupBytes(
  browser: Browser,
  server: SiteServer,
  instance: string,
  someone: string,
): Promise<number> {
  const context = await browser.newContext();
  const personPage = await context.newPage();
  await personPage.goto(`${server.url}/${instance}/person`);
  await personPage.getByTestId("person-lookup").waitFor();
  server.resetLog();
  await personPage.getByTestId("person-lookup").fill(someone);
  await personPage.getByTestId("person-lookup").press("Enter");
  await personPage.getByTestId("margin").waitFor({ state: "attached", timeout: 60_000 });
  const personBytes = [...server.bytesByPath().values()].reduce((a, b) => a + b, 0);
  await context.close();
  return personBytes;
}

/** Whether a downloaded path is a table of the explorer (explorer.arrow or scores.parquet). */
const isTableFile = (path: string) => path.includes("/data/scores.") || path.includes("/data/explorer.");

/** The report of one site: the pages, filter and segment updates and bytes, against the targets of its size. */
function report(m: {
  dist: string;
  label: string;
  instances: BuiltInstance[];
  instance: BuiltInstance;
  scoresFile: string;
  timed: TimedPages;
  updates: number[];
  segmentUpdates: number[];
  segmentTable: string;
  personBytes: number;
}): string {
  const { dist, label, instances, instance, timed, updates, segmentUpdates } = m;
  const total = [...timed.scoresBytes.values()].reduce((a, b) => a + b, 0);
  // The scores page's table: explorer.arrow (Arrow IPC) where the site ships it, else scores.parquet.
  const explorer = [...timed.scoresBytes.entries()].filter(([p]) => isTableFile(p)).reduce((a, [, b]) => a + b, 0);
  const tableFile =
    existsSync(join(dist, "_file", instance.name, "data")) &&
    readdirSync(join(dist, "_file", instance.name, "data")).some((f) => f.startsWith("explorer."))
      ? builtFile(dist, instance.name, "explorer")
      : m.scoresFile;
  const gzipped = gzipSync(readFileSync(tableFile)).length;
  // Targets are set for 100k and 1M scored people (99,202 is 100k's run).
  // In sample mode the pages hold at most about a million people, and the 100k targets apply (issue 18).
  const sampled = Boolean(
    (JSON.parse(readFileSync(builtFile(dist, instance.name, "instance"), "utf8")) as { sample?: unknown }).sample,
  );
  const target = sampled
    ? TARGETS["100k"]
    : instance.scored >= 1e6
      ? TARGETS["1m"]
      : instance.scored >= 9e4
        ? TARGETS["100k"]
        : undefined;
  const median = quantile(updates, 0.5);
  const p95 = quantile(updates, 0.95);
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
  const verdict = (value: number, limit: number | undefined) =>
    limit === undefined ? "" : value <= limit ? " ok" : ` MISSED (target ${limit})`;
  const rows = timed.pages.map(
    (p) =>
      `  ${p.name.padEnd(9)} content ${p.content.toFixed(0).padStart(5)} ms${verdict(p.content, target?.content).padEnd(22)}` +
      `interactive ${p.interactive.toFixed(0).padStart(5)} ms${verdict(p.interactive, target?.interactive).padEnd(22)}(runs content/interactive: ${p.runs})`,
  );
  return [
    `${label} ${instance.name} | scored ${instances.map((i) => `${i.name} ${i.scored.toLocaleString("en-US")}`).join(", ")}` +
      (sampled ? " | sample mode" : "") +
      (target
        ? ` | targets: content ${target.content} ms, interactive ${target.interactive} ms, filter p95 ${target.p95} ms`
        : " | no targets below 90,000 scored people"),
    ...rows,
    `  filter update median ${median.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms${verdict(p95, target?.p95)}`,
    `  segment update median ${quantile(segmentUpdates, 0.5).toFixed(0)} ms, p95 ${quantile(segmentUpdates, 0.95).toFixed(0)} ms${verdict(quantile(segmentUpdates, 0.95), target?.p95)} | segments page table: ${m.segmentTable || "none"}`,
    `  downloaded ${kb(total)} (scores page), explorer data ${kb(explorer)} = ${(explorer / instance.scored).toFixed(1)} B/person as sent, ` +
      `${(gzipped / instance.scored).toFixed(1)} B/person gzipped (target ~40) | person lookup ${kb(m.personBytes)}`,
  ].join("\n");
}

await runCli(async () => {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "100k,1m" },
      site: { type: "string" },
      rebuild: { type: "boolean", default: false },
      instance: { type: "string" },
      seed: { type: "string", default: "7" },
      "active-within": { type: "string" },
      run: { type: "string" },
      "replicate-from": { type: "string" },
    },
  });
  const activeWithin = values["active-within"] === undefined ? undefined : Number(values["active-within"]);
  if (activeWithin !== undefined && !(Number.isInteger(activeWithin) && activeWithin > 0)) {
    throw new UsageError(`--active-within expects a whole number of days, got "${values["active-within"]}"`);
  }
  const browser = await launchBrowser();
  const lines: string[] = [];
  try {
    const targets: { label: string; dist: string; run?: string }[] = values.site
      ? [{ label: "site", dist: resolve(values.site) }]
      : [];
    if (values.run)
      targets.push({
        label: "run",
        dist: buildRunSite(resolve(values.run), "run", values.rebuild),
        run: resolve(values.run),
      });
    for (const size of values.site || values.run ? [] : values.sizes.split(",").map((s) => s.trim().toLowerCase())) {
      if (size === "10m") {
        const run = join(SITES, "10m-run");
        if (!existsSync(run)) {
          if (!values["replicate-from"])
            throw new UsageError(
              "--sizes 10m: give --replicate-from RUN (a scored run, e.g. the one behind --sizes 1.4m --active-within 180) to make .tmp/bench-site/10m-run",
            );
          await replicateRun(resolve(values["replicate-from"]), run, 10);
        }
        targets.push({ label: "10m", dist: buildRunSite(run, "10m", values.rebuild), run });
        continue;
      }
      const label = activeWithin === undefined ? size : `${size}-active${activeWithin}`;
      targets.push({ label, dist: await buildSite(size, label, Number(values.seed), values.rebuild, activeWithin) });
    }
    for (const { label, dist, run } of targets) {
      lines.push(await measure(browser, dist, label, values.instance));
      if (run)
        lines[lines.length - 1] += "\n" + (await checkHeadless(run, dist, values.instance ?? "purchase")).join("\n");
      console.log(lines[lines.length - 1]);
    }
  } finally {
    await browser.close();
  }
  console.log(`\nbench:site (headless Chromium, ${process.arch}, node ${process.version})\n${lines.join("\n")}`);
});
