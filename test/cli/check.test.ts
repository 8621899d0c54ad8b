/** `npm run check`: user mistakes give one clear line and exit 2; a good configuration prints its report. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { generateDemo } from "../../loaders/demo/generate.js";

const dir = mkdtempSync(join(tmpdir(), "check-cli-"));
const run = (...args: string[]) => spawnSync("npx", ["tsx", "loaders/cli/check.ts", ...args], { encoding: "utf8" });

beforeAll(async () => {
  await generateDemo({ profiles: 1500, seed: 5, outDir: dir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run check", () => {
  test("a missing configuration file is one line, no stack trace", () => {
    const r = run("--config", join(dir, "nope.json"));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: .*nope\.json/m);
    expect(r.stderr).not.toContain("    at ");
  });

  test.each([
    [
      "a TypeScript configuration with a syntax error",
      ["--config", "bad.ts"],
      /^error: configuration file .*bad\.ts could not be loaded: .*bad\.ts:2:\d+: ERROR: /m,
    ],
    [
      "a TypeScript configuration that throws",
      ["--config", "throws.ts"],
      /^error: configuration file .*throws\.ts could not be loaded: boom from config$/m,
    ],
  ])("%s is one line and exit 2", (_, args, message) => {
    writeFileSync(join(dir, "bad.ts"), "export default {\n  inputs: {,\n};\n");
    writeFileSync(join(dir, "throws.ts"), 'throw new Error("boom from config");\nexport default {};\n');
    const r = run(...args.map((a) => (a.endsWith(".ts") ? join(dir, a) : a)));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain("    at ");
  });

  test("a JSON configuration is checked and its data-quality report written", () => {
    const config = {
      inputs: { events: { path: "events.parquet" }, profiles: { path: "profiles.parquet" } },
      instances: [
        {
          name: "buyers",
          type: "conversion",
          window: 30,
          requirements: { minPositive: 20, minNegative: 20 },
          goal: { conditions: [{ field: "eventType", op: "equals", value: "commerce.purchases" }] },
        },
      ],
    };
    writeFileSync(join(dir, "config.json"), JSON.stringify(config));
    const r = run("--config", join(dir, "config.json"), "--out", join(dir, "report.json"));
    expect(r.stderr).toContain("instance buyers:");
    expect(r.status).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8"));
    expect(report.events.rowsRead).toBe(report.events.rowsUsed + report.events.rowsSetAside);
    expect(report.instances[0].requirements.every((q: { ok: boolean }) => q.ok)).toBe(true);
  });
});
