/**
 * The site's routes: one set of pages per instance (`src/[instance]/*.md`, Framework's parameterised routes), the
 * sidebar that reaches them all, and the instance switcher in the header of every instance page.
 */
import type { RunIndex } from "../contract/schema.js";

/** An instance as routes need it. */
export type RouteInstance = Pick<RunIndex["instances"][number], "name" | "label">;

/** The pages of every instance, in sidebar order: file name (without `.md`) and title. */
export const INSTANCE_PAGES = [
  { page: "index", name: "Overview" },
  { page: "scores", name: "Scores" },
  { page: "segments", name: "Segments" },
  { page: "person", name: "Person" },
  { page: "factors", name: "Influential factors" },
  { page: "quality", name: "Model quality" },
  { page: "history", name: "Over time" },
] as const;

const SAFE_NAME = /^[A-Za-z0-9_-]+$/;

/** Checks that instance names can be URL path segments (the configuration validates them too). */
function checked(instances: RouteInstance[]): RouteInstance[] {
  for (const instance of instances) {
    if (!SAFE_NAME.test(instance.name))
      throw new Error(`instance name "${instance.name}" cannot be a URL path segment`);
  }
  return instances;
}

/** The URL path of an instance's page (`/purchase/` for its overview, `/purchase/scores`, ...). */
export function instancePath(instance: string, page: string): string {
  return page === "index" ? `/${instance}/` : `/${instance}/${page}`;
}

/** Every instance page path, for `dynamicPaths`. */
export function instancePaths(instances: RouteInstance[]): string[] {
  return checked(instances).flatMap((i) => INSTANCE_PAGES.map((p) => instancePath(i.name, p.page)));
}

/** Sidebar sections: one per instance, with its pages. */
export function instanceSections(
  instances: RouteInstance[],
): { name: string; open: boolean; pages: { name: string; path: string }[] }[] {
  return checked(instances).map((i) => ({
    name: i.label,
    open: true,
    pages: INSTANCE_PAGES.map((p) => ({ name: p.name, path: instancePath(i.name, p.page) })),
  }));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The instance and page of a page path such as `/purchase/scores` (or `null` outside the instance pages). */
export function parseInstancePath(path: string, instances: RouteInstance[]): { instance: string; page: string } | null {
  const match = /^\/([^/]+)\/([^/]*)$/.exec(path);
  if (!match || !instances.some((i) => i.name === match[1])) return null;
  const page = match[2] === "" ? "index" : match[2]!;
  return INSTANCE_PAGES.some((p) => p.page === page) ? { instance: match[1]!, page } : null;
}

/**
 * The header of every page (Framework's `header` option): on an instance page, a labelled select of the instances
 * and an "Open" button that opens the same page of the chosen one. Choosing in the select changes nothing by
 * itself (arrow keys step through the instances without leaving the page); the button, or Enter in the select,
 * confirms. Its options are relative links, so the site works under any base path; `autocomplete="off"` keeps a
 * page restored from the history from showing another instance's name.
 */
export function instanceHeader(instances: RouteInstance[]): (page: { path: string }) => string {
  checked(instances);
  return ({ path }) => {
    const here = parseInstancePath(path, instances);
    if (!here) return "";
    const options = instances
      .map((i) => {
        const target = here.page === "index" ? `../${i.name}/` : `../${i.name}/${here.page}`;
        const selected = i.name === here.instance ? " selected" : "";
        return `<option value="${escapeHtml(target)}"${selected}>${escapeHtml(i.label)}</option>`;
      })
      .join("");
    return `<form class="instance-switcher" data-testid="instance-switcher-form" autocomplete="off" onsubmit="event.preventDefault(); window.location.href = this.elements.instance.value">
<label for="instance-switcher">Instance</label>
<select id="instance-switcher" name="instance" data-testid="instance-switcher" onkeydown="if (event.key === 'Enter') { event.preventDefault(); this.form.requestSubmit(); }">${options}</select>
<button type="submit" data-testid="instance-switcher-open">Open</button></form>`;
  };
}
