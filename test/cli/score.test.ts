/** `npm run score`: the output folder is checked before any work, and a folder of the user's is never deleted. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";

const dir = mkdtempSync(join(tmpdir(), "score-cli-"));
const run = (...args: string[]) => spawnSync("npx", ["tsx", "loaders/cli/score.ts", ...args], { encoding: "utf8" });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run score --out", () => {
  test("a folder holding the configuration and data is refused in one line, and nothing in it is deleted", () => {
    writeFileSync(join(dir, "events.csv"), "id,ts\n1,2025-01-01\n");
    const config = {
      inputs: { events: { path: "events.csv", eventType: "purchase", columns: { personId: "id", timestamp: "ts" } } },
      instances: [
        {
          name: "buy",
          type: "conversion",
          window: 30,
          goal: { conditions: [{ field: "eventType", op: "equals", value: "purchase" }] },
        },
      ],
    };
    writeFileSync(join(dir, "config.json"), JSON.stringify(config));
    const before = readdirSync(dir).sort();
    const r = run("--config", join(dir, "config.json"), "--out", dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: output folder .* is not empty and was not written by customer-ai/m);
    expect(r.stderr).not.toContain("    at ");
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(readFileSync(join(dir, "events.csv"), "utf8")).toBe("id,ts\n1,2025-01-01\n");
  });
});
