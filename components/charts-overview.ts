/**
 * Overview charts of an instance: how the scores are distributed and how many people each bucket holds.
 * Inputs are the shapes of `instance.json` (loaders/contract/schema.ts).
 */
import * as Plot from "./plot.js";
import type { InstanceSummary } from "../loaders/contract/schema.js";
import { BUCKETS, type Bucket } from "../loaders/contract/buckets.js";
import { bucketColorScale, bucketOfScores, chartWidth, type ChartOptions } from "./chart-style.js";
import { formatCount, formatPercent, formatProbability } from "./format.js";

/** A bucket's stretch of the score scale: its scores, people, share and bars. */
interface BucketPanel {
  bucket: Bucket;
  from: number;
  to: number;
  people: number;
  bars: { score: number; people: number; bucket: Bucket }[];
}

/** The buckets as contiguous stretches of scores (a bucket is a range of scores under either rule), lowest first. */
export function bucketPanels(summary: Pick<InstanceSummary, "scoreHistogram" | "buckets">): BucketPanel[] {
  const buckets = bucketOfScores(summary);
  const bars = summary.scoreHistogram.map((people, score) => ({ score, people, bucket: buckets[score]! }));
  return [...BUCKETS].reverse().flatMap((bucket) => {
    const mine = bars.filter((b) => b.bucket === bucket);
    if (mine.length === 0) return [];
    return [
      {
        bucket,
        from: mine[0]!.score,
        to: mine[mine.length - 1]!.score,
        people: mine.reduce((t, b) => t + b.people, 0),
        bars: mine,
      },
    ];
  });
}

/**
 * The score distribution as one panel per bucket (Low, Medium, High from left to right), each with its own count
 * axis, so that the few people of the High and Medium buckets are as visible as the many of Low. Each panel is
 * titled with the bucket's people and share; side by side when there is room (widths follow the score ranges),
 * stacked on a phone.
 */
export function scoreDistribution(
  summary: Pick<InstanceSummary, "scoreHistogram" | "buckets" | "scored">,
  { width: available, height = 220 }: ChartOptions,
): HTMLElement {
  const width = chartWidth(available);
  const total = summary.scored || summary.scoreHistogram.reduce((a, b) => a + b, 0);
  const panels = bucketPanels(summary);
  const stacked = width < 560;
  const gap = 12;
  const span = panels.reduce((t, p) => t + p.to - p.from + 1, 0);
  const container = document.createElement("div");
  container.className = "score-panels";
  container.style.cssText = `display: flex; flex-wrap: ${stacked ? "wrap" : "nowrap"}; gap: ${gap}px; align-items: flex-end;`;
  for (const panel of panels) {
    const room = width - gap * (panels.length - 1);
    const own = stacked ? width : Math.max(150, Math.floor((room * (panel.to - panel.from + 1)) / span));
    container.append(bucketPanelChart(panel, total, own, height));
  }
  return container;
}

/** One bucket's panel of the score distribution. */
function bucketPanelChart(
  panel: BucketPanel,
  total: number,
  width: number,
  height: number,
): HTMLElement | SVGSVGElement {
  const share = formatPercent(total ? panel.people / total : NaN);
  const range = panel.from === panel.to ? `score ${panel.from}` : `scores ${panel.from} to ${panel.to}`;
  // Ticks at round scores (multiples of 1, 2, 5, 10, 20 or 25), about one per 45 pixels.
  const room = Math.max(2, Math.floor((width - 52) / 45));
  const step = [1, 2, 5, 10, 20, 25, 50].find((s) => (panel.to - panel.from + 1) / s <= room) ?? 50;
  const ticks = panel.bars.map((b) => b.score).filter((score) => score % step === 0);
  return Plot.plot({
    title: `${panel.bucket}: ${formatCount(panel.people)} people (${share})`,
    subtitle: `with ${range}`,
    ariaLabel: `Score distribution of the ${panel.bucket} bucket`,
    ariaDescription: `${formatCount(panel.people)} of ${formatCount(total)} scored people (${share}) have ${range}.`,
    width,
    height,
    marginLeft: 44,
    marginRight: 8,
    x: { domain: [panel.from, panel.to + 1], label: "Score", ticks, tickFormat: (s: number) => String(s) },
    y: { grid: true, label: "People", tickFormat: "s", nice: true },
    color: bucketColorScale(false),
    marks: [
      Plot.rectY(panel.bars, {
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
export function bucketCounts(
  counts: InstanceSummary["buckets"]["counts"],
  { width: available, height = 150 }: ChartOptions,
): HTMLElement | SVGSVGElement {
  const width = chartWidth(available);
  const total = counts.reduce((a, c) => a + c.people, 0);
  const rows = BUCKETS.map(
    (bucket) => counts.find((c) => c.bucket === bucket) ?? { bucket, people: 0, meanProbability: NaN },
  );
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
    y: { domain: [...BUCKETS], label: null },
    color: bucketColorScale(false),
    marks: [
      Plot.barX(rows, { y: "bucket", x: "people", fill: "bucket", title: label, tip: true }),
      Plot.text(rows, {
        y: "bucket",
        x: "people",
        text: label,
        textAnchor: "start",
        dx: 6,
        fill: "currentColor",
        lineWidth: (Math.min(320, width / 2.5) + 6) / 11,
      }),
      Plot.ruleX([0]),
    ],
  });
}
