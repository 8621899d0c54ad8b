/**
 * The `check` command: checks bring-your-own data without training. Ingests the inputs, plans every instance,
 * prints a summary (rows used and set aside by reason, people, date range, data requirements per instance) and
 * writes the data-quality report as JSON (to --out, or the output's log).
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfigOrDemo } from "../../config/load.js";
import type { DataQualityReport } from "../../contract/data-quality.js";
import { checkData } from "../../features/prepare.js";
import { type CommandOutput, UsageError } from "../run.js";

/**
 * Runs `check` with the command-line arguments `argv` (`[--config FILE] [--out FILE]`).
 * @returns the exit status: 0, or 1 when an instance does not meet its data requirements.
 * @throws UserError and parseArgs errors for the user's mistakes (see `exitStatusOf`).
 */
export async function checkCommand(argv: string[], output: CommandOutput = console): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: "string" }, out: { type: "string" } } });
  // Load and validate the configuration (the demo configuration when none is given).
  const config = await loadConfigOrDemo(values.config);
  const inputs = [values.config, config.inputs.events.path, config.inputs.profiles?.path];
  if (values.out) checkReportFile(values.out, inputs);
  // Ingest and plan every instance.
  const report = await checkData(config);
  // Summarise for a person, then write the full report.
  output.error(summaryLines(report).join("\n"));
  const json = JSON.stringify(report, null, 2);
  if (values.out) {
    checkReportFile(values.out, [...report.events.files, ...(report.profiles?.files ?? [])]);
    mkdirSync(dirname(resolve(values.out)), { recursive: true });
    writeFileSync(values.out, json + "\n");
  } else output.log(json);
  return report.instances.some((i) => i.requirements?.some((r) => !r.ok)) ? 1 : 0;
}

/**
 * Checks that the report can be written to `out` without harm: not a folder, no file where one of its folders
 * should be, and none of `inputs` (the configuration and data files, which it would overwrite). Missing folders
 * are created when the report is written.
 * @throws UsageError naming --out and what to do.
 */
function checkReportFile(out: string, inputs: (string | undefined)[]): void {
  const target = resolve(out);
  if (existsSync(target) && statSync(target).isDirectory()) {
    throw new UsageError(
      `--out ${out} is a folder; name a file for the report, e.g. ${out.replace(/\/$/, "")}/data-quality.json`,
    );
  }
  for (let parent = dirname(target); parent !== dirname(parent); parent = dirname(parent)) {
    if (existsSync(parent) && !statSync(parent).isDirectory())
      throw new UsageError(`--out ${out}: ${parent} is a file, not a folder; choose another path`);
  }
  if (inputs.some((input) => input !== undefined && resolve(input) === target)) {
    throw new UsageError(
      `--out ${out} is one of the inputs (the configuration or a data file) and would be overwritten; choose another file for the report`,
    );
  }
}

/** The summary of a data-quality report, for a person. */
function summaryLines(report: DataQualityReport): string[] {
  const e = report.events;
  return [
    `events: ${e.rowsRead} rows read, ${e.rowsUsed} used, ${e.rowsSetAside} set aside; ${e.people} people; ${e.firstEvent} to ${e.lastEvent}; as of ${report.asOf} (${report.asOfSource})`,
    ...(e.identities
      ? [
          `  anonymous ids (${e.identities.column}): ${e.identities.rowsLinked} rows without a person id linked to one, ${e.identities.rowsAnonymous} kept as anonymous people`,
        ]
      : []),
    ...e.setAside.map(
      (s) => `  set aside: ${s.rows} rows, ${s.message}${s.examples.length ? ` (e.g. ${s.examples.join(", ")})` : ""}`,
    ),
    ...report.instances.flatMap((i) => [
      `instance ${i.name}: ${i.goalEvents} goal events`,
      ...(i.requirements ?? []).map((r) => `  ${r.ok ? "ok  " : "FAIL"} ${r.message}${r.ok ? "" : ` - ${r.hint}`}`),
    ]),
    ...report.warnings.map((w) => `warning: ${w}`),
  ];
}
