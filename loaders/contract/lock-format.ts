/**
 * The format of a locked (passphrase-encrypted) site's data files, shared by the build (loaders/site/encrypt.ts),
 * the service worker that decrypts them in the browser (components/lock-sw.ts, lock-serve.ts) and the unlock form
 * (components/lock-page.ts). Everything here runs in Node and in browsers (WebCrypto only).
 *
 * A data file is encrypted in place (same path, same name) as a header and chunks:
 *
 *   header   24 bytes: "CAI-LCK1", chunk size (u32 LE), 0 (u32), plaintext length (u64 LE)
 *   chunk i  12-byte nonce | AES-256-GCM ciphertext of plaintext bytes [i*C, min((i+1)*C, P)) | 16-byte tag
 *
 * Every chunk holds C plaintext bytes but the last, which holds 1 to C (an empty file is one empty chunk), so
 * plaintext byte x lies in chunk floor(x / C) at a known offset: a range of plaintext maps to the few chunks that
 * cover it, and the service worker decrypts only those (HTTP range requests keep working). Each chunk's
 * additional data binds it to its file's path, the chunk size, the plaintext length, its index and whether it is
 * the last one, so chunks cannot be moved, dropped, swapped between files or the file truncated unnoticed.
 *
 * The key is PBKDF2-SHA256(passphrase, salt, iterations), 32 bytes, as WebCrypto's deriveKey gives an AES-GCM key.
 * Nonces are synthetic (the build derives each from a second key, the chunk's additional data and its plaintext
 * with HMAC-SHA256; see encrypt.ts), so a nonce repeats under one key only for the very same chunk of the very same
 * file, which then encrypts to the very same bytes.
 */

/** The file of the site's root that says the site is locked: salt, iterations, chunk size and the check token. */
export const LOCK_MANIFEST = "customer-ai-lock.json";
/** The service worker, at the site's root (a worker's scope cannot be wider than its own folder). */
export const LOCK_WORKER = "customer-ai-sw.js";
/** The unlock script every page of a locked site loads first. */
export const LOCK_SCRIPT = "customer-ai-unlock.js";

export const MAGIC = "CAI-LCK1";
export const HEADER_SIZE = 24;
export const NONCE_SIZE = 12;
export const TAG_SIZE = 16;
/** Bytes a chunk adds to its plaintext. */
export const CHUNK_OVERHEAD = NONCE_SIZE + TAG_SIZE;
/** Plaintext bytes per chunk: 64 KiB (0.04% overhead; a range request decrypts at most 2 x 64 KiB it did not ask
 * for). */
export const DEFAULT_CHUNK_SIZE = 65536;
/** PBKDF2-SHA256 iterations: OWASP's 2023 figure (about half a second in a browser, once per device). */
export const DEFAULT_ITERATIONS = 600_000;
/** What the check token decrypts to with the right passphrase. */
export const CHECK_TEXT = "customer-ai: the passphrase opens this site";

/** The plaintext manifest of a locked site (`customer-ai-lock.json`). */
export interface LockManifest {
  format: "customer-ai-lock";
  version: 1;
  cipher: "AES-256-GCM";
  kdf: { name: "PBKDF2"; hash: "SHA-256"; iterations: number; salt: string };
  chunkSize: number;
  /** Base64 of nonce | ciphertext | tag of CHECK_TEXT (additional data `checkAad()`). */
  check: string;
  /** Which files are encrypted, in words (the rule is `isEncryptedPath`). */
  encrypted: string;
}

/**
 * Extensions of the files under `_file/` that stay plaintext: code, styles, the engine, images and fonts. Every
 * other file there is a data loader's output or a data file (JSON, Parquet, Arrow, CSV, ...) and is encrypted.
 */
export const PLAIN_EXTENSIONS = [
  ".js",
  ".mjs",
  ".css",
  ".wasm",
  ".svg",
  ".ico",
  ".png",
  ".jpg",
  ".jpeg",
  ".gif",
  ".webp",
  ".avif",
  ".woff",
  ".woff2",
  ".ttf",
  ".otf",
];

/** Whether a file of the site, by its path from the site's root (`_file/purchase/data/scores.1a2b3c4d.parquet`), is
 * encrypted. */
export function isEncryptedPath(path: string): boolean {
  if (!path.startsWith("_file/")) return false;
  const name = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  const dot = name.lastIndexOf(".");
  return !(dot > 0 && PLAIN_EXTENSIONS.includes(name.slice(dot)));
}

/** The number of chunks of a plaintext of `length` bytes (an empty one is one empty chunk). */
export function chunkCount(length: number, chunkSize: number): number {
  return length === 0 ? 1 : Math.ceil(length / chunkSize);
}

/** The size of the encrypted file of a plaintext of `length` bytes. */
export function encryptedSize(length: number, chunkSize: number): number {
  return HEADER_SIZE + length + chunkCount(length, chunkSize) * CHUNK_OVERHEAD;
}

/** The plaintext length of an encrypted file of `size` bytes, or null when no plaintext encrypts to that size. */
export function plainSize(size: number, chunkSize: number): number | null {
  if (!Number.isSafeInteger(size) || size < HEADER_SIZE + CHUNK_OVERHEAD) return null;
  const body = size - HEADER_SIZE;
  const full = chunkSize + CHUNK_OVERHEAD;
  const whole = Math.floor(body / full);
  const rest = body % full;
  if (rest === 0) return whole * chunkSize;
  if (rest === CHUNK_OVERHEAD) return whole === 0 ? 0 : null;
  return rest > CHUNK_OVERHEAD ? whole * chunkSize + rest - CHUNK_OVERHEAD : null;
}

/** Where chunk `index` starts in the encrypted file. */
export function chunkOffset(index: number, chunkSize: number): number {
  return HEADER_SIZE + index * (chunkSize + CHUNK_OVERHEAD);
}

/**
 * The chunks that hold plaintext bytes `start` to `end` (inclusive) and the bytes of the encrypted file to fetch
 * for them (`end` may lie past the file's end when the last chunk is short: servers clip it).
 */
export function encryptedRange(
  start: number,
  end: number,
  chunkSize: number,
): { first: number; last: number; start: number; end: number } {
  const first = Math.floor(start / chunkSize);
  const last = Math.floor(end / chunkSize);
  return { first, last, start: chunkOffset(first, chunkSize), end: chunkOffset(last + 1, chunkSize) - 1 };
}

/**
 * The byte range a `Range` header asks of a file of `size` bytes (`bytes=a-b`, `bytes=a-`, `bytes=-n`), "unsatisfiable"
 * when it lies outside, or null for no header or one we do not serve as a range (several ranges, other units).
 */
export function parseRange(
  header: string | null | undefined,
  size: number,
): { start: number; end: number } | "unsatisfiable" | null {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === "" && match[2] === "")) return null;
  let start: number;
  let end: number;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(size - 1, Number(match[2]));
  }
  return start > end || start >= size ? "unsatisfiable" : { start, end };
}

const encoder = new TextEncoder();

/** The header of an encrypted file. */
export function encodeHeader(length: number, chunkSize: number): Uint8Array {
  const header = new Uint8Array(HEADER_SIZE);
  header.set(encoder.encode(MAGIC), 0);
  const view = new DataView(header.buffer);
  view.setUint32(8, chunkSize, true);
  view.setUint32(12, 0, true);
  view.setBigUint64(16, BigInt(length), true);
  return header;
}

/** The chunk size and plaintext length of an encrypted file's header, or null when it is not one. */
export function decodeHeader(bytes: Uint8Array): { chunkSize: number; length: number } | null {
  if (bytes.length < HEADER_SIZE) return null;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  return { chunkSize: view.getUint32(8, true), length: Number(view.getBigUint64(16, true)) };
}

/** The additional data of chunk `index` of the file at `path` (from the site's root). */
export function chunkAad(path: string, chunkSize: number, length: number, index: number): Uint8Array {
  const last = index === chunkCount(length, chunkSize) - 1 ? 1 : 0;
  return encoder.encode(`${MAGIC}\nchunk\n${path}\n${chunkSize}\n${length}\n${index}\n${last}`);
}

/** The additional data of the manifest's check token. */
export function checkAad(): Uint8Array {
  return encoder.encode(`${MAGIC}\ncheck`);
}

/** Decrypts one chunk (nonce | ciphertext | tag); rejects when it was not encrypted with this key, path and place. */
export async function decryptChunk(key: CryptoKey, chunk: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
  const iv = chunk.subarray(0, NONCE_SIZE);
  const data = chunk.subarray(NONCE_SIZE);
  return new Uint8Array(
    await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: iv as Uint8Array<ArrayBuffer>,
        additionalData: aad as Uint8Array<ArrayBuffer>,
        tagLength: TAG_SIZE * 8,
      },
      key,
      data as Uint8Array<ArrayBuffer>,
    ),
  );
}

/** The AES-GCM key of a passphrase (non-extractable, decryption only), as the build derives it. */
export async function deriveKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", encoder.encode(normalizePassphrase(passphrase)), "PBKDF2", false, [
    "deriveKey",
  ]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as Uint8Array<ArrayBuffer>, iterations },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["decrypt"],
  );
}

/** Whether `key` opens the manifest's check token (the passphrase is right). */
export async function opensCheck(key: CryptoKey, manifest: LockManifest): Promise<boolean> {
  try {
    const text = new TextDecoder().decode(await decryptChunk(key, fromBase64(manifest.check), checkAad()));
    return text === CHECK_TEXT;
  } catch {
    return false;
  }
}

/** A passphrase as the key is derived from it: Unicode NFC, so that the same characters typed differently match. */
export function normalizePassphrase(passphrase: string): string {
  return passphrase.normalize("NFC");
}

export function toBase64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]!);
  return btoa(text);
}

export function fromBase64(text: string): Uint8Array {
  const raw = atob(text);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}
