/**
 * Shared look of the site's charts: bucket and direction colours taken from the design tokens of src/style.css
 * (CSS variables with light and dark values, so both read well), and the chart options every chart function accepts.
 */
import type { Insights, InstanceSummary } from "../loaders/pipeline/schema.js";

/** A score bucket. */
export type Bucket = "High" | "Medium" | "Low";

/** Buckets from the highest scores to the lowest. */
export const BUCKET_ORDER: readonly Bucket[] = ["High", "Medium", "Low"];

/** Bucket colours: the design tokens `--bucket-high`, `--bucket-medium` and `--bucket-low` (one ramp; Low recedes). */
export const BUCKET_COLORS: Readonly<Record<Bucket, string>> = {
  High: "var(--bucket-high)",
  Medium: "var(--bucket-medium)",
  Low: "var(--bucket-low)",
};

/** Plot's colour scale for buckets (fixed domain, so every chart uses the same colour for the same bucket). */
export function bucketColorScale(legend = true): { type: "ordinal"; domain: Bucket[]; range: string[]; legend: boolean } {
  return { type: "ordinal", domain: [...BUCKET_ORDER], range: BUCKET_ORDER.map((b) => BUCKET_COLORS[b]), legend };
}

/** Colours of what a factor does to the likelihood of the outcome: the tokens `--direction-raises` and `--direction-lowers`. */
export const DIRECTION_COLORS = {
  raises: "var(--direction-raises)",
  lowers: "var(--direction-lowers)",
} as const;

/** Plot's colour scale for factor directions. */
export function directionColorScale(legend = true): { type: "ordinal"; domain: string[]; range: string[]; legend: boolean } {
  return { type: "ordinal", domain: ["raises", "lowers"], range: [DIRECTION_COLORS.raises, DIRECTION_COLORS.lowers], legend };
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
export function bucketFactor(insights: Insights, bucket: Bucket, feature: number): Insights["buckets"][number]["factors"][number] | undefined {
  return insights.buckets.find((b) => b.bucket === bucket)?.factors.find((f) => f.feature === feature);
}

/** Buckets whose top factors do not include the feature (for saying what a chart leaves out). */
export function bucketsWithout(insights: Insights, feature: number): Bucket[] {
  return BUCKET_ORDER.filter((b) => insights.buckets.some((x) => x.bucket === b) && !bucketFactor(insights, b, feature));
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

/**
 * Room for long labels on a y axis: a left margin that fits the longest label up to ~40% of the width, and the
 * line width (in ems, Plot's unit) at which longer labels wrap.
 */
export function labelMargin(labels: readonly string[], width: number): { marginLeft: number; lineWidth: number } {
  const longest = Math.max(8, ...labels.map((l) => l.length));
  const marginLeft = Math.round(Math.min(Math.max(120, width * 0.4), Math.max(60, longest * 5.8 + 14)));
  // Plot estimates text width in ems; leave some slack so long labels wrap rather than cross the edge.
  return { marginLeft, lineWidth: (marginLeft - 20) / 11 };
}

/** Smallest width charts draw at: a container may briefly report a width of zero while the page lays out. */
export const MIN_CHART_WIDTH = 240;

/** The width to draw at: the available width, but never less than MIN_CHART_WIDTH. */
export function chartWidth(available: number): number {
  return Math.max(MIN_CHART_WIDTH, Math.floor(Number.isFinite(available) ? available : MIN_CHART_WIDTH));
}
