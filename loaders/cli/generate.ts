/**
 * `npm run generate -- --profiles N --seed S --out DIR`: writes the demo data set (events, profiles, truth).
 */
import { parseArgs } from "node:util";
import { generateDemo } from "../demo/generate.js";
import { parseCount, runCli } from "./run.js";

await runCli(async () => {
  const { values } = parseArgs({
    options: {
      profiles: { type: "string", default: "20000" },
      seed: { type: "string", default: "1" },
      out: { type: "string", default: "data/demo" },
    },
  });
  const profiles = parseCount("--profiles", values.profiles);
  const seed = parseCount("--seed", values.seed);
  const summary = await generateDemo({ profiles, seed, outDir: values.out, onProgress: (m) => console.error(m) });
  console.error(
    `wrote ${values.out}/events.parquet (${summary.events} events), profiles.parquet (${summary.people} people), ` +
      `truth.parquet (as of ${summary.asOf}); data from ${summary.start} to ${summary.asOf}`,
  );
});
