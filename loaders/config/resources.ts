/**
 * Resource settings of a configuration (`resources`): how much memory DuckDB may hold while reading the inputs and
 * building features before it spills to disk.
 */
import { type Issues, object, string } from "./checks.js";

/** The default DuckDB memory limit: a share of the machine's memory. */
export const DEFAULT_MEMORY_LIMIT = "40%";

/** Environment variable that overrides `resources.memoryLimit` for one run. */
export const MEMORY_LIMIT_ENV = "CUSTOMER_AI_MEMORY_LIMIT";

const UNITS: Record<string, number> = {
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** The smallest limit accepted: DuckDB needs room for a few buffers per thread. */
const MIN_BYTES = 128e6;

/** What a memory limit is expected to look like, for messages. */
export const MEMORY_LIMIT_EXPECTED =
  'an amount of memory of at least 128MB such as "4GB", "512MB" or "6GiB", or a share of the machine\'s memory from 1% to 95% such as "50%"';

/**
 * Bytes of a memory limit written as an amount with a unit (`4GB`, `512MB`, `6GiB`) or as a share of `total`
 * bytes (`50%`); null when it is neither, below 128 MB, or a share outside 1-95%.
 */
export function memoryLimitBytes(text: string, total: number): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b|%)$/i.exec(text.trim());
  if (!m) return null;
  const value = Number(m[1]);
  if (m[2] === "%") return value >= 1 && value <= 95 ? Math.floor((total * value) / 100) : null;
  const bytes = Math.floor(value * UNITS[m[2]!.toLowerCase()]!);
  return bytes >= MIN_BYTES ? bytes : null;
}

/** `resources`: `{ memoryLimit }`, checked for its form (the machine's memory is read when the run starts). */
export function resourcesOf(issues: Issues, value: unknown): { memoryLimit: string | null } {
  if (value === undefined) return { memoryLimit: null };
  const r = object(issues, value, "resources", ["memoryLimit"]) ?? {};
  const limit = string(issues, r.memoryLimit, "resources.memoryLimit") ?? null;
  if (limit !== null && memoryLimitBytes(limit, 2 ** 40) === null)
    issues.expected("resources.memoryLimit", MEMORY_LIMIT_EXPECTED, limit);
  return { memoryLimit: limit };
}
