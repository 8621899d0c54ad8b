/**
 * Explains every score: exact TreeSHAP contributions of the scored people, computed in chunks (a full
 * people x features matrix would not fit in memory at millions of people). Each chunk yields the people's top
 * factors (handed to a sink, which writes them) and feeds the global and per-bucket summaries; a fixed, evenly
 * spread sample of people keeps all contributions for the value-vs-contribution charts.
 */
import type { FeatureDef } from "../features/catalogue.js";
import type { FeatureSet } from "../features/build.js";
import { type FactorFeature, FactorSummary, type PersonFactors, topFactors, valueRanges } from "../explain/factors.js";
import { type Model, expectedValue, treeShap } from "../model/index.js";
import { BUCKETS } from "../scoring/scores.js";
import { columnOf, selectRows } from "./matrix.js";
import type { Insights } from "./schema.js";
import { SCHEMA_VERSION } from "./schema.js";

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
}

/** Four decimals are plenty for a scatter plot and keep insights.json small. */
const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** How catalogue units read as factor values. */
export function factorFeature(def: FeatureDef): FactorFeature {
  const unit = def.unit === "amount" ? "money" : def.unit === "days" || def.unit === "count" || def.unit === "share" ? def.unit : "number";
  return { name: def.name, label: def.label, kind: def.kind, unit, categories: def.categories };
}

/** What `explainScores` returns besides what it hands to the sink. */
export interface Explanation {
  /** Expected margin (the base value contributions start from). */
  base: number;
  insights: Insights;
  /** Feature codes ordered by global importance. */
  ranking: number[];
}

/** Computes and summarises the contributions of every row of `set`. */
export async function explainScores(
  model: Model,
  set: FeatureSet,
  catalogue: FeatureDef[],
  scores: { probability: Float64Array; bucket: Uint8Array },
  topK: number,
  sink: (chunk: FactorChunk) => Promise<void>,
  onProgress?: (message: string) => void,
): Promise<Explanation> {
  const F = catalogue.length;
  const features = catalogue.map(factorFeature);
  const summary = new FactorSummary(F, BUCKETS.length);
  const stride = Math.max(1, Math.floor(set.rows / SAMPLE_PEOPLE));
  const sampleRows: number[] = [];
  const sampleContributions: number[] = [];
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
    summary.add(shap.contributions, scores.bucket.subarray(start, start + n), top);
    effects.add(shap.contributions, chunk.X.values, n);
    for (let i = (stride - (start % stride)) % stride; i < n; i += stride) {
      sampleRows.push(start + i);
      for (let f = 0; f < F; f++) sampleContributions.push(shap.contributions[i * F + f]!);
    }
    await sink({ start, top, other });
    onProgress?.(`explained ${start + n} of ${set.rows} people`);
  }
  const global = summary.global().sort((a, b) => b.importance - a.importance || a.feature - b.feature);
  const ranking = global.map((g) => g.feature);
  const allValues = Array.from({ length: F }, (_, f) => columnOf(set, f));
  const perBucket = summary.bucketFactors(allValues, features, scores.bucket);
  const sizes = summary.bucketSizes();
  const detailed = ranking.slice(0, DETAILED_FEATURES).map((f) => ({
    feature: f,
    ranges: valueRanges(features[f]!, allValues[f]!, scores.probability).map((r) => ({
      ...r,
      low: Number.isNaN(r.low) ? null : r.low,
      high: Number.isNaN(r.high) ? null : r.high,
    })),
    sample: sampleRows.map((row, s) => {
      const value = allValues[f]![row]!;
      return { value: Number.isNaN(value) ? null : round4(value), contribution: round4(sampleContributions[s * F + f]!), bucket: BUCKETS[scores.bucket[row]!]! };
    }),
  }));
  return {
    base,
    ranking,
    insights: {
      schemaVersion: SCHEMA_VERSION,
      global: global.slice(0, 30),
      buckets: BUCKETS.map((bucket, b) => ({ bucket, people: sizes[b]!, factors: perBucket[b]! })),
      factors: detailed,
      categories: effects.result(),
    },
  };
}

/** Per categorical feature: the people with each category and the mean contribution of that category to their scores. */
class CategoryEffects {
  private readonly features: { feature: number; sum: Float64Array; people: Float64Array }[];

  constructor(private readonly catalogue: FeatureDef[]) {
    this.features = catalogue.flatMap((def, feature) =>
      def.kind === "categorical" ? [{ feature, sum: new Float64Array(def.categories?.length ?? 0), people: new Float64Array(def.categories?.length ?? 0) }] : [],
    );
  }

  /** Adds a chunk: row-major contributions and column-major values of `n` people. */
  add(contributions: Float64Array, values: ArrayLike<number>, n: number): void {
    const F = this.catalogue.length;
    for (const { feature, sum, people } of this.features) {
      for (let i = 0; i < n; i++) {
        const code = values[feature * n + i]!;
        if (Number.isNaN(code) || code < 0 || code >= sum.length) continue;
        sum[code] += contributions[i * F + feature]!;
        people[code]++;
      }
    }
  }

  result(): NonNullable<Insights["categories"]> {
    return this.features.map(({ feature, sum, people }) => ({
      feature,
      effects: Array.from(sum, (total, code) => ({ code, people: people[code]!, meanContribution: people[code] ? round4(total / people[code]!) : 0 })),
    }));
  }
}
