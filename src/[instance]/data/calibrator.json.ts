// The model's calibrator (margin → probability), taken from model.json so the person page need not fetch the model.
import { instanceFile, loaderParam } from "../../../loaders/site/instance-files.js";
import { writeOutput } from "../../../loaders/site/emit.js";

const model = JSON.parse((await instanceFile(loaderParam("instance"), "model")).toString("utf8")) as { calibrator: unknown };
await writeOutput(JSON.stringify({ calibrator: model.calibrator }));
