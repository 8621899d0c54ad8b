/**
 * `npm run check -- [--config FILE] [--out FILE]`: checks bring-your-own data without training. Ingests the
 * inputs, plans every instance, prints a summary (rows used and set aside by reason, people, date range, data
 * requirements per instance) on stderr and writes the data-quality report as JSON (to --out, or stdout).
 * The command itself is `commands/check.ts`.
 */
import { checkCommand } from "./commands/check.js";
import { runCli } from "./run.js";

await runCli(() => checkCommand(process.argv.slice(2)));
