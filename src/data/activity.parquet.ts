// Daily events per event type in the demo data, for the data overview page.
import { queryToParquet, writeOutput } from "../../loaders/site/emit.js";
import { dailyActivitySql } from "../../loaders/site/overview.js";

// Aggregate the events file with DuckDB and ship the result as Parquet.
const bytes = await queryToParquet(dailyActivitySql("data/demo/events.parquet"));
await writeOutput(bytes);
