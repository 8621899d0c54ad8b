/**
 * The text parts of the model-quality page: the test in words, the baselines table and what the model adds over
 * them, and the model card (data range, training cutoffs and size, features, hyper-parameters, calibration and
 * why, limits, time taken).
 */
import type { Evaluation, Metrics, ModelCard, Interval } from "../loaders/contract/schema.js";
import { backtestRows, scorers, wilson } from "./charts-quality.js";
import { facts, h, table, type Child } from "./elements.js";
import { intervalText } from "./overview.js";
import { formatCount, formatDate, formatDateRange, formatFixed, formatNumber, formatPercent } from "./format.js";

/** The out-of-time test in one sentence. */
export function testInWords(
  evaluation: Pick<Evaluation, "kind" | "testCutoff" | "testExamples" | "testPositives" | "baseRate">,
): string {
  const outcome = `of whom ${formatCount(evaluation.testPositives)} (${formatPercent(evaluation.baseRate)}) then had the outcome.`;
  if (evaluation.kind === "held-out people") {
    return `Measured on held-out people, not out of time (the history is too short for that): a model trained without ${formatCount(evaluation.testExamples)} people scored them as of ${formatDate(evaluation.testCutoff)}, ${outcome}`;
  }
  return `Measured out of time: a model trained on earlier cutoffs only scored ${formatCount(evaluation.testExamples)} people as of ${formatDate(evaluation.testCutoff)}, ${outcome}`;
}

/**
 * Whether the model under- or over-predicts on the test, in words: the mean predicted probability against the
 * share who had the outcome (the difference in percentage points and relative to the prediction), then the same for
 * the highest-scored group of the detailed calibration curve, with its 95% interval. Within 10% (relative) and one
 * point, the predictions count as matching what happened.
 */
export function calibrationInWords(
  evaluation: Pick<Evaluation, "calibration" | "calibrationDetail" | "baseRate" | "testExamples">,
): string {
  const bins = evaluation.calibrationDetail?.length ? evaluation.calibrationDetail : evaluation.calibration;
  const n = bins.reduce((t, b) => t + b.count, 0);
  if (n === 0) return "The test has no people to compare predictions with.";
  const predicted = bins.reduce((t, b) => t + b.predicted * b.count, 0) / n;
  const observed = evaluation.baseRate;
  const gap = observed - predicted;
  const relative = predicted > 0 ? Math.abs(gap) / predicted : Infinity;
  const points = formatNumber(Math.abs(100 * gap), 1);
  const overall =
    relative <= 0.1 && Math.abs(gap) <= 0.01
      ? `On the test, predictions matched what happened: the model expected ${formatPercent(predicted)} of the people to have the outcome and ${formatPercent(observed)} did.`
      : gap > 0
        ? `On the test, the model under-predicts: it expected ${formatPercent(predicted)} of the people to have the outcome and ${formatPercent(observed)} did, ${points} points more (${formatPercent(relative, 0)} above the prediction). Expected counts are then too low by about as much.`
        : `On the test, the model over-predicts: it expected ${formatPercent(predicted)} of the people to have the outcome and ${formatPercent(observed)} did, ${points} points fewer (${formatPercent(relative, 0)} below the prediction). Expected counts are then too high by about as much.`;
  const top = bins[bins.length - 1]!;
  const share = formatPercent(top.count / n);
  const [lo, hi] = wilson(Math.round(top.observed * top.count), top.count);
  return `${overall} Among the ${share} with the highest probabilities (${formatCount(top.count)} people, ${formatPercent(top.predicted)} predicted on average), ${formatPercent(top.observed)} did (95% interval ${formatPercent(lo)} to ${formatPercent(hi)}).`;
}

/** The backtest as a table: each bucket at each past cutoff, its people, predicted and actual rate with its 95% interval. */
export function backtestTable(backtest: Evaluation["backtest"]): HTMLTableElement {
  return table(
    [
      { label: "Cutoff" },
      { label: "Bucket" },
      { label: "People", numeric: true },
      { label: "Predicted", numeric: true },
      { label: "Actual", numeric: true },
      { label: "95% interval", numeric: true },
    ],
    backtestRows(backtest).map((r) => [
      formatDate(r.cutoff),
      r.bucket,
      formatCount(r.people),
      formatPercent(r.predicted),
      r.people ? formatPercent(r.actual) : "–",
      r.people ? `${formatPercent(r.lo)} to ${formatPercent(r.hi)}` : "–",
    ]),
    { "data-testid": "backtest-table" },
  );
}

/** A figure with its 95% interval below it (the model's row of the baselines table), or the figure alone. */
function withInterval(figure: string, interval: Interval | undefined, format: (x: number) => string): Child {
  const range = intervalText(interval, format);
  return range
    ? h("span", {}, figure, h("br", {}), h("small", { class: "interval", "data-testid": "metric-interval" }, range))
    : figure;
}

/**
 * The model and the baselines side by side: AUC, PR-AUC, log-loss, Brier score, calibration error, top-decile lift;
 * the model's AUC, PR-AUC, calibration error and lift with their 95% intervals when the run has them.
 */
export function baselineTable(evaluation: Pick<Evaluation, keyof Metrics | "baselines" | "intervals">): HTMLElement {
  const iv = evaluation.intervals;
  const tableElement = table(
    [
      { label: "Scorer" },
      { label: "AUC", numeric: true },
      { label: "PR-AUC", numeric: true },
      { label: "Log-loss", numeric: true },
      { label: "Brier", numeric: true },
      { label: "Calibration error", numeric: true },
      { label: "Top-decile lift", numeric: true },
    ],
    scorers(evaluation).map((s) =>
      s.model
        ? [
            h("strong", {}, s.scorer),
            withInterval(formatFixed(s.auc), iv?.auc, (x) => formatFixed(x)),
            withInterval(formatFixed(s.prAuc), iv?.prAuc, (x) => formatFixed(x)),
            formatFixed(s.logLoss),
            formatFixed(s.brier),
            withInterval(formatFixed(s.ece), iv?.ece, (x) => formatFixed(x)),
            withInterval(`${formatNumber(s.topDecileLift, 2)}×`, iv?.topDecileLift, (x) => `${formatNumber(x, 2)}×`),
          ]
        : [
            s.scorer,
            formatFixed(s.auc),
            formatFixed(s.prAuc),
            formatFixed(s.logLoss),
            formatFixed(s.brier),
            formatFixed(s.ece),
            `${formatNumber(s.topDecileLift, 2)}×`,
          ],
    ),
    { "data-testid": "baselines" },
  );
  return h(
    "div",
    {},
    h(
      "div",
      { class: "table-scroll", role: "region", "aria-label": "The model and the simple rules", tabindex: 0 },
      tableElement,
    ),
    iv
      ? h(
          "p",
          { class: "muted" },
          `Below the model's figures: their 95% intervals, from ${formatCount(iv.resamples)} resamples of the test's people.`,
        )
      : null,
  );
}

/**
 * Whether the model's lead over the best baseline is more than chance, in words: the model's AUC interval against
 * the best baseline's AUC (null without intervals or baselines).
 */
export function leadInWords(evaluation: Pick<Evaluation, "auc" | "baselines" | "intervals">): string | null {
  const iv = evaluation.intervals?.auc;
  if (!iv || evaluation.baselines.length === 0) return null;
  const best = [...evaluation.baselines].sort((a, b) => b.auc - a.auc)[0]!;
  const range = `${formatFixed(iv.low)} to ${formatFixed(iv.high)}`;
  if (iv.low > best.auc)
    return `The model's AUC could be anywhere from ${range} by chance (95% interval), all of it above ${best.label}'s ${formatFixed(best.auc)}: its lead is not luck of the sample.`;
  if (iv.high < best.auc)
    return `The model's AUC could be anywhere from ${range} by chance (95% interval), all of it below ${best.label}'s ${formatFixed(best.auc)}.`;
  return `The model's AUC could be anywhere from ${range} by chance (95% interval), which includes ${best.label}'s ${formatFixed(best.auc)}: on this test the two cannot be told apart for certain.`;
}

/**
 * What the model adds over the best baseline (by AUC), in words: the AUC, top-decile lift and log-loss
 * differences; says so plainly when a baseline does as well or better.
 */
export function modelAdds(evaluation: Pick<Evaluation, keyof Metrics | "baselines">): string {
  if (evaluation.baselines.length === 0) return "No baseline was measured in this run.";
  const best = [...evaluation.baselines].sort((a, b) => b.auc - a.auc)[0]!;
  const others = evaluation.baselines.filter((b) => b !== best);
  const gain = evaluation.auc - best.auc;
  const rest = others
    .map((b) => ` and ${formatFixed(evaluation.auc - b.auc, 3)} above ${b.label} (${formatFixed(b.auc)})`)
    .join("");
  const lift = `Its top 10% have ${formatNumber(evaluation.topDecileLift, 1)} times the average outcome rate, against ${formatNumber(best.topDecileLift, 1)} for ${best.label}.`;
  const loss =
    evaluation.logLoss < best.logLoss
      ? `Its probabilities are also better (log-loss ${formatFixed(evaluation.logLoss)} against ${formatFixed(best.logLoss)}; lower is better).`
      : `Its log-loss is ${formatFixed(evaluation.logLoss)} against ${formatFixed(best.logLoss)} for ${best.label} (lower is better).`;
  if (gain <= 0.005) {
    return `The model ranks people no better than the best baseline, ${best.label} (AUC ${formatFixed(evaluation.auc)} against ${formatFixed(best.auc)}): for this goal, simple recency and frequency already carry most of the signal. ${lift} ${loss}`;
  }
  return `The model ranks people better than the simple rules: its AUC is ${formatFixed(evaluation.auc)}, ${formatFixed(gain)} above the best baseline, ${best.label} (${formatFixed(best.auc)})${rest}. ${lift} ${loss}`;
}

/** Hyper-parameter names (loaders/model GBDTParams) in words; others show their own name. */
const PARAM_WORDS: Record<string, string> = {
  nTrees: "Trees (at most)",
  learningRate: "Learning rate",
  maxDepth: "Depth (at most)",
  maxLeaves: "Leaves per tree (at most)",
  growPolicy: "Growth order",
  lambda: "L2 regularisation (lambda)",
  minChildWeight: "Minimum child weight",
  minSplitGain: "Minimum split gain",
  subsample: "Rows sampled per tree",
  colsampleByTree: "Features sampled per tree",
  colsampleByNode: "Features sampled per split",
  maxBins: "Histogram bins (at most)",
  earlyStoppingRounds: "Early stopping after rounds without improvement",
  earlyStoppingMetric: "Early stopping metric",
  baseScore: "Initial margin",
  catSmooth: "Category smoothing",
  seed: "Random seed",
  nThreads: "Threads",
};

function paramValue(value: number | string | boolean): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "number") return formatNumber(value, 4);
  return value;
}

/** Cutoffs in words: "at 23 past dates, 1 Apr 2026 to 1 Oct 2026". */
export function cutoffsInWords(cutoffs: readonly string[]): string {
  if (cutoffs.length === 0) return "at no past date";
  if (cutoffs.length === 1) return `at 1 past date, ${formatDate(cutoffs[0]!)}`;
  return `at ${formatCount(cutoffs.length)} past dates, ${formatDate(cutoffs[0]!)} to ${formatDate(cutoffs[cutoffs.length - 1]!)}`;
}

/** The model card as a definition list plus tables of hyper-parameters and limits. */
export function modelCard(card: ModelCard): HTMLElement {
  const calibration = card.calibration;
  return h(
    "div",
    { class: "model-card", "data-testid": "model-card" },
    facts([
      ["Data", `Events from ${formatDateRange(card.dataRange)}`],
      [
        "Scores",
        `From a model that learned from every past period whose outcome is known, up to the as-of date: ${formatCount(card.scoringModel.examples)} examples (${formatCount(card.scoringModel.positives)} with the outcome) ${cutoffsInWords(card.scoringModel.cutoffs)}, ${formatCount(card.scoringModel.trees)} trees`,
      ],
      [
        "Quality measured with",
        `A model that learned only from earlier periods: ${formatCount(card.trainingExamples)} examples (${formatCount(card.trainingPositives)} positive, ${formatPercent(card.trainingExamples ? card.trainingPositives / card.trainingExamples : NaN)}) ${cutoffsInWords(card.trainingCutoffs)}, ${formatCount(card.trees)} trees`,
      ],
      ["Validation", `${formatCount(card.validationExamples)} examples (early stopping and calibration)`],
      [
        "Test",
        card.evaluation === "held-out people"
          ? `${formatCount(card.testExamples)} held-out people (${formatCount(card.testPositives)} positive) as of ${formatDate(card.testCutoff)}; the history is too short for an out-of-time test`
          : `${formatCount(card.testExamples)} examples (${formatCount(card.testPositives)} positive) as of ${formatDate(card.testCutoff)}, after every training window of the evaluation model`,
      ],
      ["Model", `Gradient-boosted trees on ${formatCount(card.features)} features`],
      [
        "Calibration",
        `${calibration.method === "platt" ? "Platt scaling" : "Isotonic regression"}. ${calibration.why}`,
      ],
      [
        "Held-out log-loss",
        `Platt ${formatFixed(calibration.logLoss.platt, 4)}, isotonic ${formatFixed(calibration.logLoss.isotonic, 4)}, uncalibrated ${formatFixed(calibration.logLoss.uncalibrated, 4)}`,
      ],
    ]),
    h("h3", {}, "Hyper-parameters"),
    table(
      [{ label: "Parameter" }, { label: "Value", numeric: true }],
      Object.entries(card.params ?? {}).map(([key, value]) => [PARAM_WORDS[key] ?? key, paramValue(value)]),
      { "data-testid": "model-params" },
    ),
    h("h3", {}, "Limits"),
    card.limits.length
      ? h(
          "ul",
          { "data-testid": "model-limits" },
          card.limits.map((l) => h("li", {}, l)),
        )
      : h("p", {}, "None recorded."),
  );
}
