/**
 * SQL of the person-level features of one cutoff: monetary sums/means/maxima over windows, channel and device
 * shares, email engagement rates, purchase regularity, tenure and profile attributes. Translates the feature
 * sources of the catalogue (`features/catalogue.ts`) into aggregates over the lookback and output columns.
 */
import type { PersonFeature } from "./catalogue.js";
import { aggRef, categoryCode } from "./sql.js";
import { attributeRef } from "../ingest/profiles-sql.js";
import { int } from "../sql/quote.js";

/** The cutoff day of an example in the person-level query. */
const CDAY = "rr.cday";

/** Aggregates (over events `e` joined to examples `rr`) and output columns for the person-level features. */
export function personSqlParts(features: readonly PersonFeature[], lookback: number) {
  const aggregates = new Map<string, string>();
  const agg = (name: string, sql: string) => {
    aggregates.set(name, sql);
    return aggRef(name);
  };
  const inWindow = (w: number) => (w >= lookback ? "TRUE" : `e.day >= ${CDAY} - ${int(w)}`);
  const last = `(${CDAY} - 1)`;
  const columns = features.map(({ def, source: s }) => {
    let sql: string;
    switch (s.kind) {
      case "amount": {
        const when = inWindow(s.window);
        const sum = () => agg(`amt_sum_${s.window}`, `sum(CASE WHEN ${when} THEN e.amount END)`);
        if (s.stat === "sum") sql = `COALESCE(${sum()}, 0)`;
        else if (s.stat === "max") sql = agg(`amt_max_${s.window}`, `max(CASE WHEN ${when} THEN e.amount END)`);
        else {
          const total = sum();
          sql = `${total} / NULLIF(${agg(`amt_n_${s.window}`, `count(CASE WHEN ${when} THEN e.amount END)`)}, 0)`;
        }
        break;
      }
      case "share": {
        const total = agg(`${s.dimension}_n`, `count(e.${s.dimension})`);
        const match = `e.${s.dimension} = ${int(s.code)}`;
        const part = agg(`${s.dimension}_${s.code}`, `sum(CASE WHEN ${match} THEN 1 ELSE 0 END)`);
        sql = `${part} / NULLIF(${total}, 0)`;
        break;
      }
      case "email": {
        const count = (what: string, code: number) => {
          const when = `e.type = ${int(code)} AND ${inWindow(s.window)}`;
          return agg(`email_${what}_${s.window}`, `sum(CASE WHEN ${when} THEN 1 ELSE 0 END)`);
        };
        const sent = count("sent", s.sent);
        const opened = count("opened", s.opened);
        const clicked = count("clicked", s.clicked);
        const [part, whole] =
          s.rate === "open" ? [opened, sent] : s.rate === "click" ? [clicked, sent] : [clicked, opened];
        sql = `${part} / NULLIF(${whole}, 0)`;
        break;
      }
      case "tenure":
        sql = `${last} - f.first_day`;
        break;
      case "attribute": {
        const ref = attributeRef(s.index);
        if (s.storage === "number" || s.storage === "boolean") sql = `CAST(${ref} AS DOUBLE)`;
        else if (s.storage === "date") {
          const day = `(${ref} - DATE '1970-01-01')`;
          sql = `CASE WHEN ${day} < ${CDAY} THEN ${last} - ${day} END`;
        } else sql = categoryCode(ref, s.categories ?? []);
        break;
      }
    }
    return { name: def.name, sql };
  });
  return { aggregates: [...aggregates.entries()].map(([name, sql]) => ({ name, sql })), columns };
}
