/**
 * SQL of customer value (value.ts): an instance's goal days with their amount, and per person the
 * buy-till-you-die summary, spend and outcomes at a cutoff. A goal day is one transaction: several goal events on one
 * day count once, with their amounts summed. Only days with a positive amount are spend; summaries use days before
 * the cutoff day `c`, outcomes the period `[c, c + P)`, so nothing after a cutoff reaches its predictions. Sums are
 * exact (DECIMAL) until they become doubles at the end.
 */
import { ident, int } from "../sql/quote.js";

/** Creates `table(pk, day, amt)`: every goal day of an instance with the sum of its goal events' amounts (NULL when
 * none has one), ignoring the events of flag `exclusion`. Amounts are summed as DECIMAL(38, 6), exactly: a sum of
 * doubles depends on the order DuckDB's threads add them in, and the same data must give the same files (an amount
 * beyond 10^32 counts as none). */
export function valueDaysSql(table: string, goal: string, exclusion: string | null): string {
  return `CREATE OR REPLACE TABLE ${ident(table)} AS
    SELECT pk, day, sum(TRY_CAST(amount AS DECIMAL(38, 6))) AS amt FROM events
    WHERE ${ident(goal)}${exclusion ? ` AND NOT ${ident(exclusion)}` : ""} GROUP BY pk, day`;
}

/** Goal days before `day`, and those with a positive amount: `days, priced`. */
export function valueDayCountsSql(table: string, day: number): string {
  return `SELECT count(*)::DOUBLE AS days, count(*) FILTER (amt > 0)::DOUBLE AS priced
    FROM ${ident(table)} WHERE day < ${int(day)}`;
}

/**
 * Per person with a goal day before the cutoff day `cutoff`, ordered by `pidx`: `pidx`, goal days, first and last
 * goal day before the cutoff, repeat days (after the first) with a positive amount and their total, and the total of
 * every positive day before the cutoff; with a `period` P > 0 also the goal days and spend in `[cutoff, cutoff + P)`
 * and the spend in `[cutoff - P, cutoff)`.
 */
export function valueSummarySql(table: string, cutoff: number, period: number): string {
  const c = int(cutoff);
  const outcomes =
    period > 0
      ? `,
      count(*) FILTER (day >= ${c})::DOUBLE AS future_days,
      coalesce(sum(amt) FILTER (day >= ${c} AND amt > 0), 0)::DOUBLE AS future_spend,
      coalesce(sum(amt) FILTER (day >= ${int(cutoff - period)} AND day < ${c} AND amt > 0), 0)::DOUBLE
        AS last_period_spend`
      : "";
  return `WITH h AS (
      SELECT pk, day, amt, min(day) OVER (PARTITION BY pk) AS first_day
      FROM ${ident(table)} WHERE day < ${int(cutoff + period)}
    )
    SELECT p.pidx::DOUBLE AS pidx,
      count(*) FILTER (day < ${c})::DOUBLE AS days,
      min(first_day)::DOUBLE AS first,
      max(day) FILTER (day < ${c})::DOUBLE AS last,
      count(*) FILTER (day < ${c} AND day > first_day AND amt > 0)::DOUBLE AS spend_days,
      coalesce(sum(amt) FILTER (day < ${c} AND day > first_day AND amt > 0), 0)::DOUBLE AS spend_sum,
      coalesce(sum(amt) FILTER (day < ${c} AND amt > 0), 0)::DOUBLE AS lifetime_spend${outcomes}
    FROM h JOIN people p USING (pk)
    GROUP BY p.pidx HAVING min(first_day) < ${c}
    ORDER BY p.pidx`;
}
