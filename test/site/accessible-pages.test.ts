/**
 * The rewrites `npm run build` makes to Framework's pages for accessibility (loaders/site/accessible-pages.ts), on
 * the markup Framework 1.13.4 writes (trimmed from a built page).
 */
import { describe, expect, test } from "vitest";
import { accessiblePage, TemplateChanged, zoomableViewport } from "../../loaders/site/accessible-pages.js";

const PAGE = `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">
<meta name="generator" content="Observable Framework v1.13.4">
<title>Influential factors | Customer AI</title>
<script type="module">const text = "</body> is not the end";</script>
</head>
<body>
<input id="observablehq-sidebar-toggle" type="checkbox" title="Toggle sidebar">
<label id="observablehq-sidebar-backdrop" for="observablehq-sidebar-toggle"></label>
<nav id="observablehq-sidebar">
  <ol>
    <label id="observablehq-sidebar-close" for="observablehq-sidebar-toggle"></label>
    <li class="observablehq-link"><a href="../">Customer AI</a></li>
  </ol>
</nav>
<div id="observablehq-center">
<aside id="observablehq-toc" data-selector="h1:not(:first-of-type)[id]">
<nav>
<div>Contents</div>
</nav>
</aside>
<main id="observablehq-main" class="observablehq">
<h1>Influential factors</h1>
</main>
</div>
</body>
</html>
`;

const fixed = accessiblePage(PAGE);

describe("accessible pages", () => {
  test("the page says its language and allows zooming", () => {
    expect(fixed).toContain('<html lang="en">');
    expect(fixed).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
  });

  test("a skip link to the content is the first element of the body, and the content can take focus", () => {
    expect(fixed).toMatch(
      /<body>\s*<a class="skip-link" href="#observablehq-main">Skip to content<\/a>\s*<input id="observablehq-sidebar-toggle"/,
    );
    expect(fixed).toContain('<main id="observablehq-main" tabindex="-1" class="observablehq">');
  });

  test("the sidebar toggle is a named toggle button whose state a script keeps", () => {
    expect(fixed).toMatch(
      /<input id="observablehq-sidebar-toggle" type="checkbox" role="button" aria-pressed="false" aria-controls="observablehq-sidebar" aria-label="[^"]+"/,
    );
    // The script goes before the real end of the body, not into a script that mentions it.
    expect(fixed).toContain('const text = "</body> is not the end";');
    expect(fixed).toMatch(/aria-pressed[^\n]*<\/script>\n<\/body>\n<\/html>\n$/);
  });

  test("navigation landmarks have names and the sidebar's list holds only list items", () => {
    expect(fixed).toContain('<nav id="observablehq-sidebar" aria-label="Pages">');
    expect(fixed).toMatch(
      /<nav id="observablehq-sidebar" aria-label="Pages">\s*<label id="observablehq-sidebar-close"[^>]*><\/label>\s*<ol>\s*<li /,
    );
    expect(fixed).toMatch(/<aside id="observablehq-toc"[^>]*>\s*<nav aria-label="On this page">/);
  });

  test("a page without sidebar or table of contents needs no rewrite of them", () => {
    const bare = PAGE.replace(
      /<input id="observablehq-sidebar-toggle"[\s\S]*<\/nav>\n<div id="observablehq-center">/,
      '<div id="observablehq-center">',
    ).replace(/<aside[\s\S]*<\/aside>\n/, "");
    const out = accessiblePage(bare);
    expect(out).toContain('<html lang="en">');
    expect(out).not.toContain("aria-pressed");
  });

  test("a page whose template changed fails with the rewrite it could not make", () => {
    expect(() => accessiblePage(PAGE.replace(/<meta name="viewport"[^>]*>/, ""), "dist/x.html")).toThrow(
      TemplateChanged,
    );
    expect(() => accessiblePage(PAGE.replace('title="Toggle sidebar"', 'title="Sidebar"'), "dist/x.html")).toThrow(
      /dist\/x.html: cannot add the sidebar toggle/,
    );
    expect(() => accessiblePage(accessiblePage(PAGE))).toThrow(/language/);
  });

  test("viewport settings that block zooming are dropped, others kept", () => {
    expect(zoomableViewport("width=device-width, initial-scale=1, maximum-scale=1")).toBe(
      "width=device-width, initial-scale=1",
    );
    expect(zoomableViewport("width=device-width,user-scalable=no,initial-scale=1")).toBe(
      "width=device-width, initial-scale=1",
    );
    expect(zoomableViewport("width=device-width, user-scalable=yes")).toBe("width=device-width, user-scalable=yes");
  });
});
