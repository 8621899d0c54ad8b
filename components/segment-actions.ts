/**
 * The segment page's exports, ready for activation: the members as CSV (id, score, probability, percentile,
 * bucket, their top 3 reasons in words and the chosen attributes), the definition as labelled JSON and as readable
 * SQL over the scores table, which the page documents and offers for download. Nothing can be exported from an
 * empty segment: the buttons are disabled and say why.
 */
import { html } from "htl";
import type { InstanceSummary, SampleInfo } from "../loaders/contract/schema.js";
import type { ScoreDatabase } from "./data.js";
import { formatCount } from "./format.js";
import {
  compileSegment,
  hasValue,
  isGroup,
  LINKED_TABLE,
  quoteName,
  type ColumnInfo,
  type CompiledSql,
  type Segment,
} from "./segment.js";
import type { SegmentData } from "./segment-page.js";
import { estimateCount, roundedCount, sampleWords } from "./sample.js";
import {
  labelledSegment,
  membersCsv,
  readableSql,
  type ExportContext,
  type MemberRow,
  type Reason,
} from "./segment-export.js";

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

/** The columns of the scores table, for the page and the SQL's readers. */
export function scoresTableDoc(summary: Pick<InstanceSummary, "explorer" | "features">): HTMLElement {
  const features = summary.explorer.map((e) => {
    const f = summary.features[e.feature];
    const codes =
      f?.kind === "categorical" ? ` (codes: ${(f.categories ?? []).map((c, i) => `${i} = ${c}`).join(", ")})` : "";
    return html`<li><code>${e.column}</code>: ${f?.label ?? e.column}${codes}</li>`;
  });
  return html`<div class="scores-table-doc" data-testid="scores-table-doc">
    <p>The scores table has one row per scored person:</p>
    <ul>
      <li><code>id</code>: the person's id; <code>probability</code>: how likely the outcome is (0 to 1);
        <code>score</code>: the probability out of 100; <code>percentile</code>: 1 to 100 (100 = the top 1%);
        <code>bucket</code>: High, Medium or Low</li>
      <li><code>top1</code>, <code>top2</code>, <code>top3</code>: the codes of the person's three most influential factors (a code is the
        position of the feature in the instance's feature list, which the SQL export turns into names)</li>
      ${features}
    </ul>
  </div>` as HTMLElement;
}

/** The fields of explorer columns a segment uses (the attributes the CSV includes by default). */
function usedFields(segment: Segment): Set<string> {
  const fields = new Set<string>();
  const walk = (s: Segment) => s.conditions.forEach((c) => (isGroup(c) ? walk(c) : fields.add(c.field)));
  walk(segment);
  return fields;
}

/**
 * Checkboxes of the attributes (explorer columns) the CSV adds. `follow` ticks the attributes a segment uses the
 * first time it uses them; what people untick stays unticked.
 */
function attributePicker(columns: ColumnInfo[]): {
  element: HTMLElement;
  chosen: () => ColumnInfo[];
  follow: (segment: Segment) => void;
} {
  // Profile attributes and features, customer value, and other instances' scores.
  const attributes = columns.filter(
    (c) => c.feature !== undefined || c.source !== undefined || c.group === "Customer value",
  );
  const boxes = attributes.map((c) => html`<input type="checkbox" data-field=${c.field}>` as HTMLInputElement);
  const seen = new Set<string>();
  const element =
    html`<fieldset class="segment-values" data-testid="csv-attributes"><legend>Attributes to add to the CSV</legend>
    <div class="chips">${attributes.map((c, i) => html`<label class="chip">${boxes[i]}<span>${c.label}</span></label>`)}</div></fieldset>` as HTMLElement;
  const follow = (segment: Segment) => {
    for (const field of usedFields(segment)) {
      const i = attributes.findIndex((a) => a.field === field);
      if (i >= 0 && !seen.has(field)) boxes[i]!.checked = true;
      seen.add(field);
    }
  };
  return { element, chosen: () => attributes.filter((_, i) => boxes[i]!.checked), follow };
}

const loadedFactors = new WeakMap<ScoreDatabase, Promise<void>>();

/** Loads the factors table (once per database) for the reasons in the CSV. */
function factorsTable(db: ScoreDatabase, url: string): Promise<void> {
  let loading = loadedFactors.get(db);
  if (!loading) {
    loading = db.loadParquet("factors", url, { columns: ["id", "rank", "feature", "contribution", "value"] });
    loading.catch(() => loadedFactors.delete(db));
    loadedFactors.set(db, loading);
  }
  return loading;
}

/** How the CSV and the SQL order the people. */
export type ExportSort = "probability" | "expected_value";

/**
 * The query of a segment's members for the CSV: id, score, probability, percentile, bucket and the chosen
 * attributes (other instances' scores joined by id from the `linked` table), ordered by probability or by expected
 * value. Over the tables `scores` (and `linked`): the page's database, or DuckDB in Node for a headless export.
 */
export function memberRowsSql(
  segment: Segment,
  columns: ColumnInfo[],
  attributes: ColumnInfo[],
  sort: ExportSort = "probability",
): CompiledSql {
  const { where, params } = compileSegment(segment, columns);
  const extra = attributes
    .map((a) => `, ${a.source ? `l.${quoteName(a.field)}` : `s.${quoteName(a.field)}`} AS ${quoteName(a.field)}`)
    .join("");
  const join = attributes.some((a) => a.source) ? ` LEFT JOIN ${quoteName(LINKED_TABLE)} AS l ON l."id" = s."id"` : "";
  const order =
    sort === "expected_value" && hasValue(columns)
      ? `s."expected_value" DESC NULLS LAST, s."id"`
      : `s."probability" DESC, s."id"`;
  return {
    where: `SELECT s."id" AS id, s."score"::INTEGER AS score, s."probability"::DOUBLE AS probability, s."percentile"::INTEGER AS percentile, s."bucket" AS bucket${extra}
    FROM scores AS s${join} WHERE s."id" IN (SELECT "id" FROM scores WHERE ${where}) ORDER BY ${order}`,
    params,
  };
}

/** The query of the top 3 reasons of the members of a segment whose ids are in `ids` (a table or subquery with an
 * `id` column), from the table `factors`. */
export function memberReasonsSql(ids: string): string {
  return `SELECT f.id, f.rank::INTEGER AS rank, f.feature::INTEGER AS feature, f.contribution::DOUBLE AS contribution, f.value
    FROM factors AS f WHERE f.rank BETWEEN 1 AND 3 AND f.id IN (SELECT id FROM ${ids})`;
}

/** Reason rows grouped by person id. */
export function reasonsById(rows: (Reason & { id: string })[]): Map<string, Reason[]> {
  const reasons = new Map<string, Reason[]>();
  for (const r of rows) {
    const list = reasons.get(r.id) ?? [];
    list.push(r);
    reasons.set(r.id, list);
  }
  return reasons;
}

/** The segment's members as CSV text: scores, the top 3 reasons in words and the chosen attributes (other
 * instances' scores joined by id, by their labels), ordered by probability or by expected value. */
export async function segmentCsv(
  db: ScoreDatabase,
  segment: Segment,
  columns: ColumnInfo[],
  attributes: ColumnInfo[],
  summary: Pick<InstanceSummary, "features" | "type">,
  factorsUrl: string,
  sort: ExportSort = "probability",
): Promise<{ csv: string; people: number }> {
  const members = memberRowsSql(segment, columns, attributes, sort);
  const rows = await db.query<MemberRow>(members.where, members.params);
  await factorsTable(db, factorsUrl);
  const { where, params } = compileSegment(segment, columns);
  const reasonRows = await db.query<Reason & { id: string }>(memberReasonsSql(`scores WHERE ${where}`), params);
  return {
    csv: membersCsv(rows, reasonsById(reasonRows), attributes, summary.features, summary.type),
    people: rows.length,
  };
}

/**
 * In sample mode, what the CSV holds and how to export everyone: the headless command over the run's full scores,
 * or the SQL on the full scores table (offered below it).
 */
export function sampleExportNote(
  sample: SampleInfo,
  instance: string,
): { element: HTMLElement; update(people: number): void } {
  const count = html`<span data-testid="export-sample-count"></span>` as HTMLElement;
  const element = html`<div class="segment-export-sample" data-testid="export-sample-note">
    <p><strong>The CSV holds the sample only</strong>: this site keeps ${sampleWords(sample)}, so the download has ${count}.
    To export everyone in the segment, download the definition (JSON) and run, where the scores are:</p>
    <pre data-testid="export-command">npm run segment -- --run &lt;scores folder&gt; --instance ${instance} --definition ${instance}-segment.json --out members.csv</pre>
    <p>or run the SQL below on the full scores table (the Parquet file it links to holds everyone scored).</p>
  </div>` as HTMLElement;
  return {
    element,
    update(people) {
      count.textContent =
        people === 0
          ? "none of the sample's people"
          : `only the ${formatCount(people)} people of the sample, of about ${roundedCount(estimateCount(people, sample).estimate)} in the segment`;
    },
  };
}

/** What the export panel needs once. */
export interface ExportOptions {
  data: SegmentData;
  columns: ColumnInfo[];
  summary: Pick<InstanceSummary, "features" | "type" | "explorer">;
  instance: string;
  factorsUrl: string;
  scoresUrl: string;
  /** In sample mode, the sample the page holds: the CSV has only its people, and says how to export everyone. */
  sample?: SampleInfo | null;
}

/** What the export panel shows for the current segment. */
export interface ExportState {
  segment: Segment;
  people: number;
  /** The segment's name, where it comes from and when. */
  context: ExportContext;
}

/** A file name from a segment's name: "Ready to buy" → "purchase-ready-to-buy". */
function fileName(instance: string, name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
  return `${instance}-${slug || "segment"}`;
}

/** The export buttons: the people (CSV), the definition (JSON) and the definition (SQL). */
interface ExportButtons {
  csv: HTMLButtonElement;
  json: HTMLButtonElement;
  sql: HTMLButtonElement;
}

/** The export buttons, disabled and pointing to the reason until a segment is shown. */
function exportButtons(): ExportButtons {
  const button = (testid: string) =>
    html`<button type="button" data-testid=${testid} disabled aria-describedby="export-reason"></button>` as HTMLButtonElement;
  const csv = button("export-csv");
  csv.classList.add("primary");
  const json = button("export-json");
  const sql = button("export-sql");
  json.textContent = "Download the definition (JSON)";
  sql.textContent = "Download the definition (SQL)";
  csv.textContent = "Download the people (CSV)";
  return { csv, json, sql };
}

/** With customer value, the people can be ordered by it instead of by probability: the control and the choice. */
function sortChoice(columns: ColumnInfo[]): {
  control: HTMLElement | "";
  select: HTMLSelectElement;
  sort: () => ExportSort;
} {
  const sortSelect = html`<select id="export-sort" data-testid="export-sort">
    <option value="probability">probability, highest first</option>
    <option value="expected_value">expected value, highest first</option>
  </select>` as HTMLSelectElement;
  const sort = (): ExportSort =>
    hasValue(columns) && sortSelect.value === "expected_value" ? "expected_value" : "probability";
  const control = hasValue(columns)
    ? (html`<div class="filter-inputs"><label for="export-sort">Order the people by</label> ${sortSelect}</div>` as HTMLElement)
    : "";
  return { control, select: sortSelect, sort };
}

/** With customer value, the scores table's value columns. */
function valueColumnsDoc(columns: ColumnInfo[]): HTMLElement | "" {
  return hasValue(columns)
    ? (html`<p data-testid="value-columns-doc">With customer value, the table also has <code>expected_value</code> (${columns.find((c) => c.field === "expected_value")!.label.toLowerCase()}),
        <code>expected_events</code>, <code>expected_events_horizon</code>, <code>p_alive</code> and <code>expected_spend</code> (empty for people with no
        expected value yet); the SQL computes the expected value percentile from <code>expected_value</code>.</p>` as HTMLElement)
    : "";
}

/** The other instances' tables that conditions on their scores join. */
function otherTablesDoc(columns: ColumnInfo[]): HTMLElement | "" {
  const others = [...new Set(columns.filter((c) => c.source).map((c) => `“${c.source!.label}”`))];
  return others.length > 0
    ? (html`<p data-testid="other-tables-doc">A condition on another instance's scores (${others.join(", ")}) joins that instance's scores table by id,
        named <code>scores_&lt;instance&gt;</code> in the SQL: download it from that instance's Segments page.</p>` as HTMLElement)
    : "";
}

/** What the parts of one export panel share: its options, its elements and the segment it shows. */
interface ExportParts {
  options: ExportOptions;
  sample: SampleInfo | null;
  note: ReturnType<typeof sampleExportNote> | null;
  /** The segment shown (null until the first `update`). */
  state: ExportState | null;
  status: HTMLElement;
  reason: HTMLElement;
  buttons: ExportButtons;
  sqlText: HTMLElement;
  picker: ReturnType<typeof attributePicker>;
  sort: () => ExportSort;
}

/** The SQL of the segment shown, in the panel. */
function drawSql(parts: ExportParts): void {
  const { state, sample } = parts;
  if (state)
    parts.sqlText.textContent = readableSql(state.segment, parts.options.columns, {
      ...state.context,
      people: sample ? undefined : state.people,
      sort: parts.sort(),
    });
}

/** The file name of the exports, without extension, from the segment's name. */
function baseName(parts: ExportParts): string {
  return fileName(parts.options.instance, parts.state?.context.name ?? "segment");
}

/** Downloads the people of the segment shown as CSV, saying how it goes. */
async function downloadCsv(parts: ExportParts): Promise<void> {
  const { state, status, sample } = parts;
  const { data, columns, summary, factorsUrl } = parts.options;
  const csv = parts.buttons.csv;
  if (!state) return;
  const { segment } = state;
  csv.disabled = true;
  status.textContent = "Preparing the file, with each person's top reasons…";
  try {
    const chosen = parts.picker.chosen();
    const db = await data.for(
      [segment],
      chosen.map((c) => c.field),
    );
    const out = await segmentCsv(db, segment, columns, chosen, summary, factorsUrl, parts.sort());
    download(out.csv, `${baseName(parts)}.csv`, "text/csv");
    status.textContent = sample
      ? `${formatCount(out.people)} people of the sample exported (not everyone in the segment: see above).`
      : `${formatCount(out.people)} people exported.`;
  } catch (error) {
    status.textContent = `Export failed: ${String(error)}`;
  } finally {
    // The segment shown may have changed meanwhile.
    csv.disabled = parts.state!.people === 0;
  }
}

/** Downloads the definition of the segment shown as labelled JSON. */
function downloadJson(parts: ExportParts): void {
  const { state, sample } = parts;
  if (state)
    download(
      JSON.stringify(
        labelledSegment(state.segment, parts.options.columns, {
          ...state.context,
          people: sample ? undefined : state.people,
        }),
        null,
        2,
      ) + "\n",
      `${baseName(parts)}.json`,
      "application/json",
    );
}

/** Shows a new segment: which buttons are enabled, what they and the reason say, the sample note and the SQL. */
function showExportState(parts: ExportParts, next: ExportState): void {
  const { sample, buttons, reason } = parts;
  parts.state = next;
  const empty = next.people === 0;
  parts.picker.follow(next.segment);
  for (const b of [buttons.csv, buttons.json, buttons.sql]) {
    // In sample mode the definition stays exportable: the segment may hold people outside the sample.
    const off = empty && (b === buttons.csv || !sample);
    b.disabled = off;
    if (off) b.setAttribute("aria-describedby", "export-reason");
    else b.removeAttribute("aria-describedby");
  }
  const who = `${formatCount(next.people)} ${next.people === 1 ? "person" : "people"}`;
  buttons.csv.textContent = empty
    ? "Download the people (CSV)"
    : sample
      ? `Download the sample's ${who} (CSV)`
      : `Download the ${who} (CSV)`;
  parts.note?.update(next.people);
  reason.textContent = !empty
    ? ""
    : sample
      ? "Nothing to export here: no one of the sample is in this segment (the command above looks at everyone)."
      : "Nothing to export: no one is in this segment.";
  drawSql(parts);
}

/**
 * The export panel: buttons (disabled, saying why, until the scores are loaded and whenever the segment is empty),
 * the attributes for the CSV, the SQL and the scores table it runs on. `update` shows a new segment; the
 * attribute choices persist.
 */
export function exportPanel(options: ExportOptions): HTMLElement & { update(state: ExportState): void } {
  const { columns, summary, instance, scoresUrl } = options;
  const sample = options.sample ?? null;
  const note = sample ? sampleExportNote(sample, instance) : null;
  const status = html`<p role="status" class="muted" data-testid="export-status"></p>` as HTMLElement;
  const reason =
    html`<p id="export-reason" class="muted" data-testid="export-disabled-reason">Waiting for the scores to load…</p>` as HTMLElement;
  const buttons = exportButtons();
  const sqlText = html`<pre data-testid="segment-sql"></pre>` as HTMLElement;
  const picker = attributePicker(columns);
  const sorting = sortChoice(columns);
  const parts: ExportParts = {
    options,
    sample,
    note,
    state: null,
    status,
    reason,
    buttons,
    sqlText,
    picker,
    sort: sorting.sort,
  };
  sorting.select.addEventListener("change", () => drawSql(parts));
  buttons.csv.addEventListener("click", () => downloadCsv(parts));
  buttons.json.addEventListener("click", () => downloadJson(parts));
  buttons.sql.addEventListener("click", () =>
    download(sqlText.textContent ?? "", `${baseName(parts)}.sql`, "application/sql"),
  );
  const panel = html`<div class="segment-export" data-testid="export-panel">
    <p>The CSV lists each person's id, score, probability, percentile, bucket and top 3 reasons in words, plus the attributes below.
    The definition keeps the segment: import it here again, or run the SQL on the scores table.</p>
    ${note?.element ?? ""}
    ${picker.element}
    ${sorting.control}
    <div class="filter-inputs segment-export-buttons">${buttons.csv} ${buttons.json} ${buttons.sql}</div>
    ${reason}${status}
    <details><summary>The segment as SQL, and the scores table it runs on</summary>
      ${sqlText}
      ${scoresTableDoc(summary)}
      ${valueColumnsDoc(columns)}
      ${otherTablesDoc(columns)}
      <p><a href=${scoresUrl} download=${`${instance}-scores.parquet`} data-testid="download-scores">Download the scores table (Parquet)</a>,
      the same file as <code>scores/${instance}/scores.parquet</code> from <code>npm run score</code>.</p>
    </details>
  </div>` as HTMLElement & { update(state: ExportState): void };
  panel.update = (next) => showExportState(parts, next);
  return panel;
}
