// Each scored person's top factors (long form, sorted by id then rank), read by range requests.
import { emitInstanceFile } from "../../../loaders/site/instance-files.js";

// Copied from the scoring run for this route's instance (--instance=<name>).
await emitInstanceFile("factors");
