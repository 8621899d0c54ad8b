/**
 * Row selections of feature sets: the model library takes `FeatureMatrix` views, the pipeline splits examples by
 * person (fit vs validation) and by cutoff (backtests). Feature sets are column-major Float32 (see
 * `features/build.ts`), so a subset is a gather per column.
 */
import type { FeatureSet } from "../features/build.js";
import { type FeatureMatrix, featureMatrix } from "../model/index.js";

/** Examples as the model sees them: features and, for labelled sets, 0/1 labels. */
export interface Examples {
  X: FeatureMatrix;
  y: Uint8Array;
  /** Index into the feature set each row came from. */
  rows: Int32Array;
}

/** The whole set as a matrix (no copy). */
export function matrixOf(set: FeatureSet, nFeatures: number): FeatureMatrix {
  return featureMatrix(set.matrix, set.rows, nFeatures, "column-major");
}

/** The chosen rows of a set, copied into a new column-major matrix, with their labels. */
export function selectRows(set: FeatureSet, nFeatures: number, rows: Int32Array): Examples {
  const n = rows.length;
  const values = new Float32Array(n * nFeatures);
  for (let f = 0; f < nFeatures; f++) {
    const from = f * set.rows;
    const to = f * n;
    for (let i = 0; i < n; i++) values[to + i] = set.matrix[from + rows[i]!]!;
  }
  const y = new Uint8Array(n);
  if (set.labels) for (let i = 0; i < n; i++) y[i] = set.labels[rows[i]!]!;
  return { X: featureMatrix(values, n, nFeatures, "column-major"), y, rows };
}

/** One column of a set (a view, no copy). */
export function columnOf(set: FeatureSet, feature: number): Float32Array {
  return set.matrix.subarray(feature * set.rows, (feature + 1) * set.rows);
}

/** Rows of a set whose cutoff index passes `keep`. */
export function rowsWhere(set: FeatureSet, keep: (row: number) => boolean): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < set.rows; i++) if (keep(i)) out.push(i);
  return Int32Array.from(out);
}

/**
 * A deterministic pseudo-random number in [0, 1) per person index and seed (a 32-bit integer hash), so a person's
 * examples from every cutoff land on the same side of a split.
 */
export function personDraw(person: number, seed: number): number {
  let h = (person ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Splits rows by person: about `share` of the people (and all their rows) go to the second part. */
export function splitByPerson(
  set: FeatureSet,
  rows: Int32Array,
  share: number,
  seed: number,
): [Int32Array, Int32Array] {
  const first: number[] = [];
  const second: number[] = [];
  for (const r of rows) (personDraw(set.person[r]!, seed) < share ? second : first).push(r);
  return [Int32Array.from(first), Int32Array.from(second)];
}

/** A new set holding the chosen rows of `set` (features, people, cutoffs and labels copied). */
export function subsetOf(set: FeatureSet, nFeatures: number, rows: Int32Array): FeatureSet {
  const { X } = selectRows(set, nFeatures, rows);
  return {
    part: set.part,
    rows: rows.length,
    person: Int32Array.from(rows, (r) => set.person[r]!),
    cutoff: Uint16Array.from(rows, (r) => set.cutoff[r]!),
    labels: set.labels ? Uint8Array.from(rows, (r) => set.labels![r]!) : null,
    matrix: X.values as Float32Array,
  };
}

/** One labelled set holding the rows of `a`, then those of `b` (the scoring model learns from every labelled
 * cutoff). */
export function concatSets(a: FeatureSet, b: FeatureSet, nFeatures: number): FeatureSet {
  const rows = a.rows + b.rows;
  const matrix = new Float32Array(rows * nFeatures);
  for (let f = 0; f < nFeatures; f++) {
    matrix.set(a.matrix.subarray(f * a.rows, (f + 1) * a.rows), f * rows);
    matrix.set(b.matrix.subarray(f * b.rows, (f + 1) * b.rows), f * rows + a.rows);
  }
  const join = <T extends Int32Array | Uint16Array | Uint8Array>(x: T, y: T, make: new (n: number) => T) => {
    const out = new make(rows);
    out.set(x);
    out.set(y, a.rows);
    return out;
  };
  return {
    part: "train",
    rows,
    person: join(a.person, b.person, Int32Array),
    cutoff: join(a.cutoff, b.cutoff, Uint16Array),
    labels: join(a.labels ?? new Uint8Array(a.rows), b.labels ?? new Uint8Array(b.rows), Uint8Array),
    matrix,
  };
}
