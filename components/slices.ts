/**
 * Model quality per group of people on the quality page (evaluation.json's `slices`, loaders/evaluation/slices.ts):
 * for each categorical profile attribute (country, loyalty tier, ...), per value, how many people, how many had the
 * outcome, how well the model ranks them (AUC, with an approximate 95% interval) and whether its probabilities came
 * true for them (predicted against actual rate, with Wilson's 95% interval); the groups the run flagged, in plain
 * sentences first. Groups too small to measure were merged by the run ("Other (small groups)").
 */
import * as Plot from "./plot.js";
import type { Evaluation, FeatureInfo, InstanceSummary, Slice, SliceGroup } from "../loaders/contract/schema.js";
import { ACCENT, MUTED, chartWidth, labelMargin, type ChartOptions } from "./chart-style.js";
import { wilson } from "./charts-quality.js";
import { h, table } from "./elements.js";
import { formatCount, formatFixed, formatPercent } from "./format.js";
import { aucInterval } from "../loaders/contract/auc-interval.js";

export { aucInterval };

/** The attribute's name for people ("Loyalty tier"), or a stand-in naming the code. */
function attributeLabel(features: readonly FeatureInfo[], code: number): string {
  return features[code]?.label ?? `Attribute ${code}`;
}

/** A group as a phrase: "loyalty tier = gold", "country: the small groups together", "country not known". */
export function groupPhrase(attribute: string, category: string): string {
  const name = attribute.charAt(0).toLowerCase() + attribute.slice(1);
  if (category === "Other (small groups)") return `${name}: the small groups together`;
  if (category === "Not known") return `${name} not known`;
  return `${name} = ${category}`;
}

/** What the outcome is, for sentences: "bought" style is not known, so "had the outcome" (churn: "churned"). */
function outcomeVerb(type: InstanceSummary["type"]): string {
  return type === "churn" ? "churned" : "had the outcome";
}

/** Whether the run flagged a group for ranking, and for calibration. */
function flagKinds(group: SliceGroup): { ranking: boolean; calibration: boolean } {
  return {
    ranking: group.flags.some((f) => f.startsWith("ranks worse")),
    calibration: group.flags.some((f) => /predicts/.test(f)),
  };
}

/** One flagged group in plain words, with its size and intervals. */
export function flaggedGroupWords(
  attribute: string,
  group: SliceGroup,
  withinAuc: number,
  type: InstanceSummary["type"],
): string[] {
  const who = groupPhrase(attribute, group.category);
  const size = `${formatCount(group.people)} people, of whom ${formatCount(group.positives)} ${outcomeVerb(type)}`;
  const kinds = flagKinds(group);
  const words: string[] = [];
  if (kinds.ranking) {
    const [lo, hi] = aucInterval(group.auc, group.positives, group.people - group.positives);
    const gap = withinAuc - group.auc;
    words.push(
      `The model is ${gap >= 0.1 ? "much " : ""}less accurate at ranking people for ${who}: AUC ${formatFixed(group.auc)} (95% interval ${formatFixed(lo)} to ${formatFixed(hi)}) against ${formatFixed(withinAuc)} within the groups of ${attribute.charAt(0).toLowerCase() + attribute.slice(1)} together, on ${size}.`,
    );
  }
  if (kinds.calibration) {
    const [lo, hi] = wilson(group.positives, group.people);
    const over = group.predicted > group.actual;
    words.push(
      `For ${who} the model ${over ? "over" : "under"}-predicts: it expected ${formatPercent(group.predicted)} to have the outcome and ${formatPercent(group.actual)} did (95% interval ${formatPercent(lo)} to ${formatPercent(hi)}), on ${size}. Expected counts for this group are ${over ? "too high" : "too low"}.`,
    );
  }
  return words;
}

/**
 * The summary above the tables: the flagged groups in sentences, or that none stands out; and, when every measured
 * group of an attribute ranks worse than everyone together, why that is expected.
 */
export function slicesSummary(
  slices: readonly Slice[],
  features: readonly FeatureInfo[],
  overallAuc: number,
  type: InstanceSummary["type"],
): { flagged: string[]; notes: string[] } {
  const flagged: string[] = [];
  const notes: string[] = [];
  for (const slice of slices) {
    const attribute = attributeLabel(features, slice.feature);
    // Runs before the AUC within groups was kept compared groups with everyone.
    const reference = Number.isFinite(slice.withinAuc) ? slice.withinAuc : overallAuc;
    for (const group of slice.groups) flagged.push(...flaggedGroupWords(attribute, group, reference, type));
    const measured = slice.groups.filter((g) => Number.isFinite(g.auc));
    if (measured.length > 1 && measured.every((g) => g.auc < overallAuc)) {
      notes.push(
        `Every group of ${attribute.toLowerCase()} ranks below everyone together: ${attribute.toLowerCase()} itself tells people apart, and within one group there is less left to tell apart. ` +
          "So each group is set against the groups together, comparing people of the same group only.",
      );
    }
  }
  return { flagged, notes };
}

/** A figure with its 95% interval on a second, smaller line. */
function withRange(figure: string, range: string): HTMLElement {
  return h("span", {}, figure, h("br", {}), h("small", { class: "interval" }, range));
}

/** A run's flag, short for the table: "ranks worse than for everyone (AUC ...)" → "Ranks worse". */
export function shortFlag(flag: string): string {
  if (flag.startsWith("ranks worse")) return "Ranks worse";
  if (flag.startsWith("over-predicts")) return "Over-predicts";
  if (flag.startsWith("under-predicts")) return "Under-predicts";
  return flag;
}

/** A group's row: figures with intervals, and its flag. */
function groupRow(group: SliceGroup): (string | HTMLElement)[] {
  const [rateLo, rateHi] = wilson(group.positives, group.people);
  const [aucLo, aucHi] = aucInterval(group.auc, group.positives, group.people - group.positives);
  const flag = group.flags.length
    ? h(
        "strong",
        { class: "slice-flag", "data-testid": "slice-flag", title: group.flags.join("; ") },
        group.flags.map(shortFlag).join(", "),
      )
    : "–";
  return [
    group.category,
    formatCount(group.people),
    withRange(formatPercent(group.actual), `${formatPercent(rateLo)} to ${formatPercent(rateHi)}`),
    formatPercent(group.predicted),
    Number.isFinite(group.auc)
      ? withRange(formatFixed(group.auc), `${formatFixed(aucLo)} to ${formatFixed(aucHi)}`)
      : "– (one outcome only)",
    flag,
  ];
}

/** A table in a box that scrolls sideways on a phone, reachable by keyboard (a named region with a tab stop). */
function scrollBox(label: string, content: Node): HTMLElement {
  return h("div", { class: "table-scroll", role: "region", "aria-label": label, tabindex: 0 }, content);
}

/** One attribute's groups: its name, the chart when given, a table, and the smallest group and merged categories. */
export function sliceTable(slice: Slice, features: readonly FeatureInfo[], chart?: Node | null): HTMLElement {
  const attribute = attributeLabel(features, slice.feature);
  const merged = slice.merged.length
    ? ` Groups of fewer than 100 people are merged into "Other (small groups)": ${slice.merged.join(", ")}.`
    : "";
  return h(
    "div",
    { class: "slice", "data-testid": "slice", "data-feature": slice.feature },
    h("h3", {}, attribute),
    chart ?? null,
    scrollBox(
      `Model quality per ${attribute.toLowerCase()}`,
      table(
        [
          { label: attribute },
          { label: "People", numeric: true },
          { label: "Had the outcome", numeric: true },
          { label: "Predicted", numeric: true },
          { label: "AUC", numeric: true },
          { label: "Stands out" },
        ],
        slice.groups.map(groupRow),
        { "data-testid": "slice-table" },
      ),
    ),
    h(
      "p",
      { class: "muted", "data-testid": "slice-smallest" },
      `Below each rate and AUC: its 95% interval. The smallest group measured has ${formatCount(slice.smallestGroup)} people.${merged}`,
    ),
  );
}

/**
 * One attribute's AUC per group as dots with their 95% intervals, beside everyone's AUC (a dashed line), so that a
 * group far below it shows, and a small group's wide interval with it.
 */
export function sliceChart(
  slice: Slice,
  features: readonly FeatureInfo[],
  overallAuc: number,
  { width: available }: ChartOptions,
): HTMLElement | SVGSVGElement {
  const width = chartWidth(available);
  const attribute = attributeLabel(features, slice.feature);
  const rows = slice.groups
    .filter((g) => Number.isFinite(g.auc))
    .map((g) => {
      const [lo, hi] = aucInterval(g.auc, g.positives, g.people - g.positives);
      return { category: g.category, auc: g.auc, lo, hi, people: g.people, flagged: g.flags.length > 0 };
    });
  const { marginLeft, lineWidth, rowHeight } = labelMargin(
    rows.map((r) => r.category),
    width,
  );
  const low = Math.min(overallAuc, ...rows.map((r) => r.lo));
  const high = Math.max(overallAuc, ...rows.map((r) => r.hi));
  return Plot.plot({
    subtitle: `How well the model ranks each group's people: AUC with its 95% interval; dashed: everyone (${formatFixed(overallAuc)})`,
    ariaLabel: `AUC per ${attribute.toLowerCase()}`,
    ariaDescription: rows
      .map(
        (r) =>
          `${r.category}: AUC ${formatFixed(r.auc)} (${formatFixed(r.lo)} to ${formatFixed(r.hi)}), ${formatCount(r.people)} people`,
      )
      .join("; "),
    width,
    height: Math.max(90, rows.length * rowHeight(22) + 50),
    marginLeft,
    marginRight: 16,
    x: {
      domain: [Math.max(0, Math.floor(low * 20) / 20), Math.min(1, Math.ceil(high * 20) / 20)],
      label: "AUC",
      grid: true,
      ticks: Math.max(2, Math.floor((width - marginLeft) / 60)),
    },
    y: { domain: rows.map((r) => r.category), label: null, tickFormat: (c: string) => c },
    marks: [
      Plot.axisY({ lineWidth, label: null }),
      Plot.ruleX([overallAuc], { stroke: MUTED, strokeDasharray: "4,4" }),
      Plot.ruleY(rows, { y: "category", x1: "lo", x2: "hi", stroke: ACCENT, strokeWidth: 2 }),
      Plot.dot(rows, {
        y: "category",
        x: "auc",
        r: 4,
        fill: (r: (typeof rows)[number]) => (r.flagged ? "var(--direction-lowers)" : ACCENT),
        title: (r: (typeof rows)[number]) =>
          `${r.category}: AUC ${formatFixed(r.auc)} (95% interval ${formatFixed(r.lo)} to ${formatFixed(r.hi)}), ${formatCount(r.people)} people${r.flagged ? "; flagged" : ""}`,
        tip: true,
      }),
    ],
  });
}

/** The whole section's text part: flagged groups, notes, or a note that the run has no slices. */
export function slicesIntro(
  evaluation: Pick<Evaluation, "slices" | "auc">,
  summary: Pick<InstanceSummary, "features" | "type">,
): HTMLElement {
  const slices = evaluation.slices ?? [];
  if (slices.length === 0) {
    return h(
      "p",
      { "data-testid": "slices-none" },
      "This run measured no groups: the instance has no categorical profile attribute (such as a country or a loyalty tier) to split people by.",
    );
  }
  const { flagged, notes } = slicesSummary(slices, summary.features, evaluation.auc, summary.type);
  return h(
    "div",
    { "data-testid": "slices-summary" },
    flagged.length
      ? h(
          "div",
          { class: "warning", label: "Groups that stand out", "data-testid": "slices-flagged" },
          h(
            "p",
            {},
            h(
              "strong",
              {},
              `${formatCount(flagged.length)} ${flagged.length === 1 ? "finding stands" : "findings stand"} out:`,
            ),
          ),
          h(
            "ul",
            {},
            flagged.map((f) => h("li", { "data-testid": "slice-finding" }, f)),
          ),
          notes.map((n) => h("p", { "data-testid": "slices-note" }, n)),
        )
      : [
          h(
            "p",
            { "data-testid": "slices-flagged" },
            `No group stands out: for every group the model ranks people about as well as within the other groups of its attribute (within ${formatFixed(0.05, 2)} AUC, or within chance), and its predicted rate is within a quarter of the actual one.`,
          ),
          notes.map((n) => h("p", { "data-testid": "slices-note" }, n)),
        ],
  );
}
