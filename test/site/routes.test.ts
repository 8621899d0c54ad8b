/**
 * The site's routes: one set of pages per instance, the sidebar sections, and the instance switcher's links.
 */
import { describe, expect, test } from "vitest";
import { instanceHeader, instancePaths, instanceSections, parseInstancePath } from "../../loaders/site/routes.js";

const instances = [
  { name: "purchase", label: "Purchase within 30 days" },
  { name: "churn", label: 'No activity <60> days & "more"' },
];

describe("routes", () => {
  test("every instance gets every page", () => {
    const paths = instancePaths(instances);
    expect(paths).toContain("/purchase/");
    expect(paths).toContain("/churn/segments");
    expect(paths).toContain("/churn/history");
    expect(paths.length).toBe(14);
    expect(instanceSections(instances).map((s) => s.pages.length)).toEqual([7, 7]);
  });

  test("names that cannot be path segments are refused", () => {
    expect(() => instancePaths([{ name: "a/b", label: "x" }])).toThrow(/path segment/);
    expect(() => instanceHeader([{ name: "../x", label: "x" }])).toThrow(/path segment/);
  });

  test("pages are recognised by path", () => {
    expect(parseInstancePath("/churn/person", instances)).toEqual({ instance: "churn", page: "person" });
    expect(parseInstancePath("/purchase/index", instances)).toEqual({ instance: "purchase", page: "index" });
    expect(parseInstancePath("/purchase/", instances)).toEqual({ instance: "purchase", page: "index" });
    expect(parseInstancePath("/data", instances)).toBeNull();
    expect(parseInstancePath("/other/scores", instances)).toBeNull();
  });

  test("the switcher links to the same page of each instance, with labels escaped", () => {
    const header = instanceHeader(instances);
    expect(header({ path: "/data" })).toBe("");
    const html = header({ path: "/churn/scores" });
    expect(html).toContain('<label for="instance-switcher">Instance</label>');
    expect(html).toContain('<option value="../purchase/scores">Purchase within 30 days</option>');
    expect(html).toContain(
      '<option value="../churn/scores" selected>No activity &#60;60&#62; days &#38; &#34;more&#34;</option>',
    );
    expect(header({ path: "/purchase/index" })).toContain('value="../churn/"');
  });

  test("the switcher changes page only when confirmed: the form's submit (its button, or Enter), not the select's change", () => {
    const html = instanceHeader(instances)({ path: "/purchase/quality" });
    expect(html).not.toContain("onchange");
    expect(html).toMatch(
      /<form class="instance-switcher"[^>]* onsubmit="event.preventDefault\(\); window.location.href = this.elements.instance.value">/,
    );
    expect(html).toMatch(/<select id="instance-switcher" name="instance"[^>]* onkeydown="if \(event.key === 'Enter'\)/);
    expect(html).toContain('<button type="submit" data-testid="instance-switcher-open">Open</button>');
  });
});
