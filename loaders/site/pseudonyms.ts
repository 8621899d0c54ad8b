/**
 * Pseudonymous ids on the site: with a key in `CUSTOMER_AI_ID_KEY` at build time, every person id the site ships
 * (scores, factors, timelines, score histories, history.json) is replaced by a keyed hash, `p` and the first 20
 * hex digits of SHA-256(key + ":" + id). The key is never written to the site; whoever holds it can map the ids
 * of an export back (`npm run reveal`). The run's own output folder keeps the real ids.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../config/errors.js";
import { ID_KEY_ENV } from "../config/privacy.js";
import { openDatabase } from "../db/duckdb.js";
import { ident, int, str } from "../sql/quote.js";

/** Shortest key accepted: shorter keys can be guessed by trying them. */
export const MIN_KEY_LENGTH = 16;
/** Hex digits kept of the hash (80 bits: no collision in practice below billions of people). */
const DIGITS = 20;

/** The key of pseudonymous ids from the environment, or null when none is set.
 * @throws UserError when it is set but too short. */
export function idKey(env: NodeJS.ProcessEnv = process.env): string | null {
  const key = env[ID_KEY_ENV];
  if (key === undefined || key === "") return null;
  if (key.length < MIN_KEY_LENGTH)
    throw new UserError(
      "config",
      `${ID_KEY_ENV}: expected a secret of at least ${MIN_KEY_LENGTH} characters (e.g. from openssl rand -hex 32), got ${key.length}`,
    );
  return key;
}

/** The pseudonym of an id. */
export function pseudonymOf(id: string, key: string): string {
  return `p${createHash("sha256").update(`${key}:${id}`, "utf8").digest("hex").slice(0, DIGITS)}`;
}

/** SQL of the pseudonym of the VARCHAR expression `id` (the same as `pseudonymOf`). */
export function pseudonymSql(id: string, key: string): string {
  return `('p' || left(sha256(${str(`${key}:`)} || ${id}), ${int(DIGITS)}))`;
}

/** How each id-keyed file is sorted (pages read one person's rows by id). */
const ORDER: Record<string, string[]> = {
  scores: ["id"],
  factors: ["id", "rank"],
  timeline: ["id", "time DESC", "event"],
  scoreHistory: ["id", "as_of"],
};
/** Row groups of the rewritten files (as the run writes them). */
const ROW_GROUP = 16_384;

/** Files whose `id` column holds person ids. */
export function hasPersonIds(file: string): boolean {
  return file in ORDER;
}

/** A Parquet file of the run with its `id` column pseudonymised and re-sorted by the new ids. */
export async function pseudonymousParquet(path: string, file: string, key: string): Promise<Buffer> {
  const order = ORDER[file]!.map((o) => o.replace(/^(\w+)/, (name) => ident(name))).join(", ");
  const folder = mkdtempSync(join(tmpdir(), "customer-ai-pseudonyms-"));
  const db = await openDatabase();
  try {
    const out = join(folder, "out.parquet");
    await db.connection
      .run(`COPY (SELECT * REPLACE (${pseudonymSql("id", key)} AS id) FROM read_parquet(${str(path)}) ORDER BY ${order})
      TO ${str(out)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${int(ROW_GROUP)})`);
    return readFileSync(out);
  } finally {
    db.close();
    rmSync(folder, { recursive: true, force: true });
  }
}
