/**
 * The demo data generator: people with latent traits, their XDM-style events, profiles and the true goal
 * probabilities, written as Parquet. Deterministic: the same number of profiles and seed give byte-identical files.
 *
 * People are simulated in chunks and streamed as compact tab-separated rows to temporary files; DuckDB then
 * expands the codes into XDM-named columns and writes Parquet, so memory stays bounded at any size.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { openDatabase } from "../db/duckdb.js";
import { str as quote } from "../sql/quote.js";
import { AGE_BANDS, COUNTRIES, DAY_MS, DEMO_DAYS, DEMO_START, TIERS, buildSeason, drawPerson } from "./process.js";
import { Random, mixSeed } from "./random.js";
import { CHANNELS, DEVICES, EVENT_TYPES, KEYWORDS, PAGES, simulatePerson } from "./simulate.js";
import { TRUTH_GOALS, TRUTH_HORIZON, TRUTH_OFFSETS, truthOf } from "./truth.js";

/** Options of `generateDemo`. */
export interface GenerateOptions {
  /** Number of people. */
  profiles: number;
  /** Random seed (any 32-bit integer). */
  seed: number;
  /** Output folder; created if missing. */
  outDir: string;
  /** Called with progress messages for long runs. */
  onProgress?: (message: string) => void;
}

/** What was generated. */
export interface GenerateSummary {
  /** People with a profile (everyone generated). */
  people: number;
  /** People with at least one event (customers from before the data may have none in it). */
  peopleWithEvents: number;
  events: number;
  /** The as-of date of `truth.parquet`: the last day of the data (YYYY-MM-DD). */
  asOf: string;
  /** First day of the data (YYYY-MM-DD). */
  start: string;
}

/** The last day of the demo data, which is the as-of date of the truth file. */
export const DEMO_AS_OF = new Date(DEMO_START + (DEMO_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
const DEMO_START_DATE = new Date(DEMO_START).toISOString().slice(0, 10);
const CHUNK = 5000;

/** Buffers lines and writes them to a file descriptor in large blocks. */
class LineWriter {
  private lines: string[] = [];
  private size = 0;
  constructor(private readonly fd: number) {}
  push(line: string): void {
    this.lines.push(line);
    this.size += line.length;
    if (this.size > 4_000_000) this.flush();
  }
  flush(): void {
    if (this.lines.length === 0) return;
    writeSync(this.fd, this.lines.join("\n") + "\n");
    this.lines = [];
    this.size = 0;
  }
}

/** Generates the demo data set into `outDir` (events.parquet, profiles.parquet, truth.parquet). */
export async function generateDemo(options: GenerateOptions): Promise<GenerateSummary> {
  const { profiles, seed, onProgress } = options;
  if (!Number.isInteger(profiles) || profiles < 1 || profiles > 9_999_999) {
    throw new RangeError(`profiles must be an integer from 1 to 9,999,999, got ${profiles}`);
  }
  const outDir = resolve(options.outDir);
  const work = join(outDir, `.generate-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const files = {
    events: join(work, "events.tsv"),
    profiles: join(work, "profiles.tsv"),
    truth: join(work, "truth.tsv"),
  };
  const fds = {
    events: openSync(files.events, "w"),
    profiles: openSync(files.profiles, "w"),
    truth: openSync(files.truth, "w"),
  };
  const out = {
    events: new LineWriter(fds.events),
    profiles: new LineWriter(fds.profiles),
    truth: new LineWriter(fds.truth),
  };
  const season = buildSeason(DEMO_DAYS + TRUTH_HORIZON);
  const started = Date.now();
  let events = 0;
  let peopleWithEvents = 0;
  try {
    // Simulate people chunk by chunk, each from its own random stream.
    for (let i = 0; i < profiles; i++) {
      const rng = new Random(mixSeed(seed, i));
      const person = drawPerson(i, rng);
      const count = simulatePerson(person, rng, season, out.events);
      events += count;
      if (count > 0) peopleWithEvents++;
      out.profiles.push(profileRow(person, rng));
      for (const offset of TRUTH_OFFSETS) {
        out.truth.push(
          `${i}\t${offset}\t${truthOf(person, season, offset)
            .map((x) => x.toPrecision(17))
            .join("\t")}`,
        );
      }
      if ((i + 1) % CHUNK === 0 || i + 1 === profiles) {
        for (const w of Object.values(out)) w.flush();
        if (profiles >= 50_000 && ((i + 1) % 50_000 === 0 || i + 1 === profiles)) {
          onProgress?.(`simulated ${i + 1} of ${profiles} people, ${events} events (${elapsed(started)})`);
        }
      }
    }
  } finally {
    for (const fd of Object.values(fds)) closeSync(fd);
  }
  // Expand codes into XDM-named columns and write Parquet.
  onProgress?.(`writing Parquet (${elapsed(started)})`);
  const db = await openDatabase({ memoryLimit: "4GB", tempDirectory: join(work, "spill") });
  try {
    for (const [name, sql] of Object.entries(parquetQueries(files))) {
      const tmp = join(work, `${name}.parquet`);
      await db.connection.run(
        `COPY (${sql}) TO ${quote(tmp)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`,
      );
      renameSync(tmp, join(outDir, `${name}.parquet`));
    }
  } finally {
    db.close();
    rmSync(work, { recursive: true, force: true });
  }
  onProgress?.(`done: ${profiles} people, ${events} events (${elapsed(started)})`);
  return { people: profiles, peopleWithEvents, events, asOf: DEMO_AS_OF, start: DEMO_START_DATE };
}

/** A profile row: person, country, tier, age band, signup day, preferred channel, email opt-in (empty = NULL). */
function profileRow(p: ReturnType<typeof drawPerson>, rng: Random): string {
  const country = rng.bernoulli(0.04) ? "" : String(p.country);
  const age = rng.bernoulli(0.12) ? "" : String(p.ageBand);
  const preferred = p.optIn && p.responsiveness > 0.3 ? "email" : p.appShare > 0.5 ? "app" : "web";
  return `${p.index}\t${country}\t${p.tier}\t${age}\t${p.acquired}\t${preferred}\t${p.optIn}`;
}

/** A SQL list literal used to decode an integer code: `list[code + 1]`. */
function decode(vocabulary: readonly string[], column: string): string {
  return `[${vocabulary.map(quote).join(", ")}][${column} + 1]`;
}

const PERSON_ID = (column: string) => `'ecid-' || lpad(${column}::VARCHAR, 7, '0')`;

/** The DuckDB queries that turn the temporary code files into the three Parquet files. */
function parquetQueries(files: { events: string; profiles: string; truth: string }): Record<string, string> {
  const read = (file: string, columns: Record<string, string>) =>
    `read_csv(${quote(file)}, delim='\t', header=false, quote='', escape='', auto_detect=false, nullstr='', ` +
    `columns={${Object.entries(columns)
      .map(([k, v]) => `${quote(k)}: ${quote(v)}`)
      .join(", ")}})`;
  const events = read(files.events, {
    person: "INTEGER",
    seq: "INTEGER",
    ms: "BIGINT",
    type: "UTINYINT",
    page: "UTINYINT",
    price: "DOUBLE",
    sku: "INTEGER",
    qty: "INTEGER",
    channel: "UTINYINT",
    device: "UTINYINT",
    campaign: "INTEGER",
    keyword: "UTINYINT",
    orderNo: "INTEGER",
  });
  const campaignDate = `(DATE ${quote(DEMO_START_DATE)} + campaign)`;
  const profiles = read(files.profiles, {
    person: "INTEGER",
    country: "UTINYINT",
    tier: "UTINYINT",
    age: "UTINYINT",
    signup: "INTEGER",
    preferred: "VARCHAR",
    optIn: "BOOLEAN",
  });
  const truthColumns: Record<string, string> = { person: "INTEGER", offset: "INTEGER" };
  for (const g of TRUTH_GOALS) truthColumns[g.column] = "DOUBLE";
  return {
    events: `SELECT
      'ev-' || lpad(person::VARCHAR, 7, '0') || '-' || lpad(seq::VARCHAR, 5, '0') AS "_id",
      epoch_ms(ms) AS "timestamp",
      ${decode(EVENT_TYPES, "type")} AS "eventType",
      ${PERSON_ID("person")} AS "identityMap.ECID",
      ${decode(PAGES, "page")} AS "web.webPageDetails.name",
      CASE WHEN orderNo IS NOT NULL THEN 'ORD-' || lpad(person::VARCHAR, 7, '0') || '-' || orderNo END AS "commerce.order.purchaseID",
      price AS "commerce.order.priceTotal",
      CASE WHEN sku IS NOT NULL THEN 'SKU-' || lpad(sku::VARCHAR, 5, '0') END AS "productListItems.SKU",
      qty AS "productListItems.quantity",
      ${decode(CHANNELS, "channel")} AS "channel.typeAtSource",
      ${decode(DEVICES, "device")} AS "device.type",
      CASE WHEN campaign IS NOT NULL THEN
        (CASE WHEN dayofweek(${campaignDate}) = 5 THEN 'Holiday offers ' ELSE 'Weekly picks ' END)
        || strftime(${campaignDate}, '%Y-%m-%d') END AS "marketing.campaignName",
      ${decode(KEYWORDS, "keyword")} AS "search.keywords"
    FROM ${events}`,
    profiles: `SELECT
      ${PERSON_ID("person")} AS "identityMap.ECID",
      ${decode(COUNTRIES, "country")} AS "homeAddress.countryCode",
      ${decode(TIERS, "tier")} AS "loyalty.tier",
      ${decode(AGE_BANDS, "age")} AS "person.ageBand",
      DATE ${quote(DEMO_START_DATE)} + signup AS "signupDate",
      preferred AS "preferredChannel",
      optIn AS "emailOptIn"
    FROM ${profiles}`,
    truth: `SELECT
      ${PERSON_ID("person")} AS "identityMap.ECID",
      (DATE ${quote(DEMO_AS_OF)} - "offset")::DATE AS "asOf",
      ${TRUTH_GOALS.map((g) => `"${g.column}"`).join(", ")}
    FROM ${read(files.truth, truthColumns)}
    ORDER BY "offset", person`,
  };
}

function elapsed(started: number): string {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}
