/**
 * A minimal static server for the built site (dist/) on 127.0.0.1, with the content types browsers need
 * (application/wasm for DuckDB-WASM). Framework's clean URLs: `/data` serves `data.html`.
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
};

/** A running server and the bytes it has sent. */
export interface SiteServer {
  url: string;
  bytesSent: () => number;
  close: () => Promise<void>;
}

/** Serves `root` on a free port of 127.0.0.1. */
export async function serveSite(root: string): Promise<SiteServer> {
  const base = resolve(root);
  let sent = 0;
  const server: Server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://127.0.0.1").pathname);
    const candidates = path.endsWith("/") ? [`${path}index.html`] : [path, `${path}.html`];
    for (const candidate of candidates) {
      const file = normalize(join(base, candidate));
      if (!file.startsWith(base)) break;
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) continue;
      const body = await readFile(file);
      sent += body.length;
      response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      response.end(body);
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
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
