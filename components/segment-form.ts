/**
 * The segment builder's editor: a list of conditions combined with "all" (AND) or "any" (OR). Each condition has a
 * field and, depending on it, a range, a set of values (chips), an id search or influential factors (a search, the
 * most common top factors with counts, "is the top factor" or "among the top k"). Its `value` is the segment;
 * setting `value` redraws it (a suggested, saved or imported segment). It fires `input` when the segment changes,
 * like an Observable input.
 *
 * Nothing is chosen for people: a new condition restricts nothing and says that it matches everyone. Typed values
 * apply on confirm (Enter or leaving the field); choosing a field with the arrow keys applies on Enter or when
 * leaving the list, so browsing the fields does not redraw anything. After Add, Remove or a field change the focus
 * stays on a control of the editor. Every label is a real `<label>` or `<legend>`; every value is rendered as text.
 */
import { html } from "htl";
import { factorValueEditor, type FactorCounts } from "./segment-factor.js";
import { isGroup, matchesEveryone, VALUE_GROUP, type ColumnInfo, type Condition, type Segment } from "./segment.js";

let uid = 0;
const nextId = (prefix = "condition") => `${prefix}-${++uid}`;

/** The editor element: an HTML element whose `value` is a segment. */
export type SegmentEditor = HTMLElement & { value: Segment };

/** What the editor may ask the page. */
export interface EditorOptions {
  /** How many of the people `scope` selects have each feature among their top `rank` factors. */
  factorCounts?: (scope: Segment, rank: number) => Promise<FactorCounts>;
  /** Categorical columns: the category codes in their natural order (default: as listed). */
  order?: (column: ColumnInfo) => number[] | undefined;
}

/** A new condition on a field: it restricts nothing until people choose (it matches everyone). */
export function defaultCondition(column: ColumnInfo): Condition {
  switch (column.kind) {
    case "numeric":
      return { field: column.field, op: "between", value: [null, null] };
    case "categorical":
      return { field: column.field, op: "in", value: [] };
    case "factor":
      return { field: column.field, op: "in", value: [], rank: 1 };
    case "id":
      return { field: column.field, op: "contains", value: [""] };
  }
}

/** Groups of fields, in the order the field lists show them: the score, why, customer value, profile attributes,
 * behaviour, the person, then each other instance's scores. */
export function fieldGroups(columns: ColumnInfo[]): { label: string; columns: ColumnInfo[] }[] {
  const profile = (c: ColumnInfo) => c.group?.toLowerCase() === "profile";
  const base = ["score", "percentile", "bucket"];
  const value = (c: ColumnInfo) => !c.source && c.group === VALUE_GROUP && c.feature === undefined;
  const plain = (c: ColumnInfo) =>
    !base.includes(c.field) && c.kind !== "factor" && c.kind !== "id" && !c.source && !value(c);
  const others = [...new Set(columns.filter((c) => c.source).map((c) => c.group ?? c.source!.label))];
  return [
    { label: "Score", columns: columns.filter((c) => base.includes(c.field)) },
    { label: "Why", columns: columns.filter((c) => c.kind === "factor") },
    { label: VALUE_GROUP, columns: columns.filter(value) },
    { label: "Profile attributes", columns: columns.filter((c) => plain(c) && profile(c)) },
    { label: "Behaviour", columns: columns.filter((c) => plain(c) && !profile(c)) },
    { label: "Person", columns: columns.filter((c) => c.kind === "id") },
    ...others.map((label) => ({
      label,
      columns: columns.filter((c) => c.source && (c.group ?? c.source.label) === label),
    })),
  ].filter((g) => g.columns.length > 0);
}

/** A `<select>` of the fields, grouped, with `selected` chosen. */
function fieldSelect(
  columns: ColumnInfo[],
  selected: string,
  attributes: { id: string; role: string },
): HTMLSelectElement {
  return html`<select id=${attributes.id} data-role=${attributes.role}>${fieldGroups(columns).map(
    (g) =>
      html`<optgroup label=${g.label}>${g.columns.map((c) => html`<option value=${c.field} selected=${c.field === selected}>${c.label}</option>`)}</optgroup>`,
  )}</select>` as HTMLSelectElement;
}

/** A number typed in an input: null when empty, undefined when not a number. */
function typed(input: HTMLInputElement): number | null | undefined {
  if (input.value.trim() === "") return null;
  const n = Number(input.value);
  return Number.isFinite(n) ? n : undefined;
}

/** From and to of a numeric field (either may stay empty: open), and "is missing" for features. */
function rangeEditor(column: ColumnInfo, condition: Condition, changed: (c: Condition) => void): HTMLElement {
  const missing = condition.op === "missing";
  const [low, high] = missing ? [null, null] : condition.value;
  const value = (v: unknown) => (v === null || v === undefined ? "" : String(v));
  const from =
    html`<input type="number" step="any" value=${value(low)} placeholder=${String(column.min ?? "")} aria-label=${`${column.label}: from`} data-role="from" data-focus="value">` as HTMLInputElement;
  const to =
    html`<input type="number" step="any" value=${value(high)} placeholder=${String(column.max ?? "")} aria-label=${`${column.label}: to`} data-role="to">` as HTMLInputElement;
  const onlyMissing = html`<input type="checkbox" checked=${missing} data-role="missing">` as HTMLInputElement;
  const update = () => {
    from.disabled = to.disabled = onlyMissing.checked;
    const a = typed(from);
    const b = typed(to);
    if (onlyMissing.checked) changed({ field: column.field, op: "missing", value: [] });
    else if (a !== undefined && b !== undefined) changed({ field: column.field, op: "between", value: [a, b] });
  };
  // Applies on confirm: "change" fires on Enter and when leaving the field, not on every key.
  for (const input of [from, to]) input.addEventListener("change", update);
  onlyMissing.addEventListener("change", update);
  from.disabled = to.disabled = missing;
  const missingOption =
    column.field === "score" || column.field === "percentile" || column.field === "value_percentile" || column.source
      ? ""
      : html`<label class="filter-option">${onlyMissing} only people with no value</label>`;
  return html`<span class="filter-inputs segment-range">from ${from} to ${to} ${missingOption}</span>` as HTMLElement;
}

/** The id search: people whose id contains the text (applies on Enter or when leaving the field). */
function idEditor(column: ColumnInfo, condition: Condition, changed: (c: Condition) => void): HTMLElement {
  const input =
    html`<input type="search" value=${String(condition.value[0] ?? "")} aria-label=${column.label} placeholder="part of an id" autocomplete="off" data-role="text" data-focus="value">` as HTMLInputElement;
  input.addEventListener("change", () => changed({ field: column.field, op: "contains", value: [input.value] }));
  return input;
}

/** Chips (checkboxes) for the values of a categorical field; nothing chosen = everyone. */
function chipsEditor(
  column: ColumnInfo,
  condition: Condition,
  changed: (c: Condition) => void,
  order?: number[],
): HTMLElement {
  const labels = column.categories ?? [];
  const codes = column.textValues ? labels.map((_, i) => i) : chipOrder(labels, order);
  const options: (string | number | null)[] = codes.map((code) => (column.textValues ? labels[code]! : code));
  if (!column.textValues) options.push(null);
  const boxes = options.map(
    (value) =>
      html`<input type="checkbox" checked=${condition.value.includes(value)} data-value=${value === null ? "" : String(value)}>` as HTMLInputElement,
  );
  const chosen = () => options.filter((_, j) => boxes[j]!.checked);
  boxes.forEach((box) =>
    box.addEventListener("change", () => changed({ field: column.field, op: "in", value: chosen() })),
  );
  if (boxes[0]) boxes[0].dataset["focus"] = "value";
  const chips = options.map(
    (value, i) =>
      html`<label class="chip">${boxes[i]}<span>${value === null ? "No value" : column.textValues ? String(value) : labels[value as number]}</span></label>`,
  );
  return html`<fieldset class="segment-values"><legend>${column.label} is any of</legend><div class="chips">${chips}</div></fieldset>` as HTMLElement;
}

/**
 * The order of a categorical field's chips: ranges such as age bands ("18-24", "25-34", ...) by their numbers,
 * else the feature's own order (the configuration's, or from the least to the most favourable), else as listed.
 */
export function chipOrder(labels: string[], order?: number[]): number[] {
  const codes = labels.map((_, i) => i);
  if (labels.length > 0 && labels.every((l) => /^\s*[<>]?\s*\d/.test(l))) {
    return codes.sort((a, b) =>
      labels[a]!.replace(/^\s*[<>]\s*/, "").localeCompare(labels[b]!.replace(/^\s*[<>]\s*/, ""), "en", {
        numeric: true,
      }),
    );
  }
  const known = (order ?? []).filter(
    (c, i, all) => Number.isInteger(c) && c >= 0 && c < labels.length && all.indexOf(c) === i,
  );
  return [...known, ...codes.filter((c) => !known.includes(c))];
}

/** The value part of a condition row for its field. */
function valueEditor(
  column: ColumnInfo,
  condition: Condition,
  changed: (c: Condition) => void,
  options: EditorOptions,
  scope: () => Segment,
): HTMLElement {
  if (column.kind === "numeric") return rangeEditor(column, condition, changed);
  if (column.kind === "id") return idEditor(column, condition, changed);
  if (column.kind === "factor")
    return factorValueEditor(column, condition, changed, { counts: options.factorCounts, scope });
  return chipsEditor(column, condition, changed, options.order?.(column));
}

/** The note under a condition: it chooses nothing yet, or it is on another instance's scores (who it leaves out). */
function everyoneNote(condition: Condition, column?: ColumnInfo): string {
  if (matchesEveryone(condition)) return "Nothing chosen yet: this condition matches everyone.";
  if (column?.source)
    return `This condition uses the scores of “${column.source.label}”, matched by person id: people that instance did not score are left out.`;
  if (column?.field === "value_percentile")
    return "100 is the top 1% by expected value; people with no expected value yet have no percentile and are left out.";
  return "";
}

/** What the parts of one editor share: its columns and options, its element, the segment as edited so far. */
interface EditorState {
  columns: ColumnInfo[];
  options: EditorOptions;
  root: SegmentEditor;
  /** The field list of "Add a condition on" (kept across redraws). */
  addField: HTMLSelectElement;
  segment: Segment;
  /** Tells the page that the segment changed, and has factor conditions recount. */
  fire: () => void;
}

/** The segment editor over the given columns; conditions on unknown fields and nested groups are dropped. */
export function segmentEditor(columns: ColumnInfo[], initial: Segment, options: EditorOptions = {}): SegmentEditor {
  const root = html`<div class="segment-editor" data-testid="segment-editor"></div>` as SegmentEditor;
  // The native "input" events of the controls inside (a key typed, an option browsed) are not changes of the
  // segment: only `fire` tells the page (this listener comes before any the page adds).
  root.addEventListener("input", (event) => {
    if (event.target !== root) event.stopImmediatePropagation();
  });
  const fire = () => {
    root.dispatchEvent(new Event("input", { bubbles: true }));
    // Factor conditions recount their factors among the people the other conditions now select.
    for (const element of root.querySelectorAll<HTMLElement & { refresh?: () => void }>("[data-refresh]"))
      element.refresh?.();
  };
  const addField = fieldSelect(columns, "percentile", { id: nextId("add-field"), role: "add-field" });
  addField.dataset["testid"] = "add-field";
  addField.dataset["focus"] = "add-field";
  const editor: EditorState = { columns, options, root, addField, segment: flat(initial, columns), fire };
  Object.defineProperty(root, "value", {
    get: () => editor.segment,
    set: (next: Segment) => {
      editor.segment = flat(next, columns);
      drawEditor(editor);
    },
  });
  drawEditor(editor);
  return root;
}

/** The people a condition's factor counts are over: the other conditions (all of them must hold), or everyone. */
function scopeOf(segment: Segment, index: number): Segment {
  return segment.match === "all"
    ? { match: "all", conditions: segment.conditions.filter((_, j) => j !== index) }
    : { match: "all", conditions: [] };
}

/** Condition `index` of the segment, as a row: its field, its value part, Remove and the note under it. */
function conditionRow(editor: EditorState, index: number): HTMLElement {
  const { columns, options } = editor;
  const condition = editor.segment.conditions[index] as Condition;
  const column = columns.find((c) => c.field === condition.field)!;
  const id = nextId();
  const field = fieldSelect(columns, column.field, { id, role: "field" });
  field.setAttribute("aria-label", `Condition ${index + 1}: what it is on`);
  const note =
    html`<p class="muted segment-note" data-testid="matches-everyone" aria-live="polite">${everyoneNote(condition, column)}</p>` as HTMLElement;
  const changed = (c: Condition) => {
    // A control of a row that a redraw has replaced changes nothing.
    if (!element.isConnected) return;
    replaceCondition(editor, index, c);
    note.textContent = everyoneNote(
      c,
      columns.find((k) => k.field === c.field),
    );
  };
  const values = html`<div class="segment-value"></div>` as HTMLElement;
  const drawValues = () => {
    const current = editor.segment.conditions[index] as Condition;
    const col = columns.find((c) => c.field === current.field)!;
    values.replaceChildren(valueEditor(col, current, changed, options, () => scopeOf(editor.segment, index)));
    note.textContent = everyoneNote(current, col);
    element.dataset["field"] = col.field;
  };
  confirmOnSelect(field, () => {
    if (!element.isConnected || (editor.segment.conditions[index] as Condition).field === field.value) return;
    const next = columns.find((c) => c.field === field.value)!;
    editor.segment = {
      ...editor.segment,
      conditions: editor.segment.conditions.map((c, j) => (j === index ? defaultCondition(next) : c)),
    };
    drawValues();
    editor.fire();
  });
  const remove = removeButton(editor, index);
  const element =
    html`<div class="segment-condition" data-testid="condition" data-field=${column.field} data-index=${String(index)}>
      <div class="segment-condition-head"><label for=${id}>${index === 0 ? "Where" : editor.segment.match === "any" ? "or" : "and"}</label> ${field} ${remove}</div>
      ${values}${note}
    </div>` as HTMLElement;
  drawValues();
  return element;
}

/** The Remove button of condition `index`: the focus moves to the next Remove (or to the field list). */
function removeButton(editor: EditorState, index: number): HTMLButtonElement {
  const remove =
    html`<button type="button" class="segment-remove" aria-label=${`Remove condition ${index + 1}`} data-role="remove" data-focus=${`remove-${index}`}>Remove</button>` as HTMLButtonElement;
  remove.addEventListener("click", () => {
    editor.segment = { ...editor.segment, conditions: editor.segment.conditions.filter((_, j) => j !== index) };
    const left = editor.segment.conditions.length;
    drawEditor(editor, left === 0 ? "add-field" : `remove-${Math.min(index, left - 1)}`);
    editor.fire();
  });
  return remove;
}

/** Draws the whole editor (all or any, the conditions, Add) and focuses the control named `focus`. */
function drawEditor(editor: EditorState, focus?: string): void {
  const { columns, root, addField } = editor;
  const match = html`<select data-testid="segment-match" id=${nextId("match")} data-focus="match">
      <option value="all" selected=${editor.segment.match === "all"}>all conditions hold (AND)</option>
      <option value="any" selected=${editor.segment.match === "any"}>any condition holds (OR)</option>
    </select>` as HTMLSelectElement;
  match.addEventListener("change", () => {
    editor.segment = { ...editor.segment, match: match.value === "any" ? "any" : "all" };
    drawEditor(editor, "match");
    editor.fire();
  });
  const rows = editor.segment.conditions.map((_, index) => conditionRow(editor, index));
  const add = html`<button type="button" data-testid="add-condition">Add</button>` as HTMLButtonElement;
  add.addEventListener("click", () => {
    const column = columns.find((c) => c.field === addField.value) ?? columns[0]!;
    editor.segment = { ...editor.segment, conditions: [...editor.segment.conditions, defaultCondition(column)] };
    drawEditor(editor, `value-${editor.segment.conditions.length - 1}`);
    editor.fire();
  });
  const empty =
    editor.segment.conditions.length === 0
      ? html`<p class="muted" data-testid="no-conditions">No conditions: the segment is everyone scored.</p>`
      : "";
  root.replaceChildren(
    html`<div class="filter-inputs"><label for=${match.id}>People for whom</label> ${match}</div>`,
    empty,
    ...rows,
    html`<div class="filter-inputs segment-add"><label for=${addField.id}>Add a condition on</label> ${addField} ${add}</div>`,
  );
  if (focus) focusOn(root, focus);
}

/** Puts `condition` in place of condition `index` and tells the page. */
function replaceCondition(editor: EditorState, index: number, condition: Condition): void {
  editor.segment = {
    ...editor.segment,
    conditions: editor.segment.conditions.map((c, j) => (j === index ? condition : c)),
  };
  editor.fire();
}

/** A segment's top-level conditions on known fields (the editor shows no nested groups). */
function flat(segment: Segment, columns: ColumnInfo[]): Segment {
  return {
    match: segment.match,
    conditions: segment.conditions.filter((c) => !isGroup(c) && columns.some((k) => k.field === c.field)),
  };
}

/** Focuses the control named `key` (`value-<i>` is the first value control of condition i, else its field). */
function focusOn(root: HTMLElement, key: string): void {
  const value = /^value-(\d+)$/.exec(key);
  if (value) {
    const row = root.querySelector<HTMLElement>(`[data-testid=condition][data-index="${value[1]}"]`);
    (
      row?.querySelector<HTMLElement>("[data-focus=value]") ?? row?.querySelector<HTMLElement>("[data-role=field]")
    )?.focus();
    return;
  }
  root.querySelector<HTMLElement>(`[data-focus="${key}"]`)?.focus();
}

/** Keys with which a closed `<select>` moves through its options. */
const BROWSE_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"]);

/**
 * Calls `apply` when a select's choice is confirmed: at once for a pick with the mouse (or from the open list), but
 * for the arrow keys (and typing to jump) only on Enter or when the focus leaves, so browsing applies nothing.
 */
export function confirmOnSelect(select: HTMLSelectElement, apply: () => void): void {
  let browsing = false;
  select.addEventListener("pointerdown", () => (browsing = false));
  select.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      browsing = false;
      apply();
    } else if (BROWSE_KEYS.has(event.key) || event.key.length === 1) browsing = event.key !== " ";
  });
  select.addEventListener("keyup", (event) => {
    if (!BROWSE_KEYS.has(event.key) && event.key.length !== 1) browsing = false;
  });
  select.addEventListener("change", () => {
    if (!browsing) apply();
  });
  select.addEventListener("blur", () => {
    browsing = false;
    apply();
  });
}
