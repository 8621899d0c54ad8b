/**
 * The text parts of the influential-factors page: factor names for the factor picker and each bucket's factors
 * as a table (typical value, usual direction, coverage).
 */
import type { FeatureInfo, Insights, InstanceSummary } from "../loaders/contract/schema.js";
import { featureLabel } from "./chart-style.js";
import { typicalValue } from "./charts-factors.js";
import { h, table } from "./elements.js";
import { type EffectContext, effectWords, formatPoints, pointsOf } from "./effects.js";
import { formatContribution, formatPercent } from "./format.js";

/** The label of a feature code (for pickers), or a stand-in naming the code. */
export function factorLabel(summary: Pick<InstanceSummary, "features">, code: number): string {
  return featureLabel(summary, code);
}

/**
 * A bucket's top factors as a table inside a collapsed `<details>`: the factor, its typical value in the bucket,
 * what it usually does to the probability (in words that follow the goal, and in percentage points at the
 * bucket's mean probability), the mean contribution in log-odds (for data scientists), and its coverage (share of
 * the bucket's people with it among their own top factors).
 */
export function bucketFactorTable(
  bucket: Insights["buckets"][number],
  features: readonly FeatureInfo[],
  effects: EffectContext,
): HTMLDetailsElement {
  const fallback = (code: number): FeatureInfo => ({
    name: `feature_${code}`,
    label: `Feature ${code}`,
    kind: "numeric",
    unit: null,
    group: "",
  });
  return h(
    "details",
    { class: "bucket-factor-table" },
    h("summary", {}, `The ${bucket.bucket} bucket's factors as a table`),
    table(
      [
        { label: "Factor" },
        { label: "Typical value" },
        { label: "Usually" },
        { label: "Change in probability", numeric: true },
        { label: "Log-odds", numeric: true },
        { label: "Coverage", numeric: true },
      ],
      bucket.factors.map((f) => {
        const feature = features[f.feature] ?? fallback(f.feature);
        const p = effects.buckets[bucket.bucket] ?? effects.probability;
        return [
          feature.label,
          typicalValue(feature, f.distribution, effects.currency),
          effectWords(f.meanContribution, effects.type),
          formatPoints(pointsOf(f.meanContribution, p)),
          formatContribution(f.meanContribution),
          formatPercent(f.coverage),
        ];
      }),
      { "data-testid": "bucket-factor-table" },
    ),
  );
}

/** A labelled select of a run's per-factor insights; its `value` is the chosen entry of `insights.factors`. */
export interface FactorPicker extends HTMLDivElement {
  value: Insights["factors"][number] | undefined;
}

/**
 * A labelled select over `insights.factors` (by feature label) that works with Framework's `view()`: its `value`
 * is the chosen factor's insights and it fires `input` when the choice changes. Labels are set as text.
 */
export function factorPicker(
  insights: Pick<Insights, "factors">,
  summary: Pick<InstanceSummary, "features">,
  id = "factor-picker",
): FactorPicker {
  const select = h(
    "select",
    { id, name: "factor", "data-testid": "factor-select" },
    insights.factors.map((f, i) => h("option", { value: i }, factorLabel(summary, f.feature))),
  );
  const picker = h(
    "div",
    { class: "factor-picker", style: "display: flex; gap: 0.75rem; align-items: center; margin: 1rem 0;" },
    h("label", { for: id }, "Factor"),
    select,
  ) as FactorPicker;
  Object.defineProperty(picker, "value", { get: () => insights.factors[select.selectedIndex] });
  return picker;
}
