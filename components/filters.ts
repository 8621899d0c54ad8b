/**
 * The scores page's filter panel: score and percentile ranges, buckets, an id search and, folded away, a range or
 * a set of values for every explorer column (features and profile attributes). Its `value` is a segment (all
 * conditions must hold) that compiles to parameterised SQL; it fires `input` on every change, like an Observable
 * input, so `view(filterPanel(...))` re-runs the queries.
 */
import { html } from "htl";
import type { ColumnInfo, Condition, Segment } from "./segment.js";

/** A control for one column: its element and the condition it currently imposes (null = no restriction). */
interface Control {
  element: HTMLElement;
  condition: () => Condition | null;
}

let uid = 0;
const nextId = (prefix: string) => `${prefix}-${++uid}`;

/** A number typed in an input, or null when empty or not a number. */
function typed(input: HTMLInputElement): number | null {
  if (input.value.trim() === "") return null;
  const n = Number(input.value);
  return Number.isFinite(n) ? n : null;
}

/** A pair of number inputs "from ... to ..."; a condition only once one end is set. */
export function rangeControl(column: ColumnInfo, label = column.label): Control {
  const from = html`<input type="number" step="any" id=${nextId("from")} data-field=${column.field} data-end="from"
    placeholder=${column.min ?? ""} aria-label=${`${label}: from`}>` as HTMLInputElement;
  const to = html`<input type="number" step="any" data-field=${column.field} data-end="to"
    placeholder=${column.max ?? ""} aria-label=${`${label}: to`}>` as HTMLInputElement;
  const element = html`<div class="filter filter-range"><label for=${from.id}>${label}</label>
    <span class="filter-inputs">${from}<span aria-hidden="true">to</span>${to}</span></div>` as HTMLElement;
  return {
    element,
    condition: () => {
      const low = typed(from);
      const high = typed(to);
      if (low === null && high === null) return null;
      return { field: column.field, op: "between", value: [low ?? column.min ?? -1e300, high ?? column.max ?? 1e300] };
    },
  };
}

/** Checkboxes for the values of a categorical column (plus "missing" for features); all checked = no restriction. */
export function categoryControl(column: ColumnInfo, withMissing = !column.textValues): Control {
  const labels = column.categories ?? [];
  const values: (string | number | null)[] = labels.map((l, code) => (column.textValues ? l : code));
  if (withMissing) values.push(null);
  const boxes = values.map((value, i) => {
    const box =
      html`<input type="checkbox" checked data-field=${column.field} data-value=${value === null ? "" : String(value)}>` as HTMLInputElement;
    return {
      value,
      box,
      element: html`<label class="filter-option">${box}${value === null ? "Missing" : labels[i]}</label>`,
    };
  });
  const element =
    html`<fieldset class="filter filter-categories"><legend>${column.label}</legend>${boxes.map((b) => b.element)}</fieldset>` as HTMLElement;
  return {
    element,
    condition: () => {
      const chosen = boxes.filter((b) => b.box.checked).map((b) => b.value);
      return chosen.length === boxes.length ? null : { field: column.field, op: "in", value: chosen };
    },
  };
}

/** A text input: people whose id contains the typed text (case-insensitive). */
function idControl(column: ColumnInfo): Control {
  const input =
    html`<input type="search" id=${nextId("id")} data-field="id" placeholder="e.g. ecid-00012" autocomplete="off">` as HTMLInputElement;
  const element =
    html`<div class="filter filter-id"><label for=${input.id}>Id contains</label>${input}</div>` as HTMLElement;
  return {
    element,
    condition: () =>
      input.value.trim() === "" ? null : { field: column.field, op: "contains", value: [input.value.trim()] },
  };
}

function controlFor(column: ColumnInfo): Control | null {
  if (column.kind === "numeric") return rangeControl(column);
  if (column.kind === "categorical") return categoryControl(column);
  if (column.kind === "id") return idControl(column);
  return null;
}

/** Whether a column is a profile attribute (feature group "profile"). */
export function isProfile(column: ColumnInfo): boolean {
  return column.group?.toLowerCase() === "profile";
}

/** The filter panel over the given columns (from `segmentColumns`). */
export function filterPanel(columns: ColumnInfo[]): HTMLElement & { value: Segment } {
  const main = ["score", "percentile", "bucket", "id"];
  const mainControls = main
    .map((f) => columns.find((c) => c.field === f))
    .filter((c): c is ColumnInfo => !!c)
    .map(controlFor)
    .filter((c): c is Control => !!c);
  const profile = columns.filter((c) => !main.includes(c.field) && c.kind !== "factor" && isProfile(c));
  const features = columns.filter((c) => !main.includes(c.field) && c.kind !== "factor" && !isProfile(c));
  const profileControls = profile.map(controlFor).filter((c): c is Control => !!c);
  const featureControls = features.map(controlFor).filter((c): c is Control => !!c);
  const controls = [...mainControls, ...profileControls, ...featureControls];
  const reset = html`<button type="button">Clear filters</button>` as HTMLButtonElement;
  const form = html`<form class="filter-panel" data-testid="filters" onsubmit=${(e: Event) => e.preventDefault()}>
    <div class="filter-row">${mainControls.map((c) => c.element)}</div>
    ${profileControls.length ? html`<details><summary>Profile attributes (${profileControls.length})</summary><div class="filter-row">${profileControls.map((c) => c.element)}</div></details>` : ""}
    ${featureControls.length ? html`<details><summary>Features (${featureControls.length})</summary><div class="filter-row">${featureControls.map((c) => c.element)}</div></details>` : ""}
    <div>${reset}</div>
  </form>` as HTMLFormElement & { value: Segment };
  Object.defineProperty(form, "value", {
    get: (): Segment => ({
      match: "all",
      conditions: controls.map((c) => c.condition()).filter((c): c is Condition => c !== null),
    }),
  });
  reset.addEventListener("click", () => {
    form.reset();
    form.dispatchEvent(new Event("input", { bubbles: true }));
  });
  // Checkboxes fire "change"; make every change an "input" for Observable's view().
  form.addEventListener("change", (event) => {
    if ((event.target as HTMLInputElement).type === "checkbox")
      form.dispatchEvent(new Event("input", { bubbles: true }));
  });
  return form;
}
