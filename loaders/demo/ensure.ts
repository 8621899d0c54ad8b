/**
 * Makes sure the bundled demo data exists: generates `data/demo` (20,000 people, seed 1) when it is missing or was
 * generated with other settings. Set CUSTOMER_AI_DEMO_PROFILES to change the size.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateDemo } from "./generate.js";

/** Where the demo data lives. */
export const DEMO_DIR = "data/demo";

/** Generates the demo data unless it is there with the wanted settings. */
export async function ensureDemo(onProgress: (message: string) => void = (m) => console.error(m)): Promise<void> {
  // `format` changes whenever the generator's output changes (2: truth at three as-of dates).
  const settings = { profiles: Number(process.env["CUSTOMER_AI_DEMO_PROFILES"] ?? 20000), seed: 1, format: 2 };
  const manifest = join(DEMO_DIR, "manifest.json");
  const files = ["events.parquet", "profiles.parquet", "truth.parquet"].map((f) => join(DEMO_DIR, f));
  const current = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, "utf8")) as typeof settings) : undefined;
  const same =
    current?.profiles === settings.profiles && current?.seed === settings.seed && current?.format === settings.format;
  if (same && files.every((f) => existsSync(f))) return;
  onProgress(`generating demo data in ${DEMO_DIR} (${settings.profiles} people, seed ${settings.seed})`);
  const summary = await generateDemo({
    profiles: settings.profiles,
    seed: settings.seed,
    outDir: DEMO_DIR,
    onProgress,
  });
  writeFileSync(manifest, JSON.stringify({ ...settings, ...summary }, null, 2) + "\n");
}
