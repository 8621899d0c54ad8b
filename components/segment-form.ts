/**
 * The segment builder's editor: a list of conditions (field, then a range, a set of values, factors or an id
 * search, depending on the field) combined with "all" (AND) or "any" (OR). Its `value` is the segment; setting
 * `value` redraws it (a suggested, saved or linked segment). It fires `input` on every change, like an Observable
 * input. Every label is a real `<label>` or `<legend>`; every value is rendered as text.
 */
import { html } from "htl";
import type { ColumnInfo, Condition, Segment } from "./segment.js";
import { isGroup } from "./segment.js";

let uid = 0;
const nextId = () => `condition-${++uid}`;

/** The editor element: an HTML element whose `value` is a segment. */
export type SegmentEditor = HTMLElement & { value: Segment };

/** A condition with sensible defaults for a field. */
export function defaultCondition(column: ColumnInfo): Condition {
  switch (column.kind) {
    case "numeric":
      return { field: column.field, op: "between", value: [column.min ?? 0, column.max ?? 100] };
    case "categorical":
      return { field: column.field, op: "in", value: column.textValues ? [column.categories?.[0] ?? ""] : [0] };
    case "factor":
      return { field: column.field, op: "in", value: [0] };
    case "id":
      return { field: column.field, op: "contains", value: [""] };
  }
}

/** The value editor of one condition; calls `changed` with the new condition. */
function valueEditor(column: ColumnInfo, condition: Condition, changed: (c: Condition) => void, label: string): Node {
  if (column.kind === "numeric") {
    const missing = condition.op === "missing";
    const [low, high] = missing ? [column.min ?? 0, column.max ?? 100] : condition.value;
    const from = html`<input type="number" step="any" value=${String(low)} aria-label=${`${label}: from`} data-role="from">` as HTMLInputElement;
    const to = html`<input type="number" step="any" value=${String(high)} aria-label=${`${label}: to`} data-role="to">` as HTMLInputElement;
    const onlyMissing = html`<input type="checkbox" checked=${missing} data-role="missing">` as HTMLInputElement;
    const update = () => {
      from.disabled = to.disabled = onlyMissing.checked;
      const a = Number(from.value);
      const b = Number(to.value);
      if (onlyMissing.checked) changed({ field: column.field, op: "missing", value: [] });
      else if (from.value !== "" && to.value !== "" && Number.isFinite(a) && Number.isFinite(b)) changed({ field: column.field, op: "between", value: [a, b] });
    };
    for (const input of [from, to]) input.addEventListener("input", update);
    onlyMissing.addEventListener("change", update);
    from.disabled = to.disabled = missing;
    const missingOption = column.field === "score" || column.field === "percentile" ? "" : html`<label class="filter-option">${onlyMissing} is missing</label>`;
    return html`<span class="filter-inputs">from ${from} to ${to} ${missingOption}</span>`;
  }
  if (column.kind === "id") {
    const input = html`<input type="search" value=${String(condition.value[0] ?? "")} aria-label=${label} autocomplete="off" data-role="text">` as HTMLInputElement;
    input.addEventListener("input", () => changed({ field: column.field, op: "contains", value: [input.value] }));
    return input;
  }
  // Categorical values and factors: a set of checkboxes.
  const labels = column.categories ?? [];
  const options: (string | number | null)[] = labels.map((l, code) => (column.textValues ? l : code));
  if (column.kind === "categorical" && !column.textValues) options.push(null);
  const boxes = options.map((value, i) => {
    const box = html`<input type="checkbox" checked=${condition.value.includes(value)} data-value=${value === null ? "" : String(value)}>` as HTMLInputElement;
    box.addEventListener("change", () => changed({ field: column.field, op: "in", value: options.filter((_, j) => boxes[j]!.box.checked) }));
    return { box, element: html`<label class="filter-option">${box}${value === null ? "Missing" : labels[i]}</label>` };
  });
  const many = column.kind === "factor" || boxes.length > 8;
  const list = html`<span class=${many ? "option-list scroll" : "option-list"}>${boxes.map((b) => b.element)}</span>`;
  const legend = column.kind === "factor" ? "Any of these is among the person's top 3 factors" : `${label} is one of`;
  return html`<fieldset class="filter filter-categories"><legend>${legend}</legend>${list}</fieldset>`;
}

/** The segment editor over the given columns; conditions on unknown fields are dropped when drawn. */
export function segmentEditor(columns: ColumnInfo[], initial: Segment): SegmentEditor {
  let segment: Segment = { match: initial.match, conditions: initial.conditions.filter((c) => !isGroup(c)) };
  const root = html`<div class="segment-editor" data-testid="segment-editor"></div>` as SegmentEditor;
  const fire = () => root.dispatchEvent(new Event("input", { bubbles: true }));

  function draw(): void {
    const match = html`<select data-testid="segment-match" aria-label="Combine conditions">
      <option value="all" selected=${segment.match === "all"}>all conditions hold (AND)</option>
      <option value="any" selected=${segment.match === "any"}>any condition holds (OR)</option>
    </select>` as HTMLSelectElement;
    match.addEventListener("change", () => {
      segment = { ...segment, match: match.value === "any" ? "any" : "all" };
      fire();
    });
    const rows = segment.conditions.map((item, index) => {
      const condition = item as Condition;
      const column = columns.find((c) => c.field === condition.field);
      if (!column) return "";
      const id = nextId();
      const field = html`<select id=${id} data-role="field">${columns.map((c) => html`<option value=${c.field} selected=${c.field === column.field}>${c.label}</option>`)}</select>` as HTMLSelectElement;
      field.addEventListener("change", () => {
        const next = columns.find((c) => c.field === field.value)!;
        replace(index, defaultCondition(next));
        draw();
      });
      const remove = html`<button type="button" aria-label=${`Remove condition ${index + 1}`} data-role="remove">Remove</button>` as HTMLButtonElement;
      remove.addEventListener("click", () => {
        segment = { ...segment, conditions: segment.conditions.filter((_, j) => j !== index) };
        draw();
        fire();
      });
      return html`<div class="segment-condition" data-testid="condition" data-field=${column.field}>
        <label for=${id}>Condition ${index + 1}</label> ${field}
        ${valueEditor(column, condition, (c) => replace(index, c), column.label)}
        ${remove}
      </div>`;
    });
    const add = html`<button type="button" data-testid="add-condition">Add a condition</button>` as HTMLButtonElement;
    add.addEventListener("click", () => {
      segment = { ...segment, conditions: [...segment.conditions, defaultCondition(columns[0]!)] };
      draw();
      fire();
    });
    root.replaceChildren(html`<div class="filter-inputs"><span>People for whom</span> ${match}</div>`, ...rows, html`<div>${add}</div>`);
  }

  function replace(index: number, condition: Condition): void {
    segment = { ...segment, conditions: segment.conditions.map((c, j) => (j === index ? condition : c)) };
    fire();
  }

  Object.defineProperty(root, "value", {
    get: () => segment,
    set: (next: Segment) => {
      segment = { match: next.match, conditions: next.conditions.filter((c) => !isGroup(c)) };
      draw();
    },
  });
  draw();
  return root;
}
