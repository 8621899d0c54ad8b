/**
 * Explains every score: exact TreeSHAP contributions of the scored people, computed in chunks (a full
 * people x features matrix would not fit in memory at millions of people). Each chunk yields the people's top
 * factors (handed to a sink, which writes them) and feeds the global and per-bucket summaries (exact sums, keyed
 * by score so that shards' summaries merge), and a sample of people by hash of their id keeps all values (for the
 * buckets' distributions) and, for the first `SAMPLE_PEOPLE`, all contributions (for the value-vs-contribution
 * charts). `insightsOf` turns these statistics into insights.json, in one run and in a merge of shards alike.
 */
import type { FeatureDef } from "../features/catalogue.js";
import type { FeatureSet } from "../features/build.js";
import { ExactSums } from "../explain/exact.js";
import {
  type FactorFeature,
  FactorSummary,
  type PersonFactors,
  ValueCells,
  distributionOf,
  topFactors,
} from "../explain/factors.js";
import { personHash, sampleRows } from "../explain/sample.js";
import { type Model, expectedValue, treeShap } from "../model/index.js";
import { BUCKETS, type BucketRule } from "../contract/buckets.js";
import { columnOf, selectRows } from "./matrix.js";
import type { Insights } from "../contract/schema.js";
import { SCHEMA_VERSION } from "../contract/schema.js";

/** People per TreeSHAP chunk. */
export const CHUNK_ROWS = 16_384;
/** People kept with all contributions, for value-vs-contribution charts. */
export const SAMPLE_PEOPLE = 1_000;
/** Features with value-range and sample details (the most important ones). */
export const DETAILED_FEATURES = 20;

/** A chunk of top factors: `top.person` is relative to `start` (the chunk's first row in the set). */
export interface FactorChunk {
  start: number;
  top: PersonFactors;
  /** Per row of the chunk: the summed contribution of every feature outside its top factors. */
  other: Float64Array;
  /** Every contribution of the chunk (row-major), in a shard whose buckets are on the percentile: its buckets are
   * known only in the merge, which sums these per bucket (`SHARD_CONTRIBUTIONS`). */
  contributions?: Float64Array;
}

/** Four decimals are plenty for a scatter plot and keep insights.json small. */
const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** How catalogue units read as factor values. */
export function factorFeature(def: FeatureDef): FactorFeature {
  const unit =
    def.unit === "amount"
      ? "money"
      : def.unit === "days" || def.unit === "count" || def.unit === "share"
        ? def.unit
        : "number";
  return { name: def.name, label: def.label, kind: def.kind, unit, categories: def.categories };
}

/** What `explainScores` returns besides what it hands to the sink. */
export interface Explanation {
  /** Expected margin (the base value contributions start from). */
  base: number;
  insights: Insights;
  /** Feature codes ordered by global importance. */
  ranking: number[];
  /** The statistics insights.json is computed from, as a shard writes them for `merge` (value cells of every
   * feature in a shard, of the detailed features otherwise). */
  parts: InsightParts;
}

/** A person of the sample (the `SAMPLE_CANDIDATES` with the smallest hash of their id, `sample.ts`). */
export interface SampledPerson {
  id: string;
  hash: number;
  score: number;
  /** Index into BUCKETS. */
  bucket: number;
  /** Every feature's value (NaN = missing). */
  values: number[];
  /** Every feature's contribution: the first `SAMPLE_PEOPLE` by hash only (the scatter sample), else null. */
  contributions: number[] | null;
}

/**
 * The mergeable statistics every figure of insights.json comes from: shards write them, `merge` adds them up, and
 * `insightsOf` turns them into insights.json the same way in one run and in a merge.
 */
export interface InsightParts {
  /** Sums of contributions per score 0-100 (buckets on the score) or per bucket (on the percentile). */
  factors: FactorSummary;
  categories: CategoryEffects;
  /** Per feature (null when not needed). */
  cells: (ValueCells | null)[];
  /** Sorted by hash, then id. */
  sample: SampledPerson[];
}

/** People whose values the buckets' distributions are computed from (a sample by hash of the id). */
export const SAMPLE_CANDIDATES = 20_000;

/** What `explainScores` needs of the scored people besides their features. */
export interface ScoredPeople {
  probability: Float64Array;
  score: Uint8Array;
  bucket: Uint8Array;
  rule: BucketRule;
  /** Person id of each row. */
  ids: readonly string[];
  /** A shard: value cells of every feature are kept for the merge. */
  shard?: boolean;
}

/** The group of factor sums a person is counted in: their score when buckets are on the score, else their bucket;
 * and the bucket of each group. */
export function factorGroups(rule: BucketRule): {
  groups: number;
  of: (score: number, bucket: number) => number;
  bucketOf: number[];
} {
  if (rule.on !== "score") return { groups: BUCKETS.length, of: (_, bucket) => bucket, bucketOf: [0, 1, 2] };
  const bucketOf = Array.from({ length: 101 }, (_, s) => (s >= rule.high ? 0 : s >= rule.medium ? 1 : 2));
  return { groups: 101, of: (score) => score, bucketOf };
}

/** Computes and summarises the contributions of every row of `set`. */
export async function explainScores(
  model: Model,
  set: FeatureSet,
  catalogue: FeatureDef[],
  scores: ScoredPeople,
  topK: number,
  sink: (chunk: FactorChunk) => Promise<void>,
  onProgress?: (message: string) => void,
): Promise<Explanation> {
  const F = catalogue.length;
  const features = catalogue.map(factorFeature);
  const grouping = factorGroups(scores.rule);
  const summary = new FactorSummary(F, grouping.groups);
  const group = Uint8Array.from(scores.score, (s, i) => grouping.of(s, scores.bucket[i]!));
  const sampled = sampleRows(scores.ids, SAMPLE_CANDIDATES);
  const sampleAt = new Map(sampled.map((row, k) => [row, k]));
  const sample: SampledPerson[] = sampled.map((row) => ({
    id: scores.ids[row]!,
    hash: personHash(scores.ids[row]!),
    score: scores.score[row]!,
    bucket: scores.bucket[row]!,
    values: [],
    contributions: null,
  }));
  const cells = features.map((f) => (scores.shard ? new ValueCells(f) : null));
  const base = expectedValue(model);
  const effects = new CategoryEffects(catalogue);
  for (let start = 0; start < set.rows; start += CHUNK_ROWS) {
    const n = Math.min(CHUNK_ROWS, set.rows - start);
    const rows = Int32Array.from({ length: n }, (_, i) => start + i);
    const chunk = selectRows(set, F, rows);
    const shap = treeShap(model, chunk.X);
    const values = Array.from({ length: F }, (_, f) => chunk.X.values.subarray(f * n, (f + 1) * n));
    const top = topFactors(shap.contributions, values, topK);
    const other = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let total = 0;
      for (let f = 0; f < F; f++) total += shap.contributions[i * F + f]!;
      other[i] = total;
    }
    for (let k = 0; k < top.person.length; k++) other[top.person[k]!] -= top.contribution[k]!;
    summary.add(shap.contributions, group.subarray(start, start + n), top);
    effects.add(shap.contributions, chunk.X.values, n);
    const probability = scores.probability.subarray(start, start + n);
    cells.forEach((c, f) => c?.add(values[f]!, probability));
    for (let i = 0; i < n; i++) {
      const k = sampleAt.get(start + i);
      if (k === undefined) continue;
      sample[k]!.values = values.map((v) => v[i]!);
      if (k < SAMPLE_PEOPLE) sample[k]!.contributions = Array.from(shap.contributions.subarray(i * F, (i + 1) * F));
    }
    await sink({
      start,
      top,
      other,
      ...(scores.shard && scores.rule.on !== "score" ? { contributions: shap.contributions } : {}),
    });
    onProgress?.(`explained ${start + n} of ${set.rows} people`);
  }
  const parts: InsightParts = { factors: summary, categories: effects, cells, sample };
  const { insights, ranking } = insightsOf(parts, features, scores.rule, (f) => {
    if (!cells[f]) (cells[f] = new ValueCells(features[f]!)).add(columnOf(set, f), scores.probability);
    return cells[f];
  });
  return { base, ranking, insights, parts };
}

/**
 * insights.json from its statistics (`cellsOf` gives a feature's value cells when it is detailed), and the features
 * ordered by global importance: the same in one run and in a merge of shards.
 */
export function insightsOf(
  parts: InsightParts,
  features: FactorFeature[],
  rule: BucketRule,
  cellsOf: (feature: number) => ValueCells,
): { insights: Insights; ranking: number[] } {
  const global = parts.factors.global().sort((a, b) => b.importance - a.importance || a.feature - b.feature);
  const ranking = global.map((g) => g.feature);
  const perBucket = parts.factors.regroup(factorGroups(rule).bucketOf, BUCKETS.length);
  const sizes = perBucket.bucketSizes();
  const scatter = parts.sample.slice(0, SAMPLE_PEOPLE);
  const buckets = perBucket.ranked(10).map((factors, b) => {
    const members = parts.sample.filter((p) => p.bucket === b);
    return factors.map((f) => ({
      ...f,
      distribution: distributionOf(
        features[f.feature]!,
        members.map((p) => p.values[f.feature]!),
      ),
    }));
  });
  const detailed = ranking.slice(0, DETAILED_FEATURES).map((f) => ({
    feature: f,
    ranges: cellsOf(f)
      .ranges()
      .map((r) => ({ ...r, low: Number.isNaN(r.low) ? null : r.low, high: Number.isNaN(r.high) ? null : r.high })),
    sample: scatter.map((p) => {
      const value = p.values[f]!;
      return {
        value: Number.isNaN(value) ? null : round4(value),
        contribution: round4(p.contributions![f]!),
        bucket: BUCKETS[p.bucket]!,
      };
    }),
  }));
  return {
    ranking,
    insights: {
      schemaVersion: SCHEMA_VERSION,
      global: global.slice(0, 30),
      buckets: BUCKETS.map((bucket, b) => ({ bucket, people: sizes[b]!, factors: buckets[b]! })),
      factors: detailed,
      categories: parts.categories.result(),
    },
  };
}

/** `CategoryEffects.toJSON()`: per categorical feature, people and exact sums of contributions per code. */
export type CategoryEffectsJSON = { feature: number; people: number[]; sum: string[] }[];

/** Per categorical feature: the people with each category and the mean contribution of that category to their scores. */
export class CategoryEffects {
  private readonly features: { feature: number; sum: ExactSums; people: Float64Array }[];

  constructor(private readonly catalogue: readonly { kind: string; categories?: string[] }[]) {
    this.features = catalogue.flatMap((def, feature) =>
      def.kind === "categorical"
        ? [
            {
              feature,
              sum: new ExactSums(def.categories?.length ?? 0),
              people: new Float64Array(def.categories?.length ?? 0),
            },
          ]
        : [],
    );
  }

  /** Adds a chunk: row-major contributions and column-major values of `n` people. */
  add(contributions: Float64Array, values: ArrayLike<number>, n: number): void {
    const F = this.catalogue.length;
    for (const { feature, sum, people } of this.features) {
      for (let i = 0; i < n; i++) {
        const code = values[feature * n + i]!;
        if (Number.isNaN(code) || code < 0 || code >= sum.size) continue;
        sum.add(code, contributions[i * F + feature]!);
        people[code]++;
      }
    }
  }

  /** Adds the effects of other people (the same catalogue). */
  merge(other: CategoryEffects): void {
    this.features.forEach((f, k) => {
      f.sum.merge(other.features[k]!.sum);
      other.features[k]!.people.forEach((n, code) => (f.people[code]! += n));
    });
  }

  toJSON(): CategoryEffectsJSON {
    return this.features.map(({ feature, sum, people }) => ({
      feature,
      people: Array.from(people),
      sum: sum.toJSON(),
    }));
  }

  /** Effects from `toJSON` (`catalogue`: the features, as in the constructor). */
  static fromJSON(
    catalogue: readonly { kind: string; categories?: string[] }[],
    json: CategoryEffectsJSON,
  ): CategoryEffects {
    const out = new CategoryEffects(catalogue);
    out.features.forEach((f, k) => {
      f.sum.merge(ExactSums.fromJSON(json[k]!.sum));
      f.people.set(json[k]!.people);
    });
    return out;
  }

  result(): NonNullable<Insights["categories"]> {
    return this.features.map(({ feature, sum, people }) => ({
      feature,
      effects: Array.from(people, (n, code) => ({
        code,
        people: n,
        meanContribution: n ? round4(sum.value(code) / n) : 0,
      })),
    }));
  }
}
