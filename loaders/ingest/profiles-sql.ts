/**
 * SQL of the profiles input: staging with person ids and converted attribute columns, the set-aside summary
 * (missing ids, later rows of the same person), and the canonical `profiles` table (one row per person, the
 * first row in file order).
 */
import { ROW_ID_FILE_FACTOR, trimmedTextSql } from "./sql.js";
import { ident, int } from "../sql/quote.js";

/** How a profile attribute is stored. */
export type AttributeStorage = "number" | "boolean" | "date" | "text";

/** SQL converting a source column (of DuckDB type family `from`) to the storage type. */
export function attributeSql(
  sql: string,
  from: "text" | "number" | "boolean" | "timestamp" | "other",
  to: AttributeStorage,
): string {
  const text = trimmedTextSql(sql);
  switch (to) {
    case "number":
      return from === "number" || from === "boolean" ? `CAST(${sql} AS DOUBLE)` : `TRY_CAST(${text} AS DOUBLE)`;
    case "boolean":
      return from === "boolean" ? sql : `TRY_CAST(${text} AS BOOLEAN)`;
    case "date":
      return from === "timestamp" ? `CAST(${sql} AS DATE)` : `TRY_CAST(${text} AS DATE)`;
    case "text":
      return text;
  }
}

/** Counts telling which type a text column holds (over its first rows). */
export function inferTypeSql(reader: string, sql: string, sample: number): string {
  const v = trimmedTextSql(sql);
  return `SELECT count(v) AS present, count(TRY_CAST(v AS DOUBLE)) AS numbers, count(TRY_CAST(v AS DATE)) AS dates,
      count(TRY_CAST(v AS BOOLEAN)) AS booleans
    FROM (SELECT ${v} AS v FROM (${reader}) LIMIT ${int(sample)})`;
}

/** Creates `pr_staged` (row id, person, pk, attributes as `a0`, `a1`, ...). */
export function stageProfilesSql(reader: string, person: string, attributes: readonly string[]): string {
  const columns = attributes.map((_, i) => `, a${i}`).join("");
  return `CREATE OR REPLACE TABLE pr_staged AS SELECT _rid, person, hash(person) AS pk${columns},
      row_number() OVER (PARTITION BY person ORDER BY _rid) AS rn
    FROM (SELECT (_file::BIGINT * ${ROW_ID_FILE_FACTOR} + _row)::BIGINT AS _rid, ${person} AS person
      ${attributes.map((a, i) => `, ${a} AS a${i}`).join("")} FROM (${reader}))`;
}

/** Rows read, used, and per reason the count and first five row ids. */
export function profileAccountingSql(): string {
  return `SELECT count(*) AS read,
      count(*) FILTER (person IS NOT NULL AND rn = 1) AS used,
      count(*) FILTER (person IS NULL) AS missing, min(_rid, 5) FILTER (person IS NULL) AS missing_examples,
      count(*) FILTER (person IS NOT NULL AND rn > 1) AS duplicates,
      min(_rid, 5) FILTER (person IS NOT NULL AND rn > 1) AS duplicate_examples
    FROM pr_staged`;
}

/** Creates `profiles(pk, a0, a1, ...)` from the first row of each person. */
export function profilesTableSql(attributes: number): string {
  const cols = Array.from({ length: attributes }, (_, i) => `, a${i}`).join("");
  return `CREATE OR REPLACE TABLE profiles AS SELECT pk${cols} FROM pr_staged WHERE person IS NOT NULL AND rn = 1`;
}

/** People with a profile, and of them those with events. */
export function profilePeopleSql(): string {
  return `SELECT count(*) AS people, count(*) FILTER (pk IN (SELECT pk FROM people)) AS with_events FROM profiles`;
}

/** Completeness of the staged attribute columns over all rows read. */
export function profileCompletenessSql(attributes: number): string {
  const parts = Array.from({ length: attributes }, (_, i) => `, count(a${i}) AS a${i}`).join("");
  return `SELECT count(*) AS rows, count(person) AS person${parts} FROM pr_staged`;
}

/** Drops the staging table. */
export function dropProfileStagingSql(): string {
  return `DROP TABLE IF EXISTS pr_staged`;
}

/** Reference to attribute `i` of the `profiles` table under alias `pr`. */
export function attributeRef(i: number): string {
  return `pr.${ident(`a${i}`)}`;
}
