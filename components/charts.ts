/**
 * The site's charts, drawn with Observable Plot from the JSON shapes of a scoring run (loaders/contract/schema.ts).
 * Every function takes `{width}` (Framework's reactive width) and returns an element to display; colours come
 * from the Framework theme so light and dark themes both read well. Grouped by page:
 * - overview (`charts-overview.ts`): score distribution, people per bucket;
 * - quality (`charts-quality.ts`): ROC, lift, cumulative gains, calibration, baselines, backtest;
 * - factors (`charts-factors.ts`): global importance, bucket factor cards, a factor's distribution, coverage,
 *   value-range likelihood and value-contribution scatter;
 * - person (`charts-person.ts`): the score waterfall.
 */
export { scoreDistribution, bucketCounts } from "./charts-overview.js";
export {
  rocChart,
  liftChart,
  gainsChart,
  calibrationChart,
  baselineChart,
  backtestChart,
  scorers,
} from "./charts-quality.js";
export {
  importanceChart,
  bucketFactorChart,
  factorDistribution,
  factorCoverage,
  valueRangeChart,
  valueContributionScatter,
  typicalValue,
} from "./charts-factors.js";
export { waterfall, type WaterfallFactor, type WaterfallTotals } from "./charts-person.js";
export { BUCKET_COLORS, DIRECTION_COLORS, type ChartOptions } from "./chart-style.js";
