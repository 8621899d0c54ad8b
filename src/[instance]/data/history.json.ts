// The instance's scores over time (runs of a history folder; null without one): see loaders/history/changes.ts.
import { emitHistoryFile } from "../../../loaders/site/instance-files.js";

await emitHistoryFile("history");
