/**
 * Shared look of the site's charts: bucket and direction colours taken from the design tokens of src/style.css
 * (CSS variables with light and dark values, so both read well), and the chart options every chart function accepts.
 */
import { BUCKETS, type Bucket } from "../loaders/contract/buckets.js";
import type { Insights, InstanceSummary } from "../loaders/contract/schema.js";

/** Bucket colours: the design tokens `--bucket-high`, `--bucket-medium` and `--bucket-low` (one ramp; Low recedes). */
export const BUCKET_COLORS: Readonly<Record<Bucket, string>> = {
  High: "var(--bucket-high)",
  Medium: "var(--bucket-medium)",
  Low: "var(--bucket-low)",
};

/** Plot's colour scale for buckets (fixed domain, so every chart uses the same colour for the same bucket). */
export function bucketColorScale(legend = true): {
  type: "ordinal";
  domain: Bucket[];
  range: string[];
  legend: boolean;
} {
  return { type: "ordinal", domain: [...BUCKETS], range: BUCKETS.map((b) => BUCKET_COLORS[b]), legend };
}

/** Colours of what a factor does to the likelihood of the outcome: the tokens `--direction-raises` and `--direction-lowers`. */
export const DIRECTION_COLORS = {
  raises: "var(--direction-raises)",
  lowers: "var(--direction-lowers)",
} as const;

/** Plot's colour scale for factor directions. */
export function directionColorScale(legend = true): {
  type: "ordinal";
  domain: string[];
  range: string[];
  legend: boolean;
} {
  return {
    type: "ordinal",
    domain: ["raises", "lowers"],
    range: [DIRECTION_COLORS.raises, DIRECTION_COLORS.lowers],
    legend,
  };
}

/** The direction of a contribution in words. */
export function directionOf(contribution: number): "raises" | "lowers" {
  return contribution >= 0 ? "raises" : "lowers";
}

/** A neutral mark colour (reference lines, random baselines): the token `--chart-muted`. */
export const MUTED = "var(--chart-muted)";
/** The main series colour when a chart has one series: the token `--color-accent`. */
export const ACCENT = "var(--color-accent)";

/** Options every chart function takes. */
export interface ChartOptions {
  /** Width in pixels (Framework's reactive `width`). */
  width: number;
  /** Height in pixels (each chart has its own default). */
  height?: number;
}

/** The label of the feature with this code, or a stand-in naming the code. */
export function featureLabel(summary: Pick<InstanceSummary, "features">, code: number): string {
  return summary.features[code]?.label ?? `Feature ${code}`;
}

/** Insight of one bucket for one feature, or undefined when it is not among the bucket's top factors. */
export function bucketFactor(
  insights: Insights,
  bucket: Bucket,
  feature: number,
): Insights["buckets"][number]["factors"][number] | undefined {
  return insights.buckets.find((b) => b.bucket === bucket)?.factors.find((f) => f.feature === feature);
}

/** Buckets whose top factors do not include the feature (for saying what a chart leaves out). */
export function bucketsWithout(insights: Insights, feature: number): Bucket[] {
  return BUCKETS.filter((b) => insights.buckets.some((x) => x.bucket === b) && !bucketFactor(insights, b, feature));
}

/**
 * The bucket of each score 0..100 under the instance's bucket rule. A rule on the percentile is applied through
 * the score histogram: a score gets the bucket of the percentile of its highest-ranked person.
 */
export function bucketOfScores(summary: Pick<InstanceSummary, "buckets" | "scoreHistogram">): Bucket[] {
  const { rule } = summary.buckets;
  const histogram = summary.scoreHistogram;
  const total = histogram.reduce((a, b) => a + b, 0);
  let below = 0;
  return histogram.map((people, score) => {
    below += people;
    const value = rule.on === "score" ? score : total > 0 ? Math.max(1, Math.ceil((100 * below) / total)) : 0;
    return value >= rule.high ? "High" : value >= rule.medium ? "Medium" : "Low";
  });
}

/** Plot's text: 10px, one line per em. */
const PLOT_LINE_PX = 10;

/** Estimated width of a text in ems in Plot's sans-serif (narrow, wide and average letters, like Plot's own estimate). */
export function textEms(text: string): number {
  let ems = 0;
  for (const c of text) {
    if ("iljI.,:;!|'()[]".includes(c)) ems += 0.26;
    else if ("ftr -/".includes(c)) ems += 0.33;
    else if ("mwMW%".includes(c)) ems += 0.86;
    else if (c >= "A" && c <= "Z") ems += 0.68;
    else ems += 0.56;
  }
  return ems;
}

/** How many lines a label takes when wrapped at `lineWidth` ems on its spaces (as Plot's axis labels wrap). */
export function wrappedLines(label: string, lineWidth: number): number {
  let lines = 1;
  let line = 0;
  for (const word of label.split(/\s+/).filter((w) => w !== "")) {
    const ems = textEms(word);
    if (line > 0 && line + textEms(" ") + ems > lineWidth) {
      lines += 1;
      line = ems;
    } else {
      line += (line > 0 ? textEms(" ") : 0) + ems;
    }
  }
  return lines;
}

/**
 * Room for long labels on a y axis: a left margin that fits the longest label up to ~40% of the width, the line
 * width (in ems, Plot's unit) at which longer labels wrap, and `rowHeight(minimum)`, the height of a row that fits
 * the most-wrapped label (at least `minimum` pixels), so wrapped labels of neighbouring rows never overlap on a
 * narrow screen.
 */
export function labelMargin(
  labels: readonly string[],
  width: number,
): { marginLeft: number; lineWidth: number; rowHeight: (minimum: number) => number } {
  const longest = Math.max(8, ...labels.map((l) => l.length));
  const marginLeft = Math.round(Math.min(Math.max(120, width * 0.4), Math.max(60, longest * 5.8 + 14)));
  // Plot estimates text width in ems; leave some slack so long labels wrap rather than cross the edge.
  const lineWidth = (marginLeft - 20) / 11;
  const lines = Math.max(1, ...labels.map((l) => wrappedLines(l, lineWidth)));
  return { marginLeft, lineWidth, rowHeight: (minimum) => Math.max(minimum, lines * PLOT_LINE_PX + 8) };
}

/**
 * The ticks of an axis that keep at least `minGap` pixels between neighbours (greedy, from the first), for
 * hand-picked ticks on a log or square-root scale, whose labels bunch up where the scale squeezes values together
 * and on a narrow screen. `position` maps a value to pixels along the axis (any origin).
 */
export function spacedTicks(ticks: readonly number[], position: (value: number) => number, minGap: number): number[] {
  const kept: number[] = [];
  for (const tick of ticks) {
    const last = kept[kept.length - 1];
    if (last === undefined || Math.abs(position(tick) - position(last)) >= minGap) kept.push(tick);
  }
  return kept;
}

/**
 * An axis label if it fits in `px` pixels at Plot's 10px font, else null (the chart's title names what the axis
 * shows): a long label on a narrow chart would stick out of it. The estimate allows for fonts a tenth wider than
 * Plot's (DejaVu Sans, Linux's usual sans-serif).
 */
export function fittingLabel(label: string, px: number): string | null {
  return textEms(label) * PLOT_LINE_PX * 1.1 <= px ? label : null;
}

/** Smallest width charts draw at: a container may briefly report a width of zero while the page lays out. */
export const MIN_CHART_WIDTH = 240;

/** The width to draw at: the available width, but never less than MIN_CHART_WIDTH. */
export function chartWidth(available: number): number {
  return Math.max(MIN_CHART_WIDTH, Math.floor(Number.isFinite(available) ? available : MIN_CHART_WIDTH));
}
