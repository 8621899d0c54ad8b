// One row per scored person (the explorer's table), sorted by id.
import { emitInstanceFile } from "../../../loaders/site/instance-files.js";

// Copied from the scoring run for this route's instance (--instance=<name>).
await emitInstanceFile("scores");
