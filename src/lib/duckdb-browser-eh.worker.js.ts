// DuckDB-WASM's worker script, served as a plain file from our origin (a bundled worker would break).
import { duckdbFile } from "../../loaders/site/bundle.js";

// Copy the worker from the installed package.
process.stdout.write(duckdbFile("duckdb-browser-eh.worker.js"));
