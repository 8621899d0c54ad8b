/**
 * `npm run score -- [--config FILE] [--as-of YYYY-MM-DD] [--out DIR] [--model RUN] [--shard i/N]`: runs the whole pipeline headless and
 * writes `DIR/<instance>/...` (see loaders/contract/schema.ts; default DIR `scores`). Progress goes to stderr
 * (stage, rows, elapsed); a summary table ends the run. The command itself is `commands/score.ts`.
 */
import { scoreCommand } from "./commands/score.js";
import { runCli } from "./run.js";

await runCli(() => scoreCommand(process.argv.slice(2)));
