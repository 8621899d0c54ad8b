// The instances of the site's scoring run with their headline facts, for the index of instances.
import { instanceFile } from "../../loaders/site/instance-files.js";
import { writeOutput } from "../../loaders/site/emit.js";
import type { InstanceSummary } from "../../loaders/contract/schema.js";
import { siteInstances } from "../../loaders/pipeline/site.js";

const instances = [];
for (const { name } of await siteInstances()) {
  const s = JSON.parse((await instanceFile(name, "instance")).toString("utf8")) as InstanceSummary;
  instances.push({
    name: s.name, label: s.label, type: s.type, goalText: s.goalText, outcomeText: s.outcomeText, description: s.description ?? null, window: s.window, asOf: s.asOf,
    scored: s.scored, expectedPositives: s.expectedPositives, quality: s.quality,
  });
}
await writeOutput(JSON.stringify(instances));
