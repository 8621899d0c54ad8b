/**
 * The condition flags computed once per input row at ingest: each instance's goal, activity, eligibility events,
 * exclusions and custom events become BOOLEAN columns of `events` (identical conditions share one column), so
 * feature and label queries never re-evaluate conditions.
 */
import type { ResolvedConfig, ResolvedGroup } from "../config/types.js";
import { type FieldResolver, compileGroup } from "../sql/conditions.js";

/** Flag columns used by one instance. */
export interface InstanceFlags {
  goal: string;
  /** Events that count as activity; null: every event. */
  activity: string | null;
  /** Events required for eligibility; null: none required. */
  eligibleEvents: string | null;
  /** Events this instance ignores; null: none. */
  exclusion: string | null;
  customEvents: { name: string; label: string; plural: string; column: string }[];
}

/** All flag columns with their SQL, and how instances use them. */
export interface FlagPlan {
  columns: { column: string; sql: string }[];
  instances: InstanceFlags[];
  /** SQL per global exclusion rule (these rows are set aside). */
  exclusions: string[];
  /** SQL: a negative amount is allowed for the row. */
  negativeAllowed: string;
}

/** Compiles every condition of the configuration against the events' fields. */
export function planFlags(config: ResolvedConfig, resolve: FieldResolver): FlagPlan {
  const columns: { column: string; sql: string }[] = [];
  const flag = (sql: string): string => {
    const existing = columns.find((c) => c.sql === sql);
    if (existing) return existing.column;
    const column = `f${columns.length}`;
    columns.push({ column, sql });
    return column;
  };
  const compile = (group: ResolvedGroup, path: string) => compileGroup(group, resolve, path);
  const instances = config.instances.map((inst): InstanceFlags => {
    const path = `instances[${inst.index}]`;
    const exclusion = inst.exclusions.length
      ? flag(inst.exclusions.map((rule, j) => compile(rule, `${path}.exclusions[${j}]`)).join(" OR "))
      : null;
    return {
      goal: flag(compile(inst.goal, `${path}.goal`)),
      activity: inst.eligible.activity ? flag(compile(inst.eligible.activity, `${path}.eligible.activity`)) : null,
      eligibleEvents: inst.eligible.events ? flag(compile(inst.eligible.events, `${path}.eligible.events`)) : null,
      exclusion,
      customEvents: inst.customEvents.map((ce, j) => ({
        name: ce.name,
        label: ce.label,
        plural: ce.plural,
        column: flag(compile(ce, `${path}.customEvents[${j}]`)),
      })),
    };
  });
  const exclusions = config.exclusions.map((rule, i) => compile(rule, `exclusions[${i}]`));
  const neg = config.inputs.events.allowNegativeAmounts;
  const negativeAllowed =
    typeof neg === "boolean" ? (neg ? "TRUE" : "FALSE") : compile(neg, "inputs.events.allowNegativeAmounts");
  return { columns, instances, exclusions, negativeAllowed };
}
