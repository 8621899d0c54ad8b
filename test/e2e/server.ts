/**
 * A minimal static server for the built site (dist/) on 127.0.0.1, with the content types browsers need
 * (application/wasm for DuckDB-WASM). Framework's clean URLs: `/data` serves `data.html`. Like Framework's preview
 * server and common static hosts it answers HEAD and single-range `Range: bytes=a-b` requests (206), which the
 * person page uses to read one person's rows from large Parquet files.
 */
import { createServer, type Server } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".parquet": "application/octet-stream",
  ".csv": "text/csv; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/** A running server and the bytes it has sent. */
export interface SiteServer {
  url: string;
  bytesSent: () => number;
  /** Bytes sent per URL path since the last `resetLog()` (range requests included). */
  bytesByPath: () => Map<string, number>;
  resetLog: () => void;
  close: () => Promise<void>;
}

/**
 * The byte range of a `Range` header (`bytes=a-b`, `bytes=a-`, `bytes=-n`), or null for none or an unsupported one:
 * what a static host answers. Written apart from the locked site's `parseRange` (loaders/contract/lock-format.ts) on
 * purpose: test/site/encrypt.test.ts checks that the two agree, so this one must not share its code.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "unsatisfiable" | null {
  const spec = header?.trim() ?? "";
  if (!spec.startsWith("bytes=")) return null;
  const bounds = spec.slice("bytes=".length).split("-");
  if (bounds.length !== 2 || !bounds.every((b) => /^\d*$/.test(b)) || bounds.join("") === "") return null;
  const [from, to] = bounds as [string, string];
  const start = from === "" ? Math.max(0, size - Number(to)) : Number(from);
  const end = from === "" || to === "" ? size - 1 : Math.min(size - 1, Number(to));
  return start > end || start >= size ? "unsatisfiable" : { start, end };
}

/** Serves `root` on a free port of 127.0.0.1. */
export async function serveSite(root: string): Promise<SiteServer> {
  const base = resolve(root);
  let sent = 0;
  let byPath = new Map<string, number>();
  const server: Server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://127.0.0.1").pathname);
    const candidates = path.endsWith("/") ? [`${path}index.html`] : [path, `${path}.html`];
    for (const candidate of candidates) {
      const file = normalize(join(base, candidate));
      if (!file.startsWith(base)) break;
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) continue;
      const body = await readFile(file);
      const headers = { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "accept-ranges": "bytes" };
      const range = parseRange(request.headers.range, body.length);
      let status = 200;
      let part: Buffer = body;
      if (range === "unsatisfiable") {
        response.writeHead(416, { ...headers, "content-range": `bytes */${body.length}` });
        response.end();
        return;
      } else if (range) {
        status = 206;
        part = body.subarray(range.start, range.end + 1);
        Object.assign(headers, { "content-range": `bytes ${range.start}-${range.end}/${body.length}` });
      }
      response.writeHead(status, { ...headers, "content-length": String(part.length) });
      if (request.method === "HEAD") {
        response.end();
        return;
      }
      sent += part.length;
      byPath.set(path, (byPath.get(path) ?? 0) + part.length);
      response.end(part);
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" });
    response.end("not found");
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    bytesSent: () => sent,
    bytesByPath: () => new Map(byPath),
    resetLog: () => {
      byPath = new Map();
    },
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
