// People by the day of their first used event, for the data page.
import { emitRunFile } from "../../loaders/site/instance-files.js";

// Copied from the site's scoring run.
await emitRunFile("newPeople");
