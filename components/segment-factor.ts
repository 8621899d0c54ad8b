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

/** The editor of a factor condition; `counts` (when given) fills in how many people have each factor. */
export function factorValueEditor(
  column: ColumnInfo,
  condition: Condition,
  changed: (c: Condition) => void,
  options: { counts?: (scope: Segment, rank: number) => Promise<FactorCounts>; scope: () => Segment },
): HTMLElement {
  const labels = column.categories ?? [];
  let chosen = condition.value.map(Number).filter((c) => Number.isInteger(c) && c >= 0 && c < labels.length);
  let rank = factorRank(condition);
  let known: FactorCounts | null = null;
  const emit = () => changed({ field: column.field, op: "in", value: [...chosen], rank });
  const rankSelect =
    html`<select data-role="rank" id=${`factor-rank-${++uid}`}>${rankOptions(rank)}</select>` as HTMLSelectElement;
  const search =
    html`<input type="search" placeholder="Search factors, e.g. cart" autocomplete="off" aria-label="Search factors" data-role="factor-search" data-focus="value">` as HTMLInputElement;
  const chips = html`<div class="chips" data-testid="chosen-factors"></div>` as HTMLElement;
  const caption =
    html`<p class="muted segment-caption" data-testid="factor-caption" aria-live="polite"></p>` as HTMLElement;
  const list = html`<ul class="factor-options" data-testid="factor-options"></ul>` as HTMLElement;

  const toggle = (code: number, on: boolean) => {
    chosen = on ? [...chosen.filter((c) => c !== code), code] : chosen.filter((c) => c !== code);
    for (const box of list.querySelectorAll<HTMLInputElement>(`input[data-value="${code}"]`)) box.checked = on;
    drawChips();
    emit();
  };
  function drawChips(): void {
    chips.replaceChildren(
      ...chosen.map((code) => {
        const remove =
          html`<button type="button" class="chip-remove" aria-label=${`Remove ${labels[code]}`}>×</button>` as HTMLButtonElement;
        remove.addEventListener("click", () => {
          toggle(code, false);
          search.focus();
        });
        return html`<span class="chip chosen" data-testid="chosen-factor">${labels[code]} ${remove}</span>`;
      }),
    );
  }
  function drawList(): void {
    const codes = listed(labels, chosen, search.value, known);
    const focused = list.contains(document.activeElement)
      ? (document.activeElement as HTMLElement).dataset["value"]
      : undefined;
    list.replaceChildren(
      ...codes.map((code) => {
        const box =
          html`<input type="checkbox" checked=${chosen.includes(code)} data-value=${String(code)}>` as HTMLInputElement;
        box.addEventListener("change", () => toggle(code, box.checked));
        const n = known?.counts.get(code);
        return html`<li><label class="factor-option">${box}<span>${labels[code]}</span></label><span class="factor-count">${n === undefined ? "" : n === 0 ? "none" : peopleText(n, known?.estimated)}</span></li>`;
      }),
    );
    caption.textContent = captionText(
      search.value,
      codes.length,
      labels,
      known,
      rank,
      options.scope().conditions.length === 0,
    );
    if (focused !== undefined) list.querySelector<HTMLElement>(`input[data-value="${focused}"]`)?.focus();
  }

  let asked = "";
  let generation = 0;
  const refresh = () => {
    if (!options.counts) return drawList();
    const scope = options.scope();
    const key = JSON.stringify([scope, rank]);
    if (key === asked) return;
    asked = key;
    const mine = ++generation;
    options.counts(scope, rank).then(
      (result) => {
        if (mine !== generation) return;
        known = result;
        drawList();
      },
      () => {
        if (mine === generation) caption.textContent = "Could not count the factors.";
      },
    );
  };
  search.addEventListener("input", drawList);
  // Enter in the search box ticks the first factor found.
  search.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const first = list.querySelector<HTMLInputElement>("input[type=checkbox]:not(:checked)");
    if (first && search.value.trim() !== "") toggle(Number(first.dataset["value"]), true);
  });
  rankSelect.addEventListener("change", () => {
    rank = Number(rankSelect.value);
    emit();
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
  drawChips();
  drawList();
  refresh();
  return root;
}
