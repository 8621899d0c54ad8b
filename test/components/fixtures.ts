/** Feature descriptions shared by the segment tests. */
import type { InstanceSummary } from "../../loaders/contract/schema.js";

/** A categorical profile feature with three tiers, as the build describes it. */
export const LOYALTY_TIER: InstanceSummary["features"][number] = {
  name: "tier",
  label: "Loyalty tier",
  kind: "categorical",
  unit: null,
  group: "Profile",
  categories: ["none", "silver", "gold"],
};

/** The score columns of a person of a test table (scores.parquet's first five columns). */
export interface ScoredRow {
  id: string;
  probability: number;
  score: number;
  percentile: number;
  bucket: string;
}
