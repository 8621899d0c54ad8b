/**
 * The value part of an influential-factor condition: whether the chosen factors must be the person's top factor or
 * among their top k, the chosen factors as chips, a search over every feature and the most common top factors of
 * the segment with how many people have each. Nothing is chosen for people, and choosing never redraws the list
 * under the pointer or the keyboard focus.
 */
import { html } from "htl";
import { formatCount } from "./format.js";
import { roundedCount } from "./sample.js";
import { factorRank, MAX_FACTOR_RANK, type ColumnInfo, type Condition, type Segment } from "./segment.js";

/** How many of the people in scope have each feature (by code) among their top factors; `total`: the people in scope. */
export interface FactorCounts {
  counts: Map<number, number>;
  total: number;
  /** True when the counts are estimates for everyone from the site's sample (sample mode): said "about". */
  estimated?: boolean;
}

let uid = 0;

/** How many factors the list shows when nothing is searched. */
const COMMON = 10;
/** The most factors a search lists. */
const FOUND = 40;

/** "1,234 people", "1 person"; an estimate "about 1.2 million people". */
export function peopleText(n: number, estimated = false): string {
  if (estimated) return `about ${roundedCount(n)} people`;
  return `${formatCount(n)} ${n === 1 ? "person" : "people"}`;
}

/** What the rank select offers: "is their top factor", "is among their top 2 factors", ... */
function rankOptions(rank: number): HTMLElement[] {
  return Array.from({ length: MAX_FACTOR_RANK }, (_, i) => i + 1).map(
    (k) =>
      html`<option value=${String(k)} selected=${k === rank}>${k === 1 ? "is their top factor" : `is among their top ${k} factors`}</option>` as HTMLElement,
  );
}

/** The options to list: the most common (or the search's matches), by count then label. */
function listed(labels: string[], chosen: number[], query: string, known: FactorCounts | null): number[] {
  const q = query.trim().toLowerCase();
  const count = (code: number) => known?.counts.get(code) ?? 0;
  let codes = labels.map((_, code) => code);
  if (q) codes = codes.filter((code) => labels[code]!.toLowerCase().includes(q));
  codes.sort((a, b) => count(b) - count(a) || labels[a]!.localeCompare(labels[b]!));
  if (q) return codes.slice(0, FOUND);
  const common = known ? codes.filter((code) => count(code) > 0).slice(0, COMMON) : [];
  return [...chosen.filter((code) => !common.includes(code)), ...common];
}

/** The caption over the list. */
function captionText(
  query: string,
  shown: number,
  labels: string[],
  known: FactorCounts | null,
  rank: number,
  everyone: boolean,
): string {
  const q = query.trim();
  if (q) {
    const matching = labels.filter((l) => l.toLowerCase().includes(q.toLowerCase())).length;
    return matching === 0
      ? `No factor matches "${q}".`
      : `${formatCount(Math.min(shown, matching))} of ${formatCount(matching)} factors matching "${q}":`;
  }
  if (!known) return "Counting the most common top factors…";
  const who = everyone
    ? `everyone scored (${peopleText(known.total, known.estimated)})`
    : `the ${peopleText(known.total, known.estimated)} the other conditions select`;
  const has = rank === 1 ? "as their top factor" : `among their top ${rank} factors`;
  return known.total === 0
    ? "No one is left by the other conditions."
    : `Most common ${has} among ${who}; type to find any other factor.`;
}

/** What the parts of one factor editor share: the factors, what is chosen, the counts, its elements. */
interface FactorEditorState {
  /** The factors' labels, by feature code. */
  labels: string[];
  chosen: number[];
  rank: number;
  /** The counts of the people in scope, once known. */
  known: FactorCounts | null;
  search: HTMLInputElement;
  chips: HTMLElement;
  caption: HTMLElement;
  list: HTMLElement;
  /** The people the counts are over. */
  scope: () => Segment;
  /** Tells the condition row that the condition changed. */
  emit: () => void;
}

/** The editor of a factor condition; `counts` (when given) fills in how many people have each factor. */
export function factorValueEditor(
  column: ColumnInfo,
  condition: Condition,
  changed: (c: Condition) => void,
  options: { counts?: (scope: Segment, rank: number) => Promise<FactorCounts>; scope: () => Segment },
): HTMLElement {
  const labels = column.categories ?? [];
  const rank = factorRank(condition);
  const rankSelect =
    html`<select data-role="rank" id=${`factor-rank-${++uid}`}>${rankOptions(rank)}</select>` as HTMLSelectElement;
  const state: FactorEditorState = {
    labels,
    chosen: condition.value.map(Number).filter((c) => Number.isInteger(c) && c >= 0 && c < labels.length),
    rank,
    known: null,
    search:
      html`<input type="search" placeholder="Search factors, e.g. cart" autocomplete="off" aria-label="Search factors" data-role="factor-search" data-focus="value">` as HTMLInputElement,
    chips: html`<div class="chips" data-testid="chosen-factors"></div>` as HTMLElement,
    caption: html`<p class="muted segment-caption" data-testid="factor-caption" aria-live="polite"></p>` as HTMLElement,
    list: html`<ul class="factor-options" data-testid="factor-options"></ul>` as HTMLElement,
    scope: options.scope,
    emit: () => changed({ field: column.field, op: "in", value: [...state.chosen], rank: state.rank }),
  };
  const { search, chips, caption, list } = state;
  const refresh = countRefresher(state, options.counts);
  search.addEventListener("input", () => drawFactorList(state));
  // Enter in the search box ticks the first factor found.
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const first = list.querySelector<HTMLInputElement>("input[type=checkbox]:not(:checked)");
    if (first && search.value.trim() !== "") toggleFactor(state, Number(first.dataset["value"]), true);
  });
  rankSelect.addEventListener("change", () => {
    state.rank = Number(rankSelect.value);
    state.emit();
    refresh();
  });
  const root = html`<fieldset class="segment-values segment-factor" data-refresh="">
    <legend class="visually-hidden">Influential factor</legend>
    <div class="filter-inputs"><label for=${rankSelect.id}>People whose chosen factor</label> ${rankSelect}</div>
    <p class="muted segment-caption">A person's top factors are what moves their score most, up or down.</p>
    ${chips}
    ${search}
    ${caption}
    ${list}
  </fieldset>` as HTMLElement & { refresh?: () => void };
  root.refresh = refresh;
  drawChosen(state);
  drawFactorList(state);
  refresh();
  return root;
}

/** Chooses factor `code` or lets it go: its boxes, the chips, and the condition. */
function toggleFactor(state: FactorEditorState, code: number, on: boolean): void {
  state.chosen = on ? [...state.chosen.filter((c) => c !== code), code] : state.chosen.filter((c) => c !== code);
  for (const box of state.list.querySelectorAll<HTMLInputElement>(`input[data-value="${code}"]`)) box.checked = on;
  drawChosen(state);
  state.emit();
}

/** The chosen factors as chips, each with a button that lets it go. */
function drawChosen(state: FactorEditorState): void {
  const { labels, search } = state;
  state.chips.replaceChildren(
    ...state.chosen.map((code) => {
      const remove =
        html`<button type="button" class="chip-remove" aria-label=${`Remove ${labels[code]}`}>×</button>` as HTMLButtonElement;
      remove.addEventListener("click", () => {
        toggleFactor(state, code, false);
        search.focus();
      });
      return html`<span class="chip chosen" data-testid="chosen-factor">${labels[code]} ${remove}</span>`;
    }),
  );
}

/** The list of factors to choose from, with their counts, and the caption over it; the focus stays on its factor. */
function drawFactorList(state: FactorEditorState): void {
  const { labels, chosen, known, search, list } = state;
  const codes = listed(labels, chosen, search.value, known);
  const focused = list.contains(document.activeElement)
    ? (document.activeElement as HTMLElement).dataset["value"]
    : undefined;
  list.replaceChildren(
    ...codes.map((code) => {
      const box =
        html`<input type="checkbox" checked=${chosen.includes(code)} data-value=${String(code)}>` as HTMLInputElement;
      box.addEventListener("change", () => toggleFactor(state, code, box.checked));
      const n = known?.counts.get(code);
      return html`<li><label class="factor-option">${box}<span>${labels[code]}</span></label><span class="factor-count">${n === undefined ? "" : n === 0 ? "none" : peopleText(n, known?.estimated)}</span></li>`;
    }),
  );
  state.caption.textContent = captionText(
    search.value,
    codes.length,
    labels,
    known,
    state.rank,
    state.scope().conditions.length === 0,
  );
  if (focused !== undefined) list.querySelector<HTMLElement>(`input[data-value="${focused}"]`)?.focus();
}

/**
 * What recounts the factors when the scope or the rank has changed (the latest question wins), then redraws the
 * list; without `counts`, it only redraws the list.
 */
function countRefresher(
  state: FactorEditorState,
  counts: ((scope: Segment, rank: number) => Promise<FactorCounts>) | undefined,
): () => void {
  let asked = "";
  let generation = 0;
  return () => {
    if (!counts) return drawFactorList(state);
    const scope = state.scope();
    const key = JSON.stringify([scope, state.rank]);
    if (key === asked) return;
    asked = key;
    const mine = ++generation;
    counts(scope, state.rank).then(
      (result) => {
        if (mine !== generation) return;
        state.known = result;
        drawFactorList(state);
      },
      () => {
        if (mine === generation) state.caption.textContent = "Could not count the factors.";
      },
    );
  };
}
