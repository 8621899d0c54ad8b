/**
 * End-to-end accessibility: every page of the built site (dist/, or E2E_DIST) at desktop (1440x900) and phone
 * (390x844) width, in light and dark mode, once it has rendered. axe-core (from node_modules, injected into the
 * page: no network) must report no violation; at phone width the page must not scroll sideways; no two labels of
 * a chart may overlap and none may stick out of its chart; no request may fail (the site's icon included). Each
 * view is saved as a screenshot (test-output/screenshots/accessibility/<page>-<desktop|phone>-<light|dark>.png).
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openPage, screenshot, sitePages, waitForCells } from "./browser.js";
import type { SiteServer } from "./server.js";
import { VIEWS, closeAll, openSite } from "./setup.js";

const DIST = process.env["E2E_DIST"] ?? "dist";
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** What axe-core reports for one violated rule (the part a failure message needs). */
interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

let server: SiteServer;
let browser: Browser;

beforeAll(async () => {
  ({ server, browser } = await openSite(DIST, "npm run build"));
});

afterAll(() => closeAll(browser, server));

/**
 * Waits for every cell, for every part that loads after the page (the browser database: a region marked
 * `aria-busy` or a loading state) to be done, for the fonts and for two animation frames, so charts drawn at the
 * page's width are in place.
 */
async function settle(page: Page): Promise<void> {
  await waitForCells(page);
  await page.waitForFunction(
    () => document.querySelectorAll('[aria-busy="true"], .loading-state').length === 0,
    undefined,
    { timeout: 60_000 },
  );
  await page.evaluate(async () => {
    await document.fonts.ready;
    for (let i = 0; i < 2; i++) await new Promise((ok) => requestAnimationFrame(() => ok(null)));
  });
}

/** Violations that axe-core finds on the page (its default rules: WCAG 2.x A and AA and best practices). */
async function axeViolations(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (context: Document, options: object) => Promise<{ violations: Violation[] }> };
      }
    ).axe;
    const { violations } = await axe.run(document, { resultTypes: ["violations"] });
    return violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.map(({ target, failureSummary }) => ({ target, failureSummary })),
    }));
  });
}

/** One line per violated rule and one per element it flags, for a readable failure. */
function describeViolations(violations: readonly Violation[]): string {
  return violations
    .map((v) =>
      [
        `${v.id} (${v.impact}): ${v.help}`,
        ...v.nodes.map((n) => `  ${JSON.stringify(n.target)}: ${(n.failureSummary ?? "").replaceAll("\n", " ")}`),
      ].join("\n"),
    )
    .join("\n");
}

/**
 * Chart labels (SVG text) that overlap another label of the same chart by more than a pixel each way, or that
 * stick out of their chart or the window sideways; each described as "text" and where.
 */
async function labelProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const slack = 1;
    for (const svg of Array.from(document.querySelectorAll("svg"))) {
      const box = svg.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const texts = Array.from(svg.querySelectorAll("text"))
        .filter((t) => (t.textContent ?? "").trim() !== "" && getComputedStyle(t).visibility !== "hidden")
        .map((t) => ({ label: (t.textContent ?? "").trim(), rect: t.getBoundingClientRect() }))
        .filter((t) => t.rect.width > 0 && t.rect.height > 0);
      for (const t of texts) {
        if (
          t.rect.left < Math.max(box.left, 0) - slack ||
          t.rect.right > Math.min(box.right, window.innerWidth) + slack
        ) {
          problems.push(
            `"${t.label}" sticks out of its chart (${Math.round(t.rect.left)}-${Math.round(t.rect.right)} px, chart ${Math.round(box.left)}-${Math.round(box.right)} px)`,
          );
        }
      }
      for (let i = 0; i < texts.length; i++) {
        for (let j = i + 1; j < texts.length; j++) {
          const a = texts[i]!.rect;
          const b = texts[j]!.rect;
          const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (w > slack && h > slack)
            problems.push(`"${texts[i]!.label}" overlaps "${texts[j]!.label}" (${Math.round(w)}x${Math.round(h)} px)`);
        }
      }
    }
    return problems;
  });
}

describe("the site's icon", () => {
  test("/favicon.ico is an icon, and the icon every page links to loads", async () => {
    const icon = await fetch(`${server.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(Buffer.from(await icon.arrayBuffer()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
    const { page } = await openPage(browser);
    try {
      for (const path of sitePages(DIST)) {
        await page.goto(server.url + path, { waitUntil: "domcontentloaded" });
        const href = await page.locator('link[rel="icon"]').getAttribute("href");
        expect(href, `${path} links to an icon`).toBeTruthy();
        const linked = await fetch(new URL(href!, server.url + path));
        expect(linked.status, `${path}: its icon ${href}`).toBe(200);
        expect(linked.headers.get("content-type")).toMatch(/^image\//);
      }
    } finally {
      await page.close();
    }
  });
});

describe("the skip link", () => {
  test("is the first thing Tab reaches on every page, and takes focus to the page's content", async () => {
    const { page } = await openPage(browser);
    try {
      for (const path of sitePages(DIST)) {
        await page.goto(server.url + path, { waitUntil: "domcontentloaded" });
        await page.keyboard.press("Tab");
        const first = await page.evaluate(() => ({
          text: document.activeElement?.textContent,
          href: document.activeElement?.getAttribute("href"),
        }));
        expect(first, `${path}: the first Tab`).toEqual({ text: "Skip to content", href: "#observablehq-main" });
        expect(await page.locator(".skip-link").isVisible(), `${path}: the focused skip link shows`).toBe(true);
        await page.keyboard.press("Enter");
        expect(await page.evaluate(() => document.activeElement?.id), `${path}: after the skip link`).toBe(
          "observablehq-main",
        );
      }
    } finally {
      await page.close();
    }
  });
});

describe.each(VIEWS)("$name $width x $height, $scheme", (view) => {
  const pages = existsSync(DIST) ? sitePages(DIST) : [];
  test("the site has pages", () => expect(pages.length).toBeGreaterThanOrEqual(2));
  test.each(pages)("%s: no axe-core violation, no sideways scroll, no overlapping chart label", async (path) => {
    const { page } = await openPage(browser);
    const missing: string[] = [];
    page.on("response", (response) => {
      if (response.status() >= 400) missing.push(`${response.status()} ${response.url()}`);
    });
    try {
      await page.setViewportSize({ width: view.width, height: view.height });
      await page.emulateMedia({ colorScheme: view.scheme });
      await page.goto(server.url + path);
      await settle(page);
      const name = path === "/" ? "index" : path.slice(1).replace(/\/$/, "/index").replaceAll("/", "_");
      await screenshot(page, `accessibility/${name}-${view.name}-${view.scheme}`);
      const scroll = await page.evaluate(() => ({
        width: document.scrollingElement!.scrollWidth,
        client: document.scrollingElement!.clientWidth,
      }));
      const labels = await labelProblems(page);
      const violations = await axeViolations(page);
      // Soft: a failure lists every problem of the view, not only the first kind.
      expect.soft(violations.length, `axe-core violations on ${path}:\n${describeViolations(violations)}`).toBe(0);
      if (view.name === "phone")
        expect.soft(scroll.width, `${path} scrolls sideways at ${view.width} px`).toBeLessThanOrEqual(scroll.client);
      expect.soft(labels, `chart labels on ${path}`).toEqual([]);
      expect.soft(missing, `requests of ${path} that failed`).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
