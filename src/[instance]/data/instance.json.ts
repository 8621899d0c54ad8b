// The instance summary: goal, counts, buckets, quality, features, suggested segments; in sample mode also the
// sample (its rate and size) with the totals counted over the full scores (loaders/site/sample.ts).
import { loaderParam } from "../../../loaders/site/instance-files.js";
import { shippedSummary } from "../../../loaders/site/sample.js";
import { writeOutput } from "../../../loaders/site/emit.js";

// From the scoring run for this route's instance (--instance=<name>).
await writeOutput(JSON.stringify(await shippedSummary(loaderParam("instance"))));
