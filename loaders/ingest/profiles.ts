/**
 * Ingest of the optional profiles input into the `profiles` table (one row per person): the attribute columns
 * that instances use as features or in eligibility conditions, converted to numbers, booleans, dates or text.
 * Rows without a person id, and later rows of a person already seen, are set aside and counted.
 */
import { UserError } from "../config/errors.js";
import type { ResolvedConfig } from "../config/types.js";
import type { FieldResolver, FieldType } from "../sql/conditions.js";
import {
  type AttributeStorage,
  attributeRef,
  attributeSql,
  dropProfileStagingSql,
  inferTypeSql,
  profileAccountingSql,
  profileCompletenessSql,
  profilePeopleSql,
  profilesTableSql,
  stageProfilesSql,
} from "./profiles-sql.js";
import { PROFILE_REASONS, type ProfileReason } from "./reasons.js";
import { personIdSql } from "./roles.js";
import { describeRow } from "./report.js";
import type { DataQualityReport, SetAsideEntry } from "../contract/data-quality.js";
import type { Session } from "./session.js";
import type { Shard } from "./shard.js";
import {
  type Source,
  dropRejects,
  encodingWarning,
  openSource,
  refuseUnclosedQuote,
  rejectedLines,
  requireColumn,
  unreadableEntries,
} from "./source.js";

/** A profile attribute stored in `profiles` as column `a<index>`. */
export interface StoredAttribute {
  column: string;
  index: number;
  storage: AttributeStorage;
  /** DuckDB type of the source column. */
  sourceType: string;
}

/** What the profiles ingest produced, besides the `profiles` table. */
export interface ProfilesIngest {
  source: Source;
  attributes: StoredAttribute[];
  report: NonNullable<DataQualityReport["profiles"]>;
  warnings: string[];
}

const SAMPLE = 10_000;

/** A profile attribute the configuration uses: its column, where, and the feature kind it asks for (null: a
 * condition's field). */
interface NeededAttribute {
  column: string;
  path: string;
  kind: "numeric" | "categorical" | null;
}

/** The profile attributes the configuration uses: the instances' attributes and eligibility conditions, then the
 * opt-out rule's conditions. */
function neededAttributes(config: ResolvedConfig): NeededAttribute[] {
  const needed: NeededAttribute[] = [];
  for (const inst of config.instances) {
    const at = `instances[${inst.index}]`;
    inst.profileAttributes.forEach((a, j) => {
      needed.push({ column: a.column, path: `${at}.profileAttributes[${j}]`, kind: a.kind });
    });
    inst.eligible.attributes?.conditions.forEach((c, j) => {
      needed.push({ column: c.field, path: `${at}.eligible.attributes.conditions[${j}].field`, kind: null });
    });
  }
  config.privacy.optOut?.conditions.forEach((c, j) => {
    needed.push({ column: c.field, path: `privacy.optOut.conditions[${j}].field`, kind: null });
  });
  return needed;
}

/** Ingests the profiles input, or returns null when there is none (and no instance needs one). */
export async function ingestProfiles(
  session: Session,
  config: ResolvedConfig,
  shard?: Shard,
): Promise<ProfilesIngest | null> {
  const input = config.inputs.profiles;
  const needed = neededAttributes(config);
  if (!input) {
    if (needed.length) {
      const what = `uses profile attribute "${needed[0].column}" but inputs.profiles is not set`;
      throw new UserError("config", `${needed[0].path}: ${what}`);
    }
    return null;
  }
  const source = await openSource(session, input, "inputs.profiles", shard);
  const personColumn = requireColumn(source, input.columns.personId, "person id", "inputs.profiles.columns.personId");
  const person = personIdSql(personColumn, "inputs.profiles.columns.personId");
  const attributes: StoredAttribute[] = [];
  const expressions: string[] = [];
  for (const need of needed) {
    if (attributes.some((a) => a.column === need.column)) continue;
    const column = requireColumn(source, need.column, "profile attribute", need.path);
    let storage = await storageOf(session, source, column.sql, column.fieldType);
    if (need.kind === "categorical") storage = "text";
    if (need.kind === "numeric" && storage === "text") storage = "number";
    attributes.push({ column: need.column, index: attributes.length, storage, sourceType: column.type });
    expressions.push(attributeSql(column.sql, column.fieldType, storage));
  }
  await dropRejects(session, source);
  await session.run(stageProfilesSql(source.reader, person, expressions));
  const acc = await session.row(profileAccountingSql());
  const rejected = await rejectedLines(session, source);
  await refuseUnclosedQuote(source, rejected);
  const describe = (ids: unknown) => {
    return ((ids as number[] | null) ?? []).map((rid) => describeRow(rid, source.files, rejected.skipped));
  };
  const setAside: SetAsideEntry[] = unreadableEntries(rejected);
  const add = (reason: ProfileReason, rows: number, examples: string[]) => {
    const message = PROFILE_REASONS.find((r) => r.key === reason)!.message;
    if (rows > 0) setAside.push({ reason, message, rows, examples });
  };
  add("person_id_missing", Number(acc.missing), describe(acc.missing_examples));
  add("duplicate_person", Number(acc.duplicates), describe(acc.duplicate_examples));
  const rowsRead = Number(acc.read) + rejected.count;
  if (rowsRead === 0) throw new UserError("file_empty", `inputs.profiles: ${source.files[0]} contains no data rows`);
  const comp = await session.row(profileCompletenessSql(attributes.length));
  await session.run(profilesTableSql(attributes.length), dropProfileStagingSql());
  const people = await session.row(profilePeopleSql());
  const total = Math.max(1, Number(comp.rows));
  const columns = [
    { name: personColumn.name, type: personColumn.type, role: "personId", completeness: Number(comp.person) / total },
    ...attributes.map((a) => {
      const completeness = Number(comp[`a${a.index}`]) / total;
      return { name: a.column, type: `${a.storage} (from ${a.sourceType})`, completeness };
    }),
  ];
  return {
    source,
    attributes,
    warnings: encodingWarning(source, rejected),
    report: {
      files: source.files,
      format: source.format,
      rowsRead,
      rowsUsed: Number(acc.used),
      rowsSetAside: setAside.reduce((a, e) => a + e.rows, 0),
      setAside,
      columns,
      people: Number(people.people),
      peopleWithEvents: Number(people.with_events),
    },
  };
}

/** How to store a column: native types map directly; text is inspected (numbers, dates, booleans or text). */
async function storageOf(session: Session, source: Source, sql: string, type: FieldType): Promise<AttributeStorage> {
  if (type === "number") return "number";
  if (type === "boolean") return "boolean";
  if (type === "timestamp") return "date";
  const r = await session.row(inferTypeSql(source.reader, sql, SAMPLE));
  const present = Number(r.present);
  if (present === 0) return "text";
  if (Number(r.numbers) === present) return "number";
  if (Number(r.dates) === present) return "date";
  if (Number(r.booleans) === present) return "boolean";
  return "text";
}

/** Resolves eligibility attribute conditions to columns of `profiles` (alias `pr`). */
export function profileFieldResolver(profiles: ProfilesIngest): FieldResolver {
  return (field, path) => {
    const a = profiles.attributes.find((x) => x.column === field);
    if (!a) throw new UserError("column_missing", `${path}: no profile attribute "${field}"`);
    const types = { number: "number", boolean: "boolean", date: "timestamp", text: "text" } as const;
    const type: FieldType = types[a.storage];
    return { sql: attributeRef(a.index), type };
  };
}
