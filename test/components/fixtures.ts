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
