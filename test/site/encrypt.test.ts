/**
 * The locked site's encryption (loaders/site/encrypt.ts) and the service worker's decryption (components/lock-serve.ts,
 * with WebCrypto as browsers have it): sizes and ranges against brute force, every range of small files through a fake
 * static host (with and without range support) against the plaintext, tampering, nonces, determinism, the check
 * token, the passphrase's sources and bad input (one line, exit 2), the pages' rewrite and a whole site locked.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import {
  CHUNK_OVERHEAD,
  HEADER_SIZE,
  LOCK_MANIFEST,
  LOCK_SCRIPT,
  LOCK_WORKER,
  MAGIC,
  NONCE_SIZE,
  chunkCount,
  chunkOffset,
  deriveKey,
  encryptedRange,
  encryptedSize,
  fromBase64,
  isEncryptedPath,
  opensCheck,
  parseRange,
  plainSize,
  type LockManifest,
} from "../../loaders/contract/lock-format.js";
import { serveDecrypted } from "../../components/lock-serve.js";
import {
  MODULE_GATE,
  decryptBytes,
  deriveKeys,
  encryptBytes,
  lockManifest,
  lockPage,
  lockSite,
  readPassphrase,
  reusableSalt,
} from "../../loaders/site/encrypt.js";
import { parseRange as hostParseRange } from "../e2e/server.js";

const SALT = new Uint8Array(16).fill(7);
const ITERATIONS = 1000;
const PASSPHRASE = "correct horse battery staple";
const keys = deriveKeys(PASSPHRASE, SALT, ITERATIONS);
/** The browser's key of the same passphrase (WebCrypto PBKDF2), which must decrypt what Node encrypted. */
const browserKey = deriveKey(PASSPHRASE, SALT, ITERATIONS);

const temporary: string[] = [];
afterAll(() => {
  for (const folder of temporary) rmSync(folder, { recursive: true, force: true });
});
function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "customer-ai-lock-"));
  temporary.push(folder);
  return folder;
}

/** A fake static host of encrypted files: HEAD, single ranges (as test/e2e/server.ts answers them), or no ranges at all. */
function host(
  files: Map<string, Uint8Array>,
  options: { ranges?: boolean } = {},
): { fetch: typeof fetch; sent: () => number } {
  let sent = 0;
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const body = files.get(url.pathname.slice(1));
    if (!body) return new Response("not found", { status: 404 });
    const headers = new Headers({ "content-type": "application/octet-stream", "accept-ranges": "bytes" });
    if (init?.method === "HEAD") {
      headers.set("content-length", String(body.length));
      return new Response(null, { status: 200, headers });
    }
    const range =
      options.ranges === false
        ? null
        : hostParseRange(new Headers(init?.headers).get("range") ?? undefined, body.length);
    if (range === "unsatisfiable")
      return new Response(null, { status: 416, headers: { "content-range": `bytes */${body.length}` } });
    const part = range ? body.subarray(range.start, range.end + 1) : body;
    sent += part.length;
    headers.set("content-length", String(part.length));
    if (range) headers.set("content-range", `bytes ${range.start}-${range.end}/${body.length}`);
    return new Response(part.slice(), { status: range ? 206 : 200, headers });
  };
  return { fetch: fake as typeof fetch, sent: () => sent };
}

/** Asks the service worker's logic for `path` of `files` (through the fake host) with a method and a Range header. */
async function ask(
  files: Map<string, Uint8Array>,
  path: string,
  chunkSize: number,
  range?: string,
  options: { method?: string; ranges?: boolean } = {},
) {
  const upstream = host(files, options);
  const headers = new Headers(range ? { range } : {});
  const response = await serveDecrypted(
    { method: options.method ?? "GET", url: `http://site.test/${path}`, headers },
    path,
    { key: await browserKey, chunkSize },
    upstream.fetch,
  );
  return { response, sent: upstream.sent() };
}

describe("sizes and ranges", () => {
  test("the plaintext length of every encrypted size, against brute force", () => {
    for (const chunkSize of [1, 3, 7, 64]) {
      const sizes = new Map<number, number>();
      for (let length = 0; length <= 5 * chunkSize + 3; length++) {
        expect(chunkCount(length, chunkSize)).toBe(Math.max(1, Math.ceil(length / chunkSize)));
        sizes.set(encryptedSize(length, chunkSize), length);
      }
      for (let size = 0; size <= encryptedSize(5 * chunkSize, chunkSize); size++)
        expect(plainSize(size, chunkSize), `size ${size}, chunks of ${chunkSize}`).toBe(sizes.get(size) ?? null);
    }
  });

  test("a plaintext range maps to exactly the chunks that hold it, against brute force", () => {
    const chunkSize = 5;
    for (let length = 1; length <= 23; length++) {
      for (let start = 0; start < length; start++) {
        for (let end = start; end < length; end++) {
          const span = encryptedRange(start, end, chunkSize);
          const holding = [...Array(chunkCount(length, chunkSize)).keys()].filter(
            (i) => i * chunkSize <= end && (i + 1) * chunkSize > start,
          );
          expect([span.first, span.last]).toEqual([holding[0], holding.at(-1)]);
          expect(span.start).toBe(HEADER_SIZE + span.first * (chunkSize + CHUNK_OVERHEAD));
          expect(span.end + 1).toBe(chunkOffset(span.last + 1, chunkSize));
        }
      }
    }
  });

  test("Range headers read as the test server reads them", () => {
    const headers = [
      undefined,
      "",
      "bytes=0-0",
      "bytes=0-",
      "bytes=3-9",
      "bytes=9-3",
      "bytes=-1",
      "bytes=-4",
      "bytes=-0",
      "bytes=-99",
      "bytes=12-",
      "bytes=5-100",
      "bytes=0-1,3-4",
      "items=0-1",
      "bytes=-",
    ];
    for (const size of [0, 1, 5, 12])
      for (const header of headers)
        expect(parseRange(header, size), `${header} of ${size}`).toEqual(hostParseRange(header, size));
  });

  test("only encrypted data files are decrypted: code, styles, the engine and images stay plain", () => {
    expect(isEncryptedPath("_file/purchase/data/scores.1a2b3c4d.parquet")).toBe(true);
    expect(isEncryptedPath("_file/purchase/data/instance.1a2b3c4d.json")).toBe(true);
    expect(isEncryptedPath("_file/purchase/data/explorer.1a2b3c4d.arrow")).toBe(true);
    expect(isEncryptedPath("_file/data/export.1a2b3c4d.csv")).toBe(true);
    expect(isEncryptedPath("_file/data/noextension")).toBe(true);
    for (const path of [
      "_file/lib/data.1a2b3c4d.js",
      "_file/lib/duckdb-eh.1a2b3c4d.wasm",
      "_file/favicon.1a2b3c4d.svg",
      "_import/style.css",
      "index.html",
      LOCK_MANIFEST,
      "_npm/x/data.json",
    ])
      expect(isEncryptedPath(path), path).toBe(false);
  });
});

describe("what the service worker serves", () => {
  const chunkSize = 7;
  const lengths = [0, 1, 6, 7, 8, 13, 14, 15, 29];

  test("every range of small files decrypts to the plaintext's bytes (206), and only the chunks that hold it are fetched", async () => {
    for (const length of lengths) {
      const plain = randomBytes(length);
      const path = `_file/x/data/f${length}.parquet`;
      const files = new Map([[path, encryptBytes(plain, path, keys, chunkSize)]]);
      expect(files.get(path)!.length).toBe(encryptedSize(length, chunkSize));
      for (let start = 0; start <= length + 1; start++) {
        for (let end = start; end <= length + 1; end++) {
          const { response, sent } = await ask(files, path, chunkSize, `bytes=${start}-${end}`);
          if (start >= length) {
            expect(response.status, `${start}-${end} of ${length}`).toBe(416);
            continue;
          }
          const last = Math.min(end, length - 1);
          expect(response.status).toBe(206);
          expect(response.headers.get("content-range")).toBe(`bytes ${start}-${last}/${length}`);
          expect(response.headers.get("content-length")).toBe(String(last - start + 1));
          expect(
            Buffer.from(await response.arrayBuffer()).equals(plain.subarray(start, last + 1)),
            `${start}-${end} of ${length}`,
          ).toBe(true);
          const chunks = Math.floor(last / chunkSize) - Math.floor(start / chunkSize) + 1;
          expect(sent).toBeLessThanOrEqual(chunks * (chunkSize + CHUNK_OVERHEAD));
        }
      }
    }
  });

  test("open and suffix ranges, whole files (streamed), HEAD, and hosts that ignore ranges", async () => {
    for (const length of lengths) {
      const plain = randomBytes(length);
      const path = `_file/x/data/f${length}.json`;
      const files = new Map([[path, encryptBytes(plain, path, keys, chunkSize)]]);
      for (const ranges of [true, false]) {
        const whole = (await ask(files, path, chunkSize, undefined, { ranges })).response;
        expect(whole.status).toBe(200);
        expect(whole.headers.get("content-length")).toBe(String(length));
        expect(Buffer.from(await whole.arrayBuffer()).equals(plain)).toBe(true);
        const head = (await ask(files, path, chunkSize, undefined, { method: "HEAD", ranges })).response;
        expect([head.status, head.headers.get("content-length")]).toEqual([200, String(length)]);
        for (let k = 0; k <= length + 1; k++) {
          for (const header of [`bytes=${k}-`, `bytes=-${k}`]) {
            const expected = parseRange(header, length);
            const { response } = await ask(files, path, chunkSize, header, { ranges });
            if (expected === null || expected === "unsatisfiable") {
              expect(response.status, `${header} of ${length}`).toBe(416);
              expect(response.headers.get("content-range")).toBe(`bytes */${length}`);
              continue;
            }
            expect(response.status, `${header} of ${length}`).toBe(206);
            expect(
              Buffer.from(await response.arrayBuffer()).equals(plain.subarray(expected.start, expected.end + 1)),
              `${header} of ${length}`,
            ).toBe(true);
          }
        }
      }
    }
  });

  test("a file of many chunks streams whole and reads by ranges as hyparquet asks them", async () => {
    const plain = randomBytes(300_000);
    const path = "_file/purchase/data/scores.0badf00d.parquet";
    const files = new Map([[path, encryptBytes(plain, path, keys)]]);
    const whole = (await ask(files, path, 65536)).response;
    expect(Buffer.from(await whole.arrayBuffer()).equals(plain)).toBe(true);
    for (const [start, end] of [
      [0, 3],
      [plain.length - 16384, plain.length - 1],
      [65530, 65545],
      [131072, 196607],
      [1000, 250000],
    ] as const) {
      const { response, sent } = await ask(files, path, 65536, `bytes=${start}-${end}`);
      expect(response.status).toBe(206);
      expect(Buffer.from(await response.arrayBuffer()).equals(plain.subarray(start, end + 1))).toBe(true);
      // At most one chunk's worth of plaintext on each side beyond the range.
      expect(sent).toBeLessThanOrEqual(end - start + 1 + 2 * 65536 + 8 * CHUNK_OVERHEAD);
    }
  });

  test("changed, moved, swapped or truncated chunks and files do not decrypt", async () => {
    const plain = randomBytes(20);
    const path = "_file/x/data/a.json";
    const good = encryptBytes(plain, path, keys, chunkSize);
    const failsWhole = async (bytes: Uint8Array, as = path) => {
      const { response } = await ask(new Map([[as, bytes]]), as, chunkSize);
      return (
        response.status !== 200 ||
        (await response.arrayBuffer().then(
          () => false,
          () => true,
        ))
      );
    };
    const failsRange = async (bytes: Uint8Array, as = path) =>
      (await ask(new Map([[as, bytes]]), as, chunkSize, "bytes=0-19")).response.status === 502;
    expect(await failsWhole(good)).toBe(false);
    const flipped = Buffer.from(good);
    flipped[chunkOffset(1, chunkSize) + NONCE_SIZE + 2]! ^= 1;
    const swapped = Buffer.concat([
      good.subarray(0, HEADER_SIZE),
      good.subarray(chunkOffset(1, chunkSize), chunkOffset(2, chunkSize)),
      good.subarray(chunkOffset(0, chunkSize), chunkOffset(1, chunkSize)),
      good.subarray(chunkOffset(2, chunkSize)),
    ]);
    const truncated = good.subarray(0, chunkOffset(2, chunkSize));
    for (const bad of [flipped, swapped, truncated]) {
      expect(await failsWhole(bad)).toBe(true);
      expect(await failsRange(bad)).toBe(true);
    }
    // Another file's bytes served at this path, and a file encrypted with another key.
    expect(await failsWhole(good, "_file/x/data/b.json")).toBe(true);
    expect(await failsRange(good, "_file/x/data/b.json")).toBe(true);
    const other = encryptBytes(plain, path, deriveKeys("another passphrase", SALT, ITERATIONS), chunkSize);
    expect(await failsWhole(other)).toBe(true);
    expect(await failsRange(other)).toBe(true);
    // A whole file of another key (a stale copy in the HTTP cache after a rebuild with a new salt) is an error status
    // before any byte is sent, which the service worker retries past the cache.
    expect((await ask(new Map([[path, other]]), path, chunkSize)).response.status).toBe(502);
  });
});

describe("nonces, determinism and the check token", () => {
  test("nonces differ between the chunks of a file and between files; the same data and key encrypt to the same bytes", () => {
    const plain = Buffer.alloc(10 * 64, 0); // identical chunks: the nonces still differ (they depend on the place)
    const a = encryptBytes(plain, "_file/a.json", keys, 64);
    const b = encryptBytes(plain, "_file/b.json", keys, 64);
    const nonces = [a, b].flatMap((file) =>
      [...Array(chunkCount(plain.length, 64)).keys()].map((i) =>
        file.subarray(chunkOffset(i, 64), chunkOffset(i, 64) + NONCE_SIZE).toString("hex"),
      ),
    );
    expect(new Set(nonces).size).toBe(nonces.length);
    expect(encryptBytes(plain, "_file/a.json", keys, 64).equals(a)).toBe(true);
    // Another salt, another key: nothing alike.
    const salted = encryptBytes(
      plain,
      "_file/a.json",
      deriveKeys(PASSPHRASE, new Uint8Array(16).fill(8), ITERATIONS),
      64,
    );
    expect(salted.subarray(HEADER_SIZE).equals(a.subarray(HEADER_SIZE))).toBe(false);
    // One byte changed: that chunk (and its nonce) changes, the others stay.
    const changed = Buffer.from(plain);
    changed[3 * 64 + 5] = 1;
    const c = encryptBytes(changed, "_file/a.json", keys, 64);
    for (let i = 0; i < 10; i++) {
      const same = c
        .subarray(chunkOffset(i, 64), chunkOffset(i + 1, 64))
        .equals(a.subarray(chunkOffset(i, 64), chunkOffset(i + 1, 64)));
      expect(same, `chunk ${i}`).toBe(i !== 3);
    }
    expect(decryptBytes(c, "_file/a.json", keys.key).equals(changed)).toBe(true);
  });

  test("the browser's key opens the check token of the right passphrase only", async () => {
    const manifest = lockManifest(keys, SALT, ITERATIONS, 65536);
    expect(await opensCheck(await browserKey, manifest)).toBe(true);
    expect(await opensCheck(await deriveKey("correct horse battery stapler", SALT, ITERATIONS), manifest)).toBe(false);
    expect(await opensCheck(await deriveKey(PASSPHRASE, new Uint8Array(16), ITERATIONS), manifest)).toBe(false);
    // The same characters typed composed or decomposed give the same key.
    const composed = lockManifest(
      deriveKeys("caf\u00e9 au lait sans sucre", SALT, ITERATIONS),
      SALT,
      ITERATIONS,
      65536,
    );
    expect(await opensCheck(await deriveKey("cafe\u0301 au lait sans sucre", SALT, ITERATIONS), composed)).toBe(true);
  });
});

describe("the passphrase", () => {
  test("comes from the environment or a file (its trailing line break dropped)", () => {
    const folder = tempFolder();
    writeFileSync(join(folder, "pass"), "  open sesame, twice  \n");
    expect(readPassphrase({})).toBeNull();
    expect(readPassphrase({ CUSTOMER_AI_PASSPHRASE: "open sesame" })).toBe("open sesame");
    expect(readPassphrase({ CUSTOMER_AI_PASSPHRASE_FILE: join(folder, "pass") })).toBe("  open sesame, twice  ");
    expect(readPassphrase({}, join(folder, "pass"))).toBe("  open sesame, twice  ");
  });

  test("bad input is refused in one line", () => {
    const folder = tempFolder();
    writeFileSync(join(folder, "empty"), "\n");
    expect(() => readPassphrase({ CUSTOMER_AI_PASSPHRASE: "" })).toThrow(/CUSTOMER_AI_PASSPHRASE is empty/);
    expect(() => readPassphrase({ CUSTOMER_AI_PASSPHRASE_FILE: join(folder, "missing") })).toThrow(
      /cannot read the passphrase file .*missing: no such file/,
    );
    expect(() => readPassphrase({}, folder)).toThrow(/cannot read the passphrase file .*: it is a folder/);
    expect(() => readPassphrase({}, join(folder, "empty"))).toThrow(/passphrase file .*empty is empty/);
    expect(() => readPassphrase({ CUSTOMER_AI_PASSPHRASE: "x" }, join(folder, "empty"))).toThrow(/one way/);
  });

  test("npm run build exits 2 with one line, before building anything", () => {
    const folder = tempFolder();
    for (const [env, args, message] of [
      [{ CUSTOMER_AI_PASSPHRASE: "" }, [], /^error: CUSTOMER_AI_PASSPHRASE is empty/],
      [{}, ["--passphrase-file", join(folder, "nope")], /^error: cannot read the passphrase file .*nope: no such file/],
    ] as const) {
      const run = spawnSync("npx", ["tsx", "loaders/cli/build.ts", "--out", join(folder, "site"), ...args], {
        env: { ...process.env, ...env },
        encoding: "utf8",
      });
      expect(run.status).toBe(2);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr.trim()).toMatch(message);
      expect(existsSync(join(folder, "site"))).toBe(false);
    }
  }, 60_000);
});

/** A page as Framework 1.13 writes it (the parts the lock rewrites). */
const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Scores | Customer AI</title>
<script type="module">
import {define} from "../_observablehq/client.js";
define({id: "1", body: () => 1});
</script>
</head>
<body>
<main id="observablehq-main">
<link rel="preload" href="../_file/purchase/data/instance.1a2b3c4d.json" as="fetch" crossorigin="">
<link rel="preload" href="../_file/lib/duckdb-eh.1a2b3c4d.wasm" as="fetch" type="application/wasm" crossorigin="">
</main>
</body>
</html>
`;

describe("the pages of a locked site", () => {
  test("load the unlock script first, hold their cells and their data preloads back", () => {
    const html = lockPage(PAGE, "purchase/scores.html");
    expect(html).toContain(
      `<meta charset="utf-8">\n<script src="../${LOCK_SCRIPT}" data-customer-ai-lock></script>\n<title>`,
    );
    expect(html).toContain(`<script type="module">\n${MODULE_GATE}\nimport {define}`);
    expect(html).toContain('<link rel="customer-ai-preload" href="../_file/purchase/data/instance.1a2b3c4d.json"');
    expect(html).toContain('<link rel="preload" href="../_file/lib/duckdb-eh.1a2b3c4d.wasm"');
    expect(lockPage(PAGE, "index.html")).toContain(`<script src="${LOCK_SCRIPT}" data-customer-ai-lock>`);
    expect(lockPage(PAGE, "a/b/c.html")).toContain(`<script src="../../${LOCK_SCRIPT}" data-customer-ai-lock>`);
    expect(() => lockPage(PAGE.replace('<meta charset="utf-8">', ""), "x.html")).toThrow(/charset/);
  });

  test("a whole site: data files encrypted in place, code and pages not; the same salt gives the same bytes, and a rebuild keeps the salt the passphrase opens", async () => {
    const payload = randomBytes(150_000);
    const site = (folder: string) => {
      const files: Record<string, string | Buffer> = {
        "index.html": PAGE,
        "purchase/scores.html": PAGE,
        "_file/purchase/data/instance.1a2b3c4d.json": JSON.stringify({ id: "ecid-0000042", tier: "platinum" }),
        "_file/purchase/data/scores.1a2b3c4d.parquet": Buffer.concat([
          Buffer.from("PAR1"),
          payload,
          Buffer.from("ecid-0000042PAR1"),
        ]),
        "_file/lib/data.1a2b3c4d.js": "export const x = 1;",
        "_file/favicon.1a2b3c4d.svg": "<svg></svg>",
        "_observablehq/client.1a2b3c4d.js": "export {};",
      };
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(join(folder, path, ".."), { recursive: true });
        writeFileSync(join(folder, path), content);
      }
      return files;
    };
    const a = tempFolder();
    const files = site(a);
    const summary = await lockSite(a, PASSPHRASE, { salt: SALT, iterations: ITERATIONS });
    expect(summary.encrypted.map((f) => f.path).sort()).toEqual([
      "_file/purchase/data/instance.1a2b3c4d.json",
      "_file/purchase/data/scores.1a2b3c4d.parquet",
    ]);
    expect(summary.pages).toBe(2);
    for (const path of Object.keys(files)) {
      const bytes = readFileSync(join(a, path));
      if (isEncryptedPath(path)) {
        expect(bytes.subarray(0, MAGIC.length).toString()).toBe(MAGIC);
        expect(bytes.includes("ecid-0000042") || bytes.includes("platinum")).toBe(false);
        expect(decryptBytes(bytes, path, keys.key).equals(Buffer.from(files[path]!))).toBe(true);
      } else if (!path.endsWith(".html")) {
        expect(bytes.equals(Buffer.from(files[path]!))).toBe(true);
      }
    }
    for (const file of [LOCK_SCRIPT, LOCK_WORKER, LOCK_MANIFEST]) expect(existsSync(join(a, file))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(a, LOCK_MANIFEST), "utf8")) as LockManifest;
    expect(manifest.kdf).toEqual({
      name: "PBKDF2",
      hash: "SHA-256",
      iterations: ITERATIONS,
      salt: Buffer.from(SALT).toString("base64"),
    });
    expect(readFileSync(join(a, LOCK_MANIFEST), "utf8")).not.toContain(PASSPHRASE);
    expect(await opensCheck(await browserKey, manifest)).toBe(true);
    // The scripts are plain classic scripts (no module syntax) that name no other host.
    for (const file of [LOCK_SCRIPT, LOCK_WORKER]) {
      const text = readFileSync(join(a, file), "utf8");
      expect(text).not.toMatch(/^\s*(import|export)\b/m);
      expect(text).not.toMatch(/https?:\/\/[a-z0-9]/i);
    }
    // Same data, passphrase and salt: identical files.
    const b = tempFolder();
    site(b);
    await lockSite(b, PASSPHRASE, { salt: SALT, iterations: ITERATIONS });
    for (const path of [...Object.keys(files), LOCK_MANIFEST, LOCK_SCRIPT, LOCK_WORKER])
      expect(readFileSync(join(b, path)).equals(readFileSync(join(a, path))), path).toBe(true);
    // A rebuild over it keeps the salt when the passphrase opens it, draws a new one otherwise.
    expect(reusableSalt(a, PASSPHRASE, ITERATIONS, 65536)).toEqual(SALT);
    expect(reusableSalt(a, "another passphrase", ITERATIONS, 65536)).toBeNull();
    expect(reusableSalt(a, PASSPHRASE, ITERATIONS + 1, 65536)).toBeNull();
    expect(reusableSalt(tempFolder(), PASSPHRASE, ITERATIONS, 65536)).toBeNull();
    const c = tempFolder();
    site(c);
    const fresh = await lockSite(c, PASSPHRASE, { iterations: ITERATIONS });
    expect(fresh.saltReused).toBe(false);
    expect(fromBase64((JSON.parse(readFileSync(join(c, LOCK_MANIFEST), "utf8")) as LockManifest).kdf.salt)).not.toEqual(
      SALT,
    );
  });
});
