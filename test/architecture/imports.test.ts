/**
 * The import graph of the project's code, read from the sources (every `from "..."`, `import("...")` and
 * `import "..."` of loaders/, components/ and src/), against the architecture the README describes:
 *
 * - components/ (the browser modules) import only components/ and loaders/contract/ (the contract between the
 *   build and the browser), and packages;
 * - loaders/ never import components/ (one exception below), and no loaders folder imports a folder later in the
 *   flow (FLOW); so the folders have no cycles;
 * - src/ pages import components/ only; nothing imports src/.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The folders of loaders/, first to last in the flow: a folder may import only itself and folders before it. Read
 * from the real graph: the contract first (it imports nothing of the project), the toolkit (config, db, the SQL
 * toolkit), the stages (ingest; the model library; evaluation, calibration and baselines, which features use for
 * BG/NBD; features; scoring and explanations), the pipeline that runs them, what runs the pipeline (history, shards),
 * the site's data loaders, and the commands at the top.
 */
const FLOW = [
  "contract",
  "config",
  "db",
  "sql",
  "ingest",
  "model",
  "evaluation",
  "calibration",
  "baselines",
  "features",
  "scoring",
  "explain",
  "pipeline",
  "history",
  "shards",
  "site",
  "demo",
  "cli",
];

/**
 * Known exceptions, each with its reason; an entry no longer needed fails the test, so the list only shrinks.
 * Keys are `from -> to` between the folders of the graph (`loaders/<folder>`, `components`, `src`).
 */
const ALLOWED: Record<string, string> = {
  // The headless segment export (`npm run segment`) runs the page's own segment code on purpose, so the CSV it
  // writes is the one the page exports.
  "loaders/cli -> components": "the headless segment export shares the page's segment modules",
};

/** Every TypeScript/JavaScript source and Markdown page under `dir` (links such as src/components skipped). */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith(".")) out.push(...sources(path));
    else if (entry.isFile() && /\.(ts|js|md)$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** The relative import specifiers of a source file. */
function specifiers(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm;
  return [...text.matchAll(pattern)].map((m) => m[1]!);
}

/** The graph node of a project path: `loaders/<folder>`, `components`, `src`, or the top folder. */
function nodeOf(path: string): string {
  // Pages reach components and the contract through links inside src/.
  const real = path.replace(/^src\/components\//, "components/").replace(/^src\/loaders\//, "loaders/");
  const parts = real.split("/");
  return parts[0] === "loaders" && parts.length > 2 ? `loaders/${parts[1]}` : parts[0]!;
}

interface Edge {
  from: string;
  to: string;
  file: string;
  spec: string;
}

/** Every import between two different nodes. */
function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of ["loaders", "components", "src"].flatMap(sources)) {
    for (const spec of specifiers(file)) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
      const from = nodeOf(file);
      const to = nodeOf(target);
      if (from !== to) out.push({ from, to, file, spec });
    }
  }
  return out;
}

const EDGES = edges();
const key = (e: Edge) => `${e.from} -> ${e.to}`;
const show = (list: Edge[]) => list.map((e) => `${e.file}: ${e.spec}`);

/** Whether an edge breaks the rules (before the allow-list). */
function breaks(e: Edge): boolean {
  if (e.to === "src") return true;
  if (e.from === "components") return !(e.to === "loaders/contract");
  if (e.from === "src") return e.file.endsWith(".md") ? e.to !== "components" : !e.to.startsWith("loaders/");
  if (e.from.startsWith("loaders/")) {
    if (!e.to.startsWith("loaders/")) return true;
    const [from, to] = [FLOW.indexOf(e.from.slice(8)), FLOW.indexOf(e.to.slice(8))];
    return from < 0 || to < 0 || to > from;
  }
  return true;
}

describe("the import graph", () => {
  it("is read from the sources", () => {
    // The parse sees the imports this test is about (a broken pattern would find nothing and pass everything).
    expect(EDGES.some((e) => e.from === "components" && e.to === "loaders/contract")).toBe(true);
    expect(EDGES.some((e) => e.from === "loaders/pipeline" && e.to === "loaders/features")).toBe(true);
    expect(EDGES.some((e) => e.from === "src" && e.to === "components")).toBe(true);
  });

  it("names every loaders folder in the flow", () => {
    const folders = readdirSync(join(ROOT, "loaders"), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(folders.map((d) => d.name).filter((name) => !FLOW.includes(name))).toEqual([]);
  });

  it("has the contract import nothing of the project", () => {
    expect(show(EDGES.filter((e) => e.from === "loaders/contract"))).toEqual([]);
  });

  it("has components import only components and the contract", () => {
    expect(show(EDGES.filter((e) => e.from === "components" && breaks(e)))).toEqual([]);
  });

  it("has no import up the flow, nor from loaders into components, outside the allow-list", () => {
    expect(show(EDGES.filter((e) => breaks(e) && !(key(e) in ALLOWED)))).toEqual([]);
  });

  it("keeps no allow-list entry that is no longer needed", () => {
    const used = new Set(EDGES.filter(breaks).map(key));
    expect(Object.keys(ALLOWED).filter((k) => !used.has(k))).toEqual([]);
  });

  it("has no cycle between folders outside the allow-list", () => {
    const next = new Map<string, Set<string>>();
    for (const e of EDGES.filter((e) => !(key(e) in ALLOWED))) {
      next.set(e.from, (next.get(e.from) ?? new Set()).add(e.to));
    }
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (node: string, path: string[]): void => {
      if (state.get(node) === "done") return;
      if (state.get(node) === "open") {
        cycles.push([...path.slice(path.indexOf(node)), node].join(" -> "));
        return;
      }
      state.set(node, "open");
      for (const to of next.get(node) ?? []) visit(to, [...path, node]);
      state.set(node, "done");
    };
    for (const node of next.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });
});
