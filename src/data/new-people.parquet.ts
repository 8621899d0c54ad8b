// New people per day (first event) in the demo data, for the data overview page.
import { queryToParquet, writeOutput } from "../../loaders/site/emit.js";
import { newPeopleSql } from "../../loaders/site/overview.js";

// Count people by the day of their first event and ship the result as Parquet.
const bytes = await queryToParquet(newPeopleSql("data/demo/events.parquet"));
await writeOutput(bytes);
