/**
 * Customer value on the site, for conversion instances whose scores carry it (instance.json's `value`, value.json):
 * what expected value means in one plain paragraph, the headline figures, how the value is spread over the
 * customers (per tenth) and over the buckets (total and mean), and how the value model did when tested on the past
 * (value.json's validation: predicted against actual spend, beside naive guesses). Amounts are written in the
 * configuration's currency when it has one. Instances without value show none of this.
 */
import * as Plot from "./plot.js";
import type {
  InstanceSummary,
  InstanceValue,
  UnavailableValue,
  ValueReport,
  ValueScorer,
  ValueValidation,
} from "../loaders/contract/schema.js";
import { BUCKETS } from "../loaders/contract/buckets.js";
import { bucketColorScale, chartWidth, fittingLabel, type ChartOptions } from "./chart-style.js";
import { factCard, facts, h, table, type Child } from "./elements.js";
import {
  formatAmount,
  formatCompactMoney,
  formatCount,
  formatDate,
  formatMoney,
  formatNumber,
  formatPercent,
  formatQuantity,
} from "./format.js";

/** Whether an instance's summary holds customer value (not absent, not unavailable). */
export function hasValue(value: InstanceSummary["value"] | null | undefined): value is InstanceValue {
  return !!value && !("unavailable" in value) && Array.isArray((value as InstanceValue).perBucket);
}

/** Why a conversion instance has no value, when the run says so. */
export function unavailableValue(value: InstanceSummary["value"] | null | undefined): string | null {
  return value && "unavailable" in value ? (value as UnavailableValue).unavailable : null;
}

/**
 * What people do to reach the goal, from the build's goal sentence ("People who will buy in the next 30 days." →
 * "buy"); "reach the goal" when the sentence says it otherwise.
 */
export function goalVerb(goalText: string | null | undefined): string {
  const match = /^People who will (.+?) in the next \d+ days?[.:]/.exec(goalText ?? "");
  return match && !match[1]!.startsWith("not ") ? match[1]! : "reach the goal";
}

/** Relative error in words: 0.93 → "7% low", 1.26 → "26% high", 1.004 → "right". */
export function ratioWords(ratio: number): string {
  if (!Number.isFinite(ratio)) return "not measurable";
  const off = Math.abs(ratio - 1);
  if (off < 0.005) return "right";
  return `${formatPercent(off, off < 0.1 ? 1 : 0)} ${ratio < 1 ? "low" : "high"}`;
}

/** What expected value means, its horizon, who has one, in plain words. */
export function valueMeaning(value: InstanceValue, goalText: string): string {
  const verb = goalVerb(goalText);
  const scored = value.people + value.withoutValue;
  const horizon = formatQuantity(value.horizonDays, "day");
  const without =
    value.withoutValue > 0
      ? ` The other ${formatCount(value.withoutValue)} scored people have not done so yet and have no value: a first time cannot be predicted from a history without one.`
      : "";
  return (
    `A customer's expected value is what they are expected to spend in the next ${horizon}: on how many days they are expected to ${verb} ` +
    `(from how often and how recently they did so before), times what they usually spend on such a day. It is a plain sum, not discounted, ` +
    `with no margin taken off. ${formatCount(value.people)} of the ${formatCount(scored)} scored people did so before the as-of date and have a value.${without}`
  );
}

/** What the scores table's value columns mean, in one paragraph. */
export function valueColumnsText(value: InstanceValue, goalText: string): string {
  const verb = goalVerb(goalText);
  return (
    `Expected value: what the person is expected to spend in the next ${formatQuantity(value.horizonDays, "day")} (undiscounted). ` +
    `Spend each time: what they are expected to spend on a day they ${verb} (several times on one day count once). Still a customer: the chance that they have not stopped for good, ` +
    `from how recently and how often they did so before. People who never did so before the as-of date have none of these (–); sorting puts them last.`
  );
}

/** How concentrated the value is, in one sentence: the top tenth's share, and the top three tenths'. */
export function concentrationWords(value: InstanceValue): string {
  const top = value.deciles.find((d) => d.decile === 1);
  if (!top) return "No customer has a value.";
  const three = value.deciles.filter((d) => d.decile <= 3).reduce((t, d) => t + d.share, 0);
  return `The most valuable 10% of customers (${formatCount(top.people)} people) hold ${formatPercent(top.share)} of the expected value, and the top 30% hold ${formatPercent(three)}.`;
}

/** The headline figures: total expected value, customers with a value, mean per customer, expected goal days. */
export function valueFacts(value: InstanceValue, currency: string | null | undefined, goalText: string): HTMLElement {
  const verb = goalVerb(goalText);
  const card = (title: string, figure: Child, note: Child, testid: string) =>
    factCard("h3", title, figure, note, testid);
  return h(
    "div",
    { class: "grid grid-cols-4" },
    card(
      `Expected value, next ${formatQuantity(value.horizonDays, "day")}`,
      formatMoney(value.total, currency),
      "All customers together",
      "value-total",
    ),
    card(
      "Customers with a value",
      formatCount(value.people),
      `Of ${formatCount(value.people + value.withoutValue)} scored people`,
      "value-people",
    ),
    card(
      "Mean per customer",
      formatMoney(value.people ? value.total / value.people : NaN, currency),
      "Over the same period",
      "value-mean",
    ),
    card(
      `Days they are expected to ${verb}, next ${formatQuantity(value.window, "day")}`,
      formatNumber(value.expectedEvents, 0),
      `Expected, all customers together (${formatNumber(value.expectedEventsHorizon, 0)} in ${formatQuantity(value.horizonDays, "day")})`,
      "value-events",
    ),
  );
}

/**
 * The value per tenth of customers ranked by it (1 = the most valuable 10%): the total of each tenth, labelled with
 * its share of all the value; the tip gives its people, range and mean.
 */
export function valueDecileChart(
  value: InstanceValue,
  { width: available, height = 240, currency }: ChartOptions & { currency?: string | null },
): HTMLElement | SVGSVGElement {
  const width = chartWidth(available);
  const rows = [...value.deciles].sort((a, b) => a.decile - b.decile);
  const describe = (d: InstanceValue["deciles"][number]) =>
    `Tenth ${d.decile}: ${formatCount(d.people)} customers worth ${formatMoney(d.min, currency)} to ${formatMoney(d.max, currency)}, ${formatMoney(d.total, currency)} in all (${formatPercent(d.share)} of the value), ${formatMoney(d.mean, currency)} each on average`;
  return Plot.plot({
    title: "How the expected value is spread over the customers",
    subtitle: `Total expected value of each tenth of customers, the most valuable first; labels: share of all the value`,
    ariaLabel: "Expected value per tenth of customers",
    ariaDescription: rows.map(describe).join("; "),
    width,
    height,
    marginLeft: 52,
    x: {
      label:
        fittingLabel("Tenth of customers by expected value (1 = most valuable 10%)", width - 60) ??
        fittingLabel("Tenth (1 = most valuable)", width - 60),
      type: "band",
      domain: rows.map((d) => d.decile),
    },
    y: {
      grid: true,
      label: `Expected value${currency ? ` (${currency})` : ""}`,
      tickFormat: (v: number) => formatCompactMoney(v, currency),
      insetTop: 14,
    },
    marks: [
      Plot.barY(rows, { x: "decile", y: "total", fill: "var(--color-accent)", title: describe, tip: true }),
      Plot.text(rows, {
        x: "decile",
        y: "total",
        text: (d: InstanceValue["deciles"][number]) => formatPercent(d.share, 0),
        dy: -8,
        fill: "currentColor",
      }),
      Plot.ruleY([0]),
    ],
  });
}

/** Total expected value per bucket, labelled with the total and the mean per customer. */
export function valueBucketChart(
  value: InstanceValue,
  { width: available, height = 160, currency }: ChartOptions & { currency?: string | null },
): HTMLElement | SVGSVGElement {
  const width = chartWidth(available);
  const rows = BUCKETS.map(
    (bucket) => value.perBucket.find((b) => b.bucket === bucket) ?? { bucket, people: 0, total: 0, mean: NaN },
  );
  const label = (d: (typeof rows)[number]) =>
    `${formatMoney(d.total, currency)} (${formatMoney(d.mean, currency)} each)`;
  const room = Math.min(260, width / 2.2);
  return Plot.plot({
    title: "Expected value per bucket",
    subtitle: "Total, and the mean per customer with a value",
    ariaLabel: "Expected value per bucket",
    ariaDescription: rows.map((d) => `${d.bucket}: ${formatCount(d.people)} customers, ${label(d)}`).join("; "),
    width,
    height,
    marginLeft: 70,
    marginRight: 12,
    x: {
      grid: true,
      label: `Expected value${currency ? ` (${currency})` : ""}`,
      tickFormat: (v: number) => formatCompactMoney(v, currency),
      insetRight: room,
      ticks: Math.max(2, Math.floor((width - 70 - room) / 70)),
    },
    y: { domain: [...BUCKETS], label: null },
    color: bucketColorScale(false),
    marks: [
      Plot.barX(rows, {
        y: "bucket",
        x: "total",
        fill: "bucket",
        title: (d: (typeof rows)[number]) => `${d.bucket}: ${formatCount(d.people)} customers, ${label(d)}`,
        tip: true,
      }),
      Plot.text(rows, {
        y: "bucket",
        x: "total",
        text: label,
        textAnchor: "start",
        dx: 6,
        fill: "currentColor",
        lineWidth: (room + 6) / 11,
      }),
      Plot.ruleX([0]),
    ],
  });
}

/** Per bucket as a table: customers with a value, total, mean and share of all the value. */
export function valueBucketTable(value: InstanceValue, currency?: string | null): HTMLTableElement {
  const rows = BUCKETS.map(
    (bucket) => value.perBucket.find((b) => b.bucket === bucket) ?? { bucket, people: 0, total: 0, mean: NaN },
  );
  return table(
    [
      { label: "Bucket" },
      { label: "Customers", numeric: true },
      { label: "Total", numeric: true },
      { label: "Mean each", numeric: true },
      { label: "Share", numeric: true },
    ],
    rows.map((d) => [
      d.bucket,
      formatCount(d.people),
      formatMoney(d.total, currency),
      formatMoney(d.mean, currency),
      formatPercent(value.total ? d.total / value.total : NaN),
    ]),
    { "data-testid": "value-bucket-table" },
  );
}

/** A validation period that was tested with the model's figures. */
function tested(v: ValueValidation): v is ValueValidation & { scorers: ValueScorer[] } {
  return !v.skipped && Array.isArray(v.scorers) && v.scorers.some((s) => s.name === "model");
}

/**
 * One validation period in words: what the model expected its customers to spend and what they spent, the most
 * valuable tenth likewise, and how the best naive guess did.
 */
export function validationWords(v: ValueValidation, currency?: string | null): string {
  const period = formatQuantity(v.periodDays, "day");
  if (!tested(v)) return `Over ${period}: not tested${v.skipped ? ` (${v.skipped})` : ""}.`;
  const model = v.scorers.find((s) => s.name === "model")!;
  const top = model.deciles.find((d) => d.decile === 1);
  const peers = v.scorers.filter((s) => s.name !== "model");
  const peer = [...peers].sort((a, b) => a.meanAbsoluteError - b.meanAbsoluteError)[0];
  const first = `Fitted as of ${formatDate(v.cutoff)} on the history before it, the model expected its ${formatCount(v.customers)} customers to spend ${formatMoney(model.predicted, currency)} in the next ${period}; they spent ${formatMoney(model.actual, currency)}, so it was ${ratioWords(model.ratio)}.`;
  const second = top
    ? ` Its most valuable tenth (${formatCount(top.people)} customers) spent ${formatMoney(top.actual, currency)} where it expected ${formatMoney(top.predicted, currency)} (${ratioWords(top.ratio)}).`
    : "";
  const third = peer
    ? ` Taking ${peer.label.charAt(0).toLowerCase()}${peer.label.slice(1)} as the guess would have been ${ratioWords(peer.ratio)} in all, and off by ${formatMoney(peer.meanAbsoluteError, currency)} per customer on average against the model's ${formatMoney(model.meanAbsoluteError, currency)}.`
    : "";
  const behind =
    v.events && v.spendPerEvent
      ? ` Behind it: they did so on ${formatNumber(v.events.actual, 0)} days where it expected ${formatNumber(v.events.predicted, 0)}, and spent ${formatAmount(v.spendPerEvent.actual, currency)} on such a day where it expected ${formatAmount(v.spendPerEvent.predicted, currency)}.`
      : "";
  return first + behind + second + third;
}

/** A table in a box that scrolls sideways on a phone, reachable by keyboard (a named region with a tab stop). */
function scrollBox(label: string, content: Node): HTMLElement {
  return h("div", { class: "table-scroll", role: "region", "aria-label": label, tabindex: 0 }, content);
}

/** The validation of every tested period: a sentence each and a table of the model beside the naive guesses. */
export function valueValidation(report: ValueReport | null | undefined, currency?: string | null): HTMLElement | null {
  const periods = (report?.validation ?? []).filter(tested);
  if (!report || periods.length === 0) return null;
  return h(
    "div",
    { "data-testid": "value-validation" },
    h("h3", {}, "Tested on the past"),
    h(
      "p",
      {},
      "To see whether the value can be trusted, the same models were fitted at an earlier date, on the history before it only, and what they expected each customer to spend was set against what the customer then spent.",
    ),
    periods.map((v) => [
      h("p", { "data-testid": "value-validation-words", "data-period": v.periodDays }, validationWords(v, currency)),
      scrollBox(
        `Predicted against actual spend over ${formatQuantity(v.periodDays, "day")}`,
        table(
          [
            { label: `Over ${formatQuantity(v.periodDays, "day")} after ${formatDate(v.cutoff)}` },
            { label: "Expected", numeric: true },
            { label: "Spent", numeric: true },
            { label: "Expected ÷ spent", numeric: true },
            { label: "Mean error per customer", numeric: true },
          ],
          v.scorers.map((s) => [
            s.name === "model" ? h("strong", {}, "The value model") : s.label,
            formatMoney(s.predicted, currency),
            formatMoney(s.actual, currency),
            formatNumber(s.ratio, 2),
            formatMoney(s.meanAbsoluteError, currency),
          ]),
          { "data-testid": "value-validation-table", "data-period": v.periodDays },
        ),
      ),
    ]),
  );
}

/**
 * The overview's customer value section, or null for an instance without value: a heading, the meaning, the
 * figures, the spread over tenths and buckets, and the test on the past. A conversion instance whose value could
 * not be computed says why in one line.
 */
export function valueSection(
  summary: Pick<InstanceSummary, "value" | "currency" | "goalText">,
  report: ValueReport | null | undefined,
  charts: { deciles: Child; buckets: Child },
): HTMLElement | null {
  const why = unavailableValue(summary.value);
  if (why) {
    return h(
      "section",
      { class: "customer-value", "data-testid": "customer-value" },
      h("h2", {}, "Customer value"),
      h("p", { class: "muted", "data-testid": "value-unavailable" }, `No customer value for this instance: ${why}`),
    );
  }
  if (!hasValue(summary.value)) return null;
  const value = summary.value;
  return h(
    "section",
    { class: "customer-value", "data-testid": "customer-value" },
    h("h2", {}, "Customer value"),
    h("p", { "data-testid": "value-meaning" }, valueMeaning(value, summary.goalText)),
    valueFacts(value, summary.currency, summary.goalText),
    h("p", { "data-testid": "value-concentration" }, concentrationWords(value)),
    h(
      "div",
      { class: "grid grid-cols-2" },
      h("div", { class: "card", "data-testid": "value-deciles" }, charts.deciles),
      h(
        "div",
        { class: "card", "data-testid": "value-buckets" },
        charts.buckets,
        valueBucketTable(value, summary.currency),
      ),
    ),
    valueValidation(report, summary.currency),
    valueModelFacts(report),
  );
}

/** Model parameters of the value, for data scientists (folded away on the page). */
export function valueModelFacts(report: ValueReport | null | undefined): HTMLElement | null {
  if (!report?.bgnbd || !report.gammaGamma) return null;
  const b = report.bgnbd.params;
  const g = report.gammaGamma.params;
  return h(
    "details",
    { "data-testid": "value-model" },
    h("summary", {}, "The value model, for data scientists"),
    facts([
      [
        "Purchase frequency",
        `BG/NBD fitted on ${formatCount(report.bgnbd.people)} customers: r ${formatNumber(b.r, 3)}, alpha ${formatNumber(b.alpha, 3)}, a ${formatNumber(b.a, 3)}, b ${formatNumber(b.b, 3)} (weeks)${report.bgnbd.converged ? "" : "; the fit did not converge"}`,
      ],
      [
        "Amount per day",
        `Gamma-Gamma fitted on ${formatCount(report.gammaGamma.people)} customers with a repeat: p ${formatNumber(g.p, 3)}, q ${formatNumber(g.q, 3)}, gamma ${formatNumber(g.gamma, 3)}; population mean ${formatNumber(report.meanSpend, 2)}${report.gammaGamma.converged ? "" : "; the fit did not converge"}`,
      ],
      [
        "Spend and frequency",
        `Correlation ${formatNumber(report.spendFrequencyCorrelation, 3)} between repeat days and their mean amount (the spend model assumes none)`,
      ],
    ]),
  );
}
