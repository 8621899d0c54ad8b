/**
 * Makes sure the bundled demo data exists before a build (see `loaders/demo/ensure.ts`).
 */
import { ensureDemo } from "../demo/ensure.js";
import { runCli } from "./run.js";

await runCli(() => ensureDemo());
