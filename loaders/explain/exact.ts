/**
 * Exact, order-independent sums of many real numbers, so that sums over people split across shards and added up
 * afterwards equal, bit for bit, the sums of one run over everyone.
 *
 * Each value is quantised to an integer number of units of 2^-30 (`quantise`: about 1e-9, far below what any output
 * shows; symmetric, so |quantise(x)| = quantise(|x|)). Integers add exactly in any order: each slot adds them in a
 * double while that stays below 2^52 in size (every integer up to 2^53 is exact), then carries into a BigInt. Totals
 * are decimal strings in JSON (`toJSON`, `fromJSON`), and read back as a double (`value`: the integer sum rounded
 * once, to nearest, then scaled by 2^-30, which is exact).
 */

/** Units per 1: values are summed as integer multiples of 2^-30. */
export const UNIT = 2 ** 30;
/** A slot's double part carries into its BigInt beyond this size; a single value beyond `BIG` goes there directly. */
const LIMIT = 2 ** 52;
const BIG = 2 ** 42;

/** The integer number of units nearest to `x`, halves away from zero. */
export function quantise(x: number): number {
  return x < 0 ? -Math.round(-x * UNIT) : Math.round(x * UNIT);
}

/** Exact sums of quantised values in numbered slots. */
export class ExactSums {
  private readonly low: Float64Array;
  private readonly high: bigint[];

  constructor(readonly size: number) {
    this.low = new Float64Array(size);
    this.high = new Array<bigint>(size).fill(0n);
  }

  /** Adds the integer `q` (a quantised value, see `quantise`) to slot `slot`. */
  addUnits(slot: number, q: number): void {
    const l = this.low[slot]!;
    if (l < LIMIT && l > -LIMIT && q < BIG && q > -BIG) {
      this.low[slot] = l + q;
      return;
    }
    this.high[slot] = this.high[slot]! + BigInt(l) + BigInt(q);
    this.low[slot] = 0;
  }

  /** Adds the real `x` (quantised) to slot `slot`. */
  add(slot: number, x: number): void {
    this.addUnits(slot, quantise(x));
  }

  /** The exact total of a slot, in units. */
  units(slot: number): bigint {
    return this.high[slot]! + BigInt(this.low[slot]!);
  }

  /** The total of a slot as a double (the exact sum of the quantised values, rounded once). */
  value(slot: number): number {
    return Number(this.units(slot)) / UNIT;
  }

  /** Adds the totals of `other` (the same size) slot by slot. */
  merge(other: ExactSums): void {
    if (other.size !== this.size) throw new Error(`ExactSums.merge: ${other.size} slots against ${this.size}`);
    for (let i = 0; i < this.size; i++) this.addTotal(i, other.units(i));
  }

  /** Adds an exact total (in units) to slot `slot`. */
  addTotal(slot: number, units: bigint): void {
    this.high[slot] = this.high[slot]! + units;
  }

  /** The totals as decimal strings (units). */
  toJSON(): string[] {
    return Array.from({ length: this.size }, (_, i) => this.units(i).toString());
  }

  /** Sums from `toJSON`'s strings. */
  static fromJSON(totals: readonly string[]): ExactSums {
    const sums = new ExactSums(totals.length);
    totals.forEach((t, i) => sums.addTotal(i, BigInt(t)));
    return sums;
  }
}
