/**
 * Words for the data-quality report of a run (its types are the contract's, loaders/contract/data-quality.ts).
 */
import { basename } from "node:path";
import { ROW_ID_FILE_FACTOR } from "./sql.js";

/** Describes an example row id for people: "events.csv row 17". */
export function describeRow(rid: number, files: readonly string[], rejected: ReadonlyMap<number, number[]>): string {
  const file = Math.floor(rid / ROW_ID_FILE_FACTOR);
  let row = rid - file * ROW_ID_FILE_FACTOR;
  // Parsed CSV rows are numbered without the malformed lines that were skipped: count those back in.
  for (const skipped of rejected.get(file) ?? []) if (skipped <= row) row++;
  return `${basename(files[file] ?? "?")} row ${row}`;
}
