/**
 * Shared set-up of the end-to-end test files (not a test file itself): a built site served on 127.0.0.1 with
 * headless Chromium, the views pages are checked in, and the built data files of an instance as read in Node.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import type { Database } from "../../loaders/db/duckdb.js";
import { launchBrowser } from "./browser.js";
import { serveSite, type SiteServer } from "./server.js";

/** The views a page is checked in: desktop (1440x900) and phone (390x844) width, light and dark. */
export const VIEWS = [
  { name: "desktop", width: 1440, height: 900, scheme: "light" },
  { name: "desktop", width: 1440, height: 900, scheme: "dark" },
  { name: "phone", width: 390, height: 844, scheme: "light" },
  { name: "phone", width: 390, height: 844, scheme: "dark" },
] as const;

/**
 * Serves a built site and starts Chromium. With `how` (the command that builds the site), a site without an
 * index.html is refused first, saying to run it.
 */
export async function openSite(dist: string, how?: string): Promise<{ server: SiteServer; browser: Browser }> {
  if (how !== undefined && !existsSync(join(dist, "index.html")))
    throw new Error(`${dist}/ is missing: run \`${how}\` first`);
  const server = await serveSite(dist);
  try {
    return { server, browser: await launchBrowser() };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** Closes, in this order, what a test file opened (what it did not get to open is undefined and skipped). */
export async function closeAll(...parts: ({ close(): unknown } | undefined)[]): Promise<void> {
  for (const part of parts) await part?.close();
}

/** A built data file of an instance: `<dist>/_file/<instance>/data/<name>.<hash>.<ext>`. */
export function builtFile(dist: string, instance: string, name: string, ext: string): string {
  const dir = join(dist, "_file", instance, "data");
  const file = readdirSync(dir).find((f) => f.startsWith(`${name}.`) && f.endsWith(`.${ext}`));
  if (!file) throw new Error(`no built ${name}.${ext} for ${instance} in ${dir}`);
  return join(dir, file);
}

/** The rows of a query, as objects, on a DuckDB database opened in Node. */
export async function rowsOf<T = Record<string, unknown>>(db: Database, sql: string): Promise<T[]> {
  return (await db.connection.runAndReadAll(sql)).getRowObjectsJson() as T[];
}
