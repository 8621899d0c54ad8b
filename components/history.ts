/**
 * Scores over time, in plain words: the "Over time" page of an instance (which model produced each run, the
 * buckets run after run, who moved between the last two runs, whether the population has shifted, whether past
 * scores came true), the overview's trend and drift warning, and a person's score over the runs. Inputs are
 * `history.json` (`InstanceHistory`, null for a site built from a single run) and the person's rows of
 * `score-history.parquet` (loaders/contract/schema.ts). The pure functions are tested in
 * test/components/history.test.ts.
 */
import type {
  BucketOrNone,
  Evaluation,
  InstanceHistory,
  InstanceSummary,
  RealisedOutcome,
} from "../loaders/contract/schema.js";
import { BUCKETS, type Bucket } from "../loaders/contract/buckets.js";
import { type Child, h, table } from "./elements.js";
import { formatCount, formatDate, formatFixed, formatPercent, formatQuantity, sentence } from "./format.js";

/** A drift level: stable, worth watching, or a shift large enough to retrain on. */
export type DriftLevel = "stable" | "watch" | "act";

/** The thresholds of the population stability index (the same as loaders/history/drift.ts). */
export const PSI_WATCH = 0.1;
export const PSI_ACT = 0.25;

/** A drift level in one or two words. */
export const LEVEL_WORDS: Readonly<Record<DriftLevel, string>> = {
  stable: "Stable",
  watch: "Worth watching",
  act: "Retrain",
};

/** Colours of the drift levels: the design tokens of good news, warnings and bad news (src/style.css). */
export const LEVEL_COLORS: Readonly<Record<DriftLevel, string>> = {
  stable: "var(--color-good)",
  watch: "var(--color-warning-border)",
  act: "var(--color-bad)",
};

/** What each level means, for the thresholds' legend. */
export const LEVEL_MEANING: Readonly<Record<DriftLevel, string>> = {
  stable: `below ${PSI_WATCH}: people are spread as in the previous run; nothing to do`,
  watch: `${PSI_WATCH} to ${PSI_ACT}: a noticeable shift; keep an eye on the next runs`,
  act: `${PSI_ACT} or more: the population has changed enough that the model should be retrained`,
};

/** The commands that give a site its history (shown where there is none yet). */
export const HISTORY_RECIPE = [
  "# train and score, e.g. monthly",
  "npm run score -- --config my.config.ts --history runs/",
  "# rescore with the saved model, e.g. daily",
  "npm run score -- --config my.config.ts --history runs/ --model runs/",
  "# the site of the newest run, with its history",
  "CUSTOMER_AI_HISTORY=runs npm run build",
];

type Summary = Pick<InstanceSummary, "goalText" | "type" | "window">;
type Run = InstanceHistory["runs"][number];
type Previous = NonNullable<InstanceHistory["previous"]>;

/** Whether a history has something to compare: at least two runs. */
export function hasHistory(history: InstanceHistory | null | undefined): boolean {
  return !!history && history.runs.length >= 2;
}

/** What a person does for the goal, from the goal sentence ("People who will buy in the next 30 days." → "buy"). */
export function goalVerb(summary: Pick<InstanceSummary, "goalText">): string {
  const match = /^People who will (.+?) in the next \d+ days?\b/.exec(summary.goalText.trim());
  return match ? match[1]! : "have the outcome";
}

/** The label of the expected outcomes (the sum of the probabilities): "Expected to buy". */
export function expectedLabel(summary: Pick<InstanceSummary, "goalText">): string {
  return `Expected to ${goalVerb(summary)}`;
}

/** Which model produced a run: "Trained on 1 Sep 2026" or "Scored with the model trained on 1 Sep 2026". */
export function modelInWords(run: Pick<Run, "asOf" | "trainedAsOf">): string {
  return run.trainedAsOf === run.asOf
    ? `Trained on ${formatDate(run.asOf)}`
    : `Scored with the model trained on ${formatDate(run.trainedAsOf)}`;
}

/** People of a bucket in a run (0 when the bucket is empty). */
export function bucketPeople(run: Pick<Run, "buckets">, bucket: Bucket): number {
  return run.buckets.find((b) => b.bucket === bucket)?.people ?? 0;
}

/** A place in the movement table: a bucket, or null for "not scored in that run". */
export type MovementState = BucketOrNone;

/** The transition matrix of the movement: counts per (bucket then, bucket now), with "not scored" only when it occurs. */
export function transitionMatrix(movement: Previous["movement"]): {
  from: MovementState[];
  to: MovementState[];
  count: (from: MovementState, to: MovementState) => number;
} {
  const states = (key: "from" | "to"): MovementState[] => [
    ...BUCKETS,
    ...(movement.some((m) => m[key] === null && m.people > 0) ? [null] : []),
  ];
  const count = (from: MovementState, to: MovementState) =>
    movement.filter((m) => m.from === from && m.to === to).reduce((a, m) => a + m.people, 0);
  return { from: states("from"), to: states("to"), count };
}

const RANK: Readonly<Record<Bucket, number>> = { High: 0, Medium: 1, Low: 2 };

/** The movement between two runs in totals: who rose or fell a bucket, stayed, entered High (and from where), left High. */
export function movementSummary(movement: Previous["movement"]): {
  up: number;
  down: number;
  stayed: number;
  newlyScored: number;
  noLongerScored: number;
  enteredHigh: number;
  enteredHighFrom: { from: MovementState; people: number }[];
  leftHigh: number;
} {
  const sum = (keep: (m: Previous["movement"][number]) => boolean) =>
    movement.filter(keep).reduce((a, m) => a + m.people, 0);
  const both = (m: Previous["movement"][number]): m is { from: Bucket; to: Bucket; people: number } =>
    m.from !== null && m.to !== null;
  const enteredHighFrom = (["Medium", "Low", null] as MovementState[])
    .map((from) => ({ from, people: sum((m) => m.from === from && m.to === "High") }))
    .filter((e) => e.people > 0);
  return {
    up: sum((m) => both(m) && RANK[m.to] < RANK[m.from]),
    down: sum((m) => both(m) && RANK[m.to] > RANK[m.from]),
    stayed: sum((m) => both(m) && m.to === m.from),
    newlyScored: sum((m) => m.from === null && m.to !== null),
    noLongerScored: sum((m) => m.from !== null && m.to === null),
    enteredHigh: enteredHighFrom.reduce((a, e) => a + e.people, 0),
    enteredHighFrom,
    leftHigh: sum((m) => m.from === "High" && m.to !== "High"),
  };
}

/** The movement between the last two runs in sentences ("43 people moved up into High (40 from Medium, 3 from Low)."). */
export function movementSentences(previous: Pick<Previous, "movement" | "asOf">): string[] {
  const s = movementSummary(previous.movement);
  const from = s.enteredHighFrom.map((e) =>
    e.from === null ? `${formatCount(e.people)} newly scored` : `${formatCount(e.people)} from ${e.from}`,
  );
  const people = (n: number) => formatQuantity(n, "person", "people");
  const entered =
    s.enteredHigh === 0
      ? `Nobody moved up into High since ${formatDate(previous.asOf)}.`
      : `${people(s.enteredHigh)} moved up into High since ${formatDate(previous.asOf)} (${from.join(", ")}).`;
  const lines = [entered];
  if (s.leftHigh > 0) lines.push(`${people(s.leftHigh)} left High.`);
  lines.push(
    `Of the people scored in both runs, ${formatCount(s.up)} moved up a bucket, ${formatCount(s.down)} moved down and ${formatCount(s.stayed)} stayed in the same bucket.`,
  );
  if (s.newlyScored > 0 || s.noLongerScored > 0) {
    lines.push(
      `${people(s.newlyScored)} scored now ${s.newlyScored === 1 ? "was" : "were"} not scored then (not eligible yet), and ${formatCount(s.noLongerScored)} scored then are not scored now (no longer eligible).`,
    );
  }
  return lines;
}

/** A row of the drift table: the scores or a feature, its stability index and level. */
export interface DriftRow {
  label: string;
  kind: "score" | "feature";
  psi: number;
  level: DriftLevel;
}

/** The scores first, then the features from the largest shift down, labelled. */
export function driftRows(drift: Previous["drift"], summary: Pick<InstanceSummary, "features">): DriftRow[] {
  const features = [...drift.features]
    .sort((a, b) => b.psi - a.psi)
    .map((f) => ({
      label: summary.features[f.feature]?.label ?? `Feature ${f.feature}`,
      kind: "feature" as const,
      psi: f.psi,
      level: f.level,
    }));
  return [{ label: "The scores", kind: "score", psi: drift.score.psi, level: drift.score.level }, ...features];
}

/** The rows the drift chart draws: those that judge the shift (not the scores when the model changed between the runs). */
export function driftChartRows(history: InstanceHistory, summary: Pick<InstanceSummary, "features">): DriftRow[] {
  const rows = history.previous ? driftRows(history.previous.drift, summary) : [];
  return retrainedBetween(history.runs) ? rows.filter((r) => r.kind !== "score") : rows;
}

/** Whether the overview should warn about drift: the last comparison found a shift worth watching or acting on. */
export function driftWarning(
  history: InstanceHistory | null | undefined,
): { level: "watch" | "act"; text: string } | null {
  const drift = history?.previous?.drift;
  return drift && drift.level !== "stable" ? { level: drift.level, text: drift.text } : null;
}

/** Whether the model was retrained between the last two runs (so the scores moved with the model too). */
export function retrainedBetween(runs: readonly Pick<Run, "trainedAsOf">[]): boolean {
  return runs.length >= 2 && runs.at(-1)!.trainedAsOf !== runs.at(-2)!.trainedAsOf;
}

/** A stability index as text: "0.283", small ones "<0.001". */
export function formatIndex(psi: number): string {
  return psi > 0 && psi < 0.0005 ? "<0.001" : formatFixed(psi, 3);
}

/**
 * What happened to the people of a past run, in one sentence: "Of the 8,186 people scored on 1 Sep 2026, 640 went
 * on to buy within 30 days (by 1 Oct 2026); the scores expected 553."
 */
export function outcomeSentence(
  outcome: Pick<RealisedOutcome, "asOf" | "windowEnd" | "people" | "positives" | "predicted">,
  summary: Summary,
): string {
  return `Of the ${formatCount(outcome.people)} people scored on ${formatDate(outcome.asOf)}, ${formatCount(outcome.positives)} went on to ${goalVerb(summary)} within ${formatQuantity(summary.window, "day")} (by ${formatDate(outcome.windowEnd)}); the scores expected ${formatCount(outcome.predicted)}.`;
}

/** Predicted and actual rates per bucket of every past run, flat, in bucket order. */
export function outcomeBucketRows(
  outcomes: readonly RealisedOutcome[],
): { asOf: string; bucket: Bucket; people: number; predicted: number; actual: number }[] {
  return outcomes.flatMap((o) =>
    BUCKETS.flatMap((bucket) =>
      o.buckets.filter((b) => b.bucket === bucket && b.people > 0).map((b) => ({ asOf: o.asOf, ...b })),
    ),
  );
}

/** A past date checked against what happened: a real run of the history, or the simulated test before publishing. */
export interface PastCheck {
  asOf: string;
  kind: "real" | "simulated";
  /** People whose outcome was checked (for a simulated backtest cutoff: across its buckets). */
  people: number;
  /** How well the scores ranked what happened (the simulated backtest measures it at the test cutoff only). */
  auc: number | null;
  buckets: Partial<Record<Bucket, { people: number; predicted: number; actual: number }>>;
}

/**
 * The realised outcomes of the past runs beside the simulated ones of the newest run's evaluation (its out-of-time
 * test and backtest: a model trained only on older data scoring past cutoffs), newest first.
 */
export function realAndSimulated(
  outcomes: readonly RealisedOutcome[],
  evaluation: Pick<Evaluation, "auc" | "testCutoff" | "testExamples" | "backtest"> | null,
): PastCheck[] {
  const bucketsOf = (rows: readonly { bucket: Bucket; people: number; predicted: number; actual: number }[]) =>
    Object.fromEntries(
      rows
        .filter((r) => r.people > 0)
        .map((r) => [r.bucket, { people: r.people, predicted: r.predicted, actual: r.actual }]),
    );
  const real: PastCheck[] = outcomes.map((o) => ({
    asOf: o.asOf,
    kind: "real",
    people: o.people,
    auc: o.auc,
    buckets: bucketsOf(o.buckets),
  }));
  const cutoffs = [...new Set((evaluation?.backtest ?? []).map((b) => b.cutoff))];
  if (evaluation && !cutoffs.includes(evaluation.testCutoff)) cutoffs.push(evaluation.testCutoff);
  const simulated: PastCheck[] = cutoffs.map((cutoff) => {
    const rows = evaluation!.backtest.filter((b) => b.cutoff === cutoff);
    const test = cutoff === evaluation!.testCutoff;
    const people = rows.reduce((a, r) => a + r.people, 0);
    return {
      asOf: cutoff,
      kind: "simulated",
      people: test && people === 0 ? evaluation!.testExamples : people,
      auc: test ? evaluation!.auc : null,
      buckets: bucketsOf(rows),
    };
  });
  return [...real, ...simulated].sort((a, b) =>
    a.asOf < b.asOf ? 1 : a.asOf > b.asOf ? -1 : a.kind === "real" ? -1 : 1,
  );
}

/** One run of a person's score history. */
export interface PersonRun {
  asOf: string;
  probability: number;
  score: number;
  bucket: Bucket;
}

/** A date value of a Parquet row (a Date, epoch milliseconds or text) as YYYY-MM-DD. */
function dayText(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "number" || typeof value === "bigint") return new Date(Number(value)).toISOString().slice(0, 10);
  return String(value ?? "").slice(0, 10);
}

/** A person's rows of score-history.parquet as runs, oldest first. */
export function personRuns(rows: readonly Record<string, unknown>[]): PersonRun[] {
  return rows
    .map((r) => ({
      asOf: dayText(r["as_of"]),
      probability: Number(r["probability"]),
      score: Number(r["score"]),
      bucket: String(r["bucket"]) as Bucket,
    }))
    .sort((a, b) => (a.asOf < b.asOf ? -1 : a.asOf > b.asOf ? 1 : 0));
}

/** A person's runs in one sentence: "Score 12 (Low) on 1 Sep 2026, then 48 (Medium) on 31 Oct 2026: up 36." */
export function personTrendSentence(runs: readonly PersonRun[]): string {
  if (runs.length === 0) return "";
  const first = runs[0]!;
  const last = runs.at(-1)!;
  const at = (r: PersonRun) => `${r.score} (${r.bucket}) on ${formatDate(r.asOf)}`;
  if (runs.length === 1) return `Score ${at(first)}.`;
  const change = last.score - first.score;
  const trend = change === 0 ? "no change" : `${change > 0 ? "up" : "down"} ${Math.abs(change)}`;
  const moved = last.bucket === first.bucket ? "" : ` The person moved from ${first.bucket} to ${last.bucket}.`;
  return `Score ${at(first)}, then ${at(last)}: ${trend} over ${runs.length} runs.${moved}`;
}

/** The overview's sentence on the last two runs: the High bucket and the expected outcomes, then and now. */
export function overviewTrendText(history: InstanceHistory, summary: Pick<InstanceSummary, "goalText">): string {
  const [then, now] = [history.runs.at(-2)!, history.runs.at(-1)!];
  return `Since the run of ${formatDate(then.asOf)}, the High bucket went from ${formatCount(bucketPeople(then, "High"))} to ${formatCount(bucketPeople(now, "High"))} people, and the people expected to ${goalVerb(summary)} from ${formatCount(then.expectedPositives)} to ${formatCount(now.expectedPositives)}.`;
}

// ---- Elements ----

/** The recipe in a code block. */
function recipe(): HTMLElement {
  // Long commands wrap rather than run off a phone's screen.
  return h(
    "pre",
    { "data-testid": "history-recipe", style: "white-space: pre-wrap; overflow-wrap: anywhere" },
    h("code", {}, HISTORY_RECIPE.join("\n")),
  );
}

/**
 * The top of the Over time page: without history, what the page will show and how to get there; with one run, the
 * same and that run; with more, the runs in one sentence.
 */
export function historyIntro(history: InstanceHistory | null): HTMLElement {
  const what =
    "how many people each bucket holds run after run, who moved into High, whether the people have changed enough to retrain the model, and whether the scores of past runs came true";
  if (!history || !hasHistory(history)) {
    const first = history?.runs[0];
    const now = first
      ? `This site shows the first run of its history folder (as of ${formatDate(first.asOf)}); the next run will be compared with it.`
      : "This site was built from a single run, so there is nothing to compare yet.";
    return h(
      "div",
      { "data-testid": "history-none" },
      h(
        "p",
        {},
        `Once the site is built from a folder of dated runs, this page shows ${what}. ${now} Keep a run per date and build the site from them:`,
      ),
      recipe(),
      h(
        "p",
        { class: "muted" },
        "To try it on the demo data: ",
        h("code", {}, "npm run demo:history"),
        " then ",
        h("code", {}, "CUSTOMER_AI_HISTORY=.tmp/demo-history npm run build"),
        ".",
      ),
    );
  }
  const [first, last] = [history.runs[0]!, history.runs.at(-1)!];
  return h(
    "p",
    { class: "lead", "data-testid": "history-intro" },
    `${formatQuantity(history.runs.length, "run")} from ${formatDate(first.asOf)} to ${formatDate(last.asOf)}: ${what}.`,
  );
}

/** A table in a box that scrolls sideways on a phone, reachable by keyboard (a named region with a tab stop). */
function scrollBox(label: string, content: Node): HTMLElement {
  return h("div", { class: "table-scroll", role: "region", "aria-label": label, tabindex: 0 }, content);
}

/** A card holding a chart. */
function card(testid: string, ...children: Child[]): HTMLElement {
  return h("div", { class: "card", "data-testid": testid }, ...children);
}

/** "The runs": the trend chart and a table of every run with the model that produced it. */
export function runsSection(history: InstanceHistory, summary: Summary, trend: Node): HTMLElement {
  const rows = [...history.runs]
    .reverse()
    .map((r) => [
      h("span", { "data-testid": "run-date", style: "white-space: nowrap" }, formatDate(r.asOf)),
      h("span", { "data-testid": "run-model", style: "display: inline-block; min-width: 11em" }, modelInWords(r)),
      formatCount(r.scored),
      ...BUCKETS.map((b) => formatCount(bucketPeople(r, b))),
      h("span", { "data-testid": "run-expected" }, formatCount(r.expectedPositives)),
    ]);
  return h(
    "section",
    { "data-testid": "history-runs" },
    h("h2", {}, "Run after run"),
    h(
      "p",
      {},
      `Each run scores the people eligible on its date. "${expectedLabel(summary)}" adds up everyone's probability: the number of people the scores expect to ${goalVerb(summary)} within ${formatQuantity(summary.window, "day")}.`,
    ),
    card("history-trend", trend),
    scrollBox(
      "The runs",
      table(
        [
          { label: "As of" },
          { label: "Model" },
          { label: "Scored", numeric: true },
          ...BUCKETS.map((b) => ({ label: b, numeric: true })),
          { label: expectedLabel(summary), numeric: true },
        ],
        rows,
        { "data-testid": "history-runs-table" },
      ),
    ),
  );
}

/** The transition table: people per (bucket in the previous run, bucket now). */
export function movementTable(previous: Pick<Previous, "movement" | "asOf">, asOf: string): HTMLTableElement {
  const { from, to, count } = transitionMatrix(previous.movement);
  const head = (s: MovementState, when: string) => (s === null ? `Not scored ${when}` : s);
  const cell = (f: MovementState, t: MovementState) => {
    const n = count(f, t);
    const moved =
      f !== null && t !== null && f !== t ? (RANK[t] < RANK[f] ? "up" : "down") : f === t ? "same" : "in-out";
    const text = f === null && t === null ? "–" : f === t ? h("strong", {}, formatCount(n)) : formatCount(n);
    return h(
      "td",
      {
        style: "text-align: right",
        "data-testid": "movement-cell",
        "data-from": f ?? "none",
        "data-to": t ?? "none",
        "data-value": n,
        class: `move-${moved}`,
      },
      text,
    );
  };
  return h(
    "table",
    { "data-testid": "movement", class: "movement" },
    h(
      "caption",
      { class: "muted" },
      `Rows: the bucket on ${formatDate(previous.asOf)}; columns: the bucket on ${formatDate(asOf)}.`,
    ),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", { scope: "col" }, `${formatDate(previous.asOf)} ↓ · ${formatDate(asOf)} →`),
        to.map((t) => h("th", { scope: "col", style: "text-align: right" }, head(t, "now"))),
      ),
    ),
    h(
      "tbody",
      {},
      from.map((f) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, head(f, "then")),
          to.map((t) => cell(f, t)),
        ),
      ),
    ),
  );
}

/** The ids that entered High, as links to their person page: the first ones shown, the rest folded away. */
function enteredHighList(previous: Pick<Previous, "enteredHigh" | "enteredHighIds">): HTMLElement | null {
  const ids = previous.enteredHighIds;
  if (ids.length === 0) return null;
  const link = (id: string) =>
    h("li", {}, h("a", { href: `./person?id=${encodeURIComponent(id)}`, "data-testid": "entered-high-id" }, id));
  const shown = 12;
  const list = (part: string[]) =>
    h(
      "ul",
      { class: "id-list", style: "display: flex; flex-wrap: wrap; gap: 0.25rem 1.25rem; list-style: none; padding: 0" },
      part.map(link),
    );
  const capped = previous.enteredHigh > ids.length ? ` (the ${formatCount(ids.length)} most likely are listed)` : "";
  return h(
    "div",
    { "data-testid": "entered-high" },
    h("p", {}, `Who moved up into High, most likely first${capped}:`),
    list(ids.slice(0, shown)),
    ids.length > shown
      ? h("details", {}, h("summary", {}, `Show all ${formatCount(ids.length)}`), list(ids.slice(shown)))
      : null,
  );
}

/** "Who moved": the sentences, the transition table and who entered High. */
export function movementSection(history: InstanceHistory): HTMLElement | null {
  const previous = history.previous;
  if (!previous) return null;
  const asOf = history.runs.at(-1)!.asOf;
  return h(
    "section",
    { "data-testid": "history-movement" },
    h("h2", {}, `Who moved since ${formatDate(previous.asOf)}`),
    h(
      "div",
      { "data-testid": "movement-words" },
      movementSentences(previous).map((line) => h("p", {}, line)),
    ),
    scrollBox("Movement between the buckets", movementTable(previous, asOf)),
    enteredHighList(previous),
  );
}

/** A drift level as a coloured dot (decorative) and words. */
export function levelBadge(level: DriftLevel): HTMLElement {
  return h(
    "span",
    { class: `drift-level drift-${level}`, "data-level": level },
    h("span", { "aria-hidden": "true", style: `color: ${LEVEL_COLORS[level]}` }, "● "),
    LEVEL_WORDS[level],
  );
}

/** "Has the population changed?": the verdict, the stability index of the scores and each feature, the thresholds. */
export function driftSection(
  history: InstanceHistory,
  summary: Pick<InstanceSummary, "features">,
  chart: Node,
): HTMLElement | null {
  const previous = history.previous;
  if (!previous) return null;
  const drift = previous.drift;
  const retrained = retrainedBetween(history.runs);
  const rows = driftRows(drift, summary).map((r) => [
    r.kind === "score" ? h("strong", {}, r.label) : r.label,
    h("span", { "data-testid": "drift-psi", "data-value": r.psi }, formatIndex(r.psi)),
    r.kind === "score" && retrained
      ? h("span", {}, levelBadge(r.level), h("span", { class: "muted" }, " (not counted: the model changed)"))
      : levelBadge(r.level),
  ]);
  return h(
    "section",
    { "data-testid": "history-drift" },
    h("h2", {}, "Have the people changed?"),
    h(
      "div",
      {
        class: drift.level === "stable" ? "card" : "warning",
        "data-testid": "drift-verdict",
        "data-level": drift.level,
      },
      h("p", {}, levelBadge(drift.level), ": ", drift.text),
    ),
    h(
      "p",
      {},
      `The stability index compares how the people of the two runs spread over each score or feature (in the earlier run's tenths). ${retrained ? "The model was retrained between these two runs, so the scores moved with the model as well as with the people: only the features judge the shift." : "The same model scored both runs, so a shift in the scores is a shift in the people."}`,
    ),
    h(
      "ul",
      { "data-testid": "drift-thresholds" },
      (["stable", "watch", "act"] as const).map((l) => h("li", {}, levelBadge(l), `: ${LEVEL_MEANING[l]}.`)),
    ),
    card("drift-chart", chart),
    scrollBox(
      "Stability index per score and feature",
      table([{ label: "What" }, { label: "Stability index", numeric: true }, { label: "Reading" }], rows, {
        "data-testid": "drift-table",
      }),
    ),
  );
}

/** Predicted and actual rate of a bucket, as a table cell: "84% → 92%". */
function rates(b: { predicted: number; actual: number } | undefined): string {
  return b ? `${formatPercent(b.predicted)} → ${formatPercent(b.actual)}` : "–";
}

/** The table of real and simulated checks against what happened. */
export function pastChecksTable(checks: readonly PastCheck[]): HTMLTableElement {
  return table(
    [
      { label: "As of" },
      { label: "Checked by" },
      { label: "People", numeric: true },
      { label: "AUC", numeric: true },
      ...BUCKETS.map((b) => ({ label: `${b}: predicted → actual`, numeric: true })),
    ],
    checks.map((c) => [
      h("span", { style: "white-space: nowrap" }, formatDate(c.asOf)),
      c.kind === "real" ? h("strong", {}, "Real run") : "Simulation",
      formatCount(c.people),
      c.auc === null
        ? "–"
        : h(
            "span",
            { "data-testid": c.kind === "real" ? "real-auc" : "simulated-auc", "data-value": c.auc },
            formatFixed(c.auc),
          ),
      ...BUCKETS.map((b) => rates(c.buckets[b])),
    ]),
    { "data-testid": "past-checks" },
  );
}

/** "Did past scores come true?": a sentence per past run, per bucket and tenth predicted against actual, AUCs real and simulated. */
export function outcomesSection(
  history: InstanceHistory,
  summary: Summary,
  evaluation: Evaluation | null,
  charts: { buckets: Node | null; deciles: Node | null },
): HTMLElement {
  const waiting = history.runs.slice(0, -1).find((r) => !history.outcomes.some((o) => o.asOf === r.asOf));
  const pending = waiting
    ? `The outcomes of the run of ${formatDate(waiting.asOf)} will be known ${formatQuantity(summary.window, "day")} after it.`
    : "";
  const head = h("h2", {}, "Did past scores come true?");
  if (history.outcomes.length === 0) {
    return h(
      "section",
      { "data-testid": "history-outcomes" },
      head,
      h(
        "p",
        { "data-testid": "outcomes-none" },
        `No earlier run's ${formatQuantity(summary.window, "day")} have passed yet. ${pending}`,
      ),
    );
  }
  const sentences = [...history.outcomes]
    .reverse()
    .map((o) => h("li", { "data-testid": "outcome-words", "data-as-of": o.asOf }, outcomeSentence(o, summary)));
  return h(
    "section",
    { "data-testid": "history-outcomes" },
    head,
    h(
      "p",
      {},
      `Once ${formatQuantity(summary.window, "day")} have passed after a run, what its people went on to do is known, and the run's scores can be checked against it.`,
    ),
    h("ul", {}, sentences),
    pending ? h("p", { class: "muted" }, pending) : null,
    charts.buckets ? card("outcome-buckets", charts.buckets) : null,
    charts.deciles ? card("outcome-deciles", charts.deciles) : null,
    h("h3", {}, "Real runs beside the simulation"),
    h(
      "p",
      {},
      sentence(
        `The AUC says how well the scores ranked the people who went on to ${goalVerb(summary)} above the others (0.5 is chance, 1 is perfect). Before publishing, the pipeline simulated this on past dates with a model trained only on older data; the real runs show whether that held`,
      ),
    ),
    scrollBox(
      "Real runs and simulations against what happened",
      pastChecksTable(realAndSimulated(history.outcomes, evaluation)),
    ),
  );
}

/** The overview's block: the trend of the last runs, a drift warning when there is a shift, and a link to the page. */
export function overviewHistory(
  history: InstanceHistory,
  summary: Pick<InstanceSummary, "goalText">,
  trend: Node,
): HTMLElement {
  const warning = driftWarning(history);
  return h(
    "div",
    { class: "card", "data-testid": "overview-history" },
    h("h2", {}, "Over time"),
    h("p", { "data-testid": "overview-trend" }, overviewTrendText(history, summary)),
    trend,
    warning
      ? h(
          "p",
          { class: "warning", "data-testid": "drift-warning", "data-level": warning.level },
          warning.text,
          " ",
          h("a", { href: "./history" }, "What changed"),
        )
      : null,
    h("p", {}, h("a", { href: "./history" }, "Runs, movement between buckets, drift and past outcomes →")),
  );
}

/** The person page's block: the person's score in each run that scored them. */
export function personHistory(runs: readonly PersonRun[], chart: Node): HTMLElement {
  return h(
    "div",
    { class: "card", "data-testid": "person-history" },
    h("h3", {}, "Score over time"),
    h("p", { "data-testid": "person-history-words" }, personTrendSentence(runs)),
    chart,
    scrollBox(
      "Score in each run",
      table(
        [
          { label: "As of" },
          { label: "Score", numeric: true },
          { label: "Bucket" },
          { label: "Probability", numeric: true },
        ],
        [...runs]
          .reverse()
          .map((r) => [
            formatDate(r.asOf),
            h("span", { "data-testid": "person-history-score" }, String(r.score)),
            r.bucket,
            formatPercent(r.probability),
          ]),
        { "data-testid": "person-history-table" },
      ),
    ),
  );
}
