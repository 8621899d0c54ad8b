/**
 * User-facing errors and name suggestions.
 *
 * A `UserError` is a mistake in the configuration or the input data that the person running the pipeline can fix;
 * command-line tools print its message without a stack trace (see `loaders/cli/run.ts`). Anything else is a bug.
 */

/** Machine-readable kind of a user error, for tests and callers that react to specific problems. */
export type UserErrorCode =
  | "config"
  | "file_missing"
  | "file_empty"
  | "unknown_format"
  | "unreadable"
  | "column_missing"
  | "column_type"
  | "goal_no_match"
  | "no_events"
  | "requirements"
  | "model"
  | "output";

/** A problem the user can fix; its message names the file, key, row or column and what was expected. */
export class UserError extends Error {
  override name = "UserError";
  /** What kind of problem this is. */
  readonly code: UserErrorCode;
  constructor(code: UserErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Edit distance between two strings (case-insensitive), for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    previous = current;
  }
  return previous[t.length];
}

/**
 * The candidates closest to `name`: case-insensitive matches and substrings first, then by edit distance,
 * keeping only plausible ones (distance at most half the longer name).
 */
export function closestNames(name: string, candidates: readonly string[], limit = 3): string[] {
  const lower = name.toLowerCase();
  const scored = candidates.map((candidate) => {
    const c = candidate.toLowerCase();
    let score = editDistance(name, candidate);
    if (c === lower) score = -2;
    else if (lower.length >= 3 && (c.includes(lower) || lower.includes(c))) score = Math.min(score, 0.5);
    return { candidate, score, limit: Math.max(2, Math.ceil(Math.max(name.length, candidate.length) / 2)) };
  });
  return scored
    .filter((s) => s.score <= s.limit)
    .sort((x, y) => x.score - y.score || x.candidate.localeCompare(y.candidate))
    .slice(0, limit)
    .map((s) => s.candidate);
}

/** " (closest: a, b)" or "" when nothing is close; names are quoted. */
export function closestHint(name: string, candidates: readonly string[]): string {
  const close = closestNames(name, candidates);
  return close.length ? `; closest: ${close.map((c) => JSON.stringify(c)).join(", ")}` : "";
}

/** Text as a terminal shows it as it is: control characters (ANSI escapes, NUL, ...) written as \u escapes, line
 * breaks and tabs kept. For names and values from the user's files in messages. */
export function printable(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
