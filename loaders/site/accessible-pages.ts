/**
 * What `npm run build` changes in the pages Observable Framework 1.13 wrote, where its page template cannot be
 * configured and fails accessibility checks (axe-core): the page's language, a viewport that allows zooming, a
 * skip link to the content as the first focusable element, a named toggle button for the sidebar, named
 * navigation landmarks and a sidebar list that holds only list items. Every rewrite looks for
 * the exact markup Framework 1.13 writes; a page where a rewrite the page needs finds nothing fails the build
 * with a message naming the rewrite, so a Framework upgrade that changes the template cannot drop one silently.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The language of the site's text. */
export const SITE_LANG = "en";

/** The id of the element the skip link jumps to (Framework's `<main>`). */
const MAIN_ID = "observablehq-main";

/**
 * Keeps the sidebar toggle's `aria-pressed` in step with whether the sidebar shows: Framework's own script
 * (client/sidebar.js) toggles it on click, on Escape and on Alt-B, and by default shows it only on wide screens.
 */
const TOGGLE_STATE_SCRIPT = `<script>{const t=document.getElementById("observablehq-sidebar-toggle");if(t){const w=matchMedia("(min-width: calc(640px + 6rem + 272px))"),s=()=>t.setAttribute("aria-pressed",String(t.indeterminate?w.matches:t.checked));s();t.addEventListener("click",()=>setTimeout(s));t.addEventListener("change",s);w.addEventListener("change",s)}}</script>`;

/** One rewrite of a page: what it is for, when the page needs it, and the change. */
interface Rewrite {
  what: string;
  /** Whether this page needs the rewrite (a page without a sidebar needs no sidebar fix). */
  applies: (html: string) => boolean;
  pattern: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

const always = () => true;
const withSidebar = (html: string) => html.includes('id="observablehq-sidebar"');
const withToc = (html: string) => html.includes('id="observablehq-toc"');

/** A viewport `content` without the settings that block zooming (maximum-scale, user-scalable=no). */
export function zoomableViewport(content: string): string {
  return content
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "" && !/^maximum-scale\s*=/i.test(part) && !/^user-scalable\s*=\s*(no|0)$/i.test(part))
    .join(", ");
}

const REWRITES: readonly Rewrite[] = [
  {
    what: "the page's language (<html lang>)",
    applies: always,
    pattern: /<html>/,
    replace: () => `<html lang="${SITE_LANG}">`,
  },
  {
    what: "a viewport that allows zooming",
    applies: always,
    pattern: /<meta name="viewport" content="([^"]*)">/,
    replace: (_, content) => `<meta name="viewport" content="${zoomableViewport(content!)}">`,
  },
  {
    what: "the skip link to the content",
    applies: always,
    pattern: /<body>/,
    replace: () => `<body>\n<a class="skip-link" href="#${MAIN_ID}">Skip to content</a>`,
  },
  {
    what: "a focusable target for the skip link",
    applies: always,
    pattern: new RegExp(`<main id="${MAIN_ID}"`),
    replace: (match) => `${match} tabindex="-1"`,
  },
  {
    what: "the sidebar toggle as a named toggle button",
    applies: withSidebar,
    pattern: /<input id="observablehq-sidebar-toggle" type="checkbox" title="Toggle sidebar">/,
    replace: () =>
      `<input id="observablehq-sidebar-toggle" type="checkbox" role="button" aria-pressed="false" aria-controls="observablehq-sidebar" aria-label="Show the list of pages" title="Toggle sidebar">`,
  },
  {
    what: "the state of the sidebar toggle",
    applies: withSidebar,
    pattern: /<\/body>(?![\s\S]*<\/body>)/,
    replace: (match) => `${TOGGLE_STATE_SCRIPT}\n${match}`,
  },
  {
    what: "a name for the sidebar navigation",
    applies: withSidebar,
    pattern: /<nav id="observablehq-sidebar">/,
    replace: () => `<nav id="observablehq-sidebar" aria-label="Pages">`,
  },
  {
    what: "the sidebar's close button out of its list",
    applies: withSidebar,
    pattern: /<ol>(\s*)(<label id="observablehq-sidebar-close" for="observablehq-sidebar-toggle"><\/label>)/,
    replace: (_, space, label) => `${label}${space}<ol>`,
  },
  {
    what: "a name for the table of contents",
    applies: withToc,
    pattern: /(<aside id="observablehq-toc"[^>]*>\s*)<nav>/,
    replace: (_, aside) => `${aside}<nav aria-label="On this page">`,
  },
];

/** A page that Framework's template no longer matches. */
export class TemplateChanged extends Error {
  override name = "TemplateChanged";
}

/** One page made accessible; throws TemplateChanged when a rewrite the page needs finds nothing. */
export function accessiblePage(html: string, page = "page"): string {
  let out = html;
  for (const rewrite of REWRITES) {
    if (!rewrite.applies(out)) continue;
    if (!rewrite.pattern.test(out)) {
      throw new TemplateChanged(
        `${page}: cannot add ${rewrite.what}: Observable Framework's page template changed (loaders/site/accessible-pages.ts)`,
      );
    }
    out = out.replace(rewrite.pattern, rewrite.replace as (match: string, ...groups: unknown[]) => string);
  }
  return out;
}

/** The HTML files of a built site (every folder, Framework's `_` folders included: they hold no pages). */
async function htmlFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(".html")).map((e) => join(e.parentPath, e.name));
}

/** Makes every page of a built site accessible (see the module comment); returns how many pages it changed. */
export async function makePagesAccessible(folder: string): Promise<number> {
  const files = await htmlFiles(folder);
  for (const file of files) {
    const html = await readFile(file, "utf8");
    await writeFile(file, accessiblePage(html, file));
  }
  return files.length;
}
