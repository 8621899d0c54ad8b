/**
 * The contents of an instance's overview page: the headline facts (window, as-of date, counts), the quality
 * rating in plain words, and the data-quality section (warnings, and every input row accounted for: read, used,
 * set aside by reason).
 */
import type { DataQualityReport, InputReport } from "../loaders/contract/data-quality.js";
import type { InstanceSummary, Interval, MetricIntervals } from "../loaders/contract/schema.js";
import { factCard, h, table, type Child } from "./elements.js";
import { formatCount, formatDate, formatFixed, formatNumber, formatPercent, formatQuantity } from "./format.js";

/**
 * The instance in plain words, for the top of its pages: the goal as a marketer would say it, the configured
 * description, who is scored, what probability, score, percentile and bucket mean, and (folded away, for data
 * scientists) the exact rules. Sentences come from the build (instance.json); older runs fall back to what they have.
 */
export function instanceIntro(
  summary: Pick<InstanceSummary, "goalText" | "eligibleText" | "scoreText" | "description" | "rules">,
): HTMLElement {
  return h(
    "div",
    { class: "instance-intro" },
    h("p", { class: "lead", "data-testid": "goal" }, summary.goalText),
    summary.description ? h("p", { "data-testid": "description" }, summary.description) : null,
    h("p", { "data-testid": "eligible" }, h("strong", {}, "Who is scored: "), summary.eligibleText),
    summary.scoreText ? h("p", { class: "muted", "data-testid": "score-terms" }, summary.scoreText) : null,
    summary.rules
      ? h(
          "details",
          { "data-testid": "rules" },
          h("summary", {}, "The exact rules"),
          h("p", {}, h("strong", {}, "Goal: "), summary.rules.goal),
          h("p", {}, h("strong", {}, "Scored: "), summary.rules.eligible),
        )
      : null,
  );
}

/** The headline facts of an instance as cards: as-of date and window, people with events, eligible and scored, expected outcomes. */
export function instanceFacts(summary: InstanceSummary): HTMLElement {
  const card = (title: string, value: Child, note: Child, testid: string) => factCard("h2", title, value, note, testid);
  const expected = summary.type === "churn" ? "Expected to churn" : "Expected to convert";
  return h(
    "div",
    { class: "grid grid-cols-4" },
    card("As of", formatDate(summary.asOf), `Window: the next ${formatQuantity(summary.window, "day")}`, "as-of"),
    card("People with events", formatCount(summary.people), "Everyone in the data", "people"),
    card(
      "Eligible and scored",
      formatCount(summary.scored),
      `${formatPercent(summary.people ? summary.scored / summary.people : NaN)} of the people with events`,
      "scored",
    ),
    card(
      expected,
      formatCount(summary.expectedPositives),
      `${formatPercent(summary.scored ? summary.expectedPositives / summary.scored : NaN)} of the scored people (sum of probabilities)`,
      "expected",
    ),
  );
}

/** "0.838 to 0.870": a 95% interval, written like its figure. */
export function intervalText(interval: Interval | undefined, format: (x: number) => string): string | null {
  return interval && Number.isFinite(interval.low) && Number.isFinite(interval.high)
    ? `${format(interval.low)} to ${format(interval.high)}`
    : null;
}

/**
 * The quality rating with the AUC and lift in plain words; with the test's bootstrap intervals (evaluation.json's
 * `intervals`) when given, how far the figures could move by chance.
 */
export function qualitySummary(quality: InstanceSummary["quality"], intervals?: MetricIntervals): HTMLElement {
  const auc = intervalText(intervals?.auc, (x) => formatFixed(x));
  const lift = intervalText(intervals?.topDecileLift, (x) => `${formatNumber(x, 1)}×`);
  return h(
    "div",
    { class: "card" },
    h("h2", {}, "Model quality"),
    h(
      "p",
      {},
      h("span", { class: "big", "data-testid": "quality-rating" }, quality.rating),
      " ",
      h(
        "span",
        { class: "muted" },
        "out-of-time AUC ",
        h("strong", { "data-testid": "auc" }, formatFixed(quality.auc)),
        `, top-decile lift ${formatNumber(quality.topDecileLift, 1)}×`,
      ),
    ),
    h("p", { "data-testid": "quality-text" }, quality.text),
    auc && lift
      ? h(
          "p",
          { class: "muted", "data-testid": "quality-intervals" },
          `95% intervals: AUC ${auc}, top-decile lift ${lift}. They say how much these figures could differ on another sample of the same people, by chance alone (${formatCount(intervals!.resamples)} resamples of the test).`,
        )
      : null,
  );
}

function inputRows(name: string, input: InputReport): Child[][] {
  const rows: Child[][] = [
    [h("strong", {}, name), "Rows read", formatCount(input.rowsRead), "100%", ""],
    [
      "",
      "Rows used",
      formatCount(input.rowsUsed),
      formatPercent(input.rowsRead ? input.rowsUsed / input.rowsRead : NaN),
      "",
    ],
  ];
  for (const entry of input.setAside ?? []) {
    rows.push([
      "",
      `Set aside: ${entry.message}${entry.rule ? ` (rule ${entry.rule})` : ""}`,
      formatCount(entry.rows),
      formatPercent(input.rowsRead ? entry.rows / input.rowsRead : NaN),
      (entry.examples ?? []).join(", "),
    ]);
  }
  return rows;
}

/**
 * The data-quality section: warnings (the instance's and the run's, once each), the row accounting of every
 * input (read, used, set aside by reason with examples) and the instance's data requirements. A run without a
 * report shows a note instead.
 */
export function dataQuality(
  report: Partial<DataQualityReport> | null | undefined,
  summary: Pick<InstanceSummary, "name" | "warnings">,
): HTMLElement {
  const warnings = [...new Set([...(summary.warnings ?? []), ...(report?.warnings ?? [])])];
  const requirements = report?.instances?.find((i) => i.name === summary.name)?.requirements ?? [];
  const accounting: Child[][] = [
    ...(report?.events ? inputRows("Events", report.events) : []),
    ...(report?.profiles ? inputRows("Profiles", report.profiles) : []),
  ];
  return h(
    "div",
    { class: "data-quality", "data-testid": "data-quality" },
    warnings.length
      ? h(
          "div",
          { class: "warning", label: "Data-quality warnings" },
          h(
            "ul",
            { "data-testid": "warnings" },
            warnings.map((w) => h("li", {}, w)),
          ),
        )
      : h("p", { "data-testid": "warnings" }, "No data-quality warnings."),
    report?.events
      ? h(
          "p",
          {},
          `Events from ${report.events.firstEvent ?? "?"} to ${report.events.lastEvent ?? "?"} (UTC): ${formatCount(report.events.events)} events of ${formatCount(report.events.people)} people. `,
          `The as-of date ${report.asOf ?? "?"} comes from ${report.asOfSource === "config" ? "the configuration" : "the last event"}.`,
        )
      : null,
    accounting.length
      ? table(
          [
            { label: "Input" },
            { label: "Rows" },
            { label: "Count", numeric: true },
            { label: "Share", numeric: true },
            { label: "Examples" },
          ],
          accounting,
          { "data-testid": "row-accounting" },
        )
      : h("p", { class: "muted" }, "This run's data-quality report has no row accounting."),
    requirements.length
      ? table(
          [
            { label: "Requirement" },
            { label: "Met" },
            { label: "Found" },
            ...(requirements.every((r) => r.ok) ? [] : [{ label: "What to try" }]),
          ],
          requirements.map((r) => [
            r.check,
            r.ok ? "yes" : "no",
            r.message,
            ...(requirements.every((q) => q.ok) ? [] : [r.ok ? "" : r.hint]),
          ]),
          { "data-testid": "requirements" },
        )
      : null,
  );
}
