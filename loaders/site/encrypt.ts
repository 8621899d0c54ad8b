/**
 * A locked site: with a passphrase at build time (`CUSTOMER_AI_PASSPHRASE`, or a file named by
 * `CUSTOMER_AI_PASSPHRASE_FILE` or `--passphrase-file`), every data file of the built site is encrypted in place
 * with AES-256-GCM in chunks (format: loaders/contract/lock-format.ts), a plaintext manifest says how to derive the key,
 * and every page loads an unlock script first, which asks for the passphrase and registers a service worker that
 * decrypts the data files as the pages fetch them (components/lock-page.ts, lock-sw.ts). The passphrase is never
 * written anywhere.
 *
 * Key: PBKDF2-SHA256(passphrase NFC, 16-byte salt, 600,000 iterations), 64 bytes: the first 32 are the AES key (what
 * WebCrypto's deriveKey gives the browser), the last 32 the key of the synthetic nonces, which only the build has.
 * A chunk's nonce is the first 12 bytes of HMAC-SHA256(nonce key, additional data | plaintext): it depends on the
 * file's path, the chunk's place and its content, so it repeats under a key only for an identical chunk, which then
 * encrypts to identical bytes, and the same data encrypts the same way build after build.
 *
 * Salt: a build into a folder that holds a locked site this passphrase opens keeps that site's salt (so the key, and
 * readers' stored keys, stay valid from one build to the next); any other build draws a new random salt.
 */
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join, posix } from "node:path";
import {
  CHECK_TEXT,
  DEFAULT_CHUNK_SIZE,
  DEFAULT_ITERATIONS,
  LOCK_MANIFEST,
  LOCK_SCRIPT,
  LOCK_WORKER,
  NONCE_SIZE,
  PLAIN_EXTENSIONS,
  TAG_SIZE,
  checkAad,
  chunkAad,
  chunkCount,
  encodeHeader,
  fromBase64,
  isEncryptedPath,
  normalizePassphrase,
  toBase64,
  type LockManifest,
} from "../contract/lock-format.js";
import { UserError } from "../config/errors.js";
import { bundleComponent } from "./bundle.js";

/** The passphrase itself, for one build. */
export const PASSPHRASE_ENV = "CUSTOMER_AI_PASSPHRASE";
/** A file holding the passphrase (its one trailing line break is not part of it). */
export const PASSPHRASE_FILE_ENV = "CUSTOMER_AI_PASSPHRASE_FILE";
/** Below this many characters the build warns that the passphrase is short. */
export const SHORT_PASSPHRASE = 12;

/**
 * The build's passphrase: from `CUSTOMER_AI_PASSPHRASE`, or from the file `--passphrase-file` or
 * `CUSTOMER_AI_PASSPHRASE_FILE` names; null when none is given (the site is not locked).
 * @throws UserError for an empty passphrase, an unreadable or empty file, or a passphrase given two ways.
 */
export function readPassphrase(env: NodeJS.ProcessEnv, fileOption?: string): string | null {
  const value = env[PASSPHRASE_ENV];
  const file = fileOption ?? env[PASSPHRASE_FILE_ENV];
  if (value !== undefined && file !== undefined) {
    throw new UserError(
      "config",
      `give the passphrase one way: ${PASSPHRASE_ENV} or a passphrase file (${fileOption !== undefined ? "--passphrase-file" : PASSPHRASE_FILE_ENV}), not both`,
    );
  }
  if (value !== undefined) {
    if (value === "")
      throw new UserError(
        "config",
        `${PASSPHRASE_ENV} is empty: set it to the site's passphrase, or unset it to build a site that is not locked`,
      );
    return value;
  }
  if (file === undefined) return null;
  if (file === "")
    throw new UserError(
      "config",
      `the passphrase file's name is empty: name the file that holds the site's passphrase`,
    );
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "it is a folder"
            : (error as Error).message;
    throw new UserError("config", `cannot read the passphrase file ${file}: ${why}`);
  }
  const passphrase = text.replace(/\r?\n$/, "");
  if (passphrase === "")
    throw new UserError("config", `the passphrase file ${file} is empty: write the site's passphrase in it`);
  return passphrase;
}

/** The build's keys of a passphrase and salt. */
export interface LockKeys {
  /** The AES-256-GCM key (the browser derives the same from the passphrase). */
  key: Buffer;
  /** The key of the synthetic nonces (build only). */
  nonceKey: Buffer;
}

/** PBKDF2-SHA256 of the passphrase: 64 bytes, the AES key then the nonce key. */
export function deriveKeys(passphrase: string, salt: Uint8Array, iterations: number): LockKeys {
  const bits = pbkdf2Sync(Buffer.from(normalizePassphrase(passphrase), "utf8"), salt, iterations, 64, "sha256");
  return { key: bits.subarray(0, 32), nonceKey: bits.subarray(32, 64) };
}

/** Encrypts one chunk: nonce | ciphertext | tag, the nonce synthetic (HMAC of the additional data and plaintext). */
export function encryptChunk(keys: LockKeys, aad: Uint8Array, plain: Uint8Array): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(aad.length);
  const nonce = createHmac("sha256", keys.nonceKey)
    .update(length)
    .update(aad)
    .update(plain)
    .digest()
    .subarray(0, NONCE_SIZE);
  const cipher = createCipheriv("aes-256-gcm", keys.key, nonce, { authTagLength: TAG_SIZE });
  cipher.setAAD(aad);
  return Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/** Decrypts one chunk (for the build's own checks); throws when it does not authenticate. */
export function decryptChunkSync(key: Uint8Array, aad: Uint8Array, chunk: Uint8Array): Buffer {
  const decipher = createDecipheriv("aes-256-gcm", key, chunk.subarray(0, NONCE_SIZE), { authTagLength: TAG_SIZE });
  decipher.setAAD(aad);
  decipher.setAuthTag(chunk.subarray(chunk.length - TAG_SIZE));
  return Buffer.concat([decipher.update(chunk.subarray(NONCE_SIZE, chunk.length - TAG_SIZE)), decipher.final()]);
}

/** The encrypted file of `plain` at `path` (from the site's root). */
export function encryptBytes(plain: Uint8Array, path: string, keys: LockKeys, chunkSize = DEFAULT_CHUNK_SIZE): Buffer {
  const parts: Uint8Array[] = [encodeHeader(plain.length, chunkSize)];
  const chunks = chunkCount(plain.length, chunkSize);
  for (let index = 0; index < chunks; index++) {
    const piece = plain.subarray(index * chunkSize, Math.min(plain.length, (index + 1) * chunkSize));
    parts.push(encryptChunk(keys, chunkAad(path, chunkSize, plain.length, index), piece));
  }
  return Buffer.concat(parts);
}

/** Decrypts an encrypted file whole with the AES key (for tests and checks). */
export function decryptBytes(encrypted: Uint8Array, path: string, key: Uint8Array): Buffer {
  const view = new DataView(encrypted.buffer, encrypted.byteOffset, encrypted.byteLength);
  const chunkSize = view.getUint32(8, true);
  const length = Number(view.getBigUint64(16, true));
  const parts: Buffer[] = [];
  let at = 24;
  for (let index = 0; index < chunkCount(length, chunkSize); index++) {
    const size = Math.min(chunkSize, length - index * chunkSize) + NONCE_SIZE + TAG_SIZE;
    parts.push(decryptChunkSync(key, chunkAad(path, chunkSize, length, index), encrypted.subarray(at, at + size)));
    at += size;
  }
  if (at !== encrypted.length) throw new Error(`${path}: ${encrypted.length - at} bytes after the last chunk`);
  return Buffer.concat(parts);
}

/** Encrypts the file `file` (at `path` from the site's root) in place, chunk by chunk. Returns its plaintext size. */
function encryptFileInPlace(file: string, path: string, keys: LockKeys, chunkSize: number): number {
  const length = statSync(file).size;
  const temporary = `${file}.locking`;
  const input = openSync(file, "r");
  const output = openSync(temporary, "w");
  try {
    writeSync(output, encodeHeader(length, chunkSize));
    const buffer = Buffer.alloc(chunkSize);
    for (let index = 0; index < chunkCount(length, chunkSize); index++) {
      const want = Math.min(chunkSize, length - index * chunkSize);
      let got = 0;
      while (got < want) {
        const n = readSync(input, buffer, got, want - got, index * chunkSize + got);
        if (n === 0) throw new Error(`${file} changed while it was encrypted`);
        got += n;
      }
      writeSync(output, encryptChunk(keys, chunkAad(path, chunkSize, length, index), buffer.subarray(0, want)));
    }
  } finally {
    closeSync(input);
    closeSync(output);
  }
  renameSync(temporary, file);
  return length;
}

/** The manifest of a locked site: how to derive the key, and the token that tells a right passphrase from a wrong one. */
export function lockManifest(keys: LockKeys, salt: Uint8Array, iterations: number, chunkSize: number): LockManifest {
  return {
    format: "customer-ai-lock",
    version: 1,
    cipher: "AES-256-GCM",
    kdf: { name: "PBKDF2", hash: "SHA-256", iterations, salt: toBase64(salt) },
    chunkSize,
    check: toBase64(encryptChunk(keys, checkAad(), new TextEncoder().encode(CHECK_TEXT))),
    encrypted: `every file under _file/ but ${PLAIN_EXTENSIONS.join(" ")} (data loaders' outputs and data files); each chunk of ${chunkSize} bytes is nonce | ciphertext | tag`,
  };
}

/** Whether `keys` open a manifest's check token. */
function opens(keys: LockKeys, manifest: LockManifest): boolean {
  try {
    return decryptChunkSync(keys.key, checkAad(), fromBase64(manifest.check)).toString("utf8") === CHECK_TEXT;
  } catch {
    return false;
  }
}

/**
 * The salt of the locked site in `folder` when the passphrase opens it with the same settings (so a rebuild keeps
 * readers' keys valid), else null.
 */
export function reusableSalt(
  folder: string,
  passphrase: string,
  iterations = DEFAULT_ITERATIONS,
  chunkSize = DEFAULT_CHUNK_SIZE,
): Uint8Array | null {
  const file = join(folder, LOCK_MANIFEST);
  if (!existsSync(file)) return null;
  try {
    const manifest = JSON.parse(readFileSync(file, "utf8")) as LockManifest;
    if (
      manifest.format !== "customer-ai-lock" ||
      manifest.version !== 1 ||
      manifest.kdf.iterations !== iterations ||
      manifest.chunkSize !== chunkSize
    )
      return null;
    const salt = fromBase64(manifest.kdf.salt);
    if (salt.length < 16) return null;
    return opens(deriveKeys(passphrase, salt, iterations), manifest) ? salt : null;
  } catch {
    return null;
  }
}

/** Every file of a folder, as paths from it with forward slashes. */
function filesOf(folder: string, under = ""): string[] {
  return readdirSync(join(folder, under), { withFileTypes: true }).flatMap((entry) => {
    const path = under === "" ? entry.name : `${under}/${entry.name}`;
    return entry.isDirectory() ? filesOf(folder, path) : entry.isFile() ? [path] : [];
  });
}

/** Bundles one of the lock's browser scripts (`components/<name>.ts`) into a classic script. */
function bundleScript(name: string): Promise<string> {
  return bundleComponent(name, "iife");
}

/** The markers a page of a locked site carries (tests and the build's own check look for them). */
export const LOCK_SCRIPT_TAG = (root: string) => `<script src="${root}${LOCK_SCRIPT}" data-customer-ai-lock></script>`;
/** The first line of every inline module script of a locked page: its cells wait for the unlock. */
export const MODULE_GATE = "await globalThis.customerAiLock?.ready;";

/**
 * A page of a locked site: the unlock script first in its head, every inline module script (Framework's cells) made
 * to wait for the unlock, and preloads of encrypted files held back until then (the unlock script restores them),
 * so that a locked page downloads no data. `page` is the page's path from the site's root.
 * @throws Error when the page lacks the markup this relies on (a Framework upgrade must not drop the lock silently).
 */
export function lockPage(html: string, page: string): string {
  const depth = page.split("/").length - 1;
  const root = depth === 0 ? "" : "../".repeat(depth);
  const charset = /<meta charset="utf-8">\n?/i;
  if (!charset.test(html)) throw new Error(`${page}: no <meta charset="utf-8"> to put the unlock script after`);
  let out = html.replace(
    charset,
    (match) => `${match.endsWith("\n") ? match : `${match}\n`}${LOCK_SCRIPT_TAG(root)}\n`,
  );
  let modules = 0;
  out = out.replace(/<script type="module">/g, (match) => {
    modules++;
    return `${match}\n${MODULE_GATE}`;
  });
  if (modules === 0 && /<script type="module"/.test(html))
    throw new Error(`${page}: a module script the unlock cannot hold back`);
  const base = posix.dirname(page);
  out = out.replace(/<link rel="preload" href="([^"]+)"/g, (match, href: string) => {
    const target = posix.normalize(posix.join(base, href.split(/[?#]/)[0]!));
    return isEncryptedPath(target) ? `<link rel="customer-ai-preload" href="${href}"` : match;
  });
  return out;
}

/** What locking a site did. */
export interface LockSummary {
  encrypted: { path: string; bytes: number }[];
  pages: number;
  saltReused: boolean;
}

/**
 * Locks the built site in `folder`: encrypts its data files in place, writes the manifest, the service worker and
 * the unlock script at its root and makes every page load the unlock script first. `salt` defaults to a new random one.
 */
export async function lockSite(
  folder: string,
  passphrase: string,
  options: { salt?: Uint8Array; iterations?: number; chunkSize?: number } = {},
): Promise<LockSummary> {
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const salt = options.salt ?? randomBytes(16);
  const keys = deriveKeys(passphrase, salt, iterations);
  const files = filesOf(folder);
  for (const path of files) {
    if (/\n/.test(path)) throw new Error(`${path}: a file name with a line break cannot be encrypted`);
  }
  const encrypted: LockSummary["encrypted"] = [];
  for (const path of files.filter(isEncryptedPath)) {
    encrypted.push({ path, bytes: encryptFileInPlace(join(folder, ...path.split("/")), path, keys, chunkSize) });
  }
  const [worker, script] = await Promise.all([bundleScript("lock-sw"), bundleScript("lock-page")]);
  writeFileSync(join(folder, LOCK_WORKER), worker);
  writeFileSync(join(folder, LOCK_SCRIPT), script);
  writeFileSync(
    join(folder, LOCK_MANIFEST),
    `${JSON.stringify(lockManifest(keys, salt, iterations, chunkSize), null, 2)}\n`,
  );
  let pages = 0;
  for (const path of files.filter((f) => f.endsWith(".html"))) {
    const file = join(folder, ...path.split("/"));
    writeFileSync(file, lockPage(readFileSync(file, "utf8"), path));
    pages++;
  }
  return { encrypted, pages, saltReused: options.salt !== undefined };
}
