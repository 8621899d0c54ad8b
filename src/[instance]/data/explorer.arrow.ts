// The scores page's table: scores.parquet's rows as Arrow IPC with narrow integer types, which DuckDB-WASM loads
// without decoding Parquet in the page (see loaders/site/explorer-arrow.ts). Above a size, a person-hash sample of
// them (sample mode, loaders/site/sample.ts).
import { explorerArrow } from "../../../loaders/site/explorer-arrow.js";
import { loaderParam, shippedInstanceFile } from "../../../loaders/site/instance-files.js";
import { instanceSample, sampledScores } from "../../../loaders/site/sample.js";
import { writeOutput } from "../../../loaders/site/emit.js";

const instance = loaderParam("instance");
const sample = await instanceSample(instance);
await writeOutput(Buffer.from(await explorerArrow(sample ? await sampledScores(instance, sample) : await shippedInstanceFile(instance, "scores"))));
