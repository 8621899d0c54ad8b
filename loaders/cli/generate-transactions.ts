/**
 * `npm run generate:transactions -- --customers N --seed S --out DIR [--start YYYY-MM-DD --end YYYY-MM-DD --gzip]`:
 * writes the transactions-only data set (`transactions.csv`, one row per purchase) and its truth (`truth.csv`).
 */
import { parseArgs } from "node:util";
import { generateTransactions } from "../demo/transactions.js";
import { parseCount, runCli } from "./run.js";

await runCli(async () => {
  const { values } = parseArgs({
    options: {
      customers: { type: "string", default: "8000" },
      seed: { type: "string", default: "1" },
      out: { type: "string", default: "data/transactions" },
      start: { type: "string", default: "2024-01-01" },
      end: { type: "string", default: "2025-12-31" },
      gzip: { type: "boolean", default: false },
    },
  });
  const customers = parseCount("--customers", values.customers);
  const seed = parseCount("--seed", values.seed);
  const s = generateTransactions({
    customers,
    seed,
    outDir: values.out,
    start: values.start,
    end: values.end,
    gzip: values.gzip,
  });
  console.error(
    `wrote ${s.file} (${s.transactions} transactions of ${s.customers} customers, ${s.start} to ${s.end}) and ` +
      `${s.truth} (cutoffs ${s.cutoffs.join(", ")}; windows ${s.windows.join(", ")} days)`,
  );
});
