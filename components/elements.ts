/**
 * A tiny DOM builder for components: strings and numbers always become text nodes (never parsed as HTML), so
 * data such as ids and labels render literally.
 */

/** A child of an element: text, a node, nothing, or a list of those. */
export type Child = string | number | Node | null | undefined | false | readonly Child[];

/** Attributes of an element: `class`, `data-*`, `aria-*`, ... (null, undefined and false are left out). */
export type Attributes = Record<string, string | number | boolean | null | undefined>;

/** Creates an element with attributes and children (text is set as text, never as HTML). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (typeof child === "string" || typeof child === "number")
      parent.appendChild(document.createTextNode(String(child)));
    else parent.appendChild(child as Node);
  }
}

/** A table with a header row and one row per entry; cells are text or nodes. Numeric columns align right. */
export function table(
  columns: readonly { label: string; numeric?: boolean }[],
  rows: readonly Child[][],
  attributes: Attributes = {},
): HTMLTableElement {
  const align = (i: number) => (columns[i]?.numeric ? "text-align: right" : null);
  return h(
    "table",
    attributes,
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        columns.map((c, i) => h("th", { scope: "col", style: align(i) }, c.label)),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((row) =>
        h(
          "tr",
          {},
          row.map((cell, i) => h("td", { style: align(i) }, cell)),
        ),
      ),
    ),
  );
}

/** A definition list from label and value pairs. */
export function facts(entries: readonly [string, Child][], attributes: Attributes = {}): HTMLDListElement {
  return h(
    "dl",
    { class: "facts", ...attributes },
    entries.map(([label, value]) => [h("dt", {}, label), h("dd", {}, value)]),
  );
}

/**
 * A headline card: a title (at heading `level`, h2 on a page's first row, h3 inside a section), one big figure
 * (with `data-testid` for tests) and a muted note under it.
 */
export function factCard(level: "h2" | "h3", title: string, figure: Child, note: Child, testid: string): HTMLElement {
  return h(
    "div",
    { class: "card" },
    h(level, {}, title),
    h("span", { class: "big", "data-testid": testid }, figure),
    h("p", { class: "muted" }, note),
  );
}
