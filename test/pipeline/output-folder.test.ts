/**
 * Output folders are transactions: a run replaces only a folder it wrote, a failed run leaves the previous results
 * as they were, and no folder of the user's is ever deleted.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import {
  OUTPUT_MARKER,
  checkOutputFolder,
  isFrameworkSite,
  writeFolderAtomically,
} from "../../loaders/pipeline/output-folder.js";

const root = mkdtempSync(join(tmpdir(), "output-folder-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const write = (text: string) => async (dir: string) => writeFileSync(join(dir, "result.txt"), text);

describe("writeFolderAtomically", () => {
  test("creates a missing folder with the marker, and replaces its own folder on the next run", async () => {
    const out = join(root, "a");
    await writeFolderAtomically(out, write("first"));
    expect(readFileSync(join(out, "result.txt"), "utf8")).toBe("first");
    expect(existsSync(join(out, OUTPUT_MARKER))).toBe(true);
    await writeFolderAtomically(out, write("second"));
    expect(readFileSync(join(out, "result.txt"), "utf8")).toBe("second");
    expect(readdirSync(root).filter((f) => f.startsWith("."))).toEqual([]);
  });

  test("a failed run leaves the previous results untouched and no staging folder behind", async () => {
    const out = join(root, "b");
    await writeFolderAtomically(out, write("good"));
    const failing = async (dir: string) => {
      writeFileSync(join(dir, "result.txt"), "half");
      throw new Error("boom");
    };
    await expect(writeFolderAtomically(out, failing)).rejects.toThrow(/boom.*previous results .* unchanged/);
    expect(readFileSync(join(out, "result.txt"), "utf8")).toBe("good");
    expect(readdirSync(root).filter((f) => f.startsWith("."))).toEqual([]);
  });

  test("refuses a non-empty folder it did not write, before any work, and deletes nothing", async () => {
    const out = join(root, "user");
    mkdirSync(out);
    writeFileSync(join(out, "events.csv"), "precious");
    let ran = false;
    await expect(
      writeFolderAtomically(out, async () => {
        ran = true;
      }),
    ).rejects.toThrow(/not empty and was not written by customer-ai/);
    expect(ran).toBe(false);
    expect(readFileSync(join(out, "events.csv"), "utf8")).toBe("precious");
  });

  test("an empty folder is accepted, missing parents are created, a file where a folder should be is refused", async () => {
    const empty = join(root, "empty");
    mkdirSync(empty);
    await writeFolderAtomically(empty, write("ok"));
    expect(readFileSync(join(empty, "result.txt"), "utf8")).toBe("ok");
    await writeFolderAtomically(join(root, "missing", "out"), write("nested"));
    expect(readFileSync(join(root, "missing", "out", "result.txt"), "utf8")).toBe("nested");
    writeFileSync(join(root, "file"), "x");
    expect(() => checkOutputFolder(join(root, "file"))).toThrow(/is a file, not a folder/);
    expect(() => checkOutputFolder(join(root, "file", "out"))).toThrow(/file, not a folder/);
  });

  test("a site built by Framework counts as the tool's own folder", () => {
    const site = join(root, "dist");
    mkdirSync(site);
    writeFileSync(
      join(site, "index.html"),
      '<!doctype html><meta name="generator" content="Observable Framework v1.13.4">',
    );
    expect(isFrameworkSite(site)).toBe(true);
    expect(() => checkOutputFolder(site, { what: "site folder", alsoOwned: isFrameworkSite })).not.toThrow();
    expect(() => checkOutputFolder(site)).toThrow(/not written by customer-ai/);
  });
});
