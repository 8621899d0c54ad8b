/**
 * The parts of the segment builder page around the editor: suggested and saved segments, the segment's size and
 * expected outcomes, the overlap with a second segment, and the exports (members as CSV, definition as JSON and
 * SQL). Queries take the segment as parameterised SQL; every name and id is rendered as text.
 */
import { html } from "htl";
import type { Evaluation, InstanceSummary } from "../loaders/pipeline/schema.js";
import type { ScoreDatabase } from "./data.js";
import { formatCount, formatNumber, formatPercent } from "./format.js";
import { compileSegment, overlapSql, segmentSql, segmentStatsSql, type ColumnInfo, type Segment } from "./segment.js";
import { deleteSegment, loadSavedSegments, saveSegment, segmentOutcomes, toCsv, type KeyValueStore } from "./segment-io.js";
import type { SegmentEditor } from "./segment-form.js";

/** A named segment offered for loading or comparing. */
export interface NamedSegment {
  name: string;
  description?: string;
  segment: Segment;
}

/** Loads a segment into the editor and tells the page. */
function load(editor: SegmentEditor, segment: Segment): void {
  editor.value = segment;
  editor.dispatchEvent(new Event("input", { bubbles: true }));
}

/** Suggested segments (buttons) and saved segments (load, delete, save the current one), kept in `store`. */
export function segmentLibrary(options: { editor: SegmentEditor; suggested: NamedSegment[]; instance: string; store: KeyValueStore }): HTMLElement {
  const { editor, suggested, instance, store } = options;
  const saved = html`<div data-testid="saved-segments"></div>` as HTMLElement;
  const name = html`<input type="text" id="segment-name" placeholder="e.g. Spring campaign" autocomplete="off">` as HTMLInputElement;
  const status = html`<span role="status"></span>` as HTMLElement;
  const drawSaved = () => {
    const list = loadSavedSegments(store, instance);
    saved.replaceChildren(
      list.length === 0
        ? html`<p class="muted">No saved segments yet.</p>`
        : html`<ul class="segment-list">${list.map((s) => html`<li>
            <button type="button" onclick=${() => load(editor, s.segment)}>${s.name}</button>
            <button type="button" aria-label=${`Delete saved segment ${s.name}`} onclick=${() => { deleteSegment(store, instance, s.name); drawSaved(); }}>Delete</button>
          </li>`)}</ul>`,
    );
  };
  const save = html`<button type="button" data-testid="save-segment">Save</button>` as HTMLButtonElement;
  save.addEventListener("click", () => {
    try {
      saveSegment(store, instance, name.value, editor.value);
      status.textContent = `Saved "${name.value.trim()}".`;
      name.value = "";
      drawSaved();
    } catch (error) {
      status.textContent = String((error as Error).message);
    }
  });
  drawSaved();
  return html`<div class="grid grid-cols-2">
    <div><h3>Suggested segments</h3>
      <ul class="segment-list" data-testid="suggested-segments">${suggested.map((s) => html`<li>
        <button type="button" onclick=${() => load(editor, s.segment)}>${s.name}</button> <span class="muted">${s.description ?? ""}</span>
      </li>`)}</ul>
    </div>
    <div><h3>Saved segments</h3>${saved}
      <div class="filter-inputs"><label for="segment-name">Save this segment as</label> ${name} ${save}</div>${status}
    </div>
  </div>` as HTMLElement;
}

/** Size, share and expected outcomes of a segment. */
export interface SegmentStats {
  people: number;
  expected: number;
  lowest: number | null;
  total: number;
}

/** Runs the segment's stats query. */
export async function segmentStats(db: ScoreDatabase, segment: Segment, columns: ColumnInfo[]): Promise<SegmentStats> {
  const { where, params } = segmentStatsSql(segment, columns);
  const [row] = await db.query<SegmentStats>(where, params);
  return row ?? { people: 0, expected: 0, lowest: null, total: 0 };
}

/** The segment's size, share and expected outcomes, with what each figure means. */
export function outcomesView(stats: SegmentStats, summary: Pick<InstanceSummary, "type" | "window">, evaluation: Pick<Evaluation, "thresholds">): HTMLElement {
  const outcomes = segmentOutcomes(stats.people, stats.expected, stats.lowest, evaluation.thresholds);
  const verb = summary.type === "churn" ? "churn" : "convert";
  const t = outcomes.threshold;
  return html`<div>
    <div class="grid grid-cols-4">
      <div class="card"><h2>People in the segment</h2><span class="big" data-testid="segment-size">${formatCount(stats.people)}</span></div>
      <div class="card"><h2>Share of scored people</h2><span class="big" data-testid="segment-share">${formatPercent(stats.total ? stats.people / stats.total : 0)}</span></div>
      <div class="card"><h2>Expected to ${verb}</h2><span class="big" data-testid="segment-expected">${formatNumber(outcomes.expected, 0)}</span></div>
      <div class="card"><h2>Expected not to</h2><span class="big">${formatNumber(outcomes.expectedNot, 0)}</span></div>
    </div>
    <p><strong>Expected to ${verb}</strong> is the sum of the members' probabilities: if the model is well calibrated, about
    this many of them will ${verb} within ${summary.window} days, and the rest (the sum of 1 − probability) will not.</p>
    ${t === null
      ? html`<p class="muted">No threshold estimate: the segment is empty.</p>`
      : html`<p data-testid="segment-threshold"><strong>At the model's threshold.</strong> The segment's lowest percentile is
        ${String(stats.lowest)}, like targeting the top ${String(t.percent)}% of people. On the out-of-time test, targeting the
        top ${String(t.percent)}% had a precision of ${formatPercent(t.precision)} (the share who did ${verb}) and caught
        ${formatPercent(t.recall)} of everyone who did. Applied to this segment's ${formatCount(stats.people)} people: about
        <strong>${formatNumber(t.truePositives, 0)} true positives</strong> and <strong>${formatNumber(t.falsePositives, 0)} false positives</strong>.
        This assumes the members are like the top ${String(t.percent)}% as a whole; when the segment also filters on other
        conditions, the sum of probabilities above is the better guide.</p>`}
  </div>` as HTMLElement;
}

/** A labelled select of segments to compare with (value: the chosen segment, or null). */
export function compareSelect(choices: NamedSegment[], initial: Segment | null): HTMLElement & { value: Segment | null } {
  const list = [...choices];
  const key = (s: Segment | null) => JSON.stringify(s);
  if (initial && !list.some((c) => key(c.segment) === key(initial))) list.push({ name: "The linked segment", segment: initial });
  const select = html`<select id="compare-with" data-testid="compare-with">
    <option value="-1">Nothing</option>
    ${list.map((c, i) => html`<option value=${String(i)} selected=${initial !== null && key(c.segment) === key(initial)}>${c.name}</option>`)}
  </select>` as HTMLSelectElement;
  const root = html`<div class="filter-inputs"><label for="compare-with">Compare with</label> ${select}</div>` as HTMLElement & { value: Segment | null };
  Object.defineProperty(root, "value", { get: () => list[Number(select.value)]?.segment ?? null });
  select.addEventListener("change", () => root.dispatchEvent(new Event("input", { bubbles: true })));
  return root;
}

/** The overlap of two segments: in A, in B, in both, in A only, in B only. */
export async function overlapView(db: ScoreDatabase, a: Segment, b: Segment, columns: ColumnInfo[]): Promise<HTMLElement> {
  const { where, params } = overlapSql(a, b, columns);
  const [row] = await db.query<{ a: number; b: number; both: number }>(where, params);
  const { a: inA = 0, b: inB = 0, both = 0 } = row ?? {};
  const share = (n: number, of: number) => (of ? ` (${formatPercent(n / of)})` : "");
  return html`<table data-testid="overlap">
    <tr><th>In this segment</th><td>${formatCount(inA)}</td></tr>
    <tr><th>In the other</th><td>${formatCount(inB)}</td></tr>
    <tr><th>In both</th><td data-testid="overlap-both">${formatCount(both)}</td><td>${share(both, inA)} of this segment</td></tr>
    <tr><th>Only in this segment</th><td>${formatCount(inA - both)}</td></tr>
    <tr><th>Only in the other</th><td>${formatCount(inB - both)}</td></tr>
  </table>` as HTMLElement;
}

/** Offers `content` as a file download. */
export function download(content: string, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Export buttons (members as CSV, definition as JSON and SQL) and the SQL itself. */
export function exportView(options: { db: ScoreDatabase; segment: Segment; columns: ColumnInfo[]; instance: string }): HTMLElement {
  const { db, segment, columns, instance } = options;
  const sql = segmentSql(segment, columns);
  const status = html`<span role="status"></span>` as HTMLElement;
  const csv = html`<button type="button" data-testid="export-csv">Download members (CSV)</button>` as HTMLButtonElement;
  csv.addEventListener("click", async () => {
    csv.disabled = true;
    status.textContent = "Preparing…";
    try {
      const { where, params } = compileSegment(segment, columns);
      const rows = await db.query(`SELECT id, probability, score::INTEGER AS score, percentile::INTEGER AS percentile, bucket FROM scores WHERE ${where} ORDER BY probability DESC, id`, params);
      download(toCsv(rows, ["id", "probability", "score", "percentile", "bucket"]), `${instance}-segment.csv`, "text/csv");
      status.textContent = `${formatCount(rows.length)} people exported.`;
    } catch (error) {
      status.textContent = `Export failed: ${String(error)}`;
    } finally {
      csv.disabled = false;
    }
  });
  const json = html`<button type="button" data-testid="export-json">Download definition (JSON)</button>` as HTMLButtonElement;
  json.addEventListener("click", () => download(JSON.stringify(segment, null, 2) + "\n", `${instance}-segment.json`, "application/json"));
  const sqlButton = html`<button type="button" data-testid="export-sql">Download definition (SQL)</button>` as HTMLButtonElement;
  sqlButton.addEventListener("click", () => download(sql + "\n", `${instance}-segment.sql`, "application/sql"));
  return html`<div>
    <div class="filter-inputs">${csv} ${json} ${sqlButton} ${status}</div>
    <details><summary>The segment as SQL (over scores.parquet loaded as table <code>scores</code>)</summary><pre data-testid="segment-sql">${sql}</pre></details>
  </div>` as HTMLElement;
}
