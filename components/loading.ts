/**
 * A visible progress state for the parts of a page that wait for the browser database (DuckDB-WASM and the scores
 * table): what is loading, a progress bar over the bytes downloaded, then "Preparing the table…" while the table is
 * loaded into the database. The rest of the page shows at once; this stands where the interactive part will be.
 */
import type { LoadProgress } from "./data.js";
import { h } from "./elements.js";
import { formatNumber } from "./format.js";

/** A progress state that a loader updates. */
export type LoadingView = HTMLElement & { update(progress: LoadProgress): void };

const MB = 1024 * 1024;

/** "Loading the people table…" with a progress bar (indeterminate until the sizes are known); `testid` names it for tests. */
export function loadingView(what: string, testid = "loading"): LoadingView {
  const bar = h("progress", { "aria-label": what });
  const detail = h(
    "span",
    { class: "muted", "data-testid": "loading-detail" },
    "Starting the database in your browser…",
  );
  let written = 0;
  const update = ({ loaded, total, stage }: LoadProgress): void => {
    if (stage === "loading") {
      bar.removeAttribute("value");
      detail.textContent = "Preparing the table…";
      return;
    }
    if (total > 0 && loaded <= total) {
      bar.max = total;
      bar.value = loaded;
    }
    // The words (a live region) change at most twice a second; the bar follows every chunk.
    if (performance.now() - written < 500) return;
    written = performance.now();
    detail.textContent = `Downloading the database and the scores: ${formatNumber(loaded / MB, 1)}${total > 0 ? ` of ${formatNumber(total / MB, 1)}` : ""} MB`;
  };
  const view = h(
    "div",
    { class: "loading-state", role: "status", "data-testid": testid },
    h("p", {}, h("strong", {}, `${what}…`)),
    bar,
    " ",
    detail,
  );
  return Object.assign(view, { update });
}
