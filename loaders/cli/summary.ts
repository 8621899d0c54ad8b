/**
 * The `score` command's closing summary, for people: one line per instance in aligned columns with units, no
 * index column and no quotes (numbers right-aligned, words left-aligned).
 */

/** What the summary shows of an instance (a subset of the run's summary). */
export interface SummaryInstance {
  name: string;
  scored: number;
  rating: string;
  auc: number;
  recencyAuc: number;
  rfmAuc: number;
  ece: number;
  seconds: number;
}

/** A column: its heading, how a value reads, and whether it aligns right (numbers). */
interface Column {
  heading: string;
  value: (i: SummaryInstance) => string;
  right: boolean;
}

const count = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");
const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : "–");

const COLUMNS: Column[] = [
  { heading: "instance", value: (i) => i.name, right: false },
  { heading: "people scored", value: (i) => count(i.scored), right: true },
  { heading: "quality", value: (i) => i.rating, right: false },
  { heading: "AUC", value: (i) => fixed(i.auc, 3), right: true },
  { heading: "recency AUC", value: (i) => fixed(i.recencyAuc, 3), right: true },
  { heading: "RFM AUC", value: (i) => fixed(i.rfmAuc, 3), right: true },
  {
    heading: "calibration error",
    value: (i) => (Number.isFinite(i.ece) ? `${fixed(100 * i.ece, 1)}%` : "–"),
    right: true,
  },
  { heading: "time", value: (i) => `${fixed(i.seconds, 1)} s`, right: true },
];

/** The summary as lines of aligned columns: a heading line, then one line per instance. */
export function summaryTable(instances: readonly SummaryInstance[]): string {
  const cells = [COLUMNS.map((c) => c.heading), ...instances.map((i) => COLUMNS.map((c) => c.value(i)))];
  const widths = COLUMNS.map((_, k) => Math.max(...cells.map((row) => row[k]!.length)));
  return cells
    .map((row) =>
      row
        .map((cell, k) => (COLUMNS[k]!.right ? cell.padStart(widths[k]!) : cell.padEnd(widths[k]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
