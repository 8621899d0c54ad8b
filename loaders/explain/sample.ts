/**
 * Samples of people that shards can merge exactly: the k people with the smallest hash of their id (ties by the id's
 * UTF-8 bytes, as DuckDB orders VARCHAR). The k smallest of everyone are among the union of every shard's k
 * smallest, so a merge picks the same people one run over everyone would.
 */

/** A 53-bit hash of a person id (cyrb53: two 32-bit multiplicative hashes of its UTF-16 code units). */
export function personHash(id: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** Orders people by hash, then by the UTF-8 bytes of their id. */
export function compareSampled(a: { hash: number; id: string }, b: { hash: number; id: string }): number {
  return a.hash - b.hash || Buffer.compare(Buffer.from(a.id, "utf8"), Buffer.from(b.id, "utf8"));
}

/** The rows of the `k` people of `ids` with the smallest hash, in that order. */
export function sampleRows(ids: readonly string[], k: number): number[] {
  const hashes = Float64Array.from(ids, personHash);
  if (ids.length <= k)
    return Array.from(ids.keys()).sort((a, b) =>
      compareSampled({ hash: hashes[a]!, id: ids[a]! }, { hash: hashes[b]!, id: ids[b]! }),
    );
  // The k-th smallest hash bounds the sample; ties at it are settled by id.
  const bound = Float64Array.from(hashes).sort()[k - 1]!;
  const rows: number[] = [];
  for (let i = 0; i < ids.length; i++) if (hashes[i]! <= bound) rows.push(i);
  return rows
    .sort((a, b) => compareSampled({ hash: hashes[a]!, id: ids[a]! }, { hash: hashes[b]!, id: ids[b]! }))
    .slice(0, k);
}
