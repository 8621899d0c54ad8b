/**
 * Shared entry point of the command-line tools: user mistakes print one clear line (no stack trace) and exit 2;
 * anything else is a bug and prints its stack.
 */
import { printable } from "../config/errors.js";

/** A mistake in how a command was called. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * A count given on the command line: digits, with `_` allowed after the first (`--profiles 20_000`).
 * @throws UsageError naming `flag` when `text` is not a whole number.
 */
export function parseCount(flag: string, text: string): number {
  const n = Number(text.replaceAll("_", ""));
  if (!/^\d[\d_]*$/.test(text) || !Number.isSafeInteger(n))
    throw new UsageError(`${flag} expects a whole number, got "${text}"`);
  return n;
}

/** Errors whose message is meant for the user as it is. */
const USER_ERRORS = new Set(["UsageError", "UserError", "RangeError"]);

/** Where a command writes: its results with `log` (stdout), messages and progress with `error` (stderr). */
export type CommandOutput = Pick<Console, "log" | "error" | "table">;

/**
 * Runs a command's main function and returns its exit status: the status it returns (0 when it returns nothing),
 * or 2 after printing a user mistake in one line on `output.error`. Anything else is a bug and is rethrown.
 */
export async function exitStatusOf(
  main: () => Promise<number | void>,
  output: CommandOutput = console,
): Promise<number> {
  try {
    return (await main()) ?? 0;
  } catch (error) {
    const e = error as Error;
    // node:util parseArgs: an unknown option, an option without its value, an unexpected positional argument.
    const argsError = String((e as { code?: string })?.code ?? "").startsWith("ERR_PARSE_ARGS_");
    if (USER_ERRORS.has(e?.name) || argsError) {
      // Names from the user's files may hold terminal control sequences: show them as escapes, never run them.
      output.error(`error: ${printable(e.message)}`);
      return 2;
    }
    throw error;
  }
}

/** Runs a command's main function with user-friendly error reporting and sets the process's exit status. */
export async function runCli(main: () => Promise<number | void>): Promise<void> {
  const status = await exitStatusOf(main);
  if (status === 2) process.exit(2);
  if (status !== 0) process.exitCode = status;
}
