/**
 * `npm run build [-- --out DIR]`: builds the site with Observable Framework into a staging folder beside `dist/` (or
 * DIR) and swaps it in only when the build succeeded, so a failed build leaves the previous site intact, and needs no
 * network. Every page is first given what Framework's page template leaves out for accessibility
 * (loaders/site/accessible-pages.ts). `dist/` (or DIR) is replaced only when it is missing, empty or a site this tool
 * built (see `loaders/pipeline/output-folder.ts`).
 *
 * With a passphrase (`CUSTOMER_AI_PASSPHRASE`, or a file named by `--passphrase-file FILE` or
 * `CUSTOMER_AI_PASSPHRASE_FILE`) the site is locked once built: its data files are encrypted and its pages ask for
 * the passphrase (loaders/site/encrypt.ts). The passphrase is read before anything is built and never written.
 *
 * `--sample-above N` sets `CUSTOMER_AI_SAMPLE_ABOVE` for the build: instances with more scored people than N ship a
 * person-hash sample to the scores and segments pages (sample mode, loaders/site/sample.ts).
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { isFrameworkSite, writeFolderAtomically } from "../pipeline/output-folder.js";
import { makePagesAccessible } from "../site/accessible-pages.js";
import { SAMPLE_ABOVE_ENV, sampleSettings } from "../site/sample.js";
import {
  PASSPHRASE_ENV,
  PASSPHRASE_FILE_ENV,
  SHORT_PASSPHRASE,
  lockSite,
  readPassphrase,
  reusableSalt,
} from "../site/encrypt.js";
import { runCli } from "./run.js";

/** Where the site goes unless `--out DIR` says otherwise. */
const SITE = "dist";
/** Framework's page cache, which does not track the modules data loaders import. */
const FRAMEWORK_CACHE = "src/.observablehq/cache";

/**
 * The versions Framework 1.13 looks up on the npm registry while bundling its own client and standard library,
 * even when no page imports these packages (it only writes the version into import paths that our pages never
 * load). Framework takes a version from its cache when a folder `<name>@<version>` exists there, so seeding these
 * folders lets the build run with no network after `npm ci`, and pins what was otherwise `@latest`.
 */
const FRAMEWORK_NPM_VERSIONS = [
  "@observablehq/plot@0.6.17",
  "@observablehq/sample-datasets@1.0.1",
  "apache-arrow@21.2.0",
  "arquero@8.0.3",
  "d3-dsv@3.0.2",
  "d3@7.9.2",
  "echarts@6.1.0",
  "htl@1.0.0",
  "leaflet@1.9.4",
  "lodash@4.18.1",
  "mapbox-gl@3.32.0",
  "parquet-wasm@0.8.0",
  "react-dom@19.3.1",
  "react@19.3.1",
  "topojson-client@3.1.0",
];

/** Runs `observable build` with its output set to `folder`; rejects when it fails. */
function frameworkBuild(folder: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      OBSERVABLE_TELEMETRY_DISABLE: "true",
      CUSTOMER_AI_SITE_OUT: folder,
    };
    // The data loaders have no use for the passphrase.
    delete env[PASSPHRASE_ENV];
    delete env[PASSPHRASE_FILE_ENV];
    const child = spawn("npx", ["observable", "build"], { stdio: "inherit", env });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new BuildFailed(`the site build failed (exit ${code})`)),
    );
  });
}

/** The site's icon at the site's root, where browsers and other tools look for it without a `<link rel="icon">`. */
const FAVICON = "src/favicon.ico";

/** How a built site is locked: its passphrase and, when the previous site in the output folder had one, its salt. */
interface Lock {
  passphrase: string;
  salt: Uint8Array | null;
}

/**
 * Builds the site into `folder`, fixes what Framework's page template leaves inaccessible and adds the icon; with a
 * lock, encrypts its data files and makes its pages ask for the passphrase.
 */
async function buildSite(folder: string, lock: Lock | null): Promise<void> {
  await frameworkBuild(folder);
  const pages = await makePagesAccessible(folder);
  console.error(
    `accessible pages: ${pages} pages given a language, a zoomable viewport, a skip link and named navigation`,
  );
  copyFileSync(FAVICON, join(folder, "favicon.ico"));
  if (lock) {
    const summary = await lockSite(folder, lock.passphrase, { salt: lock.salt ?? undefined });
    const bytes = summary.encrypted.reduce((total, file) => total + file.bytes, 0);
    console.error(
      `locked site: ${summary.encrypted.length} data files encrypted (${(bytes / 1024 / 1024).toFixed(1)} MB), ${summary.pages} pages ask for the passphrase; ` +
        (summary.saltReused
          ? "the previous build's salt is kept (readers' stored keys stay valid)"
          : "a new salt (readers enter the passphrase again)"),
    );
  }
}

/** A failed Framework build: its own output has said why. */
class BuildFailed extends Error {
  override name = "BuildFailed";
}

await runCli(async () => {
  const { values } = parseArgs({
    options: {
      out: { type: "string", default: SITE },
      "passphrase-file": { type: "string" },
      "sample-above": { type: "string" },
    },
  });
  if (values["sample-above"] !== undefined) process.env[SAMPLE_ABOVE_ENV] = values["sample-above"];
  // A bad sample setting is one line here, not a failure inside every data loader.
  sampleSettings();
  const passphrase = readPassphrase(process.env, values["passphrase-file"]);
  if (passphrase !== null && [...passphrase].length < SHORT_PASSPHRASE) {
    console.error(
      `warning: the passphrase is shorter than ${SHORT_PASSPHRASE} characters; anyone with the site's files can try guesses offline`,
    );
  }
  // The previous site's salt, when this passphrase opens it: readers' stored keys stay valid across rebuilds.
  const lock = passphrase === null ? null : { passphrase, salt: reusableSalt(values.out, passphrase) };
  rmSync(FRAMEWORK_CACHE, { recursive: true, force: true });
  for (const version of FRAMEWORK_NPM_VERSIONS) mkdirSync(join(FRAMEWORK_CACHE, "_npm", version), { recursive: true });
  try {
    await writeFolderAtomically(values.out, (folder) => buildSite(folder, lock), {
      what: "site folder",
      alsoOwned: isFrameworkSite,
    });
  } catch (error) {
    if (!(error instanceof BuildFailed)) throw error;
    console.error(`error: ${error.message}`);
    process.exit(1);
  }
});
