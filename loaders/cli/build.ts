/**
 * `npm run build`: builds the site with Observable Framework into a staging folder beside `dist/` and swaps it in
 * only when the build succeeded, so a failed build leaves the previous site intact. `dist/` is replaced only when
 * it is missing, empty or a site this tool built (see `loaders/pipeline/output-folder.ts`).
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { isFrameworkSite, writeFolderAtomically } from "../pipeline/output-folder.js";
import { runCli } from "./run.js";

/** Where the site goes. */
const SITE = "dist";
/** Framework's page cache, which does not track the modules data loaders import. */
const FRAMEWORK_CACHE = "src/.observablehq/cache";

/** Runs `observable build` with its output set to `folder`; rejects when it fails. */
function frameworkBuild(folder: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, OBSERVABLE_TELEMETRY_DISABLE: "true", CUSTOMER_AI_SITE_OUT: folder };
    const child = spawn("npx", ["observable", "build"], { stdio: "inherit", env });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new BuildFailed(`the site build failed (exit ${code})`))));
  });
}

/** A failed Framework build: its own output has said why. */
class BuildFailed extends Error {
  override name = "BuildFailed";
}

await runCli(async () => {
  rmSync(FRAMEWORK_CACHE, { recursive: true, force: true });
  try {
    await writeFolderAtomically(SITE, frameworkBuild, { what: "site folder", alsoOwned: isFrameworkSite });
  } catch (error) {
    if (!(error instanceof BuildFailed)) throw error;
    console.error(`error: ${error.message}`);
    process.exit(1);
  }
});
