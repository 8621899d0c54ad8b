/**
 * Overview charts of an instance: how the scores are distributed and how many people each bucket holds.
 * Inputs are the shapes of `instance.json` (loaders/pipeline/schema.ts).
 */
import * as Plot from "./plot.js";
import type { InstanceSummary } from "../loaders/pipeline/schema.js";
import { BUCKET_ORDER, bucketColorScale, bucketOfScores, chartWidth, type ChartOptions } from "./chart-style.js";
import { formatCount, formatPercent, formatProbability } from "./format.js";

/**
 * The score distribution: people per score 0..100 (`scoreHistogram`), each bar coloured by the bucket that score
 * falls in under the instance's bucket rule.
 */
export function scoreDistribution(summary: Pick<InstanceSummary, "scoreHistogram" | "buckets" | "scored">, { width: available, height = 260 }: ChartOptions): HTMLElement | SVGSVGElement {
  const width = chartWidth(available);
  const buckets = bucketOfScores(summary);
  const total = summary.scored || summary.scoreHistogram.reduce((a, b) => a + b, 0);
  const bars = summary.scoreHistogram.map((people, score) => ({ score, people, bucket: buckets[score]! }));
  return Plot.plot({
    title: "Score distribution",
    subtitle: "People per score (0 to 100), coloured by bucket",
    ariaLabel: "Score distribution",
    ariaDescription: `Number of people at each score from 0 to 100 among ${formatCount(total)} scored people.`,
    width,
    height,
    marginLeft: 56,
    x: { domain: [0, 101], label: "Score", ticks: [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100] },
    y: { grid: true, label: "People", tickFormat: "s" },
    color: bucketColorScale(),
    marks: [
      Plot.rectY(bars, {
        x1: "score",
        x2: (d: { score: number }) => d.score + 1,
        y: "people",
        fill: "bucket",
        inset: 0.5,
        title: (d: { score: number; people: number; bucket: string }) =>
          `Score ${d.score} (${d.bucket}): ${formatCount(d.people)} people, ${formatPercent(total ? d.people / total : NaN)}`,
        tip: true,
      }),
      Plot.ruleY([0]),
    ],
  });
}

/** People per bucket, with each bucket's share of the scored people and its mean probability. */
export function bucketCounts(counts: InstanceSummary["buckets"]["counts"], { width: available, height = 150 }: ChartOptions): HTMLElement | SVGSVGElement {
  const width = chartWidth(available);
  const total = counts.reduce((a, c) => a + c.people, 0);
  const rows = BUCKET_ORDER.map((bucket) => counts.find((c) => c.bucket === bucket) ?? { bucket, people: 0, meanProbability: NaN });
  const label = (d: (typeof rows)[number]) =>
    `${formatCount(d.people)} (${formatPercent(total ? d.people / total : NaN)}), mean probability ${formatProbability(d.meanProbability)}`;
  return Plot.plot({
    title: "People per bucket",
    ariaLabel: "People per bucket",
    ariaDescription: rows.map((d) => `${d.bucket}: ${label(d)}`).join("; "),
    width,
    height,
    marginLeft: 70,
    marginRight: 20,
    x: { grid: true, label: "People", tickFormat: "s", insetRight: Math.min(320, width / 2.5) },
    y: { domain: [...BUCKET_ORDER], label: null },
    color: bucketColorScale(false),
    marks: [
      Plot.barX(rows, { y: "bucket", x: "people", fill: "bucket", title: label, tip: true }),
      Plot.text(rows, { y: "bucket", x: "people", text: label, textAnchor: "start", dx: 6, fill: "currentColor", lineWidth: (Math.min(320, width / 2.5) + 6) / 11 }),
      Plot.ruleX([0]),
    ],
  });
}
