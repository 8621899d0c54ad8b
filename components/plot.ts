/**
 * Observable Plot for the site's charts: the same API (`import * as Plot from "./plot.js"`), except that `plot()`
 * returns a chart that assistive technology reads as one named image. Plot names the group of every mark ("bar",
 * "rule", ...), which says nothing on its own and is not allowed on a group without a role (axe-core's
 * aria-prohibited-attr); those groups are hidden from assistive technology, and a chart with a name (Plot's
 * `ariaLabel` option) becomes an image with that name. The mark names stay in the markup for tests and styles.
 */
import * as Plot from "@observablehq/plot";

export * from "@observablehq/plot";

/** Makes a chart from Plot (an `<svg>`, or a `<figure>` with legends and titles) one named image. */
export function accessibleChart<T extends Element>(chart: T): T {
  const svgs = chart instanceof SVGSVGElement ? [chart] : Array.from(chart.querySelectorAll("svg"));
  for (const svg of svgs) {
    for (const group of Array.from(svg.querySelectorAll("g[aria-label]"))) group.setAttribute("aria-hidden", "true");
    if (svg.getAttribute("aria-label")) svg.setAttribute("role", "img");
  }
  return chart;
}

/** Plot's `plot()`, returning an accessible chart (see `accessibleChart`). */
export function plot(options?: Plot.PlotOptions): ReturnType<typeof Plot.plot> {
  return accessibleChart(Plot.plot(options));
}
