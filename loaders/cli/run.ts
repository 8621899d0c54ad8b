/**
 * Shared entry point of the command-line tools: user mistakes print one clear line (no stack trace) and exit 2;
 * anything else is a bug and prints its stack.
 */
import { printable } from "../config/errors.js";

/** A mistake in how a command was called. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Errors whose message is meant for the user as it is. */
const USER_ERRORS = new Set(["UsageError", "UserError", "RangeError"]);

/** Runs a command's main function with user-friendly error reporting. */
export async function runCli(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    const e = error as Error;
    // node:util parseArgs: an unknown option, an option without its value, an unexpected positional argument.
    const argsError = String((e as { code?: string })?.code ?? "").startsWith("ERR_PARSE_ARGS_");
    if (USER_ERRORS.has(e?.name) || argsError) {
      // Names from the user's files may hold terminal control sequences: show them as escapes, never run them.
      console.error(`error: ${printable(e.message)}`);
      process.exit(2);
    }
    throw error;
  }
}
