/**
 * Build-time bundling of the browser data layer and DuckDB-WASM's files, so the site serves everything from its
 * own origin and names no other host.
 */
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);

/** Bundles `components/<name>.ts` and its packages into one minified script (tree-shaken): an ES module, or a
 * classic script (`iife`). */
export async function bundleComponent(name: string, format: "esm" | "iife" = "esm"): Promise<string> {
  const entry = fileURLToPath(new URL(`../../components/${name}.ts`, import.meta.url));
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format,
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    legalComments: "none",
  });
  return result.outputFiles[0]!.text;
}

/**
 * DuckDB-WASM's extension repositories, written into its engine as text. We never load extensions (the data layer
 * turns autoloading off), so their addresses are replaced, byte for byte, with a dead address on the local host.
 */
const EXTENSION_HOSTS = [
  "https://extensions.duckdb.org",
  "https://community-extensions.duckdb.org",
  "https://nightly-extensions.duckdb.org",
];

/** A file of the `@duckdb/duckdb-wasm` package, with the extension repository addresses neutralised. */
export function duckdbFile(file: string): Buffer {
  const bytes = readFileSync(require.resolve(`@duckdb/duckdb-wasm/dist/${file}`));
  for (const from of EXTENSION_HOSTS) {
    const to = "http://127.0.0.1/disabled".padEnd(from.length, "-");
    const needle = Buffer.from(from);
    for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + 1)) bytes.write(to, at);
  }
  return bytes;
}
