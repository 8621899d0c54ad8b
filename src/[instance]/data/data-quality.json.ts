// The run's data-quality report.
import { emitInstanceFile } from "../../../loaders/site/instance-files.js";

// Copied from the scoring run for this route's instance (--instance=<name>).
await emitInstanceFile("dataQuality");
