/**
 * `npm run segment -- --run DIR --instance NAME --definition FILE --out FILE [--attributes FIELD,...] [--sort
 * probability|expected_value]`: a segment's full membership as CSV over a run's complete scores, headless (the
 * command itself is `commands/segment.ts`).
 */
import { segmentCommand } from "./commands/segment.js";
import { runCli } from "./run.js";

await runCli(() => segmentCommand(process.argv.slice(2)));
