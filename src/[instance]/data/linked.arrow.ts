// For the segments page's conditions across instances: the other instances' score, percentile and bucket of this
// instance's people, joined by person id (see loaders/site/explorer-arrow.ts). Loaded only when a segment uses them.
import { linkedArrow } from "../../../loaders/site/explorer-arrow.js";
import { loaderParam, shippedInstanceFile } from "../../../loaders/site/instance-files.js";
import { writeOutput } from "../../../loaders/site/emit.js";
import { siteInstances } from "../../../loaders/pipeline/site.js";

const instance = loaderParam("instance");
const others = [];
for (const { name } of await siteInstances()) if (name !== instance) others.push({ name, scores: await shippedInstanceFile(name, "scores") });
await writeOutput(Buffer.from(await linkedArrow(await shippedInstanceFile(instance, "scores"), others)));
