/**
 * Influential-factor charts from `insights.json` (loaders/contract/schema.ts): global importance, the top factors
 * of each bucket, and for one factor its distribution and coverage per bucket, how likely people are per value
 * range, and value against contribution over a sample of people. Feature codes are looked up in the instance's
 * feature catalogue (`InstanceSummary.features`). Effects are drawn as changes in probability (percentage points,
 * from the log-odds at the group's mean probability; log-odds in the tips), coloured by what they mean for the goal
 * (see effects.ts), and categories in their natural order (`FeatureInfo.order`).
 */
import * as Plot from "./plot.js";
import type { FeatureInfo, Insights } from "../loaders/contract/schema.js";
import { BUCKETS, type Bucket } from "../loaders/contract/buckets.js";
import {
  ACCENT,
  MUTED,
  bucketColorScale,
  bucketFactor,
  chartWidth,
  fittingLabel,
  labelMargin,
  spacedTicks,
  type ChartOptions,
} from "./chart-style.js";
import { type EffectContext, effectColorScale, effectWords, formatPoints, goalNoun, pointsOf } from "./effects.js";
import {
  featureAxisLabel,
  featureTickFormat,
  formatContribution,
  formatCount,
  formatFeatureValue,
  formatPercent,
  formatProbability,
  formatRatio,
} from "./format.js";

type Figure = HTMLElement | SVGSVGElement;
type BucketInsight = Insights["buckets"][number];
type FactorInsight = BucketInsight["factors"][number];

function labelOf(features: readonly FeatureInfo[], code: number): string {
  return features[code]?.label ?? `Feature ${code}`;
}

/** A stand-in catalogue entry for a feature code the catalogue lacks. */
function infoOf(features: readonly FeatureInfo[], code: number): FeatureInfo {
  return (
    features[code] ?? { name: `feature_${code}`, label: `Feature ${code}`, kind: "numeric", unit: null, group: "" }
  );
}

/** A bucket's typical value of a factor in words: the median (numeric) or the most common category. */
export function typicalValue(
  feature: FeatureInfo,
  distribution: FactorInsight["distribution"],
  currency?: string | null,
): string {
  if (distribution.categories?.length) {
    const top = [...distribution.categories].sort((a, b) => b.share - a.share)[0]!;
    return `${top.category} (${formatPercent(top.share)})`;
  }
  const median = distribution.quantiles?.[2];
  if (median === undefined || median === null || Number.isNaN(median)) return formatFeatureValue(feature, null);
  return `${formatFeatureValue(feature, median, currency)} (median)`;
}

/** A categorical feature's category codes in their natural order (`order`, else code order). */
export function categoryCodes(feature: FeatureInfo): number[] {
  const all = (feature.categories ?? []).map((_, i) => i);
  return feature.order?.length ? [...feature.order, ...all.filter((c) => !feature.order!.includes(c))] : all;
}

/** Category names in their natural order (then "missing" when asked). */
export function categoryNames(feature: FeatureInfo): string[] {
  return categoryCodes(feature).map((c) => feature.categories![c]!);
}

/**
 * Global importance: how much each factor moves the probability of a typical person (the mean size of its
 * contribution, whichever its direction, in percentage points at the mean probability), most important first.
 */
export function importanceChart(
  global: Insights["global"],
  features: readonly FeatureInfo[],
  { width: available, height, effects }: ChartOptions & { effects: EffectContext },
): Figure {
  const width = chartWidth(available);
  const rows = global.map((g) => ({
    ...g,
    label: labelOf(features, g.feature),
    points: 100 * pointsOf(g.importance, effects.probability),
  }));
  const { marginLeft, lineWidth, rowHeight } = labelMargin(
    rows.map((r) => r.label),
    width,
  );
  return Plot.plot({
    title: "What moves the scores most",
    subtitle: `How many percentage points each factor moves a typical person's ${goalNoun(effects.type)}, up or down (the average over everyone scored)`,
    ariaLabel: "Global importance of the factors",
    ariaDescription: rows.map((r) => `${r.label}: ${formatPoints(r.points / 100).replace("+", "")}`).join("; "),
    width,
    height: height ?? 40 + rowHeight(22) * rows.length,
    marginLeft,
    marginRight: 70,
    x: { grid: true, label: "Percentage points (either way)" },
    y: { domain: rows.map((r) => r.label), label: null, axis: null },
    marks: [
      Plot.axisY({ lineWidth, tickSize: 0 }),
      Plot.barX(rows, {
        y: "label",
        x: "points",
        fill: ACCENT,
        title: (r: (typeof rows)[number]) =>
          `${r.label}\nMoves a typical person by about ${formatPoints(r.points / 100).replace("+", "")}\nMean |contribution| ${r.importance.toFixed(3)} log-odds`,
        tip: true,
      }),
      Plot.text(rows, {
        y: "label",
        x: "points",
        text: (r: (typeof rows)[number]) => formatPoints(r.points / 100).replace("+", ""),
        textAnchor: "start",
        dx: 4,
        fill: "currentColor",
      }),
      Plot.ruleX([0]),
    ],
  });
}

/**
 * The contents of a bucket's factor card: its top factors (as `insights.json` ranks them) as bars of the change
 * in probability they usually make for the bucket's people (percentage points at the bucket's mean probability;
 * coloured good or bad for the goal), with the typical value, the log-odds and the coverage (share of the bucket's
 * people who have the factor among their own top factors) in each tip.
 */
export function bucketFactorChart(
  bucket: BucketInsight,
  features: readonly FeatureInfo[],
  { width: available, height, effects }: ChartOptions & { effects: EffectContext },
): Figure {
  const width = chartWidth(available);
  const p = effects.buckets[bucket.bucket] ?? effects.probability;
  const rows = bucket.factors.map((f) => ({
    ...f,
    label: labelOf(features, f.feature),
    typical: typicalValue(infoOf(features, f.feature), f.distribution, effects.currency),
    effect: effectWords(f.meanContribution, effects.type),
    points: 100 * pointsOf(f.meanContribution, p),
  }));
  const { marginLeft, lineWidth, rowHeight } = labelMargin(
    rows.map((r) => r.label),
    width,
  );
  return Plot.plot({
    title: `${bucket.bucket}: ${formatCount(bucket.people)} people`,
    subtitle: `What the bucket's most influential factors usually do to its people's ${goalNoun(effects.type)} (percentage points)`,
    ariaLabel: `Top factors of the ${bucket.bucket} bucket`,
    ariaDescription: rows
      .map(
        (r) =>
          `${r.label}: ${r.effect} by ${formatPoints(r.points / 100)}, typical value ${r.typical}, coverage ${formatPercent(r.coverage)}`,
      )
      .join("; "),
    width,
    height: height ?? 70 + rowHeight(26) * rows.length,
    marginLeft,
    marginRight: 16,
    x: {
      grid: true,
      label: "Change in probability (percentage points)",
      nice: true,
      tickFormat: (x: number) => (x > 0 ? `+${x}` : x < 0 ? `−${-x}` : "0"),
    },
    y: { domain: rows.map((r) => r.label), label: null, axis: null },
    color: effectColorScale(effects.type, true),
    marks: [
      Plot.axisY({ lineWidth, tickSize: 0 }),
      Plot.barX(rows, {
        y: "label",
        x: "points",
        fill: "effect",
        title: (r: (typeof rows)[number]) =>
          `${r.label}\nUsually ${r.effect} by about ${formatPoints(r.points / 100)}\nTypical value: ${r.typical}\nAmong the top factors of ${formatPercent(r.coverage)} of the bucket\nMean contribution ${formatContribution(r.meanContribution)} log-odds`,
        tip: true,
      }),
      Plot.ruleX([0]),
    ],
  });
}

/**
 * A factor's distribution per bucket. Numeric: a box per bucket (25th to 75th percentile, a tick at the median,
 * a line from the 10th to the 90th); categorical: each bucket's share of people per category. Missing values
 * are shown as their own share. Buckets where the factor is not among the top factors have no distribution in
 * `insights.json`; the caption names them.
 */
export function factorDistribution(
  insights: Pick<Insights, "buckets">,
  feature: FeatureInfo,
  code: number,
  { width: available, height }: ChartOptions,
): Figure {
  const width = chartWidth(available);
  const present = BUCKETS.map((bucket) => ({
    bucket,
    factor: bucketFactor(insights as Insights, bucket, code),
  })).filter((x): x is { bucket: Bucket; factor: FactorInsight } => x.factor !== undefined);
  const absent = BUCKETS.filter(
    (b) => insights.buckets.some((x) => x.bucket === b) && !present.some((p) => p.bucket === b),
  );
  const caption = absent.length
    ? `Not among the top factors of ${absent.join(" and ")}: no distribution for ${absent.length > 1 ? "those buckets" : "that bucket"}.`
    : undefined;
  const common = {
    title: `${feature.label}: distribution per bucket`,
    caption,
    ariaLabel: `Distribution of ${feature.label} per bucket`,
    width,
    height: height ?? 70 + 46 * Math.max(1, present.length),
    marginLeft: 70,
  };
  if (feature.kind === "categorical") return categoricalDistribution(present, feature, common);
  return numericDistribution(present, feature, common);
}

/** The buckets whose top factors include the factor, with the factor's insight there. */
type PresentBuckets = { bucket: Bucket; factor: FactorInsight }[];

/** What the distribution charts share: titles, size and the left margin. */
type DistributionCommon = {
  title: string;
  caption: string | undefined;
  ariaLabel: string;
  width: number;
  height: number;
  marginLeft: number;
};

/** A categorical factor's distribution: each bucket's share of people per category (missing as its own). */
function categoricalDistribution(present: PresentBuckets, feature: FeatureInfo, common: DistributionCommon): Figure {
  const order = categoryNames(feature);
  const rank = (category: string) =>
    category === "missing" ? order.length : order.indexOf(category) < 0 ? order.length - 0.5 : order.indexOf(category);
  const rows = present
    .flatMap(({ bucket, factor }) => [
      ...(factor.distribution.categories ?? []).map((c) => ({ bucket, category: c.category, share: c.share })),
      ...(factor.distribution.missing > 0 ? [{ bucket, category: "missing", share: factor.distribution.missing }] : []),
    ])
    .sort((a, b) => rank(a.category) - rank(b.category));
  const domain = [
    ...new Set([...order.filter((c) => rows.some((r) => r.category === c)), ...rows.map((r) => r.category)]),
  ];
  return Plot.plot({
    ...common,
    subtitle: "Share of each bucket's people per value",
    ariaDescription: rows.map((r) => `${r.bucket}, ${r.category}: ${formatPercent(r.share)}`).join("; "),
    marginRight: 20,
    x: { domain: [0, 1], label: "Share of the bucket's people", tickFormat: "%" },
    y: { domain: present.map((p) => p.bucket), label: null },
    color: { legend: true, type: "categorical", domain },
    marks: [
      Plot.barX(
        rows,
        Plot.stackX({
          y: "bucket",
          x: "share",
          fill: "category",
          order: domain,
          inset: 0.5,
          title: (r: (typeof rows)[number]) => `${r.bucket}: ${r.category}, ${formatPercent(r.share)}`,
          tip: true,
        }),
      ),
      Plot.text(
        rows,
        Plot.stackX({
          y: "bucket",
          x: "share",
          z: "category",
          order: domain,
          text: (r: (typeof rows)[number]) => (r.share >= 0.08 ? formatPercent(r.share) : ""),
          fill: "var(--theme-background)",
        }),
      ),
    ],
  });
}

/** A numeric factor's distribution: a box per bucket, a tick at the median, a line from the 10th to the 90th. */
function numericDistribution(present: PresentBuckets, feature: FeatureInfo, common: DistributionCommon): Figure {
  const { width } = common;
  const rows = present.map(({ bucket, factor }) => {
    const [p10, p25, p50, p75, p90] = (factor.distribution.quantiles ?? []).map((x) => (x === null ? NaN : x));
    return { bucket, p10, p25, p50, p75, p90, missing: factor.distribution.missing };
  });
  const text = (r: (typeof rows)[number]) =>
    [
      `${r.bucket}`,
      `10th percentile ${formatFeatureValue(feature, r.p10)}`,
      `25th percentile ${formatFeatureValue(feature, r.p25)}`,
      `Median ${formatFeatureValue(feature, r.p50)}`,
      `75th percentile ${formatFeatureValue(feature, r.p75)}`,
      `90th percentile ${formatFeatureValue(feature, r.p90)}`,
      `Missing for ${formatPercent(r.missing)}`,
    ].join("\n");
  return Plot.plot({
    ...common,
    subtitle: "Box: the middle half of the bucket's people; tick: median; line: 10th to 90th percentile",
    ariaDescription: rows.map((r) => text(r).replaceAll("\n", ", ")).join("; "),
    marginRight: 110,
    x: {
      grid: true,
      label: fittingLabel(featureAxisLabel(feature), width - 130),
      tickFormat: featureTickFormat(feature),
    },
    y: { domain: rows.map((r) => r.bucket), label: null },
    color: bucketColorScale(false),
    marks: [
      Plot.ruleY(rows, { y: "bucket", x1: "p10", x2: "p90", stroke: "currentColor" }),
      Plot.barX(rows, { y: "bucket", x1: "p25", x2: "p75", fill: "bucket", insetTop: 8, insetBottom: 8 }),
      Plot.tickX(rows, { y: "bucket", x: "p50", stroke: "currentColor", strokeWidth: 3, insetTop: 6, insetBottom: 6 }),
      Plot.text(rows, {
        y: "bucket",
        frameAnchor: "right",
        text: (r: (typeof rows)[number]) => `missing ${formatPercent(r.missing)}`,
        dx: 104,
        textAnchor: "end",
        fill: MUTED,
      }),
      Plot.tip(rows, Plot.pointerY({ y: "bucket", x: "p50", title: text })),
    ],
  });
}

/**
 * Coverage of a factor per bucket: the share of each bucket's people who have it among their own top factors.
 * Buckets where the factor is not among the top factors are labelled so.
 */
export function factorCoverage(
  insights: Pick<Insights, "buckets">,
  feature: FeatureInfo,
  code: number,
  { width: available, height = 150 }: ChartOptions,
): Figure {
  const width = chartWidth(available);
  const rows = BUCKETS.filter((b) => insights.buckets.some((x) => x.bucket === b)).map((bucket) => {
    const factor = bucketFactor(insights as Insights, bucket, code);
    return { bucket, coverage: factor ? factor.coverage : null };
  });
  const words = (r: (typeof rows)[number]) =>
    r.coverage === null ? "not among the bucket's top factors" : formatPercent(r.coverage);
  return Plot.plot({
    title: `${feature.label}: coverage per bucket`,
    subtitle: "Share of each bucket's people who have it among their own top factors",
    ariaLabel: `Coverage of ${feature.label} per bucket`,
    ariaDescription: rows.map((r) => `${r.bucket}: ${words(r)}`).join("; "),
    width,
    height,
    marginLeft: 70,
    marginRight: 36,
    x: { domain: [0, 1], grid: true, label: "Coverage", tickFormat: "%" },
    y: { domain: rows.map((r) => r.bucket), label: null },
    color: bucketColorScale(false),
    marks: [
      Plot.barX(
        rows.filter((r) => r.coverage !== null),
        {
          y: "bucket",
          x: "coverage",
          fill: "bucket",
          title: (r: (typeof rows)[number]) => `${r.bucket}: ${words(r)}`,
          tip: true,
        },
      ),
      Plot.text(rows, {
        y: "bucket",
        x: (r: (typeof rows)[number]) => r.coverage ?? 0,
        text: words,
        textAnchor: "start",
        dx: 4,
        fill: "currentColor",
      }),
      Plot.ruleX([0]),
    ],
  });
}

/**
 * How likely people are per value range of a factor, relative to everyone (1× = average): bars from 1× to each
 * range's ratio, on a log scale so that twice and half as likely are equally long, coloured good or bad for the
 * goal; categories in their natural order.
 */
export function valueRangeChart(
  factor: Pick<Insights["factors"][number], "ranges">,
  feature: FeatureInfo,
  { width: available, height, effects }: ChartOptions & { effects: EffectContext },
): Figure {
  const width = chartWidth(available);
  const codes = feature.kind === "categorical" ? categoryCodes(feature) : [];
  const position = (low: number | null) =>
    low === null ? Infinity : feature.kind === "categorical" ? codes.indexOf(low) : low;
  const sorted = [...factor.ranges].sort((a, b) => position(a.low) - position(b.low));
  const rows = sorted.map((r, i) => ({ ...r, key: `${i}`, effect: effectWords(r.relative - 1, effects.type) }));
  const positive = rows.every((r) => r.relative > 0);
  const extent = Math.max(1.25, ...rows.map((r) => (r.relative > 0 ? Math.max(r.relative, 1 / r.relative) : 1)));
  const { marginLeft, lineWidth, rowHeight } = labelMargin(
    rows.map((r) => r.range),
    Math.min(width, 500),
  );
  const describe = (r: (typeof rows)[number]) =>
    `${r.range}: ${formatCount(r.people)} people, mean probability ${formatProbability(r.meanProbability)}, ${formatRatio(r.relative)} the average`;
  return Plot.plot({
    title: `${feature.label}: ${goalNoun(effects.type)} by value`,
    subtitle: "Mean probability of the people in each value range, relative to everyone (1× = average)",
    ariaLabel: `Relative likelihood by value range of ${feature.label}`,
    ariaDescription: rows.map(describe).join("; "),
    width,
    height: height ?? 50 + rowHeight(30) * rows.length,
    marginLeft,
    marginRight: 50,
    x: positive
      ? {
          type: "log",
          domain: [1 / (extent * 1.15), extent * 1.15],
          label: `Relative ${goalNoun(effects.type)}`,
          tickFormat: (x: number) => formatRatio(x),
          grid: true,
          ticks: spacedTicks(
            [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100].filter(
              (t) => t >= 1 / (extent * 1.15) && t <= extent * 1.15,
            ),
            (t) => (Math.log(t) / Math.log(extent * 1.15) / 2) * (width - marginLeft - 50),
            34,
          ),
        }
      : { label: `Relative ${goalNoun(effects.type)}`, tickFormat: (x: number) => formatRatio(x), grid: true },
    y: { domain: rows.map((r) => r.key), label: null, axis: null },
    color: effectColorScale(effects.type, false),
    marks: [
      Plot.axisY({ tickFormat: (k: string) => rows[Number(k)]?.range ?? k, lineWidth, tickSize: 0 }),
      Plot.barX(rows, { y: "key", x1: 1, x2: "relative", fill: "effect", title: describe, tip: true }),
      Plot.text(rows, {
        y: "key",
        x: "relative",
        text: (r: (typeof rows)[number]) => formatRatio(r.relative),
        textAnchor: "start",
        dx: 4,
        fill: "currentColor",
        filter: (r: (typeof rows)[number]) => r.relative >= 1,
      }),
      Plot.text(rows, {
        y: "key",
        x: 1,
        text: (r: (typeof rows)[number]) => formatRatio(r.relative),
        textAnchor: "start",
        dx: 4,
        fill: "currentColor",
        filter: (r: (typeof rows)[number]) => r.relative < 1,
      }),
      Plot.ruleX([1], { stroke: MUTED }),
    ],
  });
}

/**
 * A factor's value against what it did to each person's probability (percentage points at their bucket's mean
 * probability; log-odds in the tip), for a sample of people coloured by bucket: how the model reads the value.
 * Categorical values get a strip each (people spread across it), in their natural order; people with no value are
 * counted in the caption (numeric) or get a "missing" strip (categorical).
 */
export function valueContributionScatter(
  factor: Pick<Insights["factors"][number], "sample">,
  feature: FeatureInfo,
  { width: available, height = 320, effects }: ChartOptions & { effects: EffectContext },
): Figure {
  const width = chartWidth(available);
  const points = (d: { contribution: number; bucket: Bucket }) =>
    100 * pointsOf(d.contribution, effects.buckets[d.bucket] ?? effects.probability);
  const common = {
    title: `${feature.label}: value and effect`,
    subtitle: `A sample of ${formatCount(factor.sample.length)} people: each dot is one person's value and how many percentage points it moved their ${goalNoun(effects.type)}`,
    ariaLabel: `Value against effect of ${feature.label}`,
    width,
    height,
    marginLeft: 56,
    y: {
      grid: true,
      label: "Change in probability (points)",
      tickFormat: (x: number) => (x > 0 ? `+${x}` : x < 0 ? `−${-x}` : "0"),
    },
    color: bucketColorScale(),
  };
  type Point = { value: number | null; contribution: number; bucket: Bucket };
  const tip = (d: Point) =>
    `${formatFeatureValue(feature, d.value, effects.currency)} (${d.bucket})\n${effectWords(d.contribution, effects.type)} by about ${formatPoints(points(d) / 100)}\nContribution ${formatContribution(d.contribution)} log-odds`;
  const sample = factor.sample as Point[];
  if (feature.kind === "categorical") {
    // A strip per value, people spread across it by a deterministic jitter (golden-ratio sequence), in the
    // natural order of the categories, missing last.
    const codes = categoryCodes(feature);
    const present = [...new Set(sample.map((d) => d.value))].sort(
      (a, b) => (a === null ? Infinity : codes.indexOf(a)) - (b === null ? Infinity : codes.indexOf(b)),
    );
    const names = [...new Set(present.map((code) => formatFeatureValue(feature, code)))];
    const rows = sample.map((d, i) => ({
      ...d,
      y: points(d),
      x: names.indexOf(formatFeatureValue(feature, d.value)) + 0.7 * (((i * 0.6180339887) % 1) - 0.5),
    }));
    return Plot.plot({
      ...common,
      ariaDescription: `${rows.length} people across ${names.length} values`,
      x: {
        domain: [-0.5, names.length - 0.5],
        ticks: names.map((_, i) => i),
        tickFormat: (i: number) => names[i] ?? "",
        label: fittingLabel(feature.label, width - 90),
      },
      marks: [
        Plot.ruleY([0], { stroke: MUTED }),
        Plot.dot(rows, { x: "x", y: "y", fill: "bucket", r: 2, fillOpacity: 0.6, title: tip, tip: true }),
      ],
    });
  }
  const rows = sample.filter((d) => d.value !== null && Number.isFinite(d.value)).map((d) => ({ ...d, y: points(d) }));
  const missing = sample.filter((d) => !(d.value !== null && Number.isFinite(d.value)));
  const mean = missing.length ? missing.reduce((a, d) => a + points(d), 0) / missing.length : NaN;
  return Plot.plot({
    ...common,
    caption: missing.length
      ? `Not shown: ${formatCount(missing.length)} people with no value (${formatFeatureValue(feature, null)}), on average ${formatPoints(mean / 100)}.`
      : undefined,
    ariaDescription: `${rows.length} people with a value`,
    x: {
      label: fittingLabel(featureAxisLabel(feature), width - 90),
      tickFormat: featureTickFormat(feature),
      grid: true,
    },
    marks: [
      Plot.ruleY([0], { stroke: MUTED }),
      Plot.dot(rows, { x: "value", y: "y", fill: "bucket", r: 2.5, fillOpacity: 0.75, title: tip, tip: true }),
    ],
  });
}
