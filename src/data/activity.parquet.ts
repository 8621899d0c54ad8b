// Events and people per day and event type, every used event of the configured input, for the data page.
import { emitRunFile } from "../../loaders/site/instance-files.js";

// Copied from the site's scoring run (written from the ingested events, set-aside rows excluded).
await emitRunFile("activity");
