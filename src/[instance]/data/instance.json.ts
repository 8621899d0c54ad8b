// The instance summary: goal, counts, buckets, quality, features, suggested segments.
import { emitInstanceFile } from "../../../loaders/site/instance-files.js";

// Copied from the scoring run for this route's instance (--instance=<name>).
await emitInstanceFile("instance");
