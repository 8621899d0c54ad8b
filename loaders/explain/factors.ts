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
 * Sums of contributions and of probabilities are exact (`exact.ts`) and value ranges are built from counts per
 * value cell (`ValueCells`), so that the summaries of shards of people merge into those of everyone, bit for bit.
 *
 * Contribution matrices are row-major (people x features); feature values are column-major (one array per
 * feature, NaN = missing, categorical values as codes into `categories`).
 */

import { ExactSums, UNIT as UNIT_OF_SUMS, quantise } from "./exact.js";

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

/** The 10 most influential features of each bucket (index = bucket code), with distributions (over everyone in the
 * bucket) and coverage. */
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
  return summary.ranked(count).map((factors, b) => {
    const members: number[] = [];
    for (let i = 0; i < bucket.length; i++) if (bucket[i] === b) members.push(i);
    return factors.map((f) => ({
      ...f,
      distribution: distributionOf(
        features[f.feature]!,
        members.map((i) => values[f.feature]![i]!),
      ),
    }));
  });
}

/** `FactorSummary.toJSON()`. */
export interface FactorSummaryJSON {
  nFeatures: number;
  groups: number;
  people: number[];
  inTop: number[];
  absSum: string[];
  sum: string[];
}

/**
 * Sums of contributions per feature and group of people (a bucket, or a score 0-100 whose groups make up the
 * buckets), built chunk by chunk so that contribution matrices of millions of people never have to exist at once.
 * The sums are exact (`ExactSums`): summaries of shards merge into the summary of everyone, bit for bit.
 */
export class FactorSummary {
  private readonly absSum: ExactSums;
  private readonly sum: ExactSums;
  private readonly inTop: Float64Array;
  private readonly people: Float64Array;

  constructor(
    readonly nFeatures: number,
    readonly groups: number,
  ) {
    this.absSum = new ExactSums(nFeatures * groups);
    this.sum = new ExactSums(nFeatures * groups);
    this.inTop = new Float64Array(nFeatures * groups);
    this.people = new Float64Array(groups);
  }

  /** Adds a chunk: row-major contributions, the group of each row, and the chunk's top factors (person = row). */
  add(contributions: Float64Array, group: ArrayLike<number>, top: PersonFactors | null): void {
    const F = this.nFeatures;
    for (let i = 0; i < group.length; i++) {
      const at = group[i]! * F;
      this.people[group[i]!]++;
      for (let f = 0; f < F; f++) {
        const q = quantise(contributions[i * F + f]!);
        this.absSum.addUnits(at + f, Math.abs(q));
        this.sum.addUnits(at + f, q);
      }
    }
    if (top) for (let k = 0; k < top.person.length; k++) this.inTop[group[top.person[k]!]! * F + top.feature[k]!]++;
  }

  /** Adds another summary of the same features and groups (other people). */
  merge(other: FactorSummary): void {
    if (other.nFeatures !== this.nFeatures || other.groups !== this.groups)
      throw new Error("FactorSummary.merge: other features or groups");
    this.absSum.merge(other.absSum);
    this.sum.merge(other.sum);
    other.inTop.forEach((n, i) => (this.inTop[i]! += n));
    other.people.forEach((n, g) => (this.people[g]! += n));
  }

  /** The summary of groups `into[g]` (of `groups`): e.g. scores 0-100 into buckets. */
  regroup(into: ArrayLike<number>, groups: number): FactorSummary {
    const F = this.nFeatures;
    const out = new FactorSummary(F, groups);
    for (let g = 0; g < this.groups; g++) {
      const to = into[g]!;
      out.people[to]! += this.people[g]!;
      for (let f = 0; f < F; f++) {
        out.absSum.addTotal(to * F + f, this.absSum.units(g * F + f));
        out.sum.addTotal(to * F + f, this.sum.units(g * F + f));
        out.inTop[to * F + f]! += this.inTop[g * F + f]!;
      }
    }
    return out;
  }

  /** Mean |contribution| and mean contribution per feature over everyone, by feature index. */
  global(): { feature: number; importance: number; meanContribution: number }[] {
    const all = this.regroup(new Uint8Array(this.groups), 1);
    const n = all.people[0]!;
    return Array.from({ length: this.nFeatures }, (_, f) => ({
      feature: f,
      importance: n ? all.absSum.value(f) / n : 0,
      meanContribution: n ? all.sum.value(f) / n : 0,
    }));
  }

  /** People per group. */
  bucketSizes(): number[] {
    return Array.from(this.people);
  }

  /** The `count` most influential features of each group (most important first, ties by feature index). */
  ranked(count = 10): Omit<BucketFactor, "distribution">[][] {
    const F = this.nFeatures;
    return Array.from({ length: this.groups }, (_, b) => {
      const n = this.people[b]!;
      if (n === 0) return [];
      const abs = Array.from({ length: F }, (_, f) => this.absSum.units(b * F + f));
      return Array.from({ length: F }, (_, f) => f)
        .sort((x, y) => (abs[y]! > abs[x]! ? 1 : abs[y]! < abs[x]! ? -1 : x - y))
        .slice(0, count)
        .map((f) => ({
          feature: f,
          importance: this.absSum.value(b * F + f) / n,
          meanContribution: this.sum.value(b * F + f) / n,
          coverage: this.inTop[b * F + f]! / n,
        }));
    });
  }

  /** The summary as JSON (exact sums as decimal strings). */
  toJSON(): FactorSummaryJSON {
    return {
      nFeatures: this.nFeatures,
      groups: this.groups,
      people: Array.from(this.people),
      inTop: Array.from(this.inTop),
      absSum: this.absSum.toJSON(),
      sum: this.sum.toJSON(),
    };
  }

  /** A summary from `toJSON`. */
  static fromJSON(json: FactorSummaryJSON): FactorSummary {
    const out = new FactorSummary(json.nFeatures, json.groups);
    out.people.set(json.people);
    out.inTop.set(json.inTop);
    out.absSum.merge(ExactSums.fromJSON(json.absSum));
    out.sum.merge(ExactSums.fromJSON(json.sum));
    return out;
  }
}

/** Quantiles (numeric) or category shares (categorical) of some values, plus the missing share. */
export function distributionOf(feature: FactorFeature, xs: number[]): BucketFactor["distribution"] {
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
  const q = (p: number) =>
    present.length ? present[Math.min(present.length - 1, Math.floor(p * present.length))]! : NaN;
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

/** Powers of ten from 1e-20 to 1e20 (each the double nearest to it). */
const POW10 = Array.from({ length: 41 }, (_, k) => Number(`1e${k - 20}`));

/**
 * The cell of a feature value that value ranges count people in: a numeric value to 2 significant digits (3.14159
 * -> 3.1, 1234 -> 1200, 0.0456 -> 0.046; integers below 100 as they are), a category code as it is, missing as NaN.
 * Only exact arithmetic on constants, so every machine finds the same cell.
 */
export function cellOf(feature: FactorFeature, x: number): number {
  if (Number.isNaN(x) || feature.kind === "categorical") return x;
  const a = Math.abs(x);
  if ((Number.isInteger(x) && a < 100) || a === 0) return x;
  if (!(a >= POW10[0]! && a < POW10[40]!)) return Number(x.toPrecision(2));
  let e = 0;
  while (e < 40 && POW10[e + 1]! <= a) e++;
  // 10^(e-20) <= a: two digits are steps of 10^(e-21).
  const k = e - 21;
  const digits = k < 0 ? Math.round(a * POW10[20 - k]!) : Math.round(a / POW10[k + 20]!);
  const cell = k < 0 ? digits / POW10[20 - k]! : digits * POW10[k + 20]!;
  return x < 0 ? -cell : cell;
}

/** Per feature: the people and the exact sum of their probabilities in each value cell (`cellOf`). */
export class ValueCells {
  private readonly cells = new Map<number, { people: number; sum: ExactSums }>();

  constructor(readonly feature: FactorFeature) {}

  /** Adds people's values (NaN = missing) with their probabilities. */
  add(values: ArrayLike<number>, probability: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++)
      this.addCell(cellOf(this.feature, values[i]!), 1, quantise(probability[i]!));
  }

  private addCell(cell: number, people: number, units: number | bigint): void {
    let c = this.cells.get(cell);
    if (!c) this.cells.set(cell, (c = { people: 0, sum: new ExactSums(1) }));
    c.people += people;
    if (typeof units === "bigint") c.sum.addTotal(0, units);
    else c.sum.addUnits(0, units);
  }

  /** Adds the cells of other people. */
  merge(other: ValueCells): void {
    for (const [cell, c] of other.cells) this.addCell(cell, c.people, c.sum.units(0));
  }

  /** The cells, in increasing order (missing last), as [cell (null = missing), people, sum of probabilities in
   * units as a decimal string]. */
  toJSON(): [number | null, number, string][] {
    return this.sorted().map(([cell, c]) => [Number.isNaN(cell) ? null : cell, c.people, c.sum.units(0).toString()]);
  }

  /** Cells from `toJSON`. */
  static fromJSON(feature: FactorFeature, json: readonly [number | null, number, string][]): ValueCells {
    const out = new ValueCells(feature);
    for (const [cell, people, units] of json) out.addCell(cell ?? NaN, people, BigInt(units));
    return out;
  }

  private sorted(): [number, { people: number; sum: ExactSums }][] {
    return [...this.cells].sort((a, b) => (Number.isNaN(a[0]) ? 1 : Number.isNaN(b[0]) ? -1 : a[0] - b[0]));
  }

  /**
   * Up to `bins` ranges of the numeric cells (cut at the cells holding each 1/bins of the people with a value), one
   * per category, plus missing, with the mean probability in each relative to everyone's.
   */
  ranges(bins = 5): ValueRange[] {
    const feature = this.feature;
    const cells = this.sorted();
    const present = cells.filter(([cell]) => !Number.isNaN(cell));
    const n = present.reduce((a, [, c]) => a + c.people, 0);
    const edges: number[] = [];
    if (feature.kind === "numeric" && n) {
      let at = 0;
      let seen = 0;
      for (let b = 1; b < bins; b++) {
        const position = Math.floor((b * n) / bins);
        while (seen + present[at]![1].people <= position) seen += present[at++]![1].people;
        edges.push(present[at]![0]);
      }
    }
    const cuts = [...new Set(edges)];
    const groups = new Map<string, { low: number; high: number; sum: bigint; n: number }>();
    let total = 0n;
    let everyone = 0;
    for (const [cell, c] of cells) {
      total += c.sum.units(0);
      everyone += c.people;
      let [low, high] = [cell, cell];
      if (!Number.isNaN(cell) && feature.kind === "numeric") {
        // Range j holds cells in [cuts[j-1], cuts[j]): the first from the lowest, the last to the highest.
        let j = 0;
        while (j < cuts.length && cell >= cuts[j]!) j++;
        low = j === 0 ? present[0]![0] : cuts[j - 1]!;
        high = j === cuts.length ? present[present.length - 1]![0] : cuts[j]!;
      }
      const text = Number.isNaN(cell)
        ? valueInWords(feature, NaN)
        : low === high
          ? valueInWords(feature, low)
          : `${valueInWords(feature, low)} to ${valueInWords(feature, high)}`;
      const g = groups.get(text) ?? { low, high, sum: 0n, n: 0 };
      g.sum += c.sum.units(0);
      g.n += c.people;
      groups.set(text, g);
    }
    const overall = Number(total) / UNIT_OF_SUMS / Math.max(1, everyone);
    return [...groups]
      .map(([range, g]) => {
        const mean = Number(g.sum) / UNIT_OF_SUMS / g.n;
        return {
          range,
          low: g.low,
          high: g.high,
          people: g.n,
          meanProbability: mean,
          relative: overall > 0 ? mean / overall : NaN,
        };
      })
      .sort((a, b) => (Number.isNaN(a.low) ? 1 : Number.isNaN(b.low) ? -1 : a.low - b.low));
  }
}

/**
 * Value ranges of a feature (up to `bins` ranges of its value cells for numbers, one per category, plus missing)
 * with the mean predicted probability in each, relative to everyone's.
 */
export function valueRanges(
  feature: FactorFeature,
  values: ArrayLike<number>,
  probability: ArrayLike<number>,
  bins = 5,
): ValueRange[] {
  const cells = new ValueCells(feature);
  cells.add(values, probability);
  return cells.ranges(bins);
}
