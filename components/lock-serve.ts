/**
 * What the service worker of a locked site answers for a request of one of its encrypted data files: it fetches the
 * encrypted bytes from the site's own origin and returns the plaintext, as the static host would have served the
 * unencrypted file. A whole file streams (decrypted chunk by chunk, so download progress still shows); a `Range`
 * request (`bytes=a-b`, `bytes=a-`, `bytes=-n`) fetches and decrypts only the chunks that cover it and answers 206
 * with the plaintext range; HEAD answers the plaintext length. Kept apart from the worker's glue so that Node tests
 * run it against a fake host.
 */
import {
  CHUNK_OVERHEAD,
  HEADER_SIZE,
  chunkAad,
  chunkCount,
  chunkOffset,
  decodeHeader,
  decryptChunk,
  parseRange,
  plainSize,
} from "../loaders/contract/lock-format.js";

/** The key and chunk size of the site being served. */
export interface LockKey {
  key: CryptoKey;
  chunkSize: number;
}

/** What the worker needs of a request. */
export interface LockRequest {
  method: string;
  url: string;
  headers: Headers;
}

/** A failure to decrypt: the key is not this site's, or the file was changed. */
export class DecryptError extends Error {
  override name = "DecryptError";
}

/** Answers a GET or HEAD of the encrypted file at `path` (from the site's root) with its plaintext. */
export async function serveDecrypted(
  request: LockRequest,
  path: string,
  lock: LockKey,
  upstream: typeof fetch,
): Promise<Response> {
  if (request.method === "HEAD") return head(request, path, lock, upstream);
  const header = request.headers.get("range");
  if (header && /^bytes=(\d*)-(\d*)$/.test(header.trim())) return ranged(request, path, lock, upstream, header);
  return whole(request, path, lock, upstream);
}

/** Headers of a plaintext answer, from the host's (content type) and the plaintext's length. */
function answerHeaders(from: Response, length: number, extra: Record<string, string> = {}): Headers {
  const headers = new Headers({ "content-length": String(length), "accept-ranges": "bytes", ...extra });
  const type = from.headers.get("content-type");
  if (type) headers.set("content-type", type);
  return headers;
}

function failure(status: number, text: string): Response {
  return new Response(text, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** The plaintext length of the file, from a HEAD of the encrypted one. */
async function lengthOf(
  request: LockRequest,
  lock: LockKey,
  upstream: typeof fetch,
): Promise<{ response: Response; length: number | null }> {
  const response = await upstream(request.url, { method: "HEAD" });
  const size = Number(response.headers.get("content-length") ?? NaN);
  return { response, length: response.ok ? plainSize(size, lock.chunkSize) : null };
}

async function head(request: LockRequest, _path: string, lock: LockKey, upstream: typeof fetch): Promise<Response> {
  const { response, length } = await lengthOf(request, lock, upstream);
  if (!response.ok) return response;
  if (length === null) return failure(502, "not an encrypted file of this site");
  return new Response(null, { status: 200, headers: answerHeaders(response, length) });
}

/** Reads exact numbers of bytes from a stream. */
class ExactReader {
  private buffered: Uint8Array[] = [];
  private size = 0;
  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** The next `n` bytes, or fewer when the stream ends first. */
  async read(n: number): Promise<Uint8Array> {
    while (this.size < n) {
      const { done, value } = await this.reader.read();
      if (done) break;
      this.buffered.push(value);
      this.size += value.byteLength;
    }
    const take = Math.min(n, this.size);
    const out = new Uint8Array(take);
    let at = 0;
    while (at < take) {
      const first = this.buffered[0]!;
      const part = Math.min(first.byteLength, take - at);
      out.set(first.subarray(0, part), at);
      at += part;
      if (part === first.byteLength) this.buffered.shift();
      else this.buffered[0] = first.subarray(part);
    }
    this.size -= take;
    return out;
  }

  cancel(): void {
    void this.reader.cancel().catch(() => undefined);
  }
}

/** The whole file, decrypted as its chunks arrive. */
async function whole(request: LockRequest, path: string, lock: LockKey, upstream: typeof fetch): Promise<Response> {
  const response = await upstream(request.url);
  if (!response.ok || response.status !== 200 || !response.body)
    return response.ok ? failure(502, "unexpected answer for an encrypted file") : response;
  const input = new ExactReader(response.body.getReader());
  const header = decodeHeader(await input.read(HEADER_SIZE));
  if (!header || header.chunkSize !== lock.chunkSize) {
    input.cancel();
    return failure(502, "not an encrypted file of this site");
  }
  const { chunkSize, length } = header;
  const chunks = chunkCount(length, chunkSize);
  /** The next chunk, decrypted. */
  const next = async (index: number): Promise<Uint8Array> => {
    const size = Math.min(chunkSize, length - index * chunkSize) + CHUNK_OVERHEAD;
    const chunk = await input.read(size);
    if (chunk.length !== size) throw new DecryptError(`${path} ends early`);
    return decryptChunk(lock.key, chunk, chunkAad(path, chunkSize, length, index)).catch(() => {
      throw new DecryptError(`${path}: chunk ${index} does not decrypt with this site's key`);
    });
  };
  // The first chunk is decrypted before answering, so that a file of another key (a stale copy in the HTTP cache after
  // a rebuild with a new salt) is an error status the worker can retry, not a stream that fails.
  let first: Uint8Array;
  try {
    first = await next(0);
  } catch (error) {
    input.cancel();
    return failure(502, (error as Error).message);
  }
  let index = 1;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.length > 0) controller.enqueue(first);
      if (chunks === 1) {
        controller.close();
        input.cancel();
      }
    },
    async pull(controller) {
      if (index >= chunks) return;
      try {
        const plain = await next(index);
        index++;
        if (plain.length > 0) controller.enqueue(plain);
        if (index === chunks) {
          controller.close();
          input.cancel();
        }
      } catch (error) {
        input.cancel();
        controller.error(error);
      }
    },
    cancel() {
      input.cancel();
    },
  });
  return new Response(body, { status: 200, headers: answerHeaders(response, length) });
}

/** The total size of a `Content-Range: bytes a-b/total` answer. */
function totalOf(response: Response): number | null {
  const match = /\/(\d+)\s*$/.exec(response.headers.get("content-range") ?? "");
  return match ? Number(match[1]) : null;
}

/** The `start` of a `Content-Range: bytes start-end/total` answer. */
function startOf(response: Response): number | null {
  const match = /bytes\s+(\d+)-/.exec(response.headers.get("content-range") ?? "");
  return match ? Number(match[1]) : null;
}

function unsatisfiable(length: number | null): Response {
  return new Response(null, { status: 416, headers: { "content-range": `bytes */${length ?? "*"}` } });
}

/** The plaintext bytes a range asks for, `start` to `end`; `end` null: to the end of the file. */
interface AskedRange {
  start: number;
  end: number | null;
}

/** The range a `Range` header asks for, or the answer when there is none to serve. */
async function askedRange(
  request: LockRequest,
  lock: LockKey,
  upstream: typeof fetch,
  header: string,
): Promise<AskedRange | Response> {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())!;
  if (match[1] === "") {
    // A suffix (`bytes=-n`) needs the length first.
    const known = await lengthOf(request, lock, upstream);
    if (!known.response.ok) return known.response;
    if (known.length === null) return failure(502, "not an encrypted file of this site");
    const wanted = parseRange(header, known.length);
    if (wanted === null || wanted === "unsatisfiable") return unsatisfiable(known.length);
    return { start: wanted.start, end: wanted.end };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? null : Number(match[2]);
  if (end !== null && end < start) return unsatisfiable((await lengthOf(request, lock, upstream)).length);
  return { start, end };
}

/** The encrypted bytes the host sent from chunk `first` on: where they start in the file, and the plaintext length. */
interface CoveringBytes {
  response: Response;
  bytes: Uint8Array;
  offset: number;
  length: number;
}

/** Fetches the encrypted chunks from `first` to the one holding `end` (or to the end of the file). */
async function coveringBytes(
  request: LockRequest,
  lock: LockKey,
  upstream: typeof fetch,
  first: number,
  end: number | null,
): Promise<CoveringBytes | Response> {
  const { chunkSize } = lock;
  const from = chunkOffset(first, chunkSize);
  // Up to the end of the last chunk asked for (the host clips it to the file), or to the end of the file.
  const range =
    end === null ? `bytes=${from}-` : `bytes=${from}-${chunkOffset(Math.floor(end / chunkSize) + 1, chunkSize) - 1}`;
  const response = await upstream(request.url, { headers: { range } });
  if (response.status === 206) {
    const total = totalOf(response);
    const length = total === null ? null : plainSize(total, chunkSize);
    const offset = startOf(response) ?? -1;
    if (length === null || offset < 0) return failure(502, "not an encrypted file of this site");
    return { response, bytes: new Uint8Array(await response.arrayBuffer()), offset, length };
  }
  if (response.status === 200) {
    // The host ignored the range and sent the whole file.
    const bytes = new Uint8Array(await response.arrayBuffer());
    const whole = decodeHeader(bytes);
    if (!whole || whole.chunkSize !== chunkSize) return failure(502, "not an encrypted file of this site");
    return { response, bytes, offset: 0, length: whole.length };
  }
  if (response.status === 416) return unsatisfiable((await lengthOf(request, lock, upstream)).length);
  return response;
}

/** A plaintext range: only the chunks covering it are fetched and decrypted. */
async function ranged(
  request: LockRequest,
  path: string,
  lock: LockKey,
  upstream: typeof fetch,
  header: string,
): Promise<Response> {
  const { chunkSize } = lock;
  const asked = await askedRange(request, lock, upstream, header);
  if (asked instanceof Response) return asked;
  const { start, end } = asked;
  const first = Math.floor(start / chunkSize);
  const covering = await coveringBytes(request, lock, upstream, first, end);
  if (covering instanceof Response) return covering;
  const { response, bytes, offset, length } = covering;
  if (start >= length) return unsatisfiable(length);
  const stop = Math.min(end ?? length - 1, length - 1);
  const last = Math.floor(stop / chunkSize);
  const parts = await Promise.all(
    Array.from({ length: last - first + 1 }, async (_, k) => {
      const index = first + k;
      const size = Math.min(chunkSize, length - index * chunkSize) + CHUNK_OVERHEAD;
      const at = chunkOffset(index, chunkSize) - offset;
      const chunk = at < 0 ? new Uint8Array(0) : bytes.subarray(at, at + size);
      if (chunk.length !== size) throw new DecryptError(`${path}: the host sent too few bytes for chunk ${index}`);
      return decryptChunk(lock.key, chunk, chunkAad(path, chunkSize, length, index)).catch(() => {
        throw new DecryptError(`${path}: chunk ${index} does not decrypt with this site's key`);
      });
    }),
  ).catch((error: Error) => error);
  if (parts instanceof Error) return failure(502, parts.message);
  const plain = new Uint8Array(stop - start + 1);
  let at = 0;
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    const index = first + k;
    const lo = index === first ? start - index * chunkSize : 0;
    const hi = index === last ? stop - index * chunkSize + 1 : part.length;
    plain.set(part.subarray(lo, hi), at);
    at += hi - lo;
  }
  return new Response(plain, {
    status: 206,
    headers: answerHeaders(response, plain.length, { "content-range": `bytes ${start}-${stop}/${length}` }),
  });
}
