/**
 * Seeded pseudo-random numbers (xoshiro128**, seeded through splitmix32) so that fitting is deterministic for a
 * given seed; `Math.random` is never used by the library.
 */

/** A small, fast, seedable generator of uniform numbers. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /**
   * @param seed any number; equal seeds give equal sequences
   */
  constructor(seed: number) {
    let s = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    const next = (): number => {
      // splitmix32
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform number in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * Uniform integer in [0, n).
   * @param n exclusive upper bound (positive)
   */
  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }

  /**
   * Chooses `k` distinct integers from [0, n), returned in increasing order (selection sampling).
   * @param n population size
   * @param k sample size (clamped to n)
   */
  sampleSorted(n: number, k: number): Int32Array {
    k = Math.min(Math.max(0, Math.floor(k)), n);
    const out = new Int32Array(k);
    let needed = k;
    for (let i = 0, j = 0; i < n && needed > 0; i++) {
      if (this.next() * (n - i) < needed) {
        out[j++] = i;
        needed--;
      }
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
