// DuckDB-WASM's engine (exception-handling build, supported by every current browser), served from our origin.
import { duckdbFile } from "../../loaders/site/bundle.js";

// Copy the engine from the installed package, with its extension repository addresses neutralised.
process.stdout.write(duckdbFile("duckdb-eh.wasm"));
