/**
 * Observable Framework configuration. Everything the site needs is bundled from node_modules or produced by
 * data loaders: no CDN, no web fonts, no DuckDB extension downloads (see README, "Offline build").
 */
export default {
  title: "Customer AI",
  root: "src",
  output: "dist",
  // The default stylesheet links Google Fonts; the theme's own CSS is local.
  globalStylesheets: [],
  theme: ["air", "near-midnight"],
  // Framework would otherwise fetch DuckDB's json/parquet extensions at build time.
  duckdb: { extensions: { json: null, parquet: null } },
  pages: [{ name: "The data", path: "/data" }],
  pager: false,
  search: false,
  footer: "Customer AI: open-source propensity scores with reasons.",
};
