// For the segments page's conditions across instances: the other instances' score, percentile and bucket of this
// instance's people, joined by person id (see loaders/site/explorer-arrow.ts); in sample mode, of the people of this
// instance's sample (loaders/site/sample.ts). Loaded only when a segment uses them.
import { linkedArrow } from "../../../loaders/site/explorer-arrow.js";
import { loaderParam, shippedInstanceFile } from "../../../loaders/site/instance-files.js";
import { instanceSample, sampledOthers } from "../../../loaders/site/sample.js";
import { writeOutput } from "../../../loaders/site/emit.js";
import { siteInstances } from "../../../loaders/pipeline/site.js";

const instance = loaderParam("instance");
const names = (await siteInstances()).map((i) => i.name).filter((name) => name !== instance);
const sample = await instanceSample(instance);
if (sample) {
  const { own, others } = await sampledOthers(instance, names, sample);
  await writeOutput(Buffer.from(await linkedArrow(own, others)));
} else {
  const others = [];
  for (const name of names) others.push({ name, scores: await shippedInstanceFile(name, "scores") });
  await writeOutput(Buffer.from(await linkedArrow(await shippedInstanceFile(instance, "scores"), others)));
}
