/**
 * The explorer's file format on both sides: Parquet decoded into Arrow columns with matching types. The build
 * writes the site's explorer tables with it (loaders/site/explorer-arrow.ts) and the browser data layer decodes the
 * Parquet files it fetches with it (components/data.ts).
 */
import * as arrow from "apache-arrow";
import { parquetMetadata, parquetRead, parquetSchema } from "hyparquet";
import type { SchemaTree } from "hyparquet";

/** Decodes a Parquet file (or only some of its columns) into an Arrow table with matching column types. */
export async function parquetToArrow(buffer: ArrayBuffer, only?: string[]): Promise<arrow.Table> {
  const metadata = parquetMetadata(buffer);
  const fields = parquetSchema(metadata).children.filter((f) => !only || only.includes(f.element.name));
  const rows = Number(metadata.num_rows);
  const chunks = new Map<string, { rowStart: number; data: ArrayLike<unknown> }[]>();
  await parquetRead({
    file: buffer,
    metadata,
    columns: only,
    onChunk: ({ columnName, columnData, rowStart }) => {
      let list = chunks.get(columnName);
      if (!list) chunks.set(columnName, (list = []));
      list.push({ rowStart, data: columnData });
    },
  });
  const vectors: Record<string, arrow.Vector> = {};
  for (const field of fields) {
    const name = field.element.name;
    vectors[name] = toVector(chunks.get(name) ?? [], rows, arrowType(field));
  }
  return new arrow.Table(vectors);
}

/** Numeric Arrow types filled directly into a typed array with a validity bitmap (much faster than Arrow's
 * builders). */
const NUMERIC: Record<string, (n: number) => Float32Array | Float64Array | Int32Array> = {
  Float32: (n) => new Float32Array(n),
  Float64: (n) => new Float64Array(n),
  Int32: (n) => new Int32Array(n),
};

/**
 * A Utf8 vector written directly (offsets and UTF-8 bytes), which is many times faster than Arrow's builder for
 * the id column of a million people.
 */
function utf8Vector(chunks: { rowStart: number; data: ArrayLike<unknown> }[], rows: number): arrow.Vector {
  const strings = new Array<string | null>(rows).fill(null);
  let capacity = 0;
  for (const { rowStart, data } of chunks) {
    for (let i = 0; i < data.length; i++) {
      const value = data[i];
      if (value === null || value === undefined) continue;
      const text =
        typeof value === "string" ? value : value instanceof Uint8Array ? DECODER.decode(value) : String(value);
      strings[rowStart + i] = text;
      capacity += 3 * text.length;
    }
  }
  const bytes = new Uint8Array(capacity);
  const offsets = new Int32Array(rows + 1);
  const validity = new Uint8Array((rows + 7) >> 3);
  let at = 0;
  let nulls = 0;
  for (let row = 0; row < rows; row++) {
    const text = strings[row];
    if (text === null || text === undefined) nulls++;
    else {
      at += ENCODER.encodeInto(text, bytes.subarray(at)).written;
      validity[row >> 3]! |= 1 << (row & 7);
    }
    offsets[row + 1] = at;
  }
  const type = new arrow.Utf8();
  return arrow.makeVector(
    arrow.makeData({
      type,
      length: rows,
      nullCount: nulls,
      nullBitmap: nulls > 0 ? validity : null,
      valueOffsets: offsets,
      data: bytes.subarray(0, at),
    }),
  );
}

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

/** One Arrow vector from a column's decoded chunks (missing rows and nulls are nulls). */
function toVector(
  chunks: { rowStart: number; data: ArrayLike<unknown> }[],
  rows: number,
  type: arrow.DataType,
): arrow.Vector {
  if (arrow.DataType.isUtf8(type)) return utf8Vector(chunks, rows);
  const make = NUMERIC[String(type)];
  if (make) {
    const values = make(rows);
    const validity = new Uint8Array((rows + 7) >> 3);
    let valid = 0;
    for (const { rowStart, data } of chunks) {
      for (let i = 0; i < data.length; i++) {
        const value = data[i];
        if (value === null || value === undefined) continue;
        const row = rowStart + i;
        values[row] = Number(value);
        validity[row >> 3]! |= 1 << (row & 7);
        valid++;
      }
    }
    const nullCount = rows - valid;
    return arrow.makeVector(
      arrow.makeData({
        type,
        length: rows,
        nullCount,
        nullBitmap: nullCount > 0 ? validity : null,
        data: values,
      } as never),
    );
  }
  const values = new Array<unknown>(rows).fill(null);
  for (const { rowStart, data } of chunks) {
    for (let i = 0; i < data.length; i++) {
      const value = data[i];
      values[rowStart + i] = typeof value === "bigint" ? Number(value) : value;
    }
  }
  return arrow.vectorFromArray(values, type);
}

/** The Arrow type that holds a flat Parquet column as hyparquet decodes it. */
function arrowType(field: SchemaTree): arrow.DataType {
  const { type, converted_type, logical_type } = field.element;
  if (logical_type?.type === "DATE" || converted_type === "DATE") return new arrow.DateMillisecond();
  if (
    logical_type?.type === "TIMESTAMP" ||
    converted_type === "TIMESTAMP_MILLIS" ||
    converted_type === "TIMESTAMP_MICROS"
  ) {
    return new arrow.TimestampMillisecond();
  }
  switch (type) {
    case "BOOLEAN":
      return new arrow.Bool();
    case "INT32":
      return new arrow.Int32();
    case "INT64":
    case "DOUBLE":
      return new arrow.Float64();
    case "FLOAT":
      return new arrow.Float32();
    default:
      return new arrow.Utf8();
  }
}
