/**
 * Builds an instance's feature sets (training, out-of-time test, scoring) as column-major Float32 matrices.
 * All cutoffs are computed together: one DuckDB query for the per-kind statistics and one for the person-level
 * features, each joining every event to the examples whose lookback holds it (measured 5x faster than one pass
 * per cutoff at 1M people). Results are read chunk by chunk and scattered into the matrices by row position;
 * rows are ordered by person id, then cutoff date, so the same data and configuration give identical matrices.
 */
import type { IngestResult } from "../ingest/ingest.js";
import type { Session } from "../ingest/session.js";
import {
  type CutoffSql,
  PART_CODES,
  dailyFlagsSql,
  dailyTypesSql,
  dropInstanceTablesSql,
  kindStatsSql,
  peopleIdsSql,
  personFeaturesSql,
  setRowsSql,
} from "../sql/features.js";
import { personSqlParts } from "../sql/person.js";
import { type FeatureDef, personColumn, regularityColumn, statsPerKind } from "./catalogue.js";
import type { CutoffInfo, InstancePlan } from "./plan.js";
import { forEachChunk, numberAt } from "./read.js";

/** The examples of one set and their features. */
export interface FeatureSet {
  part: "train" | "test" | "score";
  rows: number;
  /** Person of each row: index into `InstanceFeatures.people`. */
  person: Int32Array;
  /** Cutoff of each row: index into `InstanceFeatures.cutoffs`. */
  cutoff: Uint16Array;
  /** Label of each row (1 = positive class: the goal occurs for conversion, does not occur for churn); null for
   * the scoring set. */
  labels: Uint8Array | null;
  /** Column-major features: feature `j` of row `i` is `matrix[j * rows + i]`; NaN = missing; categorical
   * features hold integer codes into `catalogue[j].categories`. */
  matrix: Float32Array;
}

/** All feature sets of an instance with the catalogue. */
export interface InstanceFeatures {
  instance: string;
  type: "conversion" | "churn";
  window: number;
  /** The scoring as-of date (YYYY-MM-DD). */
  asOf: string;
  catalogue: FeatureDef[];
  cutoffs: CutoffInfo[];
  /** Person ids by index (shared by all sets). */
  people: string[];
  train: FeatureSet;
  test: FeatureSet;
  score: FeatureSet;
}

const PARTS = ["train", "test", "score"] as const;

/** Reads the person ids of the `people` table, by index. */
export async function readPeople(session: Session): Promise<string[]> {
  const ids: string[] = [];
  await forEachChunk(session, peopleIdsSql(), (cols, n) => {
    for (let i = 0; i < n; i++) ids.push(String(cols[0].getItem(i)));
  });
  return ids;
}

/** Computes the training, test and scoring sets of a planned instance. */
export async function buildFeatures(
  session: Session,
  ingest: IngestResult,
  plan: InstancePlan,
  options: { people?: string[]; onProgress?: (message: string) => void } = {},
): Promise<InstanceFeatures> {
  const { layout, catalogue } = plan;
  const progress = (step: string, started: number) =>
    options.onProgress?.(`${plan.instance.name}: ${step} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  let started = Date.now();
  const people = options.people ?? (await readPeople(session));
  const sets = PARTS.map((part) => emptySet(part, plan));
  await forEachChunk(session, setRowsSql(plan.tables.rows), (cols, n) => {
    for (let i = 0; i < n; i++) {
      const set = sets[Number(cols[0].getItem(i))];
      const pos = Number(cols[1].getItem(i));
      set.person[pos] = Number(cols[2].getItem(i));
      set.cutoff[pos] = Number(cols[3].getItem(i));
      if (set.labels) set.labels[pos] = Number(cols[4].getItem(i));
    }
  });
  progress(`examples: ${sets.map((s) => `${s.rows} ${s.part}`).join(", ")}`, started);

  const cutoffs: CutoffSql[] = plan.cutoffs.map((c) => ({ cut: c.index, day: c.day, part: c.part, sample: c.sample }));
  const spk = statsPerKind(layout);
  const kinds = layout.kinds.map((k) => ({ type: k.type, flag: k.flag }));
  started = Date.now();
  await session.run(
    dailyTypesSql(plan.tables.dailyTypes, plan.flags.exclusion),
    dailyFlagsSql(plan.tables.dailyFlags, plan.tables.dailyTypes, kinds, plan.flags.exclusion),
  );
  progress("daily event counts", started);
  started = Date.now();
  const kindSql = kindStatsSql(
    { rows: plan.tables.rows, dailyTypes: plan.tables.dailyTypes, dailyFlags: plan.tables.dailyFlags, lookback: layout.lookback, windows: layout.windows, kinds, trend: layout.trend },
    cutoffs,
  );
  // Output columns: part, pos, kind, counts per window and lookback, since last, since first, active days, trend,
  // gap, overdue. The trend is skipped when the layout has none; gap and overdue feed the regularity features.
  const stats = layout.windows.length + 4;
  const trendAt = layout.trend ? 3 + stats : -1;
  const gapAt = 3 + stats + 1;
  const regularity = layout.regularity;
  const regBase = regularityColumn(layout);
  await forEachChunk(session, kindSql, (cols, n) => {
    for (let i = 0; i < n; i++) {
      const set = sets[Number(cols[0].getItem(i))];
      const pos = Number(cols[1].getItem(i));
      const kind = Number(cols[2].getItem(i));
      const base = kind * spk;
      for (let s = 0; s < stats; s++) set.matrix[(base + s) * set.rows + pos] = numberAt(cols[3 + s], i);
      if (trendAt >= 0) set.matrix[(base + stats) * set.rows + pos] = numberAt(cols[trendAt], i);
      if (kind === regularity) {
        set.matrix[regBase * set.rows + pos] = numberAt(cols[gapAt], i);
        set.matrix[(regBase + 1) * set.rows + pos] = numberAt(cols[gapAt + 1], i);
      }
    }
  });
  progress(`event statistics for ${layout.kinds.length} kinds of event`, started);

  started = Date.now();
  const personBase = personColumn(layout);
  const personSql = personFeaturesSql(
    {
      rows: plan.tables.rows,
      firstDays: plan.tables.firstDays,
      lookback: layout.lookback,
      exclusion: plan.flags.exclusion,
      ...personSqlParts(layout.person, layout.lookback),
      profiles: ingest.profiles !== null,
    },
    cutoffs,
  );
  await forEachChunk(session, personSql, (cols, n) => {
    for (let i = 0; i < n; i++) {
      const set = sets[Number(cols[0].getItem(i))];
      const pos = Number(cols[1].getItem(i));
      for (let j = 2; j < cols.length; j++) set.matrix[(personBase + j - 2) * set.rows + pos] = numberAt(cols[j], i);
    }
  });
  progress(`${layout.person.length} person-level features`, started);
  await session.run(...dropInstanceTablesSql([plan.tables.dailyFlags]));

  const [train, test, score] = sets;
  return {
    instance: plan.instance.name,
    type: plan.instance.type,
    window: plan.instance.window,
    asOf: plan.cutoffs[0].asOf,
    catalogue,
    cutoffs: plan.cutoffs,
    people,
    train,
    test,
    score,
  };
}

/** A set with its arrays allocated and per-kind defaults filled in (counts and active days 0, days since
 * missing, trend 0: what a person without events of a kind has). */
function emptySet(part: FeatureSet["part"], plan: InstancePlan): FeatureSet {
  if (PARTS[PART_CODES[part]] !== part) throw new Error(`set code mismatch for ${part}`);
  const rows = plan.cutoffs.filter((c) => c.part === part).reduce((a, c) => a + c.examples, 0);
  const { layout, catalogue } = plan;
  const matrix = new Float32Array(rows * catalogue.length);
  const spk = statsPerKind(layout);
  const counts = layout.windows.length + 1;
  layout.kinds.forEach((_, k) => {
    for (let s = 0; s < spk; s++) {
      const value = s === counts || s === counts + 1 ? Number.NaN : 0;
      matrix.fill(value, (k * spk + s) * rows, (k * spk + s + 1) * rows);
    }
  });
  if (layout.regularity !== null) matrix.fill(Number.NaN, regularityColumn(layout) * rows, (regularityColumn(layout) + 2) * rows);
  return { part, rows, person: new Int32Array(rows), cutoff: new Uint16Array(rows), labels: part === "score" ? null : new Uint8Array(rows), matrix };
}
