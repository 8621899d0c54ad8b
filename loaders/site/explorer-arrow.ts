/**
 * The scores page's table as Arrow IPC: the rows and columns of `scores.parquet`, with each integer column in the
 * narrowest unsigned type that holds it (scores and percentiles in a byte, feature codes in two). DuckDB-WASM reads
 * an IPC stream natively, so the page loads the table without decoding Parquet in JavaScript, which took seconds at
 * a million people; the person page keeps reading `scores.parquet` by range requests. The segments page loads the
 * same file, and for conditions across instances `linkedArrow`'s table of the other instances' scores.
 */
import * as arrow from "apache-arrow";
import { parquetToArrow } from "../contract/parquet-arrow.js";

/** An integer column in the narrowest of Uint8, Uint16 and Int32 that holds all its values (nulls kept). */
function narrowed(vector: arrow.Vector): arrow.Vector {
  if (!arrow.DataType.isInt(vector.type)) return vector;
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < vector.length; i++) {
    const value = vector.get(i) as number | null;
    if (value === null) continue;
    if (value < low) low = value;
    if (value > high) high = value;
  }
  const type = low >= 0 && high <= 255 ? new arrow.Uint8() : low >= 0 && high <= 65535 ? new arrow.Uint16() : null;
  if (type === null) return vector;
  return nullableVector(type, vector.length, (i) => vector.get(i) as number | null);
}

/** A vector of `type` (Uint8 or Uint16) whose value `i` is `valueAt(i)`, null kept as null. */
function nullableVector(
  type: arrow.Uint8 | arrow.Uint16,
  length: number,
  valueAt: (i: number) => number | null,
): arrow.Vector {
  const data = type instanceof arrow.Uint8 ? new Uint8Array(length) : new Uint16Array(length);
  const validity = new Uint8Array((length + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < length; i++) {
    const value = valueAt(i);
    if (value === null) nulls++;
    else {
      data[i] = value;
      validity[i >> 3]! |= 1 << (i & 7);
    }
  }
  return arrow.makeVector(
    arrow.makeData({ type, length, nullCount: nulls, nullBitmap: nulls > 0 ? validity : null, data } as never),
  );
}

/**
 * The value percentile of each person (VALUE_PERCENTILE_SQL in components/segment.ts, in integers): among the
 * people with an expected value, the share whose value is at or below theirs, in percent, rounded up (1-100; ties
 * share a percentile); null without a value.
 */
export function valuePercentiles(values: ArrayLike<number | null>): (number | null)[] {
  const present: number[] = [];
  for (let i = 0; i < values.length; i++)
    if (values[i] !== null && values[i] !== undefined && !Number.isNaN(values[i])) present.push(i);
  present.sort((a, b) => (values[a] as number) - (values[b] as number));
  const n = present.length;
  const out = new Array<number | null>(values.length).fill(null);
  for (let start = 0; start < n; ) {
    let end = start;
    while (end < n && values[present[end]!] === values[present[start]!]) end++;
    const percentile = Math.floor((100 * end + n - 1) / n);
    for (let k = start; k < end; k++) out[present[k]!] = percentile;
    start = end;
  }
  return out;
}

/** A nullable Uint8 vector. */
function uint8Vector(values: (number | null)[]): arrow.Vector {
  return nullableVector(new arrow.Uint8(), values.length, (i) => values[i]!);
}

/**
 * A Parquet file's rows as an Arrow IPC stream with narrow integer columns: the table of the scores and segments
 * pages. With customer value, `value_percentile` (UTINYINT) follows the value columns.
 */
export async function explorerArrow(parquet: Uint8Array): Promise<Uint8Array> {
  const buffer = parquet.buffer.slice(parquet.byteOffset, parquet.byteOffset + parquet.byteLength) as ArrayBuffer;
  const table = await parquetToArrow(buffer);
  const columns: Record<string, arrow.Vector> = Object.fromEntries(
    table.schema.fields.map((f) => [f.name, narrowed(table.getChild(f.name)!)]),
  );
  const value = table.getChild("expected_value");
  // A sample (loaders/site/sample.ts) brings the value percentile over everyone; otherwise it is computed here.
  if (value && !columns["value_percentile"])
    columns["value_percentile"] = uint8Vector(
      valuePercentiles(Array.from({ length: value.length }, (_, i) => value.get(i) as number | null)),
    );
  return arrow.tableToIPC(new arrow.Table(columns), "stream");
}

/**
 * Other instances' scores of one instance's people, for conditions across instances (joined by person id): `id`,
 * then per other instance `<name>:score`, `<name>:percentile` (UTINYINT) and `<name>:bucket` (text), one row per
 * person of `own` whom at least one other instance scored (NULL where that instance did not).
 */
export async function linkedArrow(
  own: Uint8Array,
  others: { name: string; scores: Uint8Array }[],
): Promise<Uint8Array> {
  const decode = (bytes: Uint8Array, columns: string[]) =>
    parquetToArrow(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, columns);
  const ids = (await decode(own, ["id"])).getChild("id")!.toArray() as unknown as string[];
  const row = new Map<string, number>();
  ids.forEach((id, i) => row.set(String(id), i));
  const parts = [];
  const scored = new Uint8Array(ids.length);
  for (const other of others) {
    const table = await decode(other.scores, ["id", "score", "percentile", "bucket"]);
    const score = new Array<number | null>(ids.length).fill(null);
    const percentile = new Array<number | null>(ids.length).fill(null);
    const bucket = new Array<string | null>(ids.length).fill(null);
    const [theirIds, s, p, b] = ["id", "score", "percentile", "bucket"].map((c) => table.getChild(c)!);
    for (let i = 0; i < table.numRows; i++) {
      const at = row.get(String(theirIds!.get(i)));
      if (at === undefined) continue;
      score[at] = s!.get(i) as number;
      percentile[at] = p!.get(i) as number;
      bucket[at] = b!.get(i) as string;
      scored[at] = 1;
    }
    parts.push({ name: other.name, score, percentile, bucket });
  }
  const keep = Array.from(ids.keys()).filter((i) => scored[i]);
  const columns: Record<string, arrow.Vector> = {
    id: arrow.vectorFromArray(
      keep.map((i) => String(ids[i])),
      new arrow.Utf8(),
    ),
  };
  for (const part of parts) {
    columns[`${part.name}:score`] = uint8Vector(keep.map((i) => part.score[i]!));
    columns[`${part.name}:percentile`] = uint8Vector(keep.map((i) => part.percentile[i]!));
    columns[`${part.name}:bucket`] = arrow.vectorFromArray(
      keep.map((i) => part.bucket[i]!),
      new arrow.Utf8(),
    );
  }
  return arrow.tableToIPC(new arrow.Table(columns), "stream");
}
