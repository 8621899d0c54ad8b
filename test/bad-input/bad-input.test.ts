/**
 * The bad-input suite of issue 14: each case of `cases.ts` is written into a fresh folder and run through `check`
 * or `score` (in-process, or as a real process when it interrupts one). It must end with the expected exit status
 * and message, print no stack trace, and account for every row in the report it wrote: rows read = used + set
 * aside by reason. A user mistake (status 2) is one line (a configuration with several problems lists them below
 * it), and a user mistake or a stopped run changes nothing where the results go.
 */
import { rmSync } from "node:fs";
import { afterAll, describe, expect, test } from "vitest";
import type { InputReport } from "../../loaders/contract/data-quality.js";
import { CASES } from "./cases.js";
import {
  type Accounting,
  type BadInputCase,
  CATEGORIES,
  type Outcome,
  caseFolder,
  digests,
  outOf,
  reportWritten,
  runInProcess,
  withDefaultOut,
} from "./harness.js";
import type { CaseFolder } from "./inputs.js";

const folders: CaseFolder[] = [];
afterAll(() => folders.forEach((f) => rmSync(f.dir, { recursive: true, force: true })));

/** What every outcome must show: no stack trace, no raw control characters; status 2 is one error line. */
function expectClean(c: BadInputCase, outcome: Outcome): void {
  const { stderr } = outcome;
  expect(stderr, "a stack trace").not.toMatch(/^\s+at /m);
  expect(stderr, "an error's trace").not.toMatch(/^\w*Error\b/m);
  expect(stderr, "raw control characters").not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  if (c.status !== 2) return;
  const lines = stderr.trimEnd().split("\n");
  const error = lines.findIndex((line) => line.startsWith("error: "));
  expect(error, "an error line").toBeGreaterThanOrEqual(0);
  expect(lines.slice(error + 1), "nothing after the error line but its list of problems").toEqual(
    lines.slice(error + 1).filter((line) => line.startsWith("- ")),
  );
}

/** The accounting of one input against the expected figures. */
function expectAccounting(input: InputReport & { people?: number }, expected: Accounting): void {
  const byReason = Object.fromEntries(input.setAside.map((s) => [s.reason, s.rows]));
  expect({
    read: input.rowsRead,
    used: input.rowsUsed,
    setAside: byReason,
    ...(expected.people === undefined ? {} : { people: input.people }),
  }).toEqual({
    setAside: {},
    ...expected,
  });
  expect(input.rowsSetAside).toBe(input.setAside.reduce((sum, s) => sum + s.rows, 0));
  expect(input.rowsUsed + input.rowsSetAside).toBe(input.rowsRead);
}

/** Runs a case and checks its outcome. */
async function runCase(c: BadInputCase): Promise<void> {
  const f = caseFolder();
  folders.push(f);
  const argv = withDefaultOut(c.command, f, await c.setup(f));
  const before = digests(outOf(argv));
  const started = performance.now();
  const outcome = c.run ? await c.run(f, argv) : await runInProcess(c.command, argv);
  const seconds = (performance.now() - started) / 1000;
  expect(outcome.status, outcome.stderr).toBe(c.status);
  if (typeof c.message === "string") expect(outcome.stderr).toContain(c.message);
  else expect(outcome.stderr).toMatch(c.message);
  expectClean(c, outcome);
  const accepted = c.status === 0 || c.status === 1;
  const report = accepted ? reportWritten(c.command, argv) : undefined;
  if (accepted) {
    expect(c.rows, "the case's expected row accounting").toBeDefined();
    expect(report, "the report written").toBeDefined();
    expectAccounting(report!.events, c.rows!);
    if (c.profileRows) expectAccounting(report!.profiles!, c.profileRows);
  } else {
    // A user mistake, or a run that was stopped, changes nothing where the results go.
    expect(digests(outOf(argv)), "what --out names").toEqual(before);
  }
  await c.verify?.(f, outcome, report);
  if (c.seconds) expect(seconds, "seconds taken").toBeLessThan(c.seconds);
}

describe.each(CATEGORIES)("bad input: %s", (category) => {
  const cases = CASES.filter((c) => c.category === category);
  test.each(cases.map((c) => [c.issue ? `${c.name} (issue 14: ${c.issue})` : c.name, c] as const))(
    "%s",
    async (_, c) => runCase(c),
    120_000,
  );
});

test("the table holds at least 60 cases, each named once, in every category", () => {
  expect(CASES.length).toBeGreaterThanOrEqual(60);
  expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  for (const category of CATEGORIES)
    expect(CASES.filter((c) => c.category === category).length).toBeGreaterThanOrEqual(5);
});
