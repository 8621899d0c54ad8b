/**
 * The scores page's table as Arrow IPC: the rows and columns of `scores.parquet`, with each integer column in the
 * narrowest unsigned type that holds it (scores and percentiles in a byte, feature codes in two). DuckDB-WASM reads
 * an IPC stream natively, so the page loads the table without decoding Parquet in JavaScript, which took seconds at
 * a million people; the person page keeps reading `scores.parquet` by range requests.
 */
import * as arrow from "apache-arrow";
import { parquetToArrow } from "../../components/data.js";

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
  const Values = type instanceof arrow.Uint8 ? Uint8Array : Uint16Array;
  const values = new Values(vector.length);
  const validity = new Uint8Array((vector.length + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < vector.length; i++) {
    const value = vector.get(i) as number | null;
    if (value === null) nulls++;
    else {
      values[i] = value;
      validity[i >> 3]! |= 1 << (i & 7);
    }
  }
  return arrow.makeVector(arrow.makeData({ type, length: vector.length, nullCount: nulls, nullBitmap: nulls > 0 ? validity : null, data: values } as never));
}

/** A Parquet file's rows as an Arrow IPC stream with narrow integer columns. */
export async function explorerArrow(parquet: Uint8Array): Promise<Uint8Array> {
  const buffer = parquet.buffer.slice(parquet.byteOffset, parquet.byteOffset + parquet.byteLength) as ArrayBuffer;
  const table = await parquetToArrow(buffer);
  const columns = Object.fromEntries(table.schema.fields.map((f) => [f.name, narrowed(table.getChild(f.name)!)]));
  return arrow.tableToIPC(new arrow.Table(columns), "stream");
}
