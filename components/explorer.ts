/**
 * The scores explorer: the queries behind the scores page (count, score histogram, a sorted page of people) and
 * the sortable, paged table. Every query takes the filter as a compiled `WHERE` clause with `?` parameters; sort
 * columns come from a fixed list, never from text.
 */
import { html } from "htl";
import * as Plot from "./plot.js";
import type { FeatureInfo, SampleInfo } from "../loaders/contract/schema.js";
import type { ScoreDatabase } from "./data.js";
import { formatCount, formatMoney, formatPercent, formatProbability, formatQuantity } from "./format.js";
import type { CompiledSql } from "./segment.js";
import { estimateCount, roundedCount, sampleWords } from "./sample.js";

/** Columns the table can sort by (the only identifiers ORDER BY accepts). */
export const SORTABLE = ["id", "probability", "score", "percentile", "bucket"] as const;
/** Customer value columns the table shows and sorts by when the scores carry them (scores.parquet's value columns). */
export const VALUE_SORTABLE = ["expected_value", "expected_spend", "p_alive"] as const;
/** A sortable column. */
export type SortColumn = (typeof SORTABLE)[number] | (typeof VALUE_SORTABLE)[number];
/** A sort order. */
export interface Sort {
  column: SortColumn;
  descending: boolean;
}

/** People per score (0-100) among those the filter keeps, with zeros filled in. */
export async function scoreHistogram(
  db: ScoreDatabase,
  filter: CompiledSql,
): Promise<{ score: number; people: number }[]> {
  const rows = await db.query<{ score: number; people: number }>(
    `SELECT score::INTEGER AS score, COUNT(*)::INTEGER AS people FROM scores WHERE ${filter.where} GROUP BY score`,
    filter.params,
  );
  const counts = new Array<number>(101).fill(0);
  for (const row of rows) counts[row.score] = row.people;
  return counts.map((people, score) => ({ score, people }));
}

/** The histogram of everyone, from the instance summary's people per score (what `scoreHistogram` gives unfiltered). */
export function everyone(scoreHistogram: number[]): { score: number; people: number }[] {
  return Array.from({ length: 101 }, (_, score) => ({ score, people: scoreHistogram[score] ?? 0 }));
}

/** The columns a table of people can sort by: the scores', and the value columns when the scores carry them. */
export function sortableColumns(withValue: boolean): SortColumn[] {
  return withValue ? [...SORTABLE, ...VALUE_SORTABLE] : [...SORTABLE];
}

/** The query of one page of people (exported for tests): sort columns only from the fixed lists. */
export function peoplePageSql(filter: CompiledSql, sort: Sort, withValue = false): string {
  if (!sortableColumns(withValue).includes(sort.column)) throw new Error(`Cannot sort by ${sort.column}`);
  const direction = sort.descending ? "DESC" : "ASC";
  const order = sort.column === "id" ? `id ${direction}` : `"${sort.column}" ${direction} NULLS LAST, id`;
  const value = withValue ? ", " + VALUE_SORTABLE.map((c) => `"${c}"::DOUBLE AS "${c}"`).join(", ") : "";
  return `SELECT id, probability, score::INTEGER AS score, percentile::INTEGER AS percentile, bucket, top1::INTEGER AS top1${value}
     FROM scores WHERE ${filter.where} ORDER BY ${order} LIMIT ? OFFSET ?`;
}

/** One page of the filtered people, sorted (ties broken by id so pages never overlap); with the value columns when asked. */
export async function peoplePage(
  db: ScoreDatabase,
  filter: CompiledSql,
  sort: Sort,
  page: number,
  pageSize: number,
  withValue = false,
): Promise<Record<string, unknown>[]> {
  return db.query(peoplePageSql(filter, sort, withValue), [...filter.params, pageSize, page * pageSize]);
}

/**
 * The score histogram of the filtered people over everyone's, in theme colours. The scale follows the filtered
 * people, so a small selection stays readable; everyone's bars are then cut off at the top (the subtitle says so).
 */
export function histogramChart(
  filtered: { score: number; people: number }[],
  everyone: number[],
  { width }: { width: number },
): HTMLElement | SVGSVGElement {
  const all = everyone.map((people, score) => ({ score, people }));
  const top = Math.max(1, ...filtered.map((d) => d.people));
  const clipped = Math.max(...everyone) > top;
  return Plot.plot({
    width,
    height: 220,
    marginLeft: 56,
    subtitle: clipped
      ? "Blue: the filtered people; grey: everyone (cut off at the top of this scale)"
      : "Blue: the filtered people; grey: everyone",
    x: { label: "Score", domain: [0, 101] },
    y: { label: "People", grid: true, tickFormat: "s", domain: [0, top * 1.05] },
    marks: [
      Plot.rectY(all, {
        x1: "score",
        x2: (d: { score: number }) => d.score + 1,
        y: "people",
        fill: "var(--theme-foreground-faintest)",
        insetLeft: 0.5,
        insetRight: 0.5,
        clip: true,
      }),
      Plot.rectY(filtered, {
        x1: "score",
        x2: (d: { score: number }) => d.score + 1,
        y: "people",
        fill: "var(--theme-foreground-focus)",
        insetLeft: 0.5,
        insetRight: 0.5,
        tip: true,
        title: (d: { score: number; people: number }) => `Score ${d.score}: ${formatCount(d.people)} people`,
      }),
      Plot.ruleY([0]),
    ],
  });
}

/** What the table needs. */
export interface TableOptions {
  db: ScoreDatabase;
  filter: CompiledSql;
  people: number;
  features: FeatureInfo[];
  pageSize?: number;
  /** Link to a person's page, relative to the current page. */
  personHref?: (id: string) => string;
  /** Customer value, when the scores carry it: its horizon and the currency of amounts. */
  value?: { horizonDays: number; currency?: string | null } | null;
  /** In sample mode: the table holds the people of the sample (the pager says so). */
  sampled?: boolean;
}

const HEADINGS: Record<SortColumn, string> = {
  id: "Id",
  probability: "Probability",
  score: "Score",
  percentile: "Percentile",
  bucket: "Bucket",
  expected_value: "Expected value",
  expected_spend: "Spend each time",
  p_alive: "Still a customer",
};

/** A column's heading, with the value's horizon on the expected value. */
function heading(column: SortColumn, value: TableOptions["value"]): string {
  return column === "expected_value" && value
    ? `Expected value, ${formatQuantity(value.horizonDays, "day")}`
    : HEADINGS[column];
}

/** A value column's cell: money, or the chance of still being a customer; "–" for people without a value. */
function valueCell(column: (typeof VALUE_SORTABLE)[number], x: unknown, currency: string | null | undefined): string {
  const n = x === null || x === undefined ? null : Number(x);
  return column === "p_alive" ? formatPercent(n, 0) : formatMoney(n, currency);
}

/** The sortable, paged table of filtered people (resolves once the first page is drawn); sorting and paging run new queries. */
export async function peopleTable(options: TableOptions): Promise<HTMLElement> {
  const { db, filter, people, features, pageSize = 25 } = options;
  const withValue = Boolean(options.value);
  const columns = sortableColumns(withValue);
  const personHref = options.personHref ?? ((id: string) => `./person?id=${encodeURIComponent(id)}`);
  let sort: Sort = { column: "probability", descending: true };
  let page = 0;
  const pages = Math.max(1, Math.ceil(people / pageSize));
  const root = html`<div class="people-table" data-testid="people-table"></div>` as HTMLElement;
  let generation = 0;

  async function render(): Promise<void> {
    const mine = ++generation;
    const rows = await peoplePage(db, filter, sort, page, pageSize, withValue);
    if (mine !== generation) return; // a newer request won
    const header = columns.map((column) => {
      const active = sort.column === column;
      const ariaSort = active ? (sort.descending ? "descending" : "ascending") : "none";
      const onclick = () => {
        sort = { column, descending: active ? !sort.descending : column !== "id" && column !== "bucket" };
        page = 0;
        update();
      };
      return html`<th aria-sort=${ariaSort} data-column=${column}><button type="button" class="sort" onclick=${onclick}>${heading(column, options.value)}${active ? (sort.descending ? " ↓" : " ↑") : ""}</button></th>`;
    });
    const body = rows.map(
      (row) => html`<tr>
      <td><a href=${personHref(String(row["id"]))} data-testid="person-id">${String(row["id"])}</a></td>
      <td>${formatProbability(row["probability"] as number)}</td>
      <td>${String(row["score"])}</td>
      <td>${String(row["percentile"])}</td>
      <td>${String(row["bucket"])}</td>
      ${withValue ? VALUE_SORTABLE.map((c) => html`<td data-column=${c}>${valueCell(c, row[c], options.value?.currency)}</td>`) : ""}
      <td>${row["top1"] == null ? "–" : (features[row["top1"] as number]?.label ?? String(row["top1"]))}</td>
    </tr>`,
    );
    const go = (to: number) => () => {
      page = Math.min(pages - 1, Math.max(0, to));
      update();
    };
    root.replaceChildren(html`<table>
      <thead><tr>${header}<th>Top factor</th></tr></thead>
      <tbody>${body}</tbody>
    </table>
    <nav class="pager" aria-label="Pages of people">
      <button type="button" onclick=${go(0)} disabled=${page === 0}>First</button>
      <button type="button" onclick=${go(page - 1)} disabled=${page === 0}>Previous</button>
      <span data-testid="page">Page ${formatCount(page + 1)} of ${formatCount(pages)} (${formatCount(people)} ${options.sampled ? "people of the sample" : "people"})</span>
      <button type="button" onclick=${go(page + 1)} disabled=${page >= pages - 1}>Next</button>
      <button type="button" onclick=${go(pages - 1)} disabled=${page >= pages - 1}>Last</button>
    </nav>`);
  }
  function update(): void {
    render().catch((error: unknown) =>
      root.replaceChildren(html`<p role="alert">Could not load the people: ${String(error)}</p>`),
    );
  }
  await render();
  return root;
}

/** "N of M people (x%)" for a filter's result. */
export function countText(people: number, total: number): string {
  return `${formatCount(people)} of ${formatCount(total)} people (${formatPercent(total ? people / total : 0)})`;
}

/** A score histogram of the sample scaled to everyone (people per score times M/m), for the chart over everyone's. */
export function scaledHistogram(
  histogram: { score: number; people: number }[],
  sample: Pick<SampleInfo, "people" | "total">,
): { score: number; people: number }[] {
  const factor = sample.total / Math.max(1, sample.people);
  return histogram.map((bin) => ({ score: bin.score, people: bin.people * factor }));
}

/**
 * The count of a filter's result in sample mode, in words: exact with no filter ("10,560,000 of 10,560,000 people"),
 * else the estimate for everyone with its 95% interval, `k` being the people of the sample the filter keeps.
 */
export function sampleCountText(k: number, filtered: boolean, sample: SampleInfo): string {
  if (!filtered) return countText(sample.total, sample.total);
  const count = estimateCount(k, sample);
  return `About ${roundedCount(count.estimate)} of ${formatCount(sample.total)} people (${formatPercent(count.estimate / sample.total)}), likely between ${roundedCount(count.low)} and ${roundedCount(count.high)}`;
}

/** What sample mode means, under the count: how the count is made and what stays exact. */
export function sampleNote(sample: SampleInfo): HTMLElement {
  return html`<p class="muted sample-note" data-testid="sample-note" data-rate=${String(sample.rate)} data-sample=${String(sample.people)} data-total=${String(sample.total)}>
    Counted on ${sampleWords(sample)} (${formatCount(sample.people)} people, picked by their id, the same at every build), so that filters answer at once:
    with a filter, the count is an estimate for everyone, and the range holds the true count 95 times in 100. Without a filter the figures are exact.
    The table lists the people of the sample.</p>` as HTMLElement;
}
