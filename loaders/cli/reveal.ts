/**
 * `npm run reveal -- --scores RUN/<instance>/scores.parquet --in export.csv --out revealed.csv [--column id]`: maps
 * the pseudonymous ids of a site export back to person ids, with the key the site was built with in
 * `CUSTOMER_AI_ID_KEY` (see loaders/site/pseudonyms.ts). The output gains a `person_id` column (empty where the
 * pseudonym is not one of the run's people); an existing output file is never overwritten.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { ID_KEY_ENV } from "../config/privacy.js";
import { openDatabase } from "../db/duckdb.js";
import { idKey, pseudonymSql } from "../site/pseudonyms.js";
import { ident, str } from "../sql/quote.js";
import { UsageError, runCli } from "./run.js";

await runCli(async () => {
  const { values } = parseArgs({
    options: {
      scores: { type: "string" },
      in: { type: "string" },
      out: { type: "string" },
      column: { type: "string", default: "id" },
    },
  });
  for (const flag of ["scores", "in", "out"] as const)
    if (!values[flag]) throw new UsageError(`--${flag} is required (see the README, "Sharing the site safely")`);
  const key = idKey();
  if (!key) throw new UsageError(`set ${ID_KEY_ENV} to the key the site was built with`);
  for (const flag of ["scores", "in"] as const)
    if (!existsSync(values[flag]!)) throw new UsageError(`--${flag}: ${values[flag]} does not exist`);
  if (existsSync(values.out!))
    throw new UsageError(`--out: ${values.out} exists; choose a new file (nothing was overwritten)`);
  const db = await openDatabase();
  try {
    const columns = (
      await db.connection.runAndReadAll(`DESCRIBE SELECT * FROM read_csv(${str(values.in!)}, all_varchar = true)`)
    )
      .getRows()
      .map((r) => String(r[0]));
    if (!columns.includes(values.column))
      throw new UsageError(
        `--column: ${values.in} has no column "${values.column}"; its columns: ${columns.join(", ")}`,
      );
    await db.connection.run(`COPY (
      WITH people AS (SELECT id AS person_id, ${pseudonymSql("id", key)} AS pseudonym FROM read_parquet(${str(values.scores!)}))
      SELECT e.*, p.person_id FROM read_csv(${str(values.in!)}, all_varchar = true) e
      LEFT JOIN people p ON p.pseudonym = e.${ident(values.column)}
    ) TO ${str(values.out!)} (HEADER, DELIMITER ',')`);
    const matched = (
      await db.connection.runAndReadAll(
        `SELECT count(person_id), count(*) FROM read_csv(${str(values.out!)}, all_varchar = true)`,
      )
    ).getRows()[0]!;
    console.error(`wrote ${values.out}: ${matched[0]} of ${matched[1]} rows mapped back to a person id`);
  } finally {
    db.close();
  }
});
