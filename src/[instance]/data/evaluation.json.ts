// Out-of-time evaluation: metrics, curves, thresholds, baselines, backtest.
import { emitInstanceFile } from "../../../loaders/site/instance-files.js";

// Copied from the scoring run for this route's instance (--instance=<name>).
await emitInstanceFile("evaluation");
