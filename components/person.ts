/**
 * The person page: an id lookup (also from the URL, `?id=`), then the person's probability, score, percentile and
 * bucket, the waterfall of factor contributions from the base value to their margin, and their recent events.
 * Every id, value and event is rendered as text.
 */
import { html } from "htl";
import type { InstanceSummary } from "../loaders/pipeline/schema.js";
import { type Calibrator, calibrateMargin } from "./calibrate.js";
import { waterfall, type WaterfallFactor } from "./charts-person.js";
import type { PersonRows } from "./data.js";
import { formatContribution, formatCount, formatDate, formatNumber, formatProbability } from "./format.js";

/** A labelled id input with a button; `value` is the looked-up id (from `?id=` at first), kept in the URL. */
export function personLookup(initial: string): HTMLElement & { value: string } {
  const input = html`<input type="search" id="person-id" name="id" autocomplete="off" data-testid="person-lookup" placeholder="A person's id">` as HTMLInputElement;
  input.value = initial;
  const form = html`<form class="filter-inputs" role="search">
    <label for="person-id">Person id</label> ${input} <button type="submit">Look up</button>
  </form>` as HTMLFormElement & { value: string };
  let value = initial;
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

/** A contribution row as the page shows it. */
export interface Contribution {
  rank: number;
  label: string;
  value: string | null;
  contribution: number;
}

/** The person's factors in display order (ranks 1..k, then rank 0 "all other factors") with labels. */
export function contributions(rows: Record<string, unknown>[], summary: Pick<InstanceSummary, "features">): Contribution[] {
  const ranked = rows.map((r) => ({
    rank: Number(r["rank"]),
    feature: r["feature"] == null ? null : Number(r["feature"]),
    value: r["value"] == null ? null : String(r["value"]),
    contribution: Number(r["contribution"]),
  }));
  ranked.sort((a, b) => (a.rank === 0 ? 1 : b.rank === 0 ? -1 : a.rank - b.rank));
  return ranked.map((r) => ({
    rank: r.rank,
    label: r.rank === 0 || r.feature === null ? "All other factors" : (summary.features[r.feature]?.label ?? `Feature ${r.feature}`),
    value: r.rank === 0 ? null : r.value,
    contribution: r.contribution,
  }));
}

/** What the page shows for one looked-up id. */
export function personView(id: string, person: PersonRows, summary: Pick<InstanceSummary, "features" | "base" | "outcomeText" | "window">, calibrator: Calibrator, width: number): HTMLElement {
  if (!person.score) {
    return html`<p data-testid="person-not-found" role="status">No scored person has the id <code>${id}</code>.</p>` as HTMLElement;
  }
  const s = person.score;
  const factors = contributions(person.factors, summary);
  const margin = summary.base + factors.reduce((t, f) => t + f.contribution, 0);
  const probability = Number(s["probability"]);
  const calibrated = calibrateMargin(calibrator, margin);
  const steps: WaterfallFactor[] = factors.map((f) => ({ label: f.label, value: f.value, contribution: f.contribution }));
  return html`<div data-testid="person" data-id=${id}>
    <h2>Person <span data-testid="person-shown-id">${id}</span></h2>
    <div class="grid grid-cols-4">
      <div class="card"><h2>Probability</h2><span class="big" data-testid="person-probability" data-value=${String(probability)}>${formatProbability(probability)}</span></div>
      <div class="card"><h2>Score</h2><span class="big" data-testid="person-score">${String(s["score"])}</span></div>
      <div class="card"><h2>Percentile</h2><span class="big" data-testid="person-percentile">${String(s["percentile"])}</span></div>
      <div class="card"><h2>Bucket</h2><span class="big" data-testid="person-bucket">${String(s["bucket"])}</span></div>
    </div>
    <p class="muted">${summary.outcomeText.replace(/\.?$/, ".")}</p>
    <div class="card">${waterfall(steps, { base: summary.base, margin, probability, width: Math.max(320, width - 40) })}</div>
    <div class="card"><h3>Contributions (log-odds)</h3>
      <table data-testid="contributions">
        <thead><tr><th>Step</th><th>Value</th><th>Contribution</th></tr></thead>
        <tbody>
          <tr><td>Average person (base value)</td><td></td><td data-testid="base-value" data-value=${String(summary.base)}>${formatContribution(summary.base)}</td></tr>
          ${factors.map((f) => html`<tr><td>${f.label}</td><td>${f.value ?? ""}</td>
            <td data-testid="contribution" data-rank=${String(f.rank)} data-value=${String(f.contribution)}>${formatContribution(f.contribution)}</td></tr>`)}
          <tr><th>This person (margin)</th><td></td><th data-testid="margin" data-value=${String(margin)}>${formatContribution(margin)}</th></tr>
          <tr><td>Calibrated probability of the margin</td><td></td><td data-testid="calibrated" data-value=${String(calibrated)}>${formatProbability(calibrated)}</td></tr>
        </tbody>
      </table>
      <p class="muted">The margin is the model's log-odds before calibration: the base value plus every contribution. The
      calibrator (${calibrator.kind === "platt" ? "Platt scaling" : "isotonic regression"}) turns it into the probability.</p>
    </div>
    ${timelineView(person.timeline)}
    <p class="muted" data-testid="person-bytes">Fetched ${formatNumber(person.bytesRead / 1024, 1)} KB of the per-person files so far.</p>
  </div>` as HTMLElement;
}

/** The person's recent events, newest first. */
function timelineView(events: Record<string, unknown>[]): Node {
  const rows = [...events].sort((a, b) => time(b["time"]) - time(a["time"]));
  return html`<div class="card"><h3>Recent events (${formatCount(rows.length)})</h3>
    ${rows.length === 0
      ? html`<p class="muted">No recent events.</p>`
      : html`<table data-testid="timeline"><thead><tr><th>When</th><th>Event</th><th>Amount</th></tr></thead><tbody>
        ${rows.map((e) => html`<tr><td>${formatWhen(e["time"])}</td><td>${String(e["event"] ?? "")}</td><td>${e["amount"] == null ? "" : formatNumber(Number(e["amount"]))}</td></tr>`)}
      </tbody></table>`}
  </div>`;
}

function time(value: unknown): number {
  return value instanceof Date ? value.getTime() : typeof value === "number" ? value : Date.parse(String(value));
}

function formatWhen(value: unknown): string {
  const t = time(value);
  if (!Number.isFinite(t)) return String(value ?? "");
  return `${formatDate(new Date(t))} ${new Date(t).toISOString().slice(11, 16)}`;
}
