// The customer value model and its out-of-time validation (value.json), or `null` for an instance without value
// (a churn instance, or a conversion instance with `value: false`): the run writes the file only when it has one.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { FILES } from "../../../loaders/contract/schema.js";
import { siteRun } from "../../../loaders/pipeline/site.js";
import { loaderParam } from "../../../loaders/site/instance-files.js";
import { writeOutput } from "../../../loaders/site/emit.js";
import { readFile } from "node:fs/promises";

const instance = loaderParam("instance");
const { dir, index } = await siteRun();
const entry = index.instances.find((i) => i.name === instance);
if (!entry) throw new Error(`unknown instance "${instance}" (the run has ${index.instances.map((i) => i.name).join(", ")})`);
const path = join(dir, entry.dir, FILES.value);
await writeOutput(existsSync(path) ? await readFile(path) : "null\n");
