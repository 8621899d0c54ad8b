/**
 * The bad-input suite's table (issue 14): every case with its inputs, command, exit status, message and row
 * accounting, by category.
 */
import { CONFIG_CASES } from "./cases-config.js";
import { DATA_CASES } from "./cases-data.js";
import { HOSTILE_CASES } from "./cases-hostile.js";
import { RESOURCE_CASES } from "./cases-resources.js";
import { RUN_CASES } from "./cases-runs.js";
import type { BadInputCase } from "./harness.js";

/** Every case of the suite. */
export const CASES: BadInputCase[] = [
  ...CONFIG_CASES,
  ...DATA_CASES,
  ...HOSTILE_CASES,
  ...RESOURCE_CASES,
  ...RUN_CASES,
];
