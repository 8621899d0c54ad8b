/**
 * The person page's waterfall: how a person's score is built from the average person's log-odds by adding each
 * factor's contribution, up to the person's margin (which the calibrator turns into their probability).
 */
import * as Plot from "./plot.js";
import { MUTED, directionColorScale, labelMargin, chartWidth, type ChartOptions } from "./chart-style.js";
import { formatContribution, formatProbability } from "./format.js";

/** One step of the waterfall: a factor, the person's value in words (null when none) and its contribution. */
export interface WaterfallFactor {
  label: string;
  value: string | null;
  /** Log-odds added to the running total (negative lowers the score). */
  contribution: number;
}

/** Where the waterfall starts and ends. */
export interface WaterfallTotals {
  /** Start: the base value (`InstanceSummary.base`, log-odds). */
  base: number;
  /** End: the person's margin (log-odds before calibration); base + all contributions. */
  margin: number;
  /** The person's calibrated probability, for the title. */
  probability: number;
}

/**
 * Draws a person's waterfall. Contract:
 * - `factors`: rows `{label: string, value: string | null, contribution: number}` in display order (usually the
 *   person's top factors by |contribution|, then "all other factors" together); each row is drawn as a bar from
 *   the running total before it to the running total after it, coloured by direction, labelled
 *   "label: value" (or "label" when value is null) and with its signed contribution.
 * - `base` is drawn as the first row ("Average person (base)") and `margin` as the last ("This person"), with
 *   reference lines; if the contributions do not add up to the margin (by 0.005 or more), the rest is shown as
 *   a row "Rounding and other factors" so the chart always ends at the margin.
 * - `probability` appears in the title. Labels and values are rendered as text (never HTML).
 * Returns Plot's figure; `width` is the chart width in pixels.
 */
export function waterfall(factors: readonly WaterfallFactor[], { base, margin, probability, width: available, height }: WaterfallTotals & ChartOptions): HTMLElement | SVGSVGElement {
  const width = chartWidth(available);
  type Row = { key: string; text: string; start: number; end: number; contribution: number; kind: "total" | "factor" };
  const rows: Row[] = [{ key: "0", text: "Average person (base)", start: base, end: base, contribution: base, kind: "total" }];
  let running = base;
  for (const f of factors) {
    rows.push({ key: `${rows.length}`, text: f.value === null ? f.label : `${f.label}: ${f.value}`, start: running, end: running + f.contribution, contribution: f.contribution, kind: "factor" });
    running += f.contribution;
  }
  const rest = margin - running;
  if (Math.abs(rest) >= 0.005) {
    rows.push({ key: `${rows.length}`, text: "Rounding and other factors", start: running, end: margin, contribution: rest, kind: "factor" });
  }
  rows.push({ key: `${rows.length}`, text: "This person", start: margin, end: margin, contribution: margin, kind: "total" });
  const steps = rows.filter((r) => r.kind === "factor").map((r) => ({ ...r, direction: r.contribution >= 0 ? "raises" : "lowers" }));
  const totals = rows.filter((r) => r.kind === "total");
  const links = rows.slice(0, -1).map((r, i) => ({ x: r.end, y1: r.key, y2: rows[i + 1]!.key }));
  const { marginLeft, lineWidth, rowHeight } = labelMargin(rows.map((r) => r.text), width);
  const label = (k: string) => rows[Number(k)]?.text ?? k;
  // Keep some room around the values so that a person with no factors still gets a readable axis.
  const values = rows.flatMap((r) => [r.start, r.end]);
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const pad = Math.max(0.25, (high - low) * 0.05);
  return Plot.plot({
    title: `How this person's score is built: probability ${formatProbability(probability)}`,
    subtitle: `From the average person's log-odds (${formatContribution(base)}) each factor adds its contribution, up to this person's ${formatContribution(margin)}`,
    ariaLabel: "Score waterfall",
    ariaDescription: rows.map((r) => `${r.text}: ${formatContribution(r.contribution)}`).join("; "),
    width,
    height: height ?? 60 + rowHeight(28) * rows.length,
    marginLeft,
    marginRight: 56,
    x: { grid: true, label: "Log-odds", domain: [low - pad, high + pad], nice: true },
    y: { domain: rows.map((r) => r.key), label: null, axis: null },
    color: directionColorScale(),
    marks: [
      Plot.axisY({ tickFormat: label, lineWidth, tickSize: 0 }),
      Plot.ruleX([base], { stroke: MUTED, strokeDasharray: "4,4" }),
      Plot.ruleX([margin], { stroke: "currentColor", strokeOpacity: 0.6 }),
      Plot.link(links, { x1: "x", x2: "x", y1: "y1", y2: "y2", stroke: MUTED, strokeOpacity: 0.6 }),
      Plot.barX(steps, {
        y: "key",
        x1: "start",
        x2: "end",
        fill: "direction",
        insetTop: 3,
        insetBottom: 3,
        title: (r: Row) => `${r.text}\n${formatContribution(r.contribution)} log-odds`,
        tip: true,
      }),
      Plot.text(steps, { y: "key", x: (r: Row) => Math.max(r.start, r.end), text: (r: Row) => formatContribution(r.contribution), textAnchor: "start", dx: 4, fill: "currentColor" }),
      Plot.dot(totals, { y: "key", x: "end", fill: "currentColor", r: 4, symbol: "diamond" }),
      Plot.text(totals, { y: "key", x: "end", text: (r: Row) => formatContribution(r.end), textAnchor: "start", dx: 8, fill: "currentColor" }),
    ],
  });
}
