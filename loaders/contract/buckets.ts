/**
 * The three buckets people are sorted into, and the rule that assigns them: written by the build (scores.parquet's
 * `bucket` column, the instance summary) and read by the pages.
 */

/** The three buckets, best first. */
export const BUCKETS = ["High", "Medium", "Low"] as const;
export type Bucket = (typeof BUCKETS)[number];

/** How buckets are assigned. */
export interface BucketRule {
  /** What the thresholds apply to. */
  on: "score" | "percentile";
  /** Lowest value of High. */
  high: number;
  /** Lowest value of Medium. */
  medium: number;
}
