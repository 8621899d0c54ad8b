/**
 * Charts of the scores over time (`history.json` and `score-history.parquet`, see loaders/contract/schema.ts): the
 * people per bucket and the expected outcomes run after run, the stability index of the scores and features,
 * predicted against actual outcome rates of past runs, and one person's score over the runs.
 */
import * as Plot from "./plot.js";
import type { InstanceHistory, InstanceSummary, RealisedOutcome } from "../loaders/contract/schema.js";
import { BUCKETS, type Bucket } from "../loaders/contract/buckets.js";
import {
  MUTED,
  ACCENT,
  bucketColorScale,
  BUCKET_COLORS,
  chartWidth,
  labelMargin,
  type ChartOptions,
} from "./chart-style.js";
import { formatCount, formatDate, formatFixed, formatNumber, formatPercent, formatQuantity } from "./format.js";
import {
  type DriftRow,
  LEVEL_COLORS,
  LEVEL_WORDS,
  PSI_ACT,
  PSI_WATCH,
  type PersonRun,
  expectedLabel,
  outcomeBucketRows,
} from "./history.js";

type Figure = HTMLElement | SVGSVGElement;
type Run = InstanceHistory["runs"][number];

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** A short day for axes: "1 Sep" (the year when the runs span more than one). */
function shortDate(date: Date, withYear: boolean): string {
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]}${withYear ? ` ${date.getUTCFullYear()}` : ""}`;
}

/** A time axis over run dates: the run dates themselves as ticks when there are few, else Plot's own. */
function runAxis(dates: readonly string[], width: number): Record<string, unknown> {
  const days = dates.map((d) => new Date(`${d}T00:00:00Z`));
  const years = new Set(days.map((d) => d.getUTCFullYear()));
  const few = days.length <= Math.max(2, Math.floor(width / 70));
  return {
    type: "utc",
    label: null,
    inset: 18,
    ...(few ? { ticks: days } : { ticks: Math.max(2, Math.floor(width / 80)) }),
    tickFormat: (d: Date) => shortDate(d, years.size > 1),
  };
}

/** A count for a small axis: 1500 → "1.5k", 2000000 → "2M", 80 → "80". */
export function compactCount(n: number): string {
  const size = Math.abs(n);
  if (size >= 1e6) return `${formatNumber(n / 1e6, 1)}M`;
  if (size >= 1e3) return `${formatNumber(n / 1e3, 1)}k`;
  return formatNumber(n, 1);
}

/** One small line chart of a series over the runs, with each run's value written at its dot. */
function seriesPanel(
  points: readonly { date: Date; asOf: string; value: number }[],
  options: {
    title: string;
    color: string;
    width: number;
    height: number;
    format: (v: number) => string;
    dates: string[];
  },
): Figure {
  const max = Math.max(1, ...points.map((p) => p.value));
  return Plot.plot({
    title: options.title,
    ariaLabel: options.title,
    ariaDescription: points.map((p) => `${formatDate(p.asOf)}: ${options.format(p.value)}`).join("; "),
    width: options.width,
    height: options.height,
    marginLeft: 44,
    marginRight: 16,
    marginTop: 22,
    x: runAxis(options.dates, options.width),
    y: { grid: true, label: null, domain: [0, max * 1.15], nice: true, tickFormat: compactCount, ticks: 4 },
    marks: [
      Plot.ruleY([0]),
      Plot.line(points, { x: "date", y: "value", stroke: options.color, strokeWidth: 2 }),
      Plot.dot(points, {
        x: "date",
        y: "value",
        fill: options.color,
        r: 4,
        title: (p: (typeof points)[number]) => `${formatDate(p.asOf)}: ${options.format(p.value)}`,
        tip: true,
      }),
      Plot.text(points, {
        x: "date",
        y: "value",
        text: (p: (typeof points)[number]) => options.format(p.value),
        dy: -11,
        fill: "currentColor",
        fontSize: 11,
      }),
    ],
  });
}

/** Panels side by side when there is room, two by two on a tablet, stacked on a phone. */
function panels(width: number, count: number, make: (panelWidth: number) => Figure[]): HTMLElement {
  const gap = 16;
  const columns = width >= 260 * count ? count : width >= 520 ? 2 : 1;
  const panelWidth = Math.floor((width - gap * (columns - 1)) / columns);
  const container = document.createElement("div");
  container.className = "history-panels";
  container.style.cssText = `display: grid; grid-template-columns: repeat(${columns}, ${panelWidth}px); gap: ${gap}px;`;
  container.append(...make(panelWidth));
  return container;
}

/**
 * The runs over time in small panels, each with its own scale so that the few people of High read as well as the
 * many of Low: people per bucket, and the outcomes the scores expected (the sum of the probabilities).
 */
export function bucketTrend(
  runs: readonly Run[],
  summary: Pick<InstanceSummary, "type" | "goalText" | "window">,
  { width: available, height }: ChartOptions,
): HTMLElement {
  const width = chartWidth(available);
  height ??= width < 520 ? 140 : 170;
  const dates = runs.map((r) => r.asOf);
  const at = (r: Run, value: number) => ({ date: new Date(`${r.asOf}T00:00:00Z`), asOf: r.asOf, value });
  const people = (bucket: Bucket) => runs.map((r) => at(r, r.buckets.find((b) => b.bucket === bucket)?.people ?? 0));
  return panels(width, 4, (w) => [
    ...BUCKETS.map((bucket) =>
      seriesPanel(people(bucket), {
        title: `${bucket} bucket: people`,
        color: BUCKET_COLORS[bucket],
        width: w,
        height,
        format: formatCount,
        dates,
      }),
    ),
    seriesPanel(
      runs.map((r) => at(r, r.expectedPositives)),
      { title: expectedLabel(summary), color: ACCENT, width: w, height, format: formatCount, dates },
    ),
  ]);
}

/** The overview's compact trend: the outcomes the scores expected, run after run. */
export function compactTrend(
  runs: readonly Run[],
  summary: Pick<InstanceSummary, "type" | "goalText" | "window">,
  { width: available, height = 120 }: ChartOptions,
): Figure {
  const width = Math.min(chartWidth(available), 640);
  const points = runs.map((r) => ({ date: new Date(`${r.asOf}T00:00:00Z`), asOf: r.asOf, value: r.expectedPositives }));
  return seriesPanel(points, {
    title: expectedLabel(summary),
    color: ACCENT,
    width,
    height,
    format: formatCount,
    dates: runs.map((r) => r.asOf),
  });
}

/**
 * The stability index of the scores and of each feature as bars on a square-root scale (so the small values of
 * stable features stay visible beside a large one), with the thresholds 0.1 and 0.25 as lines.
 */
export function driftChart(
  rows: readonly DriftRow[],
  { width: available, scoresLeftOut = false }: ChartOptions & { scoresLeftOut?: boolean },
): Figure {
  const width = chartWidth(available);
  const { marginLeft, lineWidth } = labelMargin(
    rows.map((r) => r.label),
    width,
  );
  const max = Math.max(PSI_ACT * 1.2, ...rows.map((r) => r.psi));
  const narrow = width < 560;
  const ticks = [0, ...(narrow ? [] : [0.01]), PSI_WATCH, PSI_ACT, ...(max > 1 ? [1] : [])];
  return Plot.plot({
    title: "Stability index since the previous run",
    subtitle: `${scoresLeftOut ? "The features (the scores are left out: the model changed). " : ""}Below ${formatNumber(PSI_WATCH)}: stable · ${formatNumber(PSI_WATCH)} to ${formatNumber(PSI_ACT)}: worth watching · ${formatNumber(PSI_ACT)} or more: retrain`,
    ariaLabel: "Stability index of the scores and features",
    ariaDescription: rows.map((r) => `${r.label}: ${formatFixed(r.psi)} (${LEVEL_WORDS[r.level]})`).join("; "),
    width,
    height: 34 + rows.length * (narrow ? 44 : 26) + 40,
    marginLeft,
    marginRight: 56,
    x: {
      type: "sqrt",
      domain: [0, max],
      label: "Stability index (square-root scale)",
      grid: true,
      ticks,
      tickFormat: (v: number) => formatNumber(v, 2),
    },
    y: { domain: rows.map((r) => r.label), label: null },
    color: {
      type: "ordinal",
      domain: ["stable", "watch", "act"],
      range: [LEVEL_COLORS.stable, LEVEL_COLORS.watch, LEVEL_COLORS.act],
      legend: false,
    },
    marks: [
      Plot.barX(rows, {
        y: "label",
        x: "psi",
        fill: "level",
        title: (r: DriftRow) => `${r.label}: ${formatFixed(r.psi)}, ${LEVEL_WORDS[r.level].toLowerCase()}`,
        tip: true,
      }),
      Plot.text(rows, {
        y: "label",
        x: "psi",
        text: (r: DriftRow) => formatFixed(r.psi),
        dx: 4,
        textAnchor: "start",
        fill: "currentColor",
        fontSize: 11,
      }),
      Plot.ruleX([PSI_WATCH, PSI_ACT], { stroke: MUTED, strokeDasharray: "4,3" }),
      Plot.ruleX([0]),
      Plot.axisY({ lineWidth, tickSize: 0 }),
    ],
  });
}

/**
 * Predicted against actual outcome rates per bucket for each past run whose window has closed: a ring for what
 * the scores said, a dot for what happened, joined by a line; one panel per run, newest first.
 */
export function outcomeBucketsChart(outcomes: readonly RealisedOutcome[], { width: available }: ChartOptions): Figure {
  const width = chartWidth(available);
  const rows = outcomeBucketRows(outcomes).map((r) => ({ ...r, run: `Scored ${formatDate(r.asOf)}` }));
  const runs = [...new Set(rows.map((r) => r.run))].reverse();
  const max = Math.min(1, Math.max(0.05, ...rows.flatMap((r) => [r.predicted, r.actual])) * 1.1);
  const tip = (r: (typeof rows)[number]) =>
    `${r.run}, ${r.bucket}: ${formatCount(r.people)} people\nPredicted ${formatPercent(r.predicted)}\nActual ${formatPercent(r.actual)}`;
  return Plot.plot({
    title: "Predicted and actual outcome rate per bucket",
    subtitle: "Ring: the mean probability the scores gave · dot: the share who then had the outcome",
    ariaLabel: "Predicted and actual outcome rate per bucket of past runs",
    ariaDescription: rows
      .map(
        (r) =>
          `${r.run}, ${r.bucket} (${formatCount(r.people)} people): predicted ${formatPercent(r.predicted)}, actual ${formatPercent(r.actual)}`,
      )
      .join("; "),
    width,
    height: 50 + runs.length * (BUCKETS.length * 24 + 40),
    marginLeft: 70,
    marginRight: 96,
    x: { domain: [0, max], label: "Outcome rate", tickFormat: "%", grid: true, ticks: width < 560 ? 4 : 10 },
    y: { domain: [...BUCKETS], label: null, insetTop: 22 },
    fy: { domain: runs, axis: null, padding: 0.12 },
    color: bucketColorScale(false),
    marks: [
      Plot.text(runs, {
        fy: (d: string) => d,
        text: (d: string) => d,
        frameAnchor: "top-left",
        dx: -62,
        dy: 4,
        fontWeight: "bold",
        fill: "currentColor",
      }),
      Plot.link(rows, {
        fy: "run",
        y1: "bucket",
        y2: "bucket",
        x1: "predicted",
        x2: "actual",
        stroke: "bucket",
        strokeWidth: 2,
        strokeOpacity: 0.6,
      }),
      Plot.dot(rows, { fy: "run", y: "bucket", x: "predicted", stroke: "bucket", r: 6, strokeWidth: 2 }),
      Plot.dot(rows, { fy: "run", y: "bucket", x: "actual", fill: "bucket", r: 4, title: tip, tip: true }),
      Plot.text(rows, {
        fy: "run",
        y: "bucket",
        frameAnchor: "right",
        textAnchor: "start",
        dx: 10,
        text: (r: (typeof rows)[number]) => formatQuantity(r.people, "person", "people"),
        fill: "currentColor",
      }),
    ],
  });
}

/** Predicted against actual outcome rate per tenth of the people of one past run, highest probabilities first. */
export function outcomeDecilesChart(
  outcome: RealisedOutcome,
  { width: available, height = 240 }: ChartOptions,
): Figure {
  const width = chartWidth(available);
  const rows = outcome.deciles.flatMap((d) => [
    { decile: d.decile, kind: "Predicted", rate: d.predicted, people: d.people },
    { decile: d.decile, kind: "Actual", rate: d.actual, people: d.people },
  ]);
  return Plot.plot({
    title: `People scored ${formatDate(outcome.asOf)}, by tenth: predicted and actual`,
    ariaLabel: `Predicted and actual outcome rate per tenth of the people scored ${formatDate(outcome.asOf)}`,
    ariaDescription: outcome.deciles
      .map((d) => `Tenth ${d.decile}: predicted ${formatPercent(d.predicted)}, actual ${formatPercent(d.actual)}`)
      .join("; "),
    width,
    height,
    marginLeft: 48,
    x: { axis: null, domain: ["Predicted", "Actual"], paddingInner: 0.1 },
    fx: {
      label: "Tenth of the people by probability (1 = highest)",
      domain: outcome.deciles.map((d) => d.decile),
      padding: 0.2,
    },
    y: { grid: true, label: "Outcome rate", tickFormat: "%" },
    color: { type: "ordinal", domain: ["Predicted", "Actual"], range: [MUTED, ACCENT], legend: true },
    marks: [
      Plot.barY(rows, {
        fx: "decile",
        x: "kind",
        y: "rate",
        fill: "kind",
        title: (r: (typeof rows)[number]) =>
          `Tenth ${r.decile} (${formatCount(r.people)} people): ${r.kind.toLowerCase()} ${formatPercent(r.rate)}`,
        tip: true,
      }),
      Plot.ruleY([0]),
    ],
  });
}

/** One person's score in each run that scored them, coloured by bucket, with the instance's score thresholds. */
export function personScoreChart(
  runs: readonly PersonRun[],
  summary: Pick<InstanceSummary, "buckets">,
  { width: available, height = 200 }: ChartOptions,
): Figure {
  const width = Math.min(chartWidth(available), 720);
  const points = runs.map((r) => ({ ...r, date: new Date(`${r.asOf}T00:00:00Z`) }));
  const rule = summary.buckets.rule;
  const thresholds = rule.on === "score" ? [rule.medium, rule.high] : [];
  return Plot.plot({
    title: "Score in each run",
    subtitle: thresholds.length
      ? `Dashed lines: the bucket thresholds (Medium from ${rule.medium}, High from ${rule.high})`
      : undefined,
    ariaLabel: "The person's score in each run",
    ariaDescription: runs.map((r) => `${formatDate(r.asOf)}: score ${r.score} (${r.bucket})`).join("; "),
    width,
    height,
    marginLeft: 40,
    marginRight: 20,
    marginTop: 24,
    x: runAxis(
      runs.map((r) => r.asOf),
      width,
    ),
    y: { domain: [0, 100], grid: true, label: "Score", ticks: [0, 25, 50, 75, 100] },
    color: bucketColorScale(false),
    marks: [
      Plot.ruleY(thresholds, { stroke: MUTED, strokeDasharray: "4,3" }),
      Plot.line(points, { x: "date", y: "score", stroke: MUTED, strokeWidth: 1.5 }),
      Plot.dot(points, {
        x: "date",
        y: "score",
        fill: "bucket",
        r: 5,
        title: (p: PersonRun) => `${formatDate(p.asOf)}: score ${p.score} (${p.bucket})`,
        tip: true,
      }),
      Plot.text(points, {
        x: "date",
        y: "score",
        text: (p: PersonRun) => String(p.score),
        dy: -12,
        fill: "currentColor",
        fontSize: 11,
      }),
    ],
  });
}
