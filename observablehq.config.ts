/**
 * Observable Framework configuration. Everything the site needs is bundled from node_modules or produced by
 * data loaders: no CDN, no web fonts, no DuckDB extension downloads (see README, "Offline build").
 *
 * Routing: one set of pages per instance of the site's scoring run, from the parameterised pages
 * `src/[instance]/*.md` (and their data loaders `src/[instance]/data/*.ts`); `dynamicPaths` lists them for the build.
 */
import { siteInstances } from "./loaders/pipeline/site.js";
import { instanceHeader, instancePaths, instanceSections } from "./loaders/site/routes.js";

const instances = await siteInstances();

export default {
  title: "Customer AI",
  root: "src",
  // `npm run build` builds into a staging folder and swaps it in (loaders/cli/build.ts).
  output: process.env["CUSTOMER_AI_SITE_OUT"] ?? "dist",
  // The default stylesheet links Google Fonts; the site's own stylesheet (design tokens, controls) is local and
  // imports Framework's "air" and "near-midnight" themes for light and dark.
  globalStylesheets: [],
  style: "style.css",
  // The site's icon, copied by Framework next to the pages' other files (so no page asks for a missing /favicon.ico).
  head: '<link rel="icon" href="favicon.svg" type="image/svg+xml">',
  // Framework would otherwise fetch DuckDB's json/parquet extensions at build time.
  duckdb: { extensions: { json: null, parquet: null } },
  pages: [...instanceSections(instances), { name: "The data", path: "/data" }],
  dynamicPaths: instancePaths(instances),
  // The instance switcher on every instance page.
  header: instanceHeader(instances),
  pager: false,
  search: false,
  footer: "Customer AI: open-source propensity scores with reasons.",
};
