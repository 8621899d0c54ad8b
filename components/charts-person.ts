/**
 * The person page's waterfall: how a person's probability is built from the average person's by adding each
 * factor's contribution, up to the person's own. Contributions are log-odds (TreeSHAP) that add up exactly to the
 * person's margin; drawn on the probability scale through the calibrator, each step is the change in percentage
 * points that factor makes after the ones above it, and the steps end exactly at the person's probability.
 */
import * as Plot from "./plot.js";
import { MUTED, labelMargin, chartWidth, type ChartOptions } from "./chart-style.js";
import { type GoalType, effectColorScale, effectWords, formatPoints } from "./effects.js";
import { formatContribution, formatPercent, formatProbability } from "./format.js";

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
  /** Margin (log-odds) to probability: the calibrator. Without it, the chart is drawn in log-odds. */
  toProbability?: (margin: number) => number;
  /** The goal, for the colours and words of the effects (default conversion). */
  type?: GoalType;
}

type Row = {
  key: string;
  text: string;
  start: number;
  end: number;
  contribution: number;
  kind: "total" | "factor";
  effect: string;
};

/** The rows of a waterfall on its scale (log-odds, or probability through `toProbability`). */
function waterfallRows(
  factors: readonly WaterfallFactor[],
  { base, margin, toProbability, type = "conversion" }: WaterfallTotals,
): Row[] {
  const at = toProbability ?? ((m: number) => m);
  const rows: Row[] = [
    {
      key: "0",
      text: "Average person (base)",
      start: at(base),
      end: at(base),
      contribution: base,
      kind: "total",
      effect: "",
    },
  ];
  let running = base;
  const step = (text: string, contribution: number) => {
    rows.push({
      key: `${rows.length}`,
      text,
      start: at(running),
      end: at(running + contribution),
      contribution,
      kind: "factor",
      effect: effectWords(contribution, type),
    });
    running += contribution;
  };
  for (const f of factors) step(f.value === null ? f.label : `${f.label}: ${f.value}`, f.contribution);
  if (Math.abs(margin - running) >= 0.005) step("Rounding and other factors", margin - running);
  rows.push({
    key: `${rows.length}`,
    text: "This person",
    start: at(margin),
    end: at(margin),
    contribution: margin,
    kind: "total",
    effect: "",
  });
  return rows;
}

/**
 * Draws a person's waterfall. Contract:
 * - `factors`: rows `{label: string, value: string | null, contribution: number}` in display order (usually the
 *   person's top factors by |contribution|, then "all other factors" together); each row is drawn as a bar from
 *   the running total before it to the running total after it, coloured by what it means for the goal (raising
 *   churn risk is bad news), labelled "label: value" (or "label" when value is null) and with its effect
 *   (percentage points on the probability scale, log-odds otherwise; log-odds always in the tip).
 * - `base` is drawn as the first row ("Average person (base)") and `margin` as the last ("This person"), with
 *   reference lines; if the contributions do not add up to the margin (by 0.005 or more), the rest is shown as
 *   a row "Rounding and other factors" so the chart always ends at the margin.
 * - `probability` appears in the title. Labels and values are rendered as text (never HTML).
 * Returns Plot's figure; `width` is the chart width in pixels.
 */
export function waterfall(
  factors: readonly WaterfallFactor[],
  totals: WaterfallTotals & ChartOptions,
): HTMLElement | SVGSVGElement {
  const { base, margin, probability, width: available, height, toProbability, type = "conversion" } = totals;
  const width = chartWidth(available);
  const rows = waterfallRows(factors, totals);
  const steps = rows.filter((r) => r.kind === "factor");
  const ends = rows.filter((r) => r.kind === "total");
  const links = rows.slice(0, -1).map((r, i) => ({ x: r.end, y1: r.key, y2: rows[i + 1]!.key }));
  const { marginLeft, lineWidth, rowHeight } = labelMargin(
    rows.map((r) => r.text),
    width,
  );
  const label = (k: string) => rows[Number(k)]?.text ?? k;
  const values = rows.flatMap((r) => [r.start, r.end]);
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const onProbability = toProbability !== undefined;
  // Keep some room around the values so that a person with no factors still gets a readable axis.
  const pad = onProbability ? Math.max(0.02, (high - low) * 0.05) : Math.max(0.25, (high - low) * 0.05);
  const domain = onProbability ? [Math.max(0, low - pad), Math.min(1, high + pad)] : [low - pad, high + pad];
  const change = (r: Row) => (onProbability ? formatPoints(r.end - r.start) : formatContribution(r.contribution));
  const total = (r: Row) => (onProbability ? formatProbability(r.end) : formatContribution(r.end));
  return Plot.plot({
    title: `How this person's probability is built: ${formatProbability(probability)}`,
    subtitle: onProbability
      ? `From the average person's ${formatProbability(toProbability(base))}, each factor adds or takes away percentage points, in this order, up to this person's ${formatProbability(probability)}`
      : `From the average person's log-odds (${formatContribution(base)}) each factor adds its contribution, up to this person's ${formatContribution(margin)}`,
    ariaLabel: "Score waterfall",
    ariaDescription: rows.map((r) => `${r.text}: ${r.kind === "total" ? total(r) : change(r)}`).join("; "),
    width,
    height: height ?? 80 + rowHeight(28) * rows.length,
    marginLeft,
    marginRight: 78,
    x: onProbability
      ? { grid: true, label: "Probability", domain, tickFormat: (x: number) => formatPercent(x, 0) }
      : { grid: true, label: "Log-odds", domain, nice: true },
    y: { domain: rows.map((r) => r.key), label: null, axis: null },
    color: effectColorScale(type),
    marks: [
      Plot.axisY({ tickFormat: label, lineWidth, tickSize: 0 }),
      Plot.ruleX([rows[0]!.end], { stroke: MUTED, strokeDasharray: "4,4" }),
      Plot.ruleX([rows[rows.length - 1]!.end], { stroke: "currentColor", strokeOpacity: 0.6 }),
      Plot.link(links, { x1: "x", x2: "x", y1: "y1", y2: "y2", stroke: MUTED, strokeOpacity: 0.6 }),
      Plot.barX(steps, {
        y: "key",
        x1: "start",
        x2: "end",
        fill: "effect",
        insetTop: 3,
        insetBottom: 3,
        title: (r: Row) =>
          `${r.text}\n${r.effect}${onProbability ? ` by ${formatPoints(r.end - r.start)}` : ""}\n${formatContribution(r.contribution)} log-odds`,
        tip: true,
      }),
      Plot.text(steps, {
        y: "key",
        x: (r: Row) => Math.max(r.start, r.end),
        text: change,
        textAnchor: "start",
        dx: 4,
        fill: "currentColor",
      }),
      Plot.dot(ends, { y: "key", x: "end", fill: "currentColor", r: 4, symbol: "diamond" }),
      Plot.text(ends, { y: "key", x: "end", text: total, textAnchor: "start", dx: 8, fill: "currentColor" }),
    ],
  });
}
