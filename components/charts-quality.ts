/**
 * Model-quality charts from `evaluation.json` (loaders/contract/schema.ts): ROC, lift by decile, cumulative
 * gains, calibration, the comparison with the baselines and the backtest history per bucket.
 */
import * as Plot from "./plot.js";
import type { Evaluation, Metrics } from "../loaders/contract/schema.js";
import { BUCKETS } from "../loaders/contract/buckets.js";
import {
  ACCENT,
  MUTED,
  bucketColorScale,
  chartWidth,
  labelMargin,
  spacedTicks,
  type ChartOptions,
} from "./chart-style.js";
import { formatCount, formatDate, formatFixed, formatNumber, formatPercent, formatProbability } from "./format.js";

type Figure = HTMLElement | SVGSVGElement;

/** The frame of a square share-against-share chart (ROC, gains): both axes 0-100%, with the diagonal of a
 * random ranking as the first mark. */
function squareShares(available: number, height: number | undefined, x: string, y: string) {
  const size = Math.min(chartWidth(available), 420);
  return {
    width: size,
    height: height ?? size,
    marginLeft: 48,
    x: { domain: [0, 1], label: x, tickFormat: "%" },
    y: { domain: [0, 1], label: y, tickFormat: "%", grid: true },
    diagonal: Plot.line(
      [
        [0, 0],
        [1, 1],
      ],
      { stroke: MUTED, strokeDasharray: "4,4" },
    ),
  };
}

/** Colours of the baselines' curves beside the model's (mid-tone, readable on light and dark backgrounds). */
const BASELINE_COLORS = ["#e0892a", "#2f9e8f", "#a066c8"];

/**
 * The ROC curve of the out-of-time test with the diagonal of a random ranking, and the baselines' curves when
 * evaluation.json has them (recency, RFM, BG/NBD); the title gives the model's AUC and the legend every AUC.
 */
export function rocChart(
  evaluation: Pick<Evaluation, "roc" | "auc" | "baselines" | "intervals">,
  { width: available, height }: ChartOptions,
): Figure {
  const iv = evaluation.intervals?.auc;
  const others = evaluation.baselines.map((b) => `${baselineName(b)} ${formatFixed(b.auc)}`);
  const { diagonal, ...frame } = squareShares(available, height, "False positive rate", "True positive rate");
  const drawn = evaluation.baselines.filter((b) => b.roc?.length);
  const name = (label: string, auc: number) => `${label} (AUC ${formatFixed(auc)})`;
  const model = name("Model", evaluation.auc);
  const curves = drawn.flatMap((b) => b.roc!.map((p) => ({ ...p, scorer: name(baselineName(b), b.auc) })));
  return Plot.plot({
    ...frame,
    title: `ROC curve: AUC ${formatFixed(evaluation.auc)}${iv ? ` (95% interval ${formatFixed(iv.low)} to ${formatFixed(iv.high)})` : ""}`,
    subtitle: drawn.length
      ? "The model against simple rules on the same test; the diagonal is a random choice (AUC 0.500)"
      : `Baselines: ${[...others, "random 0.500"].join(" · ")}`,
    ariaLabel: "ROC curve",
    ariaDescription: `True positive rate against false positive rate. Model AUC ${formatFixed(evaluation.auc)}; ${others.join("; ")}.`,
    color: {
      type: "ordinal",
      domain: [model, ...drawn.map((b) => name(baselineName(b), b.auc))],
      range: [ACCENT, ...BASELINE_COLORS],
      legend: true,
    },
    marks: [
      diagonal,
      // Linear between points: a rule with ties (recency) moves diagonally through each tied group.
      Plot.line(curves, { x: "fpr", y: "tpr", z: "scorer", stroke: "scorer", strokeWidth: 1.5 }),
      Plot.areaY(evaluation.roc, { x: "fpr", y: "tpr", fill: ACCENT, fillOpacity: 0.08, curve: "step-after" }),
      Plot.line(evaluation.roc, { x: "fpr", y: "tpr", stroke: () => model, strokeWidth: 2.5, curve: "step-after" }),
      Plot.tip(
        evaluation.roc,
        Plot.pointer({
          x: "fpr",
          y: "tpr",
          title: (d: Evaluation["roc"][number]) =>
            `Model: probability ≥ ${d.threshold === null || !Number.isFinite(d.threshold) ? "any" : formatProbability(d.threshold)}\nTrue positive rate ${formatPercent(d.tpr)}\nFalse positive rate ${formatPercent(d.fpr)}`,
        }),
      ),
    ],
  });
}

/** Outcome rate of each decile of people ranked by score, relative to the average (1 = average). */
export function liftChart(
  deciles: Evaluation["deciles"],
  { width: available, height = 260, interval }: ChartOptions & { interval?: { low: number; high: number } },
): Figure {
  const width = chartWidth(available);
  const top = deciles.find((d) => d.decile === 1);
  const range = interval ? ` (95% interval ${formatNumber(interval.low, 1)} to ${formatNumber(interval.high, 1)})` : "";
  return Plot.plot({
    title: `Lift by decile: the top 10% have ${formatNumber(top?.lift ?? NaN, 1)} times the average outcome rate${range}`,
    ariaLabel: "Lift by decile",
    ariaDescription: deciles.map((d) => `Decile ${d.decile}: lift ${formatNumber(d.lift, 2)}`).join("; "),
    width,
    height,
    marginLeft: 48,
    x: { label: "Decile of people by score (1 = highest 10%)", type: "band" },
    y: { grid: true, label: "Lift (outcome rate ÷ average rate)", insetTop: 14 },
    marks: [
      Plot.barY(deciles, {
        x: "decile",
        y: "lift",
        fill: ACCENT,
        title: (d: Evaluation["deciles"][number]) =>
          `Decile ${d.decile}: ${formatCount(d.positives)} of ${formatCount(d.count)} people (${formatPercent(d.rate)}), lift ${formatNumber(d.lift, 2)}`,
        tip: true,
      }),
      Plot.text(deciles, {
        x: "decile",
        y: "lift",
        text: (d: Evaluation["deciles"][number]) => formatNumber(d.lift, 1),
        dy: -8,
        fill: "currentColor",
      }),
      Plot.ruleY([1], { stroke: MUTED, strokeDasharray: "4,4" }),
      Plot.ruleY([0]),
    ],
  });
}

/**
 * Cumulative gains: the share of all positives found by targeting the top x% of people, against a random choice
 * (the diagonal) and, when the base rate is given, a perfect ranking.
 */
export function gainsChart(
  deciles: Evaluation["deciles"],
  { width: available, height, baseRate }: ChartOptions & { baseRate?: number },
): Figure {
  const { diagonal, ...frame } = squareShares(
    available,
    height,
    "Share of people targeted (by score)",
    "Share of positives found",
  );
  const points = [{ share: 0, gain: 0 }, ...deciles.map((d) => ({ share: d.decile / 10, gain: d.cumulativeGain }))];
  const perfect =
    baseRate && baseRate > 0
      ? [
          [0, 0],
          [Math.min(1, baseRate), 1],
          [1, 1],
        ]
      : [];
  const top = deciles.find((d) => d.decile === 1);
  return Plot.plot({
    ...frame,
    title: `Cumulative gains: the top 10% hold ${formatPercent(top?.cumulativeGain ?? NaN)} of the positives`,
    subtitle: perfect.length
      ? "Model, random choice (diagonal) and a perfect ranking (dotted)"
      : "Model and random choice (diagonal)",
    ariaLabel: "Cumulative gains",
    ariaDescription: points
      .map((p) => `top ${formatPercent(p.share)}: ${formatPercent(p.gain)} of positives`)
      .join("; "),
    marks: [
      diagonal,
      Plot.line(perfect, { stroke: MUTED, strokeDasharray: "1,3" }),
      Plot.line(points, { x: "share", y: "gain", stroke: ACCENT, strokeWidth: 2 }),
      Plot.dot(points, {
        x: "share",
        y: "gain",
        fill: ACCENT,
        r: 3,
        title: (p: { share: number; gain: number }) =>
          `Top ${formatPercent(p.share)} of people: ${formatPercent(p.gain)} of positives`,
        tip: true,
      }),
    ],
  });
}

/** A 95% Wilson interval for an observed rate of `k` in `n`. */
export function wilson(k: number, n: number, z = 1.96): [number, number] {
  if (n <= 0) return [0, 1];
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** A calibration bin as the chart draws it. */
type CalibrationBin = { count: number; predicted: number; observed: number; low?: number; high?: number };

/**
 * Calibration: mean predicted probability against the observed outcome rate per bin (with its 95% interval) and
 * the diagonal, on square-root axes so that the many low probabilities spread out and the few high ones (where the
 * High bucket is) are checked too. Give it `calibrationDetail` (bins finer towards the top) when the run has it.
 */
export function calibrationChart(bins: readonly CalibrationBin[], { width: available, height }: ChartOptions): Figure {
  const width = chartWidth(available);
  const size = Math.min(width, 440);
  const rows = bins.map((b) => {
    const [lo, hi] = wilson(Math.round(b.observed * b.count), b.count);
    return { ...b, lo, hi };
  });
  const max = Math.min(1, 1.05 * Math.max(0.01, ...rows.flatMap((b) => [b.predicted, b.hi])));
  const ticks = spacedTicks(
    [0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1].filter((t) => t <= max),
    (t) => Math.sqrt(t / max) * (size - 68),
    28,
  );
  // Both axes: square root, from 0 to the highest probability or rate, the same ticks.
  const axis = (label: string) => ({
    type: "sqrt" as const,
    domain: [0, max],
    label,
    ticks,
    tickFormat: (t: number) => formatPercent(t, 0),
  });
  const range = (b: CalibrationBin) =>
    b.low !== undefined && b.high !== undefined
      ? `Probabilities ${formatProbability(b.low)} to ${formatProbability(b.high)}\n`
      : "";
  return Plot.plot({
    title: "Calibration: predicted against what happened",
    subtitle:
      "Each dot is a group of people with similar probabilities, its line the 95% interval; on the diagonal, predictions come true as often as they say",
    ariaLabel: "Calibration",
    ariaDescription: rows
      .map(
        (b) =>
          `predicted ${formatPercent(b.predicted)}, observed ${formatPercent(b.observed)}, ${formatCount(b.count)} people`,
      )
      .join("; "),
    width: size,
    height: height ?? size,
    marginLeft: 48,
    x: axis("Mean predicted probability"),
    y: { ...axis("Observed outcome rate"), grid: true },
    marks: [
      Plot.line(
        [
          [0, 0],
          [max, max],
        ],
        { stroke: MUTED, strokeDasharray: "4,4" },
      ),
      Plot.ruleX(rows, { x: "predicted", y1: "lo", y2: "hi", stroke: ACCENT, strokeOpacity: 0.6 }),
      Plot.line(rows, { x: "predicted", y: "observed", stroke: ACCENT, strokeOpacity: 0.5 }),
      Plot.dot(rows, {
        x: "predicted",
        y: "observed",
        fill: ACCENT,
        r: 4,
        title: (b: (typeof rows)[number]) =>
          `${range(b)}${formatCount(b.count)} people\nPredicted ${formatPercent(b.predicted)}\nHappened ${formatPercent(b.observed)} (95% interval ${formatPercent(b.lo)} to ${formatPercent(b.hi)})`,
        tip: true,
      }),
    ],
  });
}

/** A baseline's short name for charts ("Recency", "RFM"); tables use its full label. */
export function baselineName(baseline: { name: string; label: string }): string {
  return baseline.name === "rfm"
    ? "RFM"
    : baseline.name === "recency"
      ? "Recency"
      : baseline.name === "bgnbd"
        ? "BG/NBD"
        : baseline.label;
}

/** The scorers of a comparison: the model first, then the baselines (`scorer` is the full label, `short` the chart name). */
export function scorers(
  evaluation: Pick<Evaluation, keyof Metrics | "baselines">,
): ({ scorer: string; short: string; model: boolean } & Metrics)[] {
  const pick = (m: Metrics): Metrics => ({
    auc: m.auc,
    prAuc: m.prAuc,
    logLoss: m.logLoss,
    brier: m.brier,
    ece: m.ece,
    topDecileLift: m.topDecileLift,
  });
  return [
    { scorer: "Model", short: "Model", model: true, ...pick(evaluation) },
    ...evaluation.baselines.map((b) => ({ scorer: b.label, short: baselineName(b), model: false, ...pick(b) })),
  ];
}

const COMPARED: { key: "auc" | "prAuc" | "logLoss"; title: string; better: string }[] = [
  { key: "auc", title: "AUC", better: "higher is better" },
  { key: "prAuc", title: "PR-AUC", better: "higher is better" },
  { key: "logLoss", title: "Log-loss", better: "lower is better" },
];

/**
 * The model against the baselines (recency, RFM, BG/NBD) on the same out-of-time test: one small bar chart each for AUC,
 * PR-AUC and log-loss, side by side.
 */
export function baselineChart(
  evaluation: Pick<Evaluation, keyof Metrics | "baselines" | "intervals">,
  { width: available, height = 150 }: ChartOptions,
): HTMLElement {
  const width = chartWidth(available);
  const rows = scorers(evaluation);
  const each = Math.max(240, Math.floor((width - 32) / 3));
  const { marginLeft, lineWidth } = labelMargin(
    rows.map((r) => r.short),
    each,
  );
  const container = document.createElement("div");
  container.className = "baseline-charts";
  container.style.display = "flex";
  container.style.flexWrap = "wrap";
  container.style.gap = "16px";
  for (const { key, title, better } of COMPARED) {
    // The model's 95% interval (AUC and PR-AUC have one), drawn across the end of its bar; its label after it.
    const interval = key === "logLoss" ? undefined : evaluation.intervals?.[key];
    const end = (r: (typeof rows)[number]) => (r.model && interval ? Math.max(r[key], interval.high) : r[key]);
    container.append(
      Plot.plot({
        title,
        subtitle: better,
        ariaLabel: `${title} of the model and the baselines`,
        ariaDescription: rows
          .map(
            (r) =>
              `${r.scorer}: ${formatFixed(r[key])}${r.model && interval ? ` (95% interval ${formatFixed(interval.low)} to ${formatFixed(interval.high)})` : ""}`,
          )
          .join("; "),
        width: each,
        height,
        marginLeft,
        marginRight: 44,
        x: { grid: true, label: null, ticks: 4 },
        y: { domain: rows.map((r) => r.short), label: null, axis: null },
        marks: [
          Plot.axisY({ lineWidth, tickSize: 0 }),
          Plot.barX(rows, {
            y: "short",
            x: key,
            fill: (r: { model: boolean }) => (r.model ? ACCENT : MUTED),
            tip: true,
            title: (r: (typeof rows)[number]) => `${r.scorer}: ${formatFixed(r[key])}`,
          }),
          interval
            ? Plot.ruleY(
                rows.filter((r) => r.model),
                { y: "short", x1: () => interval.low, x2: () => interval.high, stroke: "currentColor", strokeWidth: 2 },
              )
            : null,
          Plot.text(rows, {
            y: "short",
            x: end,
            text: (r: (typeof rows)[number]) => formatFixed(r[key]),
            textAnchor: "start",
            dx: 4,
            fill: "currentColor",
          }),
          Plot.ruleX([0]),
        ],
      }),
    );
  }
  return container;
}

/** The backtest's groups (a bucket at a cutoff) with the 95% interval of their actual rate, oldest first. */
export function backtestRows(
  backtest: Evaluation["backtest"],
): (Evaluation["backtest"][number] & { lo: number; hi: number })[] {
  return [...backtest]
    .sort((a, b) => a.cutoff.localeCompare(b.cutoff) || BUCKETS.indexOf(a.bucket) - BUCKETS.indexOf(b.bucket))
    .map((r) => {
      const [lo, hi] = wilson(Math.round(r.actual * r.people), r.people);
      return { ...r, lo, hi };
    });
}

/**
 * The backtest history: for each past cutoff, the outcome rate each bucket actually had (dots, with the 95%
 * interval that its number of people allows, and the people in the tip) and what the model predicted for it
 * (dashed).
 */
export function backtestChart(
  backtest: Evaluation["backtest"],
  { width: available, height = 300 }: ChartOptions,
): Figure {
  const width = chartWidth(available);
  const rows = backtestRows(backtest).filter((r) => r.people > 0);
  return Plot.plot({
    title: "Backtest: actual outcome rate per bucket at past cutoffs",
    subtitle:
      "Dots: what happened, with the 95% interval its group size allows; dashed: the mean predicted probability",
    ariaLabel: "Backtest history per bucket",
    ariaDescription: rows
      .map(
        (r) =>
          `${r.cutoff} ${r.bucket} (${formatCount(r.people)} people): actual ${formatPercent(r.actual)}, predicted ${formatPercent(r.predicted)}`,
      )
      .join("; "),
    width,
    height,
    marginLeft: 52,
    x: { label: "Cutoff", type: "point", inset: 30, tickFormat: formatDate },
    y: {
      grid: true,
      label: "Outcome rate",
      tickFormat: "%",
      domain: [0, Math.max(0.01, ...rows.flatMap((r) => [r.hi, r.predicted]))],
    },
    color: bucketColorScale(),
    marks: [
      Plot.line(rows, { x: "cutoff", y: "predicted", stroke: "bucket", strokeDasharray: "4,4", strokeOpacity: 0.8 }),
      Plot.ruleX(rows, { x: "cutoff", y1: "lo", y2: "hi", stroke: "bucket", strokeWidth: 2, strokeOpacity: 0.5 }),
      Plot.line(rows, { x: "cutoff", y: "actual", stroke: "bucket", strokeWidth: 2 }),
      Plot.dot(rows, {
        x: "cutoff",
        y: "actual",
        fill: "bucket",
        r: 4,
        title: (r: (typeof rows)[number]) =>
          `${formatDate(r.cutoff)}, ${r.bucket}: ${formatCount(r.people)} people\nActual ${formatPercent(r.actual)} (95% interval ${formatPercent(r.lo)} to ${formatPercent(r.hi)})\nPredicted ${formatPercent(r.predicted)}`,
        tip: true,
      }),
    ],
  });
}
