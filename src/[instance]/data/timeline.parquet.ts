// Each scored person's most recent events (sorted by id then time), read by range requests.
import { emitInstanceFile } from "../../../loaders/site/instance-files.js";

// Copied from the scoring run for this route's instance (--instance=<name>).
await emitInstanceFile("timeline");
