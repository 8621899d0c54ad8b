/**
 * Influential factors: the TreeSHAP contributions of a model turned into what users read.
 *
 * - Per person: the top k factors by |contribution|, each with the feature's label, the person's value in words
 *   ("Days since last purchase: 3"), the contribution (log-odds), its direction (raises / lowers) and an
 *   importance: high when it changes the odds by 65% or more (|contribution| >= 0.5), medium from 16%
 *   (>= 0.15), low below.
 * - Global: mean |contribution| per feature.
 * - Per bucket: the 10 most influential features in the bucket, with the value distribution and coverage (share
 *   of the bucket's people for whom the factor is among their own top k).
 * - Per value range of a feature: how much more or less likely than average people in that range are.
 *
 * Contribution matrices are row-major (people x features); feature values are column-major (one array per
 * feature, NaN = missing, categorical values as codes into `categories`).
 */

/** What factor texts need to know about a feature. */
export interface FactorFeature {
  name: string;
  label: string;
  kind: "numeric" | "categorical";
  /** How numeric values read: days, a count, money, a share (0-1), or a plain number. */
  unit?: "days" | "count" | "money" | "share" | "number";
  /** Category names for categorical codes. */
  categories?: string[];
}

/** Importance levels and their |contribution| thresholds (log-odds). */
export const IMPORTANCE = { high: 0.5, medium: 0.15 } as const;
export type Importance = "high" | "medium" | "low";

/** The importance level of a contribution. */
export function importanceOf(contribution: number): Importance {
  const size = Math.abs(contribution);
  return size >= IMPORTANCE.high ? "high" : size >= IMPORTANCE.medium ? "medium" : "low";
}

/** A feature value in words, e.g. "3 days", "2", "€123.40" (money as a plain amount), "35%", "gold", "none". */
export function valueInWords(feature: FactorFeature, value: number): string {
  if (Number.isNaN(value)) return feature.unit === "days" ? "never" : "unknown";
  if (feature.kind === "categorical") return feature.categories?.[value] ?? String(value);
  switch (feature.unit) {
    case "days":
      return `${formatNumber(value)} ${Math.abs(value) === 1 ? "day" : "days"}`;
    case "money":
      return value.toFixed(2);
    case "share":
      return `${formatNumber(100 * value)}%`;
    default:
      return formatNumber(value);
  }
}

/** Whole numbers as they are, others with up to 2 decimals. */
function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
}

/** The top factors of every person, in long form (one entry per person and rank). */
export interface PersonFactors {
  person: Uint32Array;
  rank: Uint8Array;
  feature: Uint16Array;
  contribution: Float32Array;
  value: Float64Array;
}

/**
 * Picks each person's top `k` factors by |contribution| (ties: lower feature index first). A running top-k list
 * (insertion into `k` slots) instead of sorting every feature: most contributions are too small to enter it.
 */
export function topFactors(contributions: Float64Array, values: ArrayLike<number>[], k = 10): PersonFactors {
  const nFeatures = values.length;
  const nPeople = nFeatures === 0 ? 0 : contributions.length / nFeatures;
  const kk = Math.min(k, nFeatures);
  const size = nPeople * kk;
  const out: PersonFactors = {
    person: new Uint32Array(size),
    rank: new Uint8Array(size),
    feature: new Uint16Array(size),
    contribution: new Float32Array(size),
    value: new Float64Array(size),
  };
  const order = new Uint16Array(kk);
  const magnitude = new Float64Array(kk);
  for (let i = 0; i < nPeople; i++) {
    const row = i * nFeatures;
    let n = 0;
    for (let f = 0; f < nFeatures; f++) {
      const a = Math.abs(contributions[row + f]!);
      // Features come in index order, so an equal |contribution| already listed ranks first.
      let at: number;
      if (n < kk) at = n++;
      else if (a > magnitude[kk - 1]!) at = kk - 1;
      else continue;
      for (; at > 0 && magnitude[at - 1]! < a; at--) {
        magnitude[at] = magnitude[at - 1]!;
        order[at] = order[at - 1]!;
      }
      magnitude[at] = a;
      order[at] = f;
    }
    for (let r = 0; r < kk; r++) {
      const at = i * kk + r;
      const f = order[r]!;
      out.person[at] = i;
      out.rank[at] = r + 1;
      out.feature[at] = f;
      out.contribution[at] = contributions[row + f]!;
      out.value[at] = values[f]![i]!;
    }
  }
  return out;
}

/** Mean |contribution| per feature over everyone (global importance). */
export function globalImportance(contributions: Float64Array, nFeatures: number): Float64Array {
  const summary = new FactorSummary(nFeatures, 1);
  summary.add(contributions, new Uint8Array(contributions.length / nFeatures), null);
  return Float64Array.from(summary.global(), (g) => g.importance);
}

/** One influential factor of a bucket. */
export interface BucketFactor {
  feature: number;
  /** Mean |contribution| in the bucket. */
  importance: number;
  /** Mean contribution in the bucket (sign = usual direction). */
  meanContribution: number;
  /** Share of the bucket's people with this factor among their own top factors. */
  coverage: number;
  /** Numeric: 10th, 25th, 50th, 75th, 90th percentiles and missing share; categorical: share per category. */
  distribution: { quantiles?: number[]; missing: number; categories?: { category: string; share: number }[] };
}

/** The 10 most influential features of each bucket (index = bucket code), with distributions and coverage. */
export function bucketFactors(
  contributions: Float64Array,
  values: ArrayLike<number>[],
  features: FactorFeature[],
  bucket: Uint8Array,
  top: PersonFactors,
  buckets = 3,
  count = 10,
): BucketFactor[][] {
  const summary = new FactorSummary(features.length, buckets);
  summary.add(contributions, bucket, top);
  return summary.bucketFactors(values, features, bucket, count);
}

/**
 * Sums of contributions per feature, overall and per bucket, built chunk by chunk so that contribution matrices
 * of millions of people never have to exist at once.
 */
export class FactorSummary {
  private readonly absSum: Float64Array;
  private readonly sum: Float64Array;
  private readonly inTop: Float64Array;
  private readonly people: Float64Array;

  constructor(
    readonly nFeatures: number,
    readonly buckets: number,
  ) {
    this.absSum = new Float64Array(nFeatures * buckets);
    this.sum = new Float64Array(nFeatures * buckets);
    this.inTop = new Float64Array(nFeatures * buckets);
    this.people = new Float64Array(buckets);
  }

  /** Adds a chunk: row-major contributions, the bucket of each row, and the chunk's top factors (person = row). */
  add(contributions: Float64Array, bucket: ArrayLike<number>, top: PersonFactors | null): void {
    const F = this.nFeatures;
    for (let i = 0; i < bucket.length; i++) {
      const at = bucket[i]! * F;
      this.people[bucket[i]!]++;
      for (let f = 0; f < F; f++) {
        const c = contributions[i * F + f]!;
        this.absSum[at + f] += Math.abs(c);
        this.sum[at + f] += c;
      }
    }
    if (top) for (let k = 0; k < top.person.length; k++) this.inTop[bucket[top.person[k]!]! * F + top.feature[k]!]++;
  }

  /** Mean |contribution| and mean contribution per feature over everyone, by feature index. */
  global(): { feature: number; importance: number; meanContribution: number }[] {
    const F = this.nFeatures;
    const n = this.people.reduce((a, b) => a + b, 0);
    return Array.from({ length: F }, (_, f) => {
      let abs = 0;
      let sum = 0;
      for (let b = 0; b < this.buckets; b++) {
        abs += this.absSum[b * F + f]!;
        sum += this.sum[b * F + f]!;
      }
      return { feature: f, importance: n ? abs / n : 0, meanContribution: n ? sum / n : 0 };
    });
  }

  /** People per bucket. */
  bucketSizes(): number[] {
    return Array.from(this.people);
  }

  /** The `count` most influential features of each bucket, with value distributions (`values` column-major per
   * feature, `bucket` per person, both over everyone). */
  bucketFactors(values: ArrayLike<number>[], features: FactorFeature[], bucket: ArrayLike<number>, count = 10): BucketFactor[][] {
    const F = this.nFeatures;
    const result: BucketFactor[][] = [];
    for (let b = 0; b < this.buckets; b++) {
      const n = this.people[b]!;
      if (n === 0) {
        result.push([]);
        continue;
      }
      const members: number[] = [];
      for (let i = 0; i < bucket.length; i++) if (bucket[i] === b) members.push(i);
      const ranked = Array.from({ length: F }, (_, f) => f)
        .sort((x, y) => this.absSum[b * F + y]! - this.absSum[b * F + x]! || x - y)
        .slice(0, count);
      result.push(
        ranked.map((f) => ({
          feature: f,
          importance: this.absSum[b * F + f]! / n,
          meanContribution: this.sum[b * F + f]! / n,
          coverage: this.inTop[b * F + f]! / n,
          distribution: distributionOf(features[f]!, members.map((i) => values[f]![i]!)),
        })),
      );
    }
    return result;
  }
}

/** Quantiles (numeric) or category shares (categorical) of some values, plus the missing share. */
function distributionOf(feature: FactorFeature, xs: number[]): BucketFactor["distribution"] {
  const present = xs.filter((x) => !Number.isNaN(x));
  const missing = xs.length ? 1 - present.length / xs.length : 0;
  if (feature.kind === "categorical") {
    const counts = new Map<number, number>();
    for (const x of present) counts.set(x, (counts.get(x) ?? 0) + 1);
    const categories = [...counts]
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .map(([code, n]) => ({ category: feature.categories?.[code] ?? String(code), share: n / xs.length }));
    return { missing, categories };
  }
  present.sort((a, b) => a - b);
  const q = (p: number) => (present.length ? present[Math.min(present.length - 1, Math.floor(p * present.length))]! : NaN);
  return { missing, quantiles: [0.1, 0.25, 0.5, 0.75, 0.9].map(q) };
}

/** How likely people in one value range of a feature are, relative to average. */
export interface ValueRange {
  /** "3 days to 10 days", "gold", "never", ... */
  range: string;
  low: number;
  high: number;
  people: number;
  meanProbability: number;
  /** meanProbability / overall mean: 2 = twice as likely as average. */
  relative: number;
}

/**
 * Value ranges of a feature (up to `bins` quantile ranges for numbers, one per category, plus missing) with the
 * mean predicted probability in each, relative to everyone's.
 */
export function valueRanges(feature: FactorFeature, values: ArrayLike<number>, probability: ArrayLike<number>, bins = 5): ValueRange[] {
  let total = 0;
  for (let i = 0; i < probability.length; i++) total += probability[i]!;
  const overall = total / Math.max(1, probability.length);
  const groups = new Map<string, { low: number; high: number; sum: number; n: number }>();
  const add = (key: string, low: number, high: number, p: number) => {
    const g = groups.get(key) ?? { low, high, sum: 0, n: 0 };
    g.sum += p;
    g.n++;
    groups.set(key, g);
  };
  const present = Array.from(values).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const edges: number[] = [];
  if (feature.kind === "numeric" && present.length) {
    for (let b = 1; b < bins; b++) edges.push(present[Math.floor((b * present.length) / bins)]!);
  }
  const cuts = [...new Set(edges)];
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) add(valueInWords(feature, NaN), NaN, NaN, probability[i]!);
    else if (feature.kind === "categorical") add(valueInWords(feature, x), x, x, probability[i]!);
    else {
      // Range j holds values in [cuts[j-1], cuts[j]): the first from the minimum, the last to the maximum.
      let j = 0;
      while (j < cuts.length && x >= cuts[j]!) j++;
      const low = j === 0 ? present[0]! : cuts[j - 1]!;
      const high = j === cuts.length ? present[present.length - 1]! : cuts[j]!;
      const text = low === high ? valueInWords(feature, low) : `${valueInWords(feature, low)} to ${valueInWords(feature, high)}`;
      add(text, low, high, probability[i]!);
    }
  }
  return [...groups]
    .map(([range, g]) => ({
      range,
      low: g.low,
      high: g.high,
      people: g.n,
      meanProbability: g.sum / g.n,
      relative: overall > 0 ? g.sum / g.n / overall : NaN,
    }))
    .sort((a, b) => (Number.isNaN(a.low) ? 1 : Number.isNaN(b.low) ? -1 : a.low - b.low));
}
