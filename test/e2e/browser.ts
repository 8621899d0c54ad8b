/**
 * Headless Chromium for the end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core. Every page
 * visit records console errors, page errors, failed cells and any request to a host other than 127.0.0.1 (which
 * is aborted), so a test can fail on each of them.
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

/** Where Debian installs Chromium. */
export const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
/** Screenshots of every visited page (git-ignored). */
export const SCREENSHOTS = "test-output/screenshots";

/** Starts headless Chromium with the flags that keep it off the network. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (npm test does this when run as root)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** What went wrong while a page was open. */
export interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  foreignRequests: string[];
}

/** Opens a page that records problems; requests leaving 127.0.0.1 are aborted and recorded. */
export async function openPage(browser: Browser): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], foreignRequests: [] };
  page.on("console", (message) => {
    if (message.type() === "error") problems.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => problems.pageErrors.push(String(error)));
  await page.route("**/*", (route) => {
    const url = new URL(route.request().url());
    const local = url.hostname === "127.0.0.1" || url.protocol === "data:" || url.protocol === "blob:";
    if (local) return route.continue();
    problems.foreignRequests.push(route.request().url());
    return route.abort();
  });
  return { page, problems };
}

/** Waits until every cell has rendered (no pending `observablehq-loading`) and the network is quiet. */
export async function waitForCells(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForLoadState("networkidle", { timeout });
  await page.waitForFunction(() => document.querySelectorAll("observablehq-loading").length === 0, undefined, {
    timeout,
  });
}

/** Saves a full-page screenshot named after the page. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = `${SCREENSHOTS}/${name}.png`;
  mkdirSync(dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Every page of a built site, as a URL path (`/`, `/data`, `/churn/`, `/churn/scores`; no 404 page). */
export function sitePages(dist: string, dir = dist): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name.startsWith("_") ? [] : sitePages(dist, path);
    if (!entry.name.endsWith(".html") || entry.name === "404.html") return [];
    return [
      "/" +
        relative(dist, path)
          .replace(/\.html$/, "")
          .replace(/(^|\/)index$/, "$1"),
    ];
  });
}
