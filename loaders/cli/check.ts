/**
 * `npm run check -- [--config FILE] [--out FILE]`: checks bring-your-own data without training. Ingests the
 * inputs, plans every instance, prints a summary (rows used and set aside by reason, people, date range, data
 * requirements per instance) on stderr and writes the data-quality report as JSON (to --out, or stdout).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadConfigOrDemo } from "../config/load.js";
import { checkData } from "../features/pipeline.js";
import { runCli } from "./run.js";

await runCli(async () => {
  const { values } = parseArgs({ options: { config: { type: "string" }, out: { type: "string" } } });
  // Load and validate the configuration (the demo configuration when none is given).
  const config = await loadConfigOrDemo(values.config);
  // Ingest and plan every instance.
  const report = await checkData(config);
  // Summarise for a person, then write the full report.
  const e = report.events;
  const lines = [
    `events: ${e.rowsRead} rows read, ${e.rowsUsed} used, ${e.rowsSetAside} set aside; ${e.people} people; ${e.firstEvent} to ${e.lastEvent}; as of ${report.asOf} (${report.asOfSource})`,
    ...(e.identities
      ? [`  anonymous ids (${e.identities.column}): ${e.identities.rowsLinked} rows without a person id linked to one, ${e.identities.rowsAnonymous} kept as anonymous people`]
      : []),
    ...e.setAside.map((s) => `  set aside: ${s.rows} rows, ${s.message}${s.examples.length ? ` (e.g. ${s.examples.join(", ")})` : ""}`),
    ...report.instances.flatMap((i) => [
      `instance ${i.name}: ${i.goalEvents} goal events`,
      ...(i.requirements ?? []).map((r) => `  ${r.ok ? "ok  " : "FAIL"} ${r.message}${r.ok ? "" : ` - ${r.hint}`}`),
    ]),
    ...report.warnings.map((w) => `warning: ${w}`),
  ];
  console.error(lines.join("\n"));
  const json = JSON.stringify(report, null, 2) + "\n";
  if (values.out) writeFileSync(values.out, json);
  else process.stdout.write(json);
  if (report.instances.some((i) => i.requirements?.some((r) => !r.ok))) process.exitCode = 1;
});
