/**
 * End-to-end: a locked site (E2E_LOCKED_DIST, default .tmp/dist-locked: the small history demo built with
 * `CUSTOMER_AI_PASSPHRASE="$E2E_LOCKED_PASSPHRASE" npm run build -- --out .tmp/dist-locked`, see test/run-all.sh).
 *
 * - No file of the site holds a person's id, an attribute value or an event type of the data in plain text, while
 *   the same files decrypted (in Node, with the passphrase) hold every one of them; every data file is encrypted.
 * - In headless Chromium: every page of a new visitor shows the unlock form and downloads no data file; the form
 *   passes axe-core; a wrong passphrase is refused in words; the right one opens the overview, then (without asking
 *   again) the home page, the scores table and a person page, whose rows come from range requests answered 206 by
 *   the service worker, with the values of the decrypted files; then every other page; a key stored for an earlier
 *   salt asks again, and so does the site once the reader has made the browser forget its key. No console error,
 *   page error, failed cell or request to another host on any page.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  LOCK_MANIFEST,
  MAGIC,
  fromBase64,
  isEncryptedPath,
  type LockManifest,
} from "../../loaders/contract/lock-format.js";
import { openDatabase, type Database } from "../../loaders/db/duckdb.js";
import { decryptBytes, deriveKeys } from "../../loaders/site/encrypt.js";
import { str } from "../../loaders/sql/quote.js";
import { launchBrowser, screenshot, sitePages, waitForCells, type PageProblems } from "./browser.js";
import { serveSite, type SiteServer } from "./server.js";

const DIST = process.env["E2E_LOCKED_DIST"] ?? ".tmp/dist-locked";
const PASSPHRASE = process.env["E2E_LOCKED_PASSPHRASE"] ?? "correct horse battery staple";
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** Words the pipeline writes as a factor's value when there is none (the site's code writes them too). */
const PIPELINE_WORDS = ["none", "never", "unknown", "missing", "other"];

let server: SiteServer;
let browser: Browser;
let db: Database;
let work: string;
/** Every file of the site (path from its root) and its bytes as stored. */
let files: Map<string, Buffer>;
/** The encrypted files, decrypted. */
let plain: Map<string, Buffer>;
let instance: string;

/** Every file of a folder, as paths from it with forward slashes. */
function filesOf(folder: string, under = ""): string[] {
  return readdirSync(join(folder, under), { withFileTypes: true }).flatMap((entry) => {
    const path = under === "" ? entry.name : `${under}/${entry.name}`;
    return entry.isDirectory() ? filesOf(folder, path) : [path];
  });
}

/** The decrypted file of an instance (`scores`, `parquet`), written to a temporary file for DuckDB. */
function decrypted(name: string, ext: string, of = instance): { path: string; bytes: Buffer } {
  const path = [...plain.keys()].find((p) => p.startsWith(`_file/${of}/data/${name}.`) && p.endsWith(`.${ext}`));
  if (!path) throw new Error(`${DIST} has no ${of}/data/${name}.*.${ext}`);
  return { path, bytes: plain.get(path)! };
}

function decryptedFile(name: string, ext: string): string {
  const file = join(work, `${name}.${ext}`);
  writeFileSync(file, decrypted(name, ext).bytes);
  return file;
}

async function queryNode<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  return (await db.connection.runAndReadAll(sql)).getRowObjectsJson() as T[];
}

beforeAll(async () => {
  if (!existsSync(join(DIST, LOCK_MANIFEST))) {
    throw new Error(
      `${DIST}/ is missing or not locked: run \`CUSTOMER_AI_PASSPHRASE=... npm run build -- --out ${DIST}\` first (see test/run-all.sh)`,
    );
  }
  files = new Map(filesOf(DIST).map((path) => [path, readFileSync(join(DIST, path))]));
  const manifest = JSON.parse(files.get(LOCK_MANIFEST)!.toString("utf8")) as LockManifest;
  const { key } = deriveKeys(PASSPHRASE, fromBase64(manifest.kdf.salt), manifest.kdf.iterations);
  plain = new Map(
    [...files].filter(([path]) => isEncryptedPath(path)).map(([path, bytes]) => [path, decryptBytes(bytes, path, key)]),
  );
  const instances = JSON.parse(
    plain.get([...plain.keys()].find((p) => /^_file\/data\/instances\.[^/]+\.json$/.test(p))!)!.toString("utf8"),
  ) as { name: string }[];
  instance = instances[0]!.name;
  work = mkdtempSync(join(tmpdir(), "customer-ai-locked-"));
  db = await openDatabase();
  server = await serveSite(DIST);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  db?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the locked site's files", () => {
  test("every data file is encrypted, and no file holds an id, attribute value or event type of the data in plain text", async () => {
    const data = [...files.keys()].filter(isEncryptedPath);
    expect(data.length).toBeGreaterThan(10);
    for (const path of data) expect(files.get(path)!.subarray(0, MAGIC.length).toString("latin1"), path).toBe(MAGIC);
    // Every data loader's output is a data file: nothing under _file/ but code, styles, the engine and the icon is plain.
    const plainUnderFile = [...files.keys()].filter((p) => p.startsWith("_file/") && !isEncryptedPath(p));
    for (const path of plainUnderFile) expect(path).toMatch(/\.(js|wasm|svg)$/);

    const scores = decryptedFile("scores", "parquet");
    const factors = decryptedFile("factors", "parquet");
    const timeline = decryptedFile("timeline", "parquet");
    const ids = (await queryNode<{ id: string }>(`SELECT id FROM read_parquet(${str(scores)}) ORDER BY id`)).map(
      (r) => r.id,
    );
    // A hundred ids across the range, the first and the last among them.
    const sampled = ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / 100)) === 0).concat(ids.at(-1)!);
    // Attribute values (profile attributes and factors in words) and event types, as the JSON files write them.
    // (Not the words the pipeline itself writes for a missing value, which the site's code holds too.)
    const values = (
      await queryNode<{ v: string }>(
        `SELECT DISTINCT value AS v FROM read_parquet(${str(factors)}) WHERE value IS NOT NULL AND length(value) >= 4 AND ((regexp_matches(value, '[A-Za-z]') AND NOT regexp_matches(value, '^[0-9.,]+ ?(days?|%)?$')) OR regexp_matches(value, '^[0-9]+(-[0-9]+|[+])$'))`,
      )
    )
      .map((r) => r.v)
      .filter((v) => !PIPELINE_WORDS.includes(v))
      .map((v) => JSON.stringify(v));
    // Event types named as data names (XDM's `commerce.purchases`, `order_completed`), not plain words such as "search".
    const events = (
      await queryNode<{ v: string }>(
        `SELECT DISTINCT event AS v FROM read_parquet(${str(timeline)}) WHERE regexp_matches(event, '[._A-Z]')`,
      )
    ).map((r) => r.v);
    const needles = [...sampled, ...values, ...events];
    // What the test looks for, said on a failure (not printed on every run).
    const looked = `locked site: ${sampled.length} ids, attribute values ${values.join(" ")}, event types ${events.join(" ")}`;
    expect(sampled.length, looked).toBeGreaterThan(50);
    expect(values.length, looked).toBeGreaterThan(2);
    expect(events.length, looked).toBeGreaterThan(2);
    // The test would see them: each is in the decrypted data.
    const clear = Buffer.concat([...plain.values()]);
    const missing = needles.filter((needle) => !clear.includes(needle));
    expect(missing, "needles the decrypted data should hold").toEqual([]);
    // And no file of the locked site, pages, scripts and manifest included, holds any in plain text.
    const found: string[] = [];
    for (const [path, bytes] of files)
      for (const needle of needles) if (bytes.includes(needle)) found.push(`${path}: ${needle}`);
    expect(found).toEqual([]);
  });
});

/** Records a page's problems as browser.ts's openPage does (the context aborts and records requests to other hosts). */
function watch(page: Page, problems: PageProblems): Page {
  page.on("console", (message) => {
    if (message.type() === "error") problems.consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.pageErrors.push(`${page.url()}: ${String(error)}`));
  return page;
}

/** A browser context (one visitor: its own service workers and IndexedDB) that aborts and records requests to other hosts. */
async function visitor(problems: PageProblems): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1" || url.protocol === "data:" || url.protocol === "blob:") return route.continue();
    problems.foreignRequests.push(route.request().url());
    return route.abort();
  });
  return context;
}

/** The encrypted files the server sent since its log was reset. */
function dataSent(): string[] {
  return [...server.bytesByPath().keys()].filter((path) => isEncryptedPath(path.replace(/^\//, "")));
}

async function failedCells(page: Page): Promise<number> {
  return page.locator(".observablehq--error").count();
}

async function axeViolations(page: Page): Promise<{ id: string; help: string }[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (context: Document, options: object) => Promise<{ violations: { id: string; help: string }[] }> };
      }
    ).axe;
    const { violations } = await axe.run(document, { resultTypes: ["violations"] });
    return violations.map((v) => ({ id: v.id, help: v.help }));
  });
}

/** The overview of a new visitor: the form has the focus, a wrong passphrase is refused in words, the right one opens. */
async function unlockOverview(page: Page): Promise<void> {
  const summary = JSON.parse(decrypted("instance", "json").bytes.toString("utf8")) as { goalText: string };
  await page.goto(`${server.url}/${instance}/`);
  const input = page.getByTestId("unlock-passphrase");
  await input.waitFor();
  expect(await page.evaluate(() => document.activeElement?.id)).toBe("customer-ai-passphrase");
  await input.fill(`${PASSPHRASE} (not quite)`);
  await page.getByTestId("unlock-submit").click();
  await expect
    .poll(() => page.getByTestId("unlock-message").textContent(), { timeout: 30_000 })
    .toContain("Wrong passphrase");
  expect(await input.getAttribute("aria-invalid")).toBe("true");
  await screenshot(page, "locked/unlock-wrong");
  expect(await page.getByTestId("goal").isVisible()).toBe(false);
  await input.fill(PASSPHRASE);
  await page.getByTestId("unlock-submit").click();
  await page.getByTestId("unlock").waitFor({ state: "detached", timeout: 30_000 });
  await waitForCells(page);
  expect(await page.getByTestId("goal").textContent()).toBe(summary.goalText);
  expect(await failedCells(page)).toBe(0);
  await screenshot(page, "locked/overview");
}

/** The home page: no form again (the key is kept), the instances' cards. */
async function expectHomePage(page: Page): Promise<void> {
  await page.goto(`${server.url}/`);
  await waitForCells(page);
  expect(await page.getByTestId("unlock").count()).toBe(0);
  await page.locator(`[data-testid="instance-card"][data-instance="${instance}"]`).waitFor();
  expect(await failedCells(page)).toBe(0);
}

/** The scores table, from explorer.arrow decrypted by the service worker, counts what the decrypted scores hold. */
async function expectScoresTable(page: Page, scores: string): Promise<void> {
  const [all] = await queryNode<{ n: number }>(`SELECT COUNT(*)::INTEGER AS n FROM read_parquet(${str(scores)})`);
  await page.goto(`${server.url}/${instance}/scores`);
  await waitForCells(page);
  expect(await page.getByTestId("unlock").count()).toBe(0);
  await page.locator("[data-testid=people-table] tbody tr").first().waitFor({ timeout: 60_000 });
  expect(await page.locator("[data-testid=people-table] tbody tr").count()).toBe(Math.min(25, all!.n));
  const count = Number((await page.getByTestId("filtered-count").textContent())!.split(" of ")[0]!.replaceAll(",", ""));
  expect(count).toBe(all!.n);
  expect(await failedCells(page)).toBe(0);
  await screenshot(page, "locked/scores");
}

/** A person page: range requests of scores.parquet (and the others), answered 206 by the service worker. */
async function expectPersonPage(page: Page, scores: string): Promise<void> {
  const [person] = await queryNode<{ id: string; probability: number }>(
    `SELECT id, probability::DOUBLE AS probability FROM read_parquet(${str(scores)}) ORDER BY probability DESC, id LIMIT 1 OFFSET 3`,
  );
  const ranged: { url: string; status: number; fromWorker: boolean }[] = [];
  page.on("response", (response) => {
    if (response.request().headers()["range"])
      ranged.push({ url: response.url(), status: response.status(), fromWorker: response.fromServiceWorker() });
  });
  await page.goto(`${server.url}/${instance}/person?id=${encodeURIComponent(person!.id)}`);
  await waitForCells(page);
  await page.getByTestId("person-shown-id").waitFor({ timeout: 60_000 });
  expect(await page.getByTestId("person-shown-id").textContent()).toBe(person!.id);
  expect(Number(await page.getByTestId("person-probability").getAttribute("data-value"))).toBeCloseTo(
    person!.probability,
    6,
  );
  expect(await failedCells(page)).toBe(0);
  await screenshot(page, "locked/person");
  const scoresRanges = ranged.filter((r) => r.url.includes(`/_file/${instance}/data/scores.`));
  expect(scoresRanges.length).toBeGreaterThan(0);
  for (const r of scoresRanges) expect(r).toMatchObject({ status: 206, fromWorker: true });
}

/** Every page of the site opens with the key kept, with no failed cell. */
async function expectEveryPageOpen(page: Page): Promise<void> {
  for (const path of sitePages(DIST)) {
    await page.goto(server.url + path);
    await waitForCells(page);
    expect(await page.getByTestId("unlock").count(), path).toBe(0);
    expect(await failedCells(page), path).toBe(0);
  }
}

/** A key stored for another salt (the site was rebuilt with a new one) asks again, and the right passphrase opens. */
async function expectEarlierSaltAsksAgain(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open("customer-ai-lock");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const store = open.result.transaction("keys", "readwrite").objectStore("keys");
          const root = new URL(".", (document.querySelector("script[data-customer-ai-lock]") as HTMLScriptElement).src)
            .href;
          const get = store.get(root);
          get.onsuccess = () => {
            const put = store.put({ ...get.result, salt: "an earlier salt" }, root);
            put.onsuccess = () => resolve();
            put.onerror = () => reject(put.error);
          };
        };
      }),
  );
  await page.goto(`${server.url}/${instance}/quality`);
  await page.getByTestId("unlock-passphrase").fill(PASSPHRASE);
  await page.getByTestId("unlock-submit").click();
  await page.getByTestId("unlock").waitFor({ state: "detached", timeout: 30_000 });
  await waitForCells(page);
  expect(await failedCells(page)).toBe(0);
}

/** "Forget the passphrase on this device" locks the site again. */
async function forgetLocksAgain(page: Page): Promise<void> {
  await page.getByTestId("unlock-forget").click();
  await page.getByTestId("unlock-passphrase").waitFor({ timeout: 30_000 });
  await page.goto(`${server.url}/`);
  await page.getByTestId("unlock-passphrase").waitFor();
}

describe("the locked site in a browser", () => {
  test("every page asks a new visitor for the passphrase and downloads no data", async () => {
    const problems: PageProblems = { consoleErrors: [], pageErrors: [], foreignRequests: [] };
    const context = await visitor(problems);
    const page = watch(await context.newPage(), problems);
    const pages = sitePages(DIST);
    expect(pages.length).toBeGreaterThan(5);
    server.resetLog();
    for (const path of pages) {
      await page.goto(server.url + path);
      await page.getByTestId("unlock-passphrase").waitFor();
      expect(await page.getByTestId("unlock").isVisible(), path).toBe(true);
      expect(
        await page
          .locator("#observablehq-main h1:not(#customer-ai-unlock-title)")
          .first()
          .isVisible()
          .catch(() => false),
        path,
      ).toBe(false);
    }
    await page.waitForLoadState("networkidle");
    expect(dataSent()).toEqual([]);
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(`${server.url}/${instance}/`);
      await page.getByTestId("unlock-passphrase").waitFor();
      expect(await axeViolations(page), `axe-core on the unlock form (${scheme})`).toEqual([]);
      await screenshot(page, `locked/unlock-form-${scheme}`);
    }
    await context.close();
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], foreignRequests: [] });
  });

  test("a wrong passphrase is refused; the right one opens the overview, the home page, the scores table and a person page", async () => {
    const problems: PageProblems = { consoleErrors: [], pageErrors: [], foreignRequests: [] };
    const context = await visitor(problems);
    const page = watch(await context.newPage(), problems);
    await unlockOverview(page);
    await expectHomePage(page);
    const scores = decryptedFile("scores", "parquet");
    await expectScoresTable(page, scores);
    await expectPersonPage(page, scores);
    await expectEveryPageOpen(page);
    await expectEarlierSaltAsksAgain(page);
    await forgetLocksAgain(page);
    await context.close();
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], foreignRequests: [] });
  });
});
