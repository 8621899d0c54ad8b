/**
 * Writing and loading configuration files: `defineConfig` gives type checking in a `customer-ai.config.ts`,
 * `loadConfig` reads a `.ts`/`.js`/`.mjs` (default export) or `.json` file and validates it.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { resolvedDemoConfig } from "./demo.js";
import { UserError } from "./errors.js";
import type { CustomerAIConfig, ResolvedConfig } from "./types.js";
import { validateConfig } from "./validate.js";

/** Identity function that gives a configuration object its type (for `export default defineConfig({...})`). */
export function defineConfig(config: CustomerAIConfig): CustomerAIConfig {
  return config;
}

/**
 * Loads and validates a configuration file. Relative input paths are resolved against the file's folder.
 * @throws UserError when the file is missing, cannot be parsed or is invalid.
 */
export async function loadConfig(path: string): Promise<ResolvedConfig> {
  const file = resolve(path);
  if (!existsSync(file)) throw new UserError("config", `configuration file not found: ${file}`);
  const ext = extname(file).toLowerCase();
  let raw: unknown;
  if (ext === ".json") {
    try {
      // A byte-order mark (as Windows editors save UTF-8) is not part of the JSON.
      raw = JSON.parse(readFileSync(file, "utf8").replace(/^\uFEFF/, ""));
    } catch (error) {
      throw new UserError("config", `configuration file ${file} is not valid JSON: ${(error as Error).message}`);
    }
  } else if ([".ts", ".mts", ".js", ".mjs"].includes(ext)) {
    let module: { default?: unknown; config?: unknown };
    try {
      module = (await import(pathToFileURL(file).href)) as typeof module;
    } catch (error) {
      // A syntax error in the file, or code in it that throws: the user's to fix, not a bug of this tool.
      const lines = String((error as Error).message ?? error).split("\n");
      const why = lines.find((l) => l.includes("ERROR:"))?.trim() ?? lines[0];
      throw new UserError("config", `configuration file ${file} could not be loaded: ${why}`);
    }
    raw = module.default ?? module.config;
    if (raw === undefined)
      throw new UserError(
        "config",
        `configuration file ${file} has no default export (use export default defineConfig({...}))`,
      );
  } else {
    throw new UserError(
      "config",
      `configuration file ${file}: expected a .ts, .js, .mjs or .json file but got "${ext || "no extension"}"`,
    );
  }
  return validateConfig(raw, { baseDir: dirname(file) });
}

/** The configuration at `path`, or the default demo configuration (data in `data/demo`) when no path is given. */
export async function loadConfigOrDemo(path?: string): Promise<ResolvedConfig> {
  return path ? loadConfig(path) : resolvedDemoConfig();
}
