/**
 * The parts of the segment builder page around the editor: suggested, saved and imported segments (the loaded one
 * marked), the segment's one estimate, the overlap with a second segment. The exports are in segment-actions.ts.
 * Queries take the segment as parameterised SQL; every name and id is rendered as text.
 */
import { html } from "htl";
import type { Evaluation, InstanceSummary, SampleInfo } from "../loaders/contract/schema.js";
import type { ScoreDatabase } from "./data.js";
import { formatAmount, formatCompactMoney, formatCount, formatDate, formatPercent } from "./format.js";
import type { LoadingView } from "./loading.js";
import {
  factorCountsSql,
  goalNoun,
  hasValue,
  isGroup,
  LINKED_TABLE,
  linkedInstances,
  matchesEveryone,
  overlapSql,
  quoteName,
  segmentProbabilitiesSql,
  segmentStatsSql,
  type ColumnInfo,
  type Condition,
  type Segment,
} from "./segment.js";
import {
  EXACT_LIMIT,
  segmentEstimate,
  type CountMoments,
  testedTargeting,
  topPercentOf,
  type SegmentEstimate,
} from "./segment-estimate.js";
import { deleteSegment, importSegment, loadSavedSegments, saveSegment, type KeyValueStore } from "./segment-io.js";
import type { FactorCounts } from "./segment-factor.js";
import type { SegmentEditor } from "./segment-form.js";
import { estimateCount, estimateOutcomes, estimateTotal, roundedCount, sampleWords } from "./sample.js";

/** A named segment offered for loading or comparing. */
export interface NamedSegment {
  name: string;
  description?: string;
  segment: Segment;
}

/** A segment in a canonical form: conditions that match everyone dropped, keys in one order. */
function canonical(segment: Segment): unknown {
  const items = segment.conditions.filter((c) => isGroup(c) || !matchesEveryone(c));
  return {
    match: items.length > 1 ? segment.match : "all",
    conditions: items.map((c) =>
      isGroup(c) ? canonical(c) : [c.field, c.op, c.value, c.field === "factor" ? ((c as Condition).rank ?? 3) : null],
    ),
  };
}

/** Whether two segments select the same people by the same conditions (conditions that choose nothing aside). */
export function sameSegment(a: Segment, b: Segment): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** The name of the first of `named` that is `segment`, else "Custom segment". */
export function segmentName(segment: Segment, named: NamedSegment[]): string {
  return named.find((n) => sameSegment(n.segment, segment))?.name ?? "Custom segment";
}

/** Loads a segment into the editor and tells the page. */
function load(editor: SegmentEditor, segment: Segment): void {
  editor.value = segment;
  editor.dispatchEvent(new Event("input", { bubbles: true }));
}

/** Buttons that load a segment; `mark` presses and marks the loaded one (in place: the focus stays). */
function loadButtons(
  editor: SegmentEditor,
  list: NamedSegment[],
  withDelete?: (name: string) => void,
): { element: HTMLElement; mark: () => void } {
  const items = list.map((s) => {
    const button =
      html`<button type="button" class="segment-load" aria-pressed="false" data-testid="load-segment">${s.name}</button>` as HTMLButtonElement;
    button.addEventListener("click", () => load(editor, s.segment));
    const mark = html`<span class="loaded-mark" data-testid="loaded-mark" hidden>Loaded</span>` as HTMLElement;
    const remove = withDelete
      ? html`<button type="button" class="segment-delete" aria-label=${`Delete saved segment ${s.name}`} onclick=${() => withDelete(s.name)}>Delete</button>`
      : "";
    const element =
      html`<li>${button}${mark}${s.description ? html`<span class="muted segment-description">${s.description}</span>` : ""} ${remove}</li>` as HTMLElement;
    return { segment: s.segment, button, mark, element };
  });
  const mark = () => {
    for (const item of items) {
      const loaded = sameSegment(item.segment, editor.value);
      item.button.setAttribute("aria-pressed", String(loaded));
      item.mark.hidden = !loaded;
      item.element.classList.toggle("loaded", loaded);
    }
  };
  mark();
  return { element: html`<ul class="segment-list">${items.map((i) => i.element)}</ul>` as HTMLElement, mark };
}

/** Reads a JSON file chosen by people and loads the definition; returns what happened, in words. */
async function importFile(file: File, editor: SegmentEditor, columns: ColumnInfo[]): Promise<string> {
  try {
    const { name, segment } = importSegment(JSON.parse(await file.text()), columns);
    load(editor, segment);
    return `Imported ${name ? `"${name}"` : file.name}.`;
  } catch (error) {
    return `Could not import ${file.name}: ${(error as Error).message}`;
  }
}

/**
 * Suggested segments, saved segments (load, delete, save the current one, kept in `store`) and the import of a
 * definition; the loaded segment is marked and follows the editor.
 */
export function segmentLibrary(options: {
  editor: SegmentEditor;
  suggested: NamedSegment[];
  instance: string;
  store: KeyValueStore;
  columns: ColumnInfo[];
}): HTMLElement {
  const { editor, suggested, instance, store, columns } = options;
  const suggestions = html`<div data-testid="suggested-segments"></div>` as HTMLElement;
  const saved = html`<div data-testid="saved-segments"></div>` as HTMLElement;
  const name =
    html`<input type="text" id="segment-name" placeholder="e.g. Spring campaign" autocomplete="off">` as HTMLInputElement;
  const status = html`<p role="status" class="muted"></p>` as HTMLElement;
  const suggestedButtons = loadButtons(editor, suggested);
  suggestions.append(suggestedButtons.element);
  let savedButtons: { mark: () => void } | null = null;
  const draw = () => {
    const list = loadSavedSegments(store, instance);
    if (list.length === 0) {
      savedButtons = null;
      saved.replaceChildren(html`<p class="muted">None yet.</p>`);
      return;
    }
    const buttons = loadButtons(editor, list, (n) => {
      deleteSegment(store, instance, n);
      draw();
      name.focus();
    });
    savedButtons = buttons;
    saved.replaceChildren(buttons.element);
  };
  const save = html`<button type="button" data-testid="save-segment">Save</button>` as HTMLButtonElement;
  save.addEventListener("click", () => {
    try {
      saveSegment(store, instance, name.value, editor.value);
      status.textContent = `Saved "${name.value.trim()}" in this browser.`;
      name.value = "";
      draw();
    } catch (error) {
      status.textContent = String((error as Error).message);
    }
  });
  const file =
    html`<input type="file" id="segment-import" accept=".json,application/json" data-testid="import-segment">` as HTMLInputElement;
  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    if (chosen) status.textContent = await importFile(chosen, editor, columns);
    file.value = "";
  });
  editor.addEventListener("input", () => {
    suggestedButtons.mark();
    savedButtons?.mark();
  });
  draw();
  return html`<div class="grid grid-cols-2 segment-library">
    <section><h2>Suggested segments</h2>${suggestions}</section>
    <section><h2>Your segments</h2>${saved}
      <div class="filter-inputs"><label for="segment-name">Save this segment as</label> ${name} ${save}</div>
      <div class="filter-inputs"><label for="segment-import">Import a definition (JSON)</label> ${file}</div>
      ${status}
    </section>
  </div>` as HTMLElement;
}

/**
 * The page's browser database: the scores table (explorer.arrow) once loaded, and the other instances' scores
 * (linked.arrow, table `linked`) loaded the first time a segment has a condition on them.
 */
export interface SegmentData {
  ready: Promise<ScoreDatabase>;
  /** The database, with the other instances' scores loaded when any of `segments` (or `fields`) uses them. */
  for(segments: (Segment | null)[], fields?: string[]): Promise<ScoreDatabase>;
  /** How many people of this instance the other instance did not score (once its scores are loaded). */
  unscored(instance: string): Promise<number>;
}

/** The page's database over `ready`, with the other instances' scores from `linkedUrl` when a segment needs them. */
export function segmentData(
  ready: Promise<ScoreDatabase>,
  columns: ColumnInfo[],
  linkedUrl: string | null,
): SegmentData {
  let linked: Promise<ScoreDatabase> | null = null;
  const counts = new Map<string, Promise<number>>();
  const load = (): Promise<ScoreDatabase> => {
    if (!linked) {
      linked = (async () => {
        if (!linkedUrl) throw new Error("This site has no other instance's scores.");
        // The download runs while the database starts.
        const bytes = fetch(linkedUrl).then(async (response) => {
          if (!response.ok) throw new Error(`Could not load the other instances' scores: HTTP ${response.status}`);
          return new Uint8Array(await response.arrayBuffer());
        });
        const [db, stream] = await Promise.all([ready, bytes]);
        await db.insertIPC(LINKED_TABLE, stream);
        return db;
      })();
      linked.catch(() => (linked = null));
    }
    return linked;
  };
  const needs = (segments: (Segment | null)[], fields: string[]) =>
    segments.some((s) => s !== null && linkedInstances(s, columns).length > 0) ||
    fields.some((f) => columns.find((c) => c.field === f)?.source);
  return {
    ready,
    for: (segments, fields = []) => (needs(segments, fields) ? load() : ready),
    unscored: (instance) => {
      let count = counts.get(instance);
      if (!count) {
        const column = columns.find((c) => c.source?.instance === instance && c.source.column === "score");
        if (!column) return Promise.resolve(0);
        count = load().then(async (db) => {
          const [row] = await db.query<{ n: number }>(
            `SELECT COUNT(*)::INTEGER AS n FROM scores WHERE "id" NOT IN (SELECT "id" FROM ${quoteName(LINKED_TABLE)} WHERE ${quoteName(column.field)} IS NOT NULL)`,
          );
          return row?.n ?? 0;
        });
        count.catch(() => counts.delete(instance));
        counts.set(instance, count);
      }
      return count;
    },
  };
}

/** A segment's size, everyone's count, the lowest percentile and the estimate; with customer value, the members'
 * total expected value and how many have one; with conditions on other instances, the people each leaves out. */
export interface SegmentResult {
  people: number;
  total: number;
  lowest: number | null;
  estimate: SegmentEstimate;
  /** The members' Σp and Σp(1 - p) (what sample mode scales up). */
  moments: CountMoments;
  value?: { total: number; people: number };
  unscored?: { instance: string; label: string; people: number }[];
}

/** Runs the segment's queries: size and moments, and the members' probabilities when few enough for the exact range. */
export async function segmentResult(
  db: ScoreDatabase,
  segment: Segment,
  columns: ColumnInfo[],
): Promise<SegmentResult> {
  const stats = segmentStatsSql(segment, columns);
  const [row] = await db.query<{
    people: number;
    expected: number;
    variance: number;
    third: number;
    lowest: number | null;
    total: number;
    value_total?: number;
    value_people?: number;
  }>(stats.where, stats.params);
  const { people = 0, expected = 0, variance = 0, third = 0, lowest = null, total = 0 } = row ?? {};
  let probabilities: number[] | undefined;
  if (people > 0 && people <= EXACT_LIMIT) {
    const sql = segmentProbabilitiesSql(segment, columns);
    probabilities = (await db.query<{ p: number }>(sql.where, sql.params)).map((r) => r.p);
  }
  const moments = { n: people, mean: expected, variance, third };
  const result: SegmentResult = { people, total, lowest, moments, estimate: segmentEstimate(moments, probabilities) };
  if (hasValue(columns)) result.value = { total: row?.value_total ?? 0, people: row?.value_people ?? 0 };
  return result;
}

/** How many of the people `scope` selects have each feature among their top `rank` factors; in sample mode
 * estimated for everyone (M/m times the sample's counts). */
export async function factorCounts(
  db: ScoreDatabase,
  scope: Segment,
  rank: number,
  columns: ColumnInfo[],
  sample: SampleInfo | null = null,
): Promise<FactorCounts> {
  const { where, params } = factorCountsSql(scope, columns, rank);
  const rows = await db.query<{ code: number; people: number; total: number }>(where, params);
  let total = rows[0]?.total;
  if (total === undefined) {
    const stats = segmentStatsSql(scope, columns);
    total = (await db.query<{ people: number }>(stats.where, stats.params))[0]?.people ?? 0;
  }
  if (!sample) return { counts: new Map(rows.map((r) => [r.code, r.people])), total };
  const scale = (n: number) => estimateCount(n, sample).estimate;
  return { counts: new Map(rows.map((r) => [r.code, scale(r.people)])), total: scale(total), estimated: true };
}

/** What people reach in words: "buy in the next 30 days", from the goal sentence "People who will buy in ...". */
export function goalWords(summary: Pick<InstanceSummary, "goalText" | "type" | "window">): string {
  const match = /^People who will (.+?)(?::.*)?\.?$/.exec(summary.goalText.trim());
  if (match) return match[1]!;
  return summary.type === "churn"
    ? `churn in the next ${summary.window} days`
    : `reach the goal in the next ${summary.window} days`;
}

/** What the out-of-time test found for the top X%, labelled as such: counts of that test, not of this segment. */
function testedView(
  percent: number | null,
  summary: Pick<InstanceSummary, "type">,
  evaluation: Pick<Evaluation, "thresholds" | "testCutoff" | "kind">,
): HTMLElement | string {
  const tested = testedTargeting(percent, evaluation);
  if (!tested) return "";
  const did = summary.type === "churn" ? "churned" : "converted";
  const test = tested.kind === "out-of-time" ? "the out-of-time test" : "the test on held-out people";
  return html`<div class="segment-tested" data-testid="segment-tested">
    <h3>How the top ${String(tested.percent)}% did on ${test}</h3>
    <p>People scored as of ${formatDate(tested.testCutoff)}, whose outcome is known: the top ${String(tested.percent)}% were
    ${formatCount(tested.people)} people. <strong>${formatCount(tested.truePositives)}</strong> of them ${did} (true positives,
    ${formatPercent(tested.precision)}) and <strong>${formatCount(tested.falsePositives)}</strong> did not (false positives); they
    were ${formatPercent(tested.recall)} of everyone who ${did}. These are that test's counts, shown to judge the model, not a
    second estimate for this segment.</p>
  </div>` as HTMLElement;
}

/** What the estimate says about the instance: its goal, and its customer value where it has one. */
export type EstimateSummary = Pick<InstanceSummary, "goalText" | "type" | "window"> &
  Partial<Pick<InstanceSummary, "value" | "currency" | "rules" | "eventLabels">> & {
    /** In sample mode, the sample the page's people table holds (see components/sample.ts). */
    sample?: SampleInfo | null;
  };

/** The members' total expected value in words (instances with customer value). */
function valueView(result: SegmentResult, summary: EstimateSummary): HTMLElement | string {
  const value = summary.value;
  if (!result.value || !value || "unavailable" in value) return "";
  const { total, people } = result.value;
  const without = result.people - people;
  const noun = goalNoun({ rules: summary.rules, eventLabels: summary.eventLabels });
  const amount = (x: number) => formatAmount(x, summary.currency);
  const them = result.people === 1 ? "This person's" : "Their";
  const words =
    people === 0
      ? html`${result.people === 1 ? "This person has" : "None of them has"} an expected value yet: it comes from past ${noun}s, and there are none.`
      : html`${them} expected value over the next ${formatCount(value.horizonDays)} days: <strong data-testid="segment-value-total">${amount(total)}</strong> in total
      ${people > 1 ? html`(${amount(total / people)} per person on average)` : ""}${
        without > 0
          ? html`, from the ${formatCount(people)} of them with a ${noun} before;
      the other ${formatCount(without)} have no expected value yet`
          : ""
      }.`;
  return html`<p class="segment-value" data-testid="segment-value" data-total=${String(total)} data-people=${String(people)}>${words}
    <span class="muted">An estimate from each customer's past ${noun}s and their amounts, not a promise.</span></p>` as HTMLElement;
}

/** Who conditions on other instances' scores leave out, in words. */
function unscoredView(result: SegmentResult, sample: SampleInfo | null = null): HTMLElement | string {
  if (!result.unscored?.length) return "";
  if (sample) {
    return html`<ul class="segment-linked-notes" data-testid="segment-linked-note">${result.unscored.map(
      (u) => html`<li data-instance=${u.instance} data-unscored=${String(u.people)}>
      This segment uses the scores of “${u.label}”, matched by person id. ${
        u.people === 0
          ? "Everyone of the sample scored here is scored there too, so no one is left out for that reason."
          : html`About <strong>${roundedCount(estimateCount(u.people, sample).estimate)}</strong> people scored here but not there (${formatPercent(u.people / sample.people)} of the sample) are left out.`
      }
    </li>`,
    )}</ul>` as HTMLElement;
  }
  return html`<ul class="segment-linked-notes" data-testid="segment-linked-note">${result.unscored.map(
    (u) => html`<li data-instance=${u.instance} data-unscored=${String(u.people)}>
    This segment uses the scores of “${u.label}”, matched by person id. ${
      u.people === 0
        ? "Everyone scored here is scored there too, so no one is left out for that reason."
        : html`<strong>${formatCount(u.people)}</strong> ${u.people === 1 ? "person" : "people"} scored here but not there (${formatPercent(result.total ? u.people / result.total : 0)} of the ${formatCount(result.total)}) ${u.people === 1 ? "is" : "are"} left out.`
    }
  </li>`,
  )}</ul>` as HTMLElement;
}

/** The segment's one estimate: its size, and the expected count reaching the goal with its range, in words. */
export function estimateView(
  result: SegmentResult,
  segment: Segment,
  summary: EstimateSummary,
  evaluation: Pick<Evaluation, "thresholds" | "testCutoff" | "kind">,
): HTMLElement {
  if (summary.sample) return sampleEstimateView(result, segment, { ...summary, sample: summary.sample }, evaluation);
  const { people, total, estimate } = result;
  const size = html`<p class="segment-size"><span class="big" data-testid="segment-size">${formatCount(people)}</span>
    ${people === 1 ? "person" : "people"} <span class="muted" data-testid="segment-share">(${formatPercent(total ? people / total : 0)} of the ${formatCount(total)} scored)</span></p>`;
  if (people === 0) {
    return html`<div data-testid="segment-estimate" data-people="0">${size}
      <p data-testid="segment-empty">No one matches these conditions, so there is nothing to estimate or export. Loosen or remove a condition.</p>
      ${unscoredView(result)}</div>` as HTMLElement;
  }
  const goal = goalWords(summary);
  const expected = formatCount(estimate.expected);
  return html`<div data-testid="segment-estimate" data-people=${String(people)} data-expected=${String(estimate.expected)} data-low=${String(estimate.low)} data-high=${String(estimate.high)}>
    ${size}
    <p class="segment-sentence">About <strong data-testid="segment-expected">${expected}</strong> of ${people === 1 ? "this person" : `these ${formatCount(people)} people`}
    ${people === 1 ? "is" : "are"} expected to ${goal} (likely between <span data-testid="segment-low">${formatCount(estimate.low)}</span> and
    <span data-testid="segment-high">${formatCount(estimate.high)}</span>); about ${formatCount(estimate.expectedNot)} are not.</p>
    ${valueView(result, summary)}
    ${unscoredView(result)}
    <p class="muted segment-method">The expected number is the sum of the members' probabilities. The range holds the actual number 9 times
    in 10 if those probabilities are right (${estimate.method === "exact" ? "computed exactly" : "a close approximation for a segment this large"});
    it covers chance, not errors of the model (see Model quality).</p>
    ${testedView(topPercentOf(segment), summary, evaluation)}
  </div>` as HTMLElement;
}

/**
 * The estimate panel: shows `loading` (the download's progress) until the browser database is ready, then the
 * estimate of the segment last given to `update` (which resolves with its result); while a new segment is computed
 * the old estimate stays, marked busy, so nothing flashes.
 */
export function estimatePanel(options: {
  data: SegmentData;
  columns: ColumnInfo[];
  summary: EstimateSummary;
  evaluation: Pick<Evaluation, "thresholds" | "testCutoff" | "kind">;
  loading?: LoadingView;
}): HTMLElement & { update(segment: Segment): Promise<SegmentResult> } {
  const placeholder =
    options.loading ??
    html`<p class="placeholder"><progress aria-label="Loading the scores"></progress> Loading the scores into your browser (a few seconds the first time)…</p>`;
  const panel =
    html`<section class="card segment-estimate-panel" aria-busy="true" aria-live="polite" data-testid="estimate-panel">
    ${placeholder}
  </section>` as HTMLElement & { update(segment: Segment): Promise<SegmentResult> };
  let generation = 0;
  panel.update = async (segment) => {
    const mine = ++generation;
    panel.setAttribute("aria-busy", "true");
    try {
      const db = await options.data.for([segment]);
      const result = await segmentResult(db, segment, options.columns);
      const linked = linkedInstances(segment, options.columns);
      if (linked.length > 0) {
        result.unscored = await Promise.all(
          linked.map(async (instance) => ({
            instance,
            label: options.columns.find((c) => c.source?.instance === instance)!.source!.label,
            people: await options.data.unscored(instance),
          })),
        );
      }
      if (mine === generation) {
        panel.replaceChildren(estimateView(result, segment, options.summary, options.evaluation));
        panel.setAttribute("aria-busy", "false");
      }
      return result;
    } catch (error) {
      if (mine === generation) {
        panel.replaceChildren(
          html`<p role="alert">Could not compute this segment: ${String((error as Error).message ?? error)}</p>`,
        );
        panel.setAttribute("aria-busy", "false");
      }
      throw error;
    }
  };
  return panel;
}

/** A labelled select of segments to compare with (value: the chosen segment, or null). */
export function compareSelect(
  choices: NamedSegment[],
  initial: Segment | null,
): HTMLElement & { value: Segment | null } {
  const list = [...choices];
  if (initial && !list.some((c) => sameSegment(c.segment, initial)))
    list.push({ name: "The linked segment", segment: initial });
  const select = html`<select id="compare-with" data-testid="compare-with">
    <option value="-1">Nothing</option>
    ${list.map((c, i) => html`<option value=${String(i)} selected=${initial !== null && sameSegment(c.segment, initial)}>${c.name}</option>`)}
  </select>` as HTMLSelectElement;
  const root =
    html`<div class="filter-inputs"><label for="compare-with">Compare with</label> ${select}</div>` as HTMLElement & {
      value: Segment | null;
    };
  Object.defineProperty(root, "value", { get: () => list[Number(select.value)]?.segment ?? null });
  select.addEventListener("change", () => root.dispatchEvent(new Event("input", { bubbles: true })));
  return root;
}

/** The overlap of two segments: in A, in B, in both, in A only, in B only; in sample mode estimated for everyone. */
export async function overlapView(
  db: ScoreDatabase,
  a: Segment,
  b: Segment,
  columns: ColumnInfo[],
  sample: SampleInfo | null = null,
): Promise<HTMLElement> {
  const { where, params } = overlapSql(a, b, columns);
  const [row] = await db.query<{ a: number; b: number; both: number }>(where, params);
  const { a: inA = 0, b: inB = 0, both = 0 } = row ?? {};
  const share = (n: number, of: number) => (of ? `${formatPercent(n / of)} of this segment` : "");
  const count = (n: number) => (sample ? `about ${roundedCount(estimateCount(n, sample).estimate)}` : formatCount(n));
  return html`<div><table data-testid="overlap">
    <thead><tr><th scope="col">Who</th><th scope="col" style="text-align: right">People</th><th scope="col">Share</th></tr></thead>
    <tbody>
      <tr><th scope="row">In this segment</th><td style="text-align: right">${count(inA)}</td><td></td></tr>
      <tr><th scope="row">In the other</th><td style="text-align: right">${count(inB)}</td><td></td></tr>
      <tr><th scope="row">In both</th><td style="text-align: right" data-testid="overlap-both">${count(both)}</td><td>${share(both, inA)}</td></tr>
      <tr><th scope="row">Only in this segment</th><td style="text-align: right">${count(inA - both)}</td><td></td></tr>
      <tr><th scope="row">Only in the other</th><td style="text-align: right">${count(inB - both)}</td><td></td></tr>
    </tbody>
  </table>${sample ? html`<p class="muted" data-testid="overlap-sample-note">Estimated for everyone from ${sampleWords(sample)}.</p>` : ""}</div>` as HTMLElement;
}

/** The members' total expected value, estimated from the sample, in words (instances with customer value). */
function sampleValueView(
  result: SegmentResult,
  summary: EstimateSummary & { sample: SampleInfo },
): HTMLElement | string {
  const value = summary.value;
  if (!result.value || !value || "unavailable" in value || result.value.people === 0) return "";
  // Scaled from the sample: said as "about", without its own range.
  const total = estimateTotal(result.value.total, 0, summary.sample).estimate;
  const noun = goalNoun({ rules: summary.rules, eventLabels: summary.eventLabels });
  return html`<p class="segment-value" data-testid="segment-value" data-total=${String(total)}>Their expected value over the next ${formatCount(value.horizonDays)} days:
    about <strong data-testid="segment-value-total">${formatCompactMoney(total, summary.currency)}</strong> in total, estimated from the sample.
    <span class="muted">An estimate from each customer's past ${noun}s and their amounts, not a promise.</span></p>` as HTMLElement;
}

/**
 * The estimate in sample mode: the segment's size for everyone, estimated from the sample with its 95% interval,
 * and the expected number reaching the goal with a range that covers the sample and chance; said in plain words.
 */
export function sampleEstimateView(
  result: SegmentResult,
  segment: Segment,
  summary: EstimateSummary & { sample: SampleInfo },
  evaluation: Pick<Evaluation, "thresholds" | "testCutoff" | "kind">,
): HTMLElement {
  const { sample } = summary;
  const count = estimateCount(result.people, sample);
  const outcomes = estimateOutcomes(
    { expected: result.moments.mean, variance: result.moments.variance },
    sample,
    count,
  );
  const size = html`<p class="segment-size">About <span class="big" data-testid="segment-size">${roundedCount(count.estimate)}</span> people
    <span class="muted" data-testid="segment-share">(likely between <span data-testid="segment-size-low">${roundedCount(count.low)}</span> and
    <span data-testid="segment-size-high">${roundedCount(count.high)}</span>; ${formatPercent(count.estimate / sample.total)} of the ${formatCount(sample.total)} scored)</span></p>`;
  const words = html`<p class="muted segment-method" data-testid="sample-note">Counted on ${sampleWords(sample)} (${formatCount(sample.people)} people, picked by their id),
    so that the page answers at once: ${formatCount(result.people)} of them match. The number of people is an estimate for everyone; its range holds the true
    number 95 times in 100. The expected number is the sum of the members' probabilities, scaled up from the sample; its range covers the sample and
    chance (9 times in 10), not errors of the model (see Model quality).</p>`;
  const empty = result.people === 0;
  return html`<div data-testid="segment-estimate" data-sampled="true" data-people=${String(result.people)} data-estimate=${String(count.estimate)}
    data-low95=${String(count.low)} data-high95=${String(count.high)} data-expected=${String(outcomes.expected)} data-low=${String(outcomes.low)} data-high=${String(outcomes.high)}>
    ${size}
    ${
      empty
        ? html`<p data-testid="segment-empty">No one in the sample matches these conditions: in all, probably fewer than ${roundedCount(count.high)} people do.
        Loosen or remove a condition, or export the full membership (below) to be sure.</p>`
        : html`<p class="segment-sentence">About <strong data-testid="segment-expected">${roundedCount(outcomes.expected)}</strong> of them are expected to
        ${goalWords(summary)} (likely between <span data-testid="segment-low">${roundedCount(outcomes.low)}</span> and
        <span data-testid="segment-high">${roundedCount(outcomes.high)}</span>).</p>`
    }
    ${empty ? "" : sampleValueView(result, summary)}
    ${unscoredView(result, sample)}
    ${words}
    ${empty ? "" : testedView(topPercentOf(segment), summary, evaluation)}
  </div>` as HTMLElement;
}
