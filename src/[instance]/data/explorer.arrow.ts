// The scores page's table: scores.parquet's rows as Arrow IPC with narrow integer types, which DuckDB-WASM loads
// without decoding Parquet in the page (see loaders/site/explorer-arrow.ts).
import { explorerArrow } from "../../../loaders/site/explorer-arrow.js";
import { loaderParam, shippedInstanceFile } from "../../../loaders/site/instance-files.js";
import { writeOutput } from "../../../loaders/site/emit.js";

await writeOutput(Buffer.from(await explorerArrow(await shippedInstanceFile(loaderParam("instance"), "scores"))));
