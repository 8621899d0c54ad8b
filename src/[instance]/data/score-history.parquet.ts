// Each scored person's scores in the runs of a history folder (no rows without one).
import { emitHistoryFile } from "../../../loaders/site/instance-files.js";

await emitHistoryFile("scoreHistory");
