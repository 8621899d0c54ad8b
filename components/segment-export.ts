/**
 * Segments in words and ready for activation: a segment described in plain words, its definition as labelled JSON
 * (feature labels and category names, importable again by `importSegment` in segment-io.ts) and as readable SQL
 * over the documented scores table, and its members as CSV with their top reasons in words.
 *
 * The scores table is the instance's `scores.parquet` (README, "Outputs"; `npm run score` writes it to
 * `scores/<instance>/scores.parquet` and the segments page offers the site's copy): `id, probability, score,
 * percentile, bucket, top1..top3` (feature codes) and `f_<code>` feature columns (categories as codes). The SQL
 * names the columns it uses by their labels and turns codes into names, so it reads like the page.
 *
 * Pure logic, unit-tested in Node (test/components/segment.test.ts).
 */
import type { FeatureInfo } from "../loaders/contract/schema.js";
import { formatAmount, formatNumber } from "./format.js";
import {
  columnOf,
  compileReadable,
  factorRank,
  isGroup,
  matchesEveryone,
  quoteName,
  sqlLiteral,
  VALUE_PERCENTILE_SQL,
  type ColumnInfo,
  type Condition,
  type Segment,
} from "./segment.js";
import { toCsv } from "./segment-io.js";

/** "a", "a or b", "a, b or c". */
function oneOf(items: string[], word = "or"): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} ${word} ${items[items.length - 1]}`;
}

/** The label of a category code (or a bucket name), "missing" for null. */
function valueLabel(column: ColumnInfo, value: number | string | null): string {
  if (value === null) return "missing";
  if (column.textValues || typeof value === "string") return String(value);
  return column.categories?.[value] ?? String(value);
}

function describeRange(column: ColumnInfo, values: Condition["value"]): string {
  const [low, high] = values.map((v) => (v === null || v === undefined ? null : Number(v)));
  const n = (x: number) => (column.unit === "amount" ? formatAmount(x, column.currency) : formatNumber(x, 2));
  // "Score (0-100)" reads "Score" in a sentence.
  const label = column.label.replace(/ \(\d+-\d+\)$/, "");
  if (low === null && high === null) return `${label}: any value`;
  if (low === null) return `${label} is at most ${n(high!)}`;
  if (high === null) return `${label} is at least ${n(low)}`;
  return `${label} is ${n(Math.min(low, high))} to ${n(Math.max(low, high))}`;
}

function describeFactor(column: ColumnInfo, condition: Condition): string {
  const rank = factorRank(condition);
  const labels = condition.value.map((v) => valueLabel(column, v));
  if (labels.length === 0) return "Influential factor: any";
  if (rank === 1) return `the top factor is ${oneOf(labels)}`;
  return `${oneOf(labels)} ${labels.length === 1 ? "is" : "are"} among the top ${rank} factors`;
}

/** One condition in plain words: "Percentile is 81 to 100", "Loyalty tier is gold or platinum", ... */
export function describeCondition(condition: Condition, columns: ColumnInfo[]): string {
  const column = columnOf(columns, condition.field);
  if (column.kind === "factor") return describeFactor(column, condition);
  if (condition.op === "missing") return `${column.label} is missing`;
  if (condition.op === "between") return describeRange(column, condition.value);
  if (condition.op === "contains") {
    const text = String(condition.value[0] ?? "");
    return text === "" ? "Id: any" : `Id contains "${text}"`;
  }
  if (condition.value.length === 0) return `${column.label}: any value`;
  return `${column.label} is ${oneOf(condition.value.map((v) => valueLabel(column, v)))}`;
}

/** A segment in plain words: "Percentile is 81 to 100 and loyalty tier is gold"; "Everyone scored" when empty. */
export function describeSegment(segment: Segment, columns: ColumnInfo[], nested = false): string {
  const active = segment.conditions.filter((c) => isGroup(c) || !matchesEveryone(c));
  if (active.length === 0) return nested ? "everyone" : "Everyone scored";
  const parts = active.map((c) =>
    isGroup(c) ? `(${describeSegment(c, columns, true)})` : describeCondition(c, columns),
  );
  // Another instance's label is a name: it keeps its capitals inside a sentence.
  const named = active.map((c) => !isGroup(c) && columns.some((k) => k.field === c.field && k.source));
  const text = parts
    .map((p, i) => ((i === 0 && !nested) || named[i] ? p : lowerFirst(p)))
    .join(segment.match === "any" ? " or " : " and ");
  return nested ? text : text[0]!.toUpperCase() + text.slice(1);
}

/** "Loyalty tier is gold" → "loyalty tier is gold" inside a sentence; "US customers" stays. */
function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

/** A condition of the labelled definition: the builder's form plus labels, with names instead of codes. */
export interface LabelledCondition {
  field: string;
  /** The column's label, and the condition in words. */
  label: string;
  text: string;
  op: Condition["op"];
  /** Numbers for ranges; category names (null = missing) and factor labels instead of codes. */
  value: (number | string | null)[];
  rank?: number;
  /** Explorer columns: the feature's stable name; factor conditions: the chosen features' names. */
  feature?: string;
  features?: string[];
  /** Conditions on another instance's scores: that instance's name and label, and its column. */
  instance?: { name: string; label: string; column: string };
}

/** A group of labelled conditions. */
export interface LabelledGroup {
  match: "all" | "any";
  conditions: (LabelledCondition | LabelledGroup)[];
}

/** The labelled definition (the JSON export). */
export interface LabelledSegment extends LabelledGroup {
  format: "customer-ai-segment";
  version: 2;
  name: string;
  instance: string;
  goal: string;
  asOf: string;
  /** The segment in words. */
  description: string;
  /** Members when exported. */
  people?: number;
}

function labelCondition(condition: Condition, columns: ColumnInfo[]): LabelledCondition {
  const column = columnOf(columns, condition.field);
  const labelled: LabelledCondition = {
    field: condition.field,
    label: column.label,
    text: describeCondition(condition, columns),
    op: condition.op,
    value: [...condition.value],
  };
  if (column.kind === "factor") {
    labelled.rank = factorRank(condition);
    labelled.value = condition.value.map((v) => valueLabel(column, v));
    labelled.features = condition.value.map((v) => column.names?.[Number(v)] ?? String(v));
  } else if (column.kind === "categorical" && condition.op === "in") {
    labelled.value = condition.value.map((v) => (v === null ? null : valueLabel(column, v)));
  }
  if (column.name) labelled.feature = column.name;
  if (column.source)
    labelled.instance = { name: column.source.instance, label: column.source.label, column: column.source.column };
  return labelled;
}

function labelGroup(segment: Segment, columns: ColumnInfo[]): LabelledGroup {
  return {
    match: segment.match,
    conditions: segment.conditions.map((c) => (isGroup(c) ? labelGroup(c, columns) : labelCondition(c, columns))),
  };
}

/** What an export says about where the segment comes from. */
export interface ExportContext {
  /** The segment's name ("Ready to buy", a saved name, or "Custom segment"). */
  name: string;
  instance: string;
  /** The instance's label, e.g. "Purchase within 30 days". */
  goal: string;
  asOf: string;
  people?: number;
  /** How the people are ordered: by probability (default) or by expected value, highest first. */
  sort?: "probability" | "expected_value";
}

/** The segment as labelled JSON: readable, and importable again (`importSegment`). */
export function labelledSegment(segment: Segment, columns: ColumnInfo[], context: ExportContext): LabelledSegment {
  const { name, instance, goal, asOf, people } = context;
  const description = describeSegment(segment, columns);
  return {
    format: "customer-ai-segment",
    version: 2,
    name,
    instance,
    goal,
    asOf,
    description,
    ...(people === undefined ? {} : { people }),
    ...labelGroup(segment, columns),
  };
}

/** The fields a segment uses, nested groups included. */
function usedConditions(segment: Segment): Condition[] {
  return segment.conditions.flatMap((c) => (isGroup(c) ? usedConditions(c) : [c]));
}

/** Text for a one-line SQL comment (no line breaks). */
function commentText(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, " ");
}

const BASE_COLUMNS = ["id", "probability", "score", "percentile", "bucket"];

/** The table name the readable SQL gives another instance's scores table: `scores_<instance>`. */
export function otherTable(instance: string, table = "scores"): string {
  return `${table}_${instance}`;
}

/** The labelled columns of the readable SQL: `CASE` over codes for categories and factors, plain aliases for
 * numbers, the value percentile computed, and other instances' columns joined by id. */
function labelledColumns(
  segment: Segment,
  columns: ColumnInfo[],
  extra: string[],
  table: string,
): {
  select: string[];
  alias: Map<string, string>;
  factorRanks: number;
  joins: string[];
  shown: string[];
  others: { instance: string; label: string; table: string }[];
} {
  const conditions = usedConditions(segment);
  const taken = new Set(BASE_COLUMNS);
  const unique = (label: string) => {
    let name = label;
    for (let i = 2; taken.has(name.toLowerCase()); i++) name = `${label} (${i})`;
    taken.add(name.toLowerCase());
    return name;
  };
  const alias = new Map<string, string>();
  const select: string[] = [];
  const linked = new Map<string, { label: string; parts: string[] }>();
  const shown: string[] = [];
  for (const field of new Set([...conditions.map((c) => c.field), ...extra])) {
    const column = columnOf(columns, field);
    if (column.kind === "factor" || BASE_COLUMNS.includes(field)) continue;
    const name = unique(column.label);
    alias.set(field, name);
    if (column.source) {
      const other = linked.get(column.source.instance) ?? { label: column.source.label, parts: [] };
      other.parts.push(`${quoteName(column.source.column)} AS ${quoteName(name)}`);
      linked.set(column.source.instance, other);
      select.push(quoteName(name));
      shown.push(name);
    } else if (field === "value_percentile") {
      select.push(`${VALUE_PERCENTILE_SQL} AS ${quoteName(name)}`);
    } else if (column.kind === "categorical" && !column.textValues) {
      const cases = (column.categories ?? []).map((label, code) => `WHEN ${code} THEN ${sqlLiteral(label)}`).join(" ");
      select.push(`CASE "${field}" ${cases} END AS ${quoteName(name)}`);
    } else select.push(`"${field}" AS ${quoteName(name)}`);
    if (extra.includes(field) && !shown.includes(name)) shown.push(name);
  }
  const factors = conditions.filter((c) => c.field === "factor");
  const factorRanks = Math.max(0, ...factors.map((c) => factorRank(c)));
  const codes = [...new Set(factors.flatMap((c) => c.value.map(Number)))].sort((a, b) => a - b);
  const factor = columns.find((c) => c.kind === "factor");
  for (let rank = 1; rank <= factorRanks && codes.length > 0; rank++) {
    const cases = codes
      .map((code) => `WHEN ${code} THEN ${sqlLiteral(factor?.categories?.[code] ?? String(code))}`)
      .join(" ");
    select.push(`CASE "top${rank}" ${cases} END AS ${quoteName(unique(`Top factor ${rank}`))}`);
  }
  const others = [...linked.entries()].map(([instance, o]) => ({
    instance,
    label: o.label,
    table: otherTable(instance, table),
  }));
  const joins = [...linked.entries()].map(
    ([instance, o]) =>
      `LEFT JOIN (SELECT id, ${o.parts.join(", ")} FROM ${quoteName(otherTable(instance, table))}) USING (id)`,
  );
  return { select, alias, factorRanks: codes.length > 0 ? factorRanks : 0, joins, shown, others };
}

/**
 * The segment as SQL people can read and run on the scores table (`table`, the instance's scores.parquet): the
 * columns it uses are given their labels and their category names, then each condition is one line with its
 * words as a comment. Conditions on another instance's scores join that instance's scores table
 * (`scores_<instance>`) by id, so that people it did not score match none of them; the people are ordered by
 * probability, or by expected value (`context.sort`).
 */
export function readableSql(segment: Segment, columns: ColumnInfo[], context: ExportContext, table = "scores"): string {
  const byValue = context.sort === "expected_value" && columns.some((c) => c.field === "expected_value");
  const { select, alias, factorRanks, joins, shown, others } = labelledColumns(
    segment,
    columns,
    byValue ? ["expected_value"] : [],
    table,
  );
  const name = {
    column: (c: ColumnInfo) => quoteName(alias.get(c.field) ?? c.field),
    top: (rank: number) => quoteName(`Top factor ${rank}`),
  };
  const active = segment.conditions.filter((c) => isGroup(c) || !matchesEveryone(c));
  const joiner = segment.match === "any" ? "\n   OR " : "\n  AND ";
  const lines = active.map((c) => {
    const sql = compileReadable(isGroup(c) ? c : { match: "all", conditions: [c] }, columns, name);
    const words = isGroup(c) ? describeSegment(c, columns, true) : describeCondition(c, columns);
    return `${isGroup(c) ? `(${sql})` : sql}  -- ${commentText(words)}`;
  });
  const header = [
    `-- Segment "${commentText(context.name)}" of ${commentText(context.goal)}, scores as of ${context.asOf}.`,
    `-- Who: ${commentText(describeSegment(segment, columns))}.`,
    `-- Runs on the table "${table}": this instance's scores.parquet, one row per scored person (id, probability,`,
    "-- score, percentile, bucket, top1..top3 factor codes, f_<code> features). In DuckDB, for example:",
    `--   CREATE VIEW ${table} AS SELECT * FROM read_parquet('${commentText(context.instance)}-scores.parquet');`,
  ];
  for (const other of others) {
    header.push(
      `-- and on "${other.table}": the scores.parquet of ${commentText(other.label)} (that instance's segments page offers it),`,
      `-- joined by id; people it did not score match none of its conditions:`,
      `--   CREATE VIEW ${quoteName(other.table)} AS SELECT * FROM read_parquet('${commentText(other.instance)}-scores.parquet');`,
    );
  }
  if (columns.some((c) => c.field === "value_percentile") && alias.has("value_percentile")) {
    header.push(
      "-- Expected value percentile: among the people with an expected value, the share whose value is at or below theirs (1-100).",
    );
  }
  if (factorRanks > 0)
    header.push("-- Top factor 1, 2, 3: the person's most influential factors, named when this segment asks for them.");
  const extra = select.map((s) => `,\n    ${s}`).join("");
  const from = [quoteName(table), ...joins].join("\n  ");
  const output = ["id", "probability", "score", "percentile", "bucket", ...shown.map(quoteName)].join(", ");
  const order = byValue ? `${quoteName(alias.get("expected_value")!)} DESC NULLS LAST, id` : "probability DESC, id";
  return `${header.join("\n")}
WITH people AS (
  SELECT id, probability, score, percentile, bucket${extra}
  FROM ${from}
)
SELECT ${output}
FROM people
WHERE ${lines.length === 0 ? "TRUE  -- everyone" : lines.join(joiner)}
ORDER BY ${order};
`;
}

/** A member of a segment as the CSV export queries them: the scores columns and the chosen attribute columns. */
export type MemberRow = Record<string, unknown> & {
  id: string;
  probability: number;
  score: number;
  percentile: number;
  bucket: string;
};

/** One of a person's top factors as factors.parquet holds it. */
export interface Reason {
  rank: number;
  feature: number;
  contribution: number;
  value: string | null;
}

/** A reason in words: "Cart adds in the last 90 days: 3 (raises the likelihood)". */
export function reasonText(reason: Reason, features: FeatureInfo[], type: "conversion" | "churn"): string {
  const label = features[reason.feature]?.label ?? `Feature ${reason.feature}`;
  const what = type === "churn" ? "risk" : "likelihood";
  const direction =
    reason.contribution > 0 ? `raises the ${what}` : reason.contribution < 0 ? `lowers the ${what}` : "no effect";
  return `${label}: ${reason.value ?? "missing"} (${direction})`;
}

/** A number for the CSV: FLOAT columns to six significant digits (0.1 rather than 0.10000000149011612). */
function csvNumber(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? Number(value.toPrecision(6)) : null;
}

/**
 * The members as CSV for activation: id, score, probability, percentile, bucket, the top 3 reasons in words, then
 * the chosen attributes by label (category names, numbers as numbers).
 */
export function membersCsv(
  rows: MemberRow[],
  reasons: Map<string, Reason[]>,
  attributes: ColumnInfo[],
  features: FeatureInfo[],
  type: "conversion" | "churn",
): string {
  const taken = new Set(["id", "score", "probability", "percentile", "bucket", "reason_1", "reason_2", "reason_3"]);
  const headers = attributes.map((a) => {
    let name = a.label;
    for (let i = 2; taken.has(name); i++) name = `${a.label} (${i})`;
    taken.add(name);
    return name;
  });
  const out = rows.map((row) => {
    const line: Record<string, unknown> = {
      id: row.id,
      score: row.score,
      probability: csvNumber(row.probability),
      percentile: row.percentile,
      bucket: row.bucket,
    };
    const top = (reasons.get(row.id) ?? []).filter((r) => r.rank >= 1 && r.rank <= 3).sort((a, b) => a.rank - b.rank);
    top.forEach((r, i) => (line[`reason_${i + 1}`] = reasonText(r, features, type)));
    attributes.forEach((a, i) => {
      const value = row[a.field];
      line[headers[i]!] =
        a.kind === "categorical"
          ? value === null || value === undefined
            ? null
            : valueLabel(a, value as number)
          : csvNumber(value);
    });
    return line;
  });
  return toCsv(out, [...taken]);
}
