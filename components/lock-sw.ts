/**
 * The service worker of a locked site (served at the site's root as customer-ai-sw.js, registered by the unlock
 * script). It answers the pages' requests of encrypted data files (same origin, under the site's root, by
 * `isEncryptedPath`) with their plaintext, whole or by ranges (lock-serve.ts), using the key the unlock form stored
 * in IndexedDB; every other request goes to the network untouched. Pages' dedicated workers (DuckDB-WASM's) are
 * controlled by it too. Without a stored key that opens the current site it answers 403, and when the site is no
 * longer locked (no customer-ai-lock.json) it unregisters itself and lets requests through.
 */
import { LOCK_MANIFEST, isEncryptedPath, type LockManifest } from "../loaders/contract/lock-format.js";
import { serveDecrypted } from "./lock-serve.js";
import { readStoredKey, type StoredKey } from "./lock-store.js";

/** The parts of the service worker's global scope used here (the project's TypeScript setup has no WebWorker lib). */
interface WorkerScope {
  registration: { scope: string; unregister(): Promise<boolean> };
  clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(
    type: "install" | "activate",
    listener: (event: { waitUntil(p: Promise<unknown>): void }) => void,
  ): void;
  addEventListener(
    type: "fetch",
    listener: (event: { request: Request; respondWith(r: Promise<Response>): void }) => void,
  ): void;
  addEventListener(
    type: "message",
    listener: (event: { data: unknown; ports: readonly MessagePort[]; waitUntil(p: Promise<unknown>): void }) => void,
  ): void;
}

const worker = self as unknown as WorkerScope;
const root = () => worker.registration.scope;

/** The site's manifest (null: the site is not locked any more), read once per run of the worker or on request. */
let manifest: Promise<LockManifest | null> | undefined;
/** The stored key, read once per run of the worker or on request. */
let stored: Promise<StoredKey | undefined> | undefined;

function currentManifest(): Promise<LockManifest | null> {
  manifest ??= fetch(new URL(LOCK_MANIFEST, root()).href, { cache: "no-store" }).then(async (response) => {
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`${LOCK_MANIFEST}: HTTP ${response.status}`);
    return (await response.json()) as LockManifest;
  });
  manifest.catch(() => (manifest = undefined));
  return manifest;
}

function currentKey(): Promise<StoredKey | undefined> {
  stored ??= readStoredKey(root());
  stored.catch(() => (stored = undefined));
  return stored;
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** Whether the worker can decrypt the site now: the manifest read and a stored key of its salt. */
async function ready(): Promise<{ manifest: LockManifest | null; key: StoredKey | undefined }> {
  const site = await currentManifest();
  let key = await currentKey();
  if (site && key?.salt !== site.kdf.salt) {
    // The form may just have stored it.
    stored = undefined;
    key = await currentKey();
  }
  return { manifest: site, key: site && key?.salt === site.kdf.salt ? key : undefined };
}

async function answer(request: Request, path: string): Promise<Response> {
  let state;
  try {
    state = await ready();
  } catch (error) {
    return text(503, `This site's lock could not be read: ${(error as Error).message}`);
  }
  if (state.manifest === null) {
    void worker.registration.unregister();
    return fetch(request);
  }
  if (!state.key) return text(403, "This site is locked: enter its passphrase on one of its pages.");
  const ask = { method: request.method, url: request.url, headers: request.headers };
  const lock = { key: state.key.key, chunkSize: state.manifest.chunkSize };
  const response = await serveDecrypted(ask, path, lock, fetch);
  if (response.status !== 502) return response;
  // A file that does not decrypt may be a stale copy from the HTTP cache (a rebuild with a new salt keeps the names of
  // unchanged files, which Framework derives from their plaintext): ask the host again, past the cache.
  return serveDecrypted(ask, path, lock, (input, init) => fetch(input, { ...init, cache: "reload" }));
}

worker.addEventListener("install", (event) => event.waitUntil(worker.skipWaiting()));
worker.addEventListener("activate", (event) => event.waitUntil(worker.clients.claim()));

worker.addEventListener("message", (event) => {
  const data = event.data as { type?: string } | null;
  if (data?.type !== "customer-ai-lock:check") return;
  // The page has just read the manifest (and may have stored a key): read both again, take the page over, answer.
  manifest = undefined;
  stored = undefined;
  event.waitUntil(
    worker.clients
      .claim()
      // (While it is still activating, its activate handler takes the page over instead.)
      .catch(() => undefined)
      .then(ready)
      .then(
        (state) => event.ports[0]?.postMessage({ locked: state.manifest !== null, salt: state.key?.salt ?? null }),
        (error: Error) => event.ports[0]?.postMessage({ error: error.message }),
      ),
  );
});

worker.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" && request.method !== "HEAD") return;
  const url = new URL(request.url);
  const scope = new URL(root());
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname.slice(scope.pathname.length));
  } catch {
    return;
  }
  if (!isEncryptedPath(path)) return;
  event.respondWith(answer(request, path));
});
