/**
 * The person page: an id lookup (also from the URL, `?id=`; case and surrounding spaces do not matter, and part of
 * an id offers the matching ones), then the person's probability, score, percentile and bucket, how each factor
 * moved their probability from the average person's (percentage points; log-odds kept for data scientists), and
 * their recent events with their dates, names and amounts. Every id, value and event is rendered as text.
 */
import { html } from "htl";
import type { FeatureInfo, InstanceSummary } from "../loaders/contract/schema.js";
import { type Calibrator, calibrateMargin } from "../loaders/contract/calibrator.js";
import { waterfall, type WaterfallFactor } from "./charts-person.js";
import type { PersonRows } from "./data.js";
import { effectInWords } from "./effects.js";
import {
  formatAmount,
  formatContribution,
  formatCount,
  formatDate,
  formatFeatureValue,
  formatNumber,
  formatProbability,
} from "./format.js";

/** A labelled id input with a button; `value` is the looked-up id (from `?id=` at first), kept in the URL. */
export function personLookup(initial: string): HTMLElement & { value: string } {
  const input =
    html`<input type="search" id="person-id" name="id" autocomplete="off" data-testid="person-lookup" placeholder="A person's id, or part of it">` as HTMLInputElement;
  input.value = initial;
  const form = html`<form class="filter-inputs" role="search">
    <label for="person-id">Person id</label> ${input} <button type="submit">Look up</button>
  </form>` as HTMLFormElement & { value: string };
  let value = initial.trim();
  Object.defineProperty(form, "value", { get: () => value });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    value = input.value.trim();
    const url = new URL(location.href);
    if (value) url.searchParams.set("id", value);
    else url.searchParams.delete("id");
    history.replaceState(history.state, "", url);
    form.dispatchEvent(new Event("input", { bubbles: true }));
  });
  return form;
}

/** The id in the page's URL (`?id=`), or "". */
export function idFromUrl(search: string = location.search): string {
  return new URLSearchParams(search).get("id") ?? "";
}

export { type Calibrator, calibrateMargin };

/** What a typed id finds among the scored people's ids. */
export interface IdMatches {
  /** The id that equals the query once case and surrounding spaces are ignored, or null. */
  exact: string | null;
  /** Ids that contain the query (ignoring case), at most `limit`, shortest first. */
  partial: string[];
  /** How many ids contain the query. */
  total: number;
}

/** Finds a typed id among `ids`, ignoring case and surrounding spaces; ids that contain it are offered. */
export function matchIds(ids: readonly string[], query: string, limit = 20): IdMatches {
  const wanted = query.trim().toLowerCase();
  if (wanted === "") return { exact: null, partial: [], total: 0 };
  let exact: string | null = null;
  const partial: string[] = [];
  for (const id of ids) {
    const lower = id.toLowerCase();
    if (lower === wanted) exact ??= id;
    else if (lower.includes(wanted)) partial.push(id);
  }
  partial.sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  return { exact, partial: partial.slice(0, limit), total: partial.length };
}

/** The person an id finds: its rows (exact id, else the same id in another case or with spaces), or partial matches. */
export async function findPerson(
  files: { lookup(id: string): Promise<PersonRows>; ids(): Promise<string[]> },
  query: string,
): Promise<{ id: string; person: PersonRows | null; matches: IdMatches | null }> {
  const id = query.trim();
  const person = await files.lookup(id);
  if (person.score) return { id, person, matches: null };
  const matches = matchIds(await files.ids(), id);
  if (matches.exact !== null) return { id: matches.exact, person: await files.lookup(matches.exact), matches };
  return { id, person: null, matches };
}

/** What the page shows when a typed id finds nobody: the ids that contain it, as links, or a note. */
export function suggestionsView(query: string, matches: IdMatches | null): HTMLElement {
  const link = (id: string) =>
    html`<li><a href=${`?id=${encodeURIComponent(id)}`} data-testid="person-suggestion">${id}</a></li>`;
  if (!matches || matches.total === 0) {
    return html`<p data-testid="person-not-found" role="status">No scored person has the id <code>${query}</code>, or an id that contains it.</p>` as HTMLElement;
  }
  const more = matches.total - matches.partial.length;
  return html`<div data-testid="person-not-found" role="status">
    <p>No scored person has the id <code>${query}</code>. ${formatCount(matches.total)} ${matches.total === 1 ? "id contains" : "ids contain"} it${more > 0 ? `; the ${formatCount(matches.partial.length)} shortest` : ""}:</p>
    <ul class="person-suggestions">${matches.partial.map(link)}</ul>
  </div>` as HTMLElement;
}

/** A contribution row as the page shows it. */
export interface Contribution {
  rank: number;
  /** Feature code; null for "all other factors". */
  feature: number | null;
  label: string;
  value: string | null;
  contribution: number;
}

/** The person's factors in display order (ranks 1..k, then rank 0 "all other factors") with labels. */
export function contributions(
  rows: Record<string, unknown>[],
  summary: Pick<InstanceSummary, "features">,
): Contribution[] {
  const ranked = rows.map((r) => ({
    rank: Number(r["rank"]),
    feature: r["feature"] == null ? null : Number(r["feature"]),
    value: r["value"] == null ? null : String(r["value"]),
    contribution: Number(r["contribution"]),
  }));
  ranked.sort((a, b) => (a.rank === 0 ? 1 : b.rank === 0 ? -1 : a.rank - b.rank));
  return ranked.map((r) => ({
    rank: r.rank,
    feature: r.rank === 0 ? null : r.feature,
    label:
      r.rank === 0 || r.feature === null
        ? "All other factors"
        : (summary.features[r.feature]?.label ?? `Feature ${r.feature}`),
    value: r.rank === 0 ? null : r.value,
    contribution: r.contribution,
  }));
}

/**
 * A factor value as the pipeline wrote it ("12515.55", "203 days", "35%", "gold") in the site's words: thousands
 * separators, amounts with their currency; words ("never", "gold") stay as they are.
 */
export function personValue(
  feature: FeatureInfo | undefined,
  text: string | null,
  currency: string | null = null,
): string {
  if (text === null) return "";
  if (!feature || feature.kind !== "numeric") return text;
  const match = /^(-?\d+(?:\.\d+)?)( days?|%)?$/.exec(text.trim());
  if (!match) return text;
  const x = Number(match[1]);
  return formatFeatureValue(feature, match[2] === "%" ? x / 100 : x, currency);
}

/** The features a person's "all other factors" groups: every feature not among their own top factors. */
export function otherFactors(factors: readonly Contribution[], features: readonly FeatureInfo[]): string[] {
  const own = new Set(factors.map((f) => f.feature).filter((f): f is number => f !== null));
  return features.flatMap((f, code) => (own.has(code) ? [] : [f.label]));
}

/** What the person view needs of the instance. */
export type PersonSummary = Pick<
  InstanceSummary,
  "features" | "base" | "outcomeText" | "window" | "type" | "scoreText" | "currency" | "eventLabels"
>;

/** What the page shows for one person found. */
export function personView(
  id: string,
  person: PersonRows,
  summary: PersonSummary,
  calibrator: Calibrator,
  width: number,
): HTMLElement {
  if (!person.score) return suggestionsView(id, null);
  const s = person.score;
  const factors = contributions(person.factors, summary);
  const margin = summary.base + factors.reduce((t, f) => t + f.contribution, 0);
  const probability = Number(s["probability"]);
  const calibrated = calibrateMargin(calibrator, margin);
  const currency = summary.currency ?? null;
  const shown = factors.map((f) => ({
    ...f,
    value: f.feature === null ? f.value : personValue(summary.features[f.feature], f.value, currency),
  }));
  const others = otherFactors(factors, summary.features);
  const steps: WaterfallFactor[] = shown.map((f) => ({
    label: f.rank === 0 ? `All other factors (${formatCount(others.length)})` : f.label,
    value: f.value,
    contribution: f.contribution,
  }));
  const toProbability = (m: number) => calibrateMargin(calibrator, m);
  return html`<div data-testid="person" data-id=${id}>
    <h2>Person <span data-testid="person-shown-id">${id}</span></h2>
    <div class="grid grid-cols-4">
      <div class="card"><h3>Probability</h3><span class="big" data-testid="person-probability" data-value=${String(probability)}>${formatProbability(probability)}</span></div>
      <div class="card"><h3>Score</h3><span class="big" data-testid="person-score">${String(s["score"])}</span></div>
      <div class="card"><h3>Percentile</h3><span class="big" data-testid="person-percentile">${String(s["percentile"])}</span></div>
      <div class="card"><h3>Bucket</h3><span class="big" data-testid="person-bucket">${String(s["bucket"])}</span></div>
    </div>
    <p class="muted" data-testid="score-terms">${summary.scoreText ?? summary.outcomeText}</p>
    <div class="card" data-testid="waterfall">${waterfall(steps, { base: summary.base, margin, probability, width: Math.max(320, width - 40), toProbability, type: summary.type })}</div>
    ${whyView(shown, others, { base: summary.base, toProbability, type: summary.type })}
    ${logOddsView(factors, summary.base, margin, calibrated, calibrator)}
    ${timelineView(person.timeline, summary.eventLabels ?? {}, currency)}
    <p class="muted" data-testid="person-bytes">Fetched ${formatNumber(person.bytesRead / 1024, 1)} KB of the per-person files so far.</p>
  </div>` as HTMLElement;
}

/**
 * The factors in words: what each did to this person's probability (percentage points, in the waterfall's order),
 * with "all other factors" opening onto the list of factors it groups.
 */
function whyView(
  factors: readonly Contribution[],
  others: readonly string[],
  { base, toProbability, type }: { base: number; toProbability: (m: number) => number; type: PersonSummary["type"] },
): Node {
  let running = base;
  const rows = factors.map((f) => {
    const change = toProbability(running + f.contribution) - toProbability(running);
    running += f.contribution;
    const effect = effectInWords(f.contribution, change, type);
    if (f.rank !== 0)
      return html`<tr><td>${f.label}</td><td>${f.value ?? ""}</td><td data-testid="factor-effect">${effect}</td></tr>`;
    return html`<tr><td colspan="3"><details data-testid="other-factors">
      <summary>All other factors (${formatCount(others.length)}), together: ${effect}</summary>
      <p class="muted">Each of these moved this person's probability less than the factors above:</p>
      <ul class="other-factors">${others.map((label) => html`<li>${label}</li>`)}</ul>
    </details></td></tr>`;
  });
  return html`<div class="card"><h3>Why this probability</h3>
    <table data-testid="factors"><thead><tr><th scope="col">Factor</th><th scope="col">This person</th><th scope="col">Effect</th></tr></thead>
    <tbody>${rows}</tbody></table>
  </div>`;
}

/** The contributions in log-odds, for data scientists: base + contributions = margin, which calibrates to the probability. */
function logOddsView(
  factors: readonly Contribution[],
  base: number,
  margin: number,
  calibrated: number,
  calibrator: Calibrator,
): Node {
  return html`<details class="card" data-testid="log-odds"><summary>For data scientists: the contributions in log-odds</summary>
    <table data-testid="contributions">
      <thead><tr><th scope="col">Step</th><th scope="col">Value</th><th scope="col">Contribution</th></tr></thead>
      <tbody>
        <tr><td>Average person (base value)</td><td></td><td data-testid="base-value" data-value=${String(base)}>${formatContribution(base)}</td></tr>
        ${factors.map(
          (f) => html`<tr><td>${f.label}</td><td>${f.value ?? ""}</td>
          <td data-testid="contribution" data-rank=${String(f.rank)} data-value=${String(f.contribution)}>${formatContribution(f.contribution)}</td></tr>`,
        )}
        <tr><th scope="row">This person (margin)</th><td></td><th data-testid="margin" data-value=${String(margin)}>${formatContribution(margin)}</th></tr>
        <tr><td>Calibrated probability of the margin</td><td></td><td data-testid="calibrated" data-value=${String(calibrated)}>${formatProbability(calibrated)}</td></tr>
      </tbody>
    </table>
    <p class="muted">The margin is the model's log-odds before calibration: the base value plus every contribution. The
    calibrator (${calibrator.kind === "platt" ? "Platt scaling" : "isotonic regression"}) turns it into the probability.</p>
  </details>`;
}

/** An event type for people: its name from the build ("purchase"), capitalised; unknown types as they are. */
export function eventName(type: unknown, labels: Readonly<Record<string, string>>): string {
  const raw = String(type ?? "");
  const label = Object.hasOwn(labels, raw) ? labels[raw]! : raw;
  return label.charAt(0).toUpperCase() + label.slice(1);
}

/** A day's events of one type, as the timeline shows them. */
export interface TimelineRow {
  day: number;
  event: string;
  count: number;
  /** Sum of the events' amounts, or null when none has one. */
  amount: number | null;
}

/** The events grouped by day (newest first) and type (in order of first appearance): "29 Oct 2026, Page view, 6". */
export function timelineRows(events: readonly Record<string, unknown>[]): TimelineRow[] {
  const rows = new Map<string, TimelineRow>();
  for (const e of [...events].sort((a, b) => time(b["time"]) - time(a["time"]))) {
    const day = time(e["time"]);
    const event = String(e["event"] ?? "");
    const key = `${day}\u0000${event}`;
    const row = rows.get(key) ?? rows.set(key, { day, event, count: 0, amount: null }).get(key)!;
    row.count++;
    if (e["amount"] != null) row.amount = (row.amount ?? 0) + Number(e["amount"]);
  }
  return [...rows.values()];
}

/** The person's recent events, newest first: the day (events are stored by day), the event's name and how many, the amount. */
function timelineView(
  events: Record<string, unknown>[],
  labels: Readonly<Record<string, string>>,
  currency: string | null,
): Node {
  const rows = timelineRows(events);
  return html`<div class="card"><h3>Recent events (${formatCount(events.length)})</h3>
    ${
      rows.length === 0
        ? html`<p class="muted">No recent events.</p>`
        : html`<table data-testid="timeline"><thead><tr><th scope="col">Day</th><th scope="col">Event</th><th scope="col" style="text-align: right">Times</th><th scope="col" style="text-align: right">Amount</th></tr></thead><tbody>
        ${rows.map(
          (r) => html`<tr><td>${formatDay(r.day)}</td><td title=${r.event}>${eventName(r.event, labels)}</td>
          <td style="text-align: right">${formatCount(r.count)}</td>
          <td style="text-align: right">${r.amount === null ? "" : formatAmount(r.amount, currency)}</td></tr>`,
        )}
      </tbody></table>`
    }
  </div>`;
}

function time(value: unknown): number {
  return value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(String(value));
}

/** A timeline day ("29 Oct 2026"): the file stores days, so no time of day is shown. */
function formatDay(value: unknown): string {
  const t = time(value);
  return Number.isFinite(t) ? formatDate(new Date(t)) : String(value ?? "");
}
