/**
 * Output folders written as one transaction. A run writes into a new staging folder beside its target and swaps
 * it in only when everything succeeded, so a failed run leaves the previous results untouched. The tool replaces
 * only folders it can prove it wrote: those that carry its marker file (or, for a site, Framework's generator
 * tag); any other non-empty folder is refused with one clear line, so `--out .` or a folder of the user's data
 * is never deleted.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UserError } from "../config/errors.js";

/** The file every output folder of this tool carries; only folders with it are ever replaced or deleted. */
export const OUTPUT_MARKER = ".customer-ai-output";
const MARKER_TEXT = "Written by customer-ai. This folder is replaced as a whole by the next run that writes here.\n";

/** How to recognise a folder this tool may replace. */
export interface OwnedBy {
  /** What the folder is, for messages ("output folder", "site folder"). */
  what: string;
  /** Besides the marker file: another proof that the folder was written by the tool (e.g. a built site). */
  alsoOwned?: (folder: string) => boolean;
}

/** Writes the marker file into a folder this tool wrote. */
function markOutput(folder: string): void {
  writeFileSync(join(folder, OUTPUT_MARKER), MARKER_TEXT);
}

/** Whether `folder` is missing, empty, or carries proof that this tool wrote it. */
function replaceable(folder: string, owner: OwnedBy): boolean {
  if (!existsSync(folder)) return true;
  if (readdirSync(folder).length === 0) return true;
  return existsSync(join(folder, OUTPUT_MARKER)) || (owner.alsoOwned?.(folder) ?? false);
}

/**
 * Checks before any work that `out` can receive a run: it is missing, an empty folder, or a folder this tool
 * wrote, and no file stands where it or one of its parent folders should be.
 * @throws UserError naming the folder and what to do.
 */
export function checkOutputFolder(out: string, owner: OwnedBy = { what: "output folder" }): void {
  const target = resolve(out);
  for (let parent = dirname(target); parent !== dirname(parent); parent = dirname(parent)) {
    if (existsSync(parent) && !statSync(parent).isDirectory()) {
      throw new UserError("output", `${owner.what} ${out}: ${parent} is a file, not a folder; choose another folder`);
    }
  }
  if (existsSync(target) && !statSync(target).isDirectory()) {
    throw new UserError("output", `${owner.what} ${out} is a file, not a folder; choose a new or empty folder`);
  }
  if (!replaceable(target, owner)) {
    throw new UserError(
      "output",
      `${owner.what} ${out} is not empty and was not written by customer-ai (no ${OUTPUT_MARKER} file); nothing was changed. Choose a new or empty folder`,
    );
  }
}

/**
 * Runs `write` into a fresh staging folder beside `out` and, when it succeeds, swaps the staging folder in place
 * of `out` (whose previous contents, written by this tool, are then removed). Missing parent folders are created.
 * When `write` fails, the staging folder is removed and `out` is left exactly as it was; the error is rethrown with
 * that said. Only folders this call created, or `out` once proven the tool's, are ever removed.
 */
export async function writeFolderAtomically<T>(
  out: string,
  write: (staging: string) => Promise<T>,
  owner: OwnedBy = { what: "output folder" },
): Promise<T> {
  checkOutputFolder(out, owner);
  const target = resolve(out);
  return stageAndSwap(
    dirname(target),
    basename(target),
    async (staging) => ({ result: await write(staging), name: basename(target) }),
    owner,
  );
}

/**
 * Like `writeFolderAtomically` for a folder of `parent` whose name is known only once it is written (a dated run
 * of a history folder): `write` returns it. The folder of that name, when there is one, must be this tool's; the
 * caller checks that `parent` may hold it.
 */
export async function writeNamedFolderAtomically<T>(
  parent: string,
  write: (staging: string) => Promise<{ result: T; name: string }>,
  owner: OwnedBy = { what: "output folder" },
): Promise<T> {
  return stageAndSwap(resolve(parent), "run", write, owner);
}

/** Writes into a staging folder of `parent` (named after `hint`) and swaps it in as `parent/<name>`. */
async function stageAndSwap<T>(
  parent: string,
  hint: string,
  write: (staging: string) => Promise<{ result: T; name: string }>,
  owner: OwnedBy,
): Promise<T> {
  const tag = `${process.pid}-${Date.now().toString(36)}`;
  const staging = join(parent, `.${hint}.partial-${tag}`);
  mkdirSync(parent, { recursive: true });
  // Fails (deleting nothing) if something already has the staging folder's name.
  mkdirSync(staging);
  let written: { result: T; name: string };
  let target = join(parent, hint);
  try {
    markOutput(staging);
    written = await write(staging);
    target = join(parent, written.name);
    markOutput(staging);
    // Someone may have put files into the target meanwhile: check again before replacing it.
    checkOutputFolder(target, owner);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (error instanceof Error && existsSync(target))
      error.message += ` (the previous results in ${target} are unchanged)`;
    throw error;
  }
  // Swap: the old folder steps aside, the new one takes its name, then the old one (ours) is removed.
  const previous = join(parent, `.${written.name}.previous-${tag}`);
  const hadPrevious = existsSync(target);
  if (hadPrevious) renameSync(target, previous);
  try {
    renameSync(staging, target);
  } catch (error) {
    if (hadPrevious) renameSync(previous, target);
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  if (hadPrevious) rmSync(previous, { recursive: true, force: true });
  return written.result;
}

/** Whether a folder holds a site built by Observable Framework (its pages carry Framework's generator tag). */
export function isFrameworkSite(folder: string): boolean {
  const index = join(folder, "index.html");
  return existsSync(index) && /<meta name="generator" content="Observable Framework/.test(readFileSync(index, "utf8"));
}
