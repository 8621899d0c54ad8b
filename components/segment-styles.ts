/**
 * Layout of the segment page's own parts (condition rows, the factor list, the loaded suggestion, the estimate,
 * the exports). Controls, chips and colours come from the site's design tokens (src/style.css); this adds only
 * what is particular to the page, with the theme's fallbacks so it also reads without them.
 */

/** A `<style>` element with the segment page's styles. */
export function segmentStyles(): HTMLStyleElement {
  const style = document.createElement("style");
  style.textContent = SEGMENT_CSS;
  return style;
}

const SEGMENT_CSS = `
.segment-editor .segment-condition { display: grid; gap: var(--space-2, 0.5rem); align-items: start; }
.segment-condition-head { display: grid; grid-template-columns: 3.5rem minmax(0, 26rem) max-content; justify-content: start;
  gap: var(--space-2, 0.5rem); align-items: center; }
.segment-condition-head > label { font-weight: var(--weight-semibold, 600); }
.segment-condition-head select { width: 100%; max-width: none; }
.segment-value { min-width: 0; }
.segment-range input[type=number] { width: 7rem; }
.segment-values { display: grid; gap: var(--space-2, 0.5rem); }
.segment-values input[type=search] { width: 100%; max-width: 26rem; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.segment-note:empty, .segment-caption:empty { display: none; }
.segment-note, .segment-caption { margin: 0; font-size: var(--text-sm, 0.85rem); color: var(--theme-foreground-muted); }
.chip.chosen { border-color: var(--color-accent, var(--theme-foreground-focus)); background: var(--color-accent-soft, var(--theme-background-alt)); gap: var(--space-1, 0.25rem); }
.chip-remove.chip-remove { min-height: 0; padding: 0 0.2rem; border: none; background: none; font-size: 1.1em; line-height: 1; }
.factor-options { list-style: none; padding: 0; margin: 0; max-width: 40rem; max-height: 18rem; overflow-y: auto;
  border: solid 1px var(--theme-foreground-faintest); border-radius: var(--radius-sm, 6px); }
.factor-options:empty { display: none; }
.factor-options li { display: flex; justify-content: space-between; align-items: center; gap: var(--space-3, 0.75rem);
  padding: var(--space-1, 0.25rem) var(--space-3, 0.75rem); border-bottom: solid 1px var(--theme-foreground-faintest); margin: 0; }
.factor-options li:last-child { border-bottom: none; }
.factor-option { display: inline-flex; gap: var(--space-2, 0.5rem); align-items: baseline; cursor: pointer; min-width: 0; }
.factor-count { color: var(--theme-foreground-muted); font-variant-numeric: tabular-nums; white-space: nowrap; font-size: var(--text-sm, 0.85rem); }
.segment-add { padding-top: var(--space-2, 0.5rem); }
.segment-add select { max-width: min(26rem, 100%); }
.segment-library h2 { font-size: var(--text-lg, 1.1rem); margin: 0 0 var(--space-2, 0.5rem); }
.segment-library .filter-inputs { margin-top: var(--space-3, 0.75rem); }
.segment-library input[type=file] { max-width: 100%; font-size: var(--text-sm, 0.85rem); }
.segment-list { display: grid; gap: var(--space-2, 0.5rem); margin: 0; }
.segment-list li { display: flex; flex-wrap: wrap; align-items: center; gap: var(--space-1, 0.25rem) var(--space-2, 0.5rem); margin: 0; }
.segment-load[aria-pressed=true] { border-color: var(--color-accent, var(--theme-foreground-focus)); background: var(--color-accent-soft, var(--theme-background-alt)); }
.loaded-mark { font-size: var(--text-sm, 0.85rem); font-weight: var(--weight-semibold, 600); color: var(--color-accent, var(--theme-foreground-focus)); }
.loaded-mark::before { content: "✓ "; }
.segment-description { font-size: var(--text-md, 0.9rem); }
.segment-estimate-panel { min-height: 6rem; }
.segment-estimate-panel[aria-busy=true] > div { opacity: 0.6; }
.segment-size { margin: 0 0 var(--space-1, 0.25rem); }
.segment-size .big { display: inline; font-size: var(--text-big, 2rem); font-weight: var(--weight-bold, 700); font-variant-numeric: tabular-nums; margin-right: var(--space-1, 0.25rem); }
.segment-sentence { font-size: var(--text-lg, 1.15rem); max-width: 48rem; margin: var(--space-1, 0.25rem) 0; }
.segment-method { font-size: var(--text-sm, 0.85rem); max-width: 48rem; color: var(--theme-foreground-muted); }
.segment-tested { border-top: solid 1px var(--theme-foreground-faintest); margin-top: var(--space-3, 0.75rem); padding-top: var(--space-1, 0.25rem); }
.segment-tested h3 { font-size: var(--text-base, 1rem); margin-bottom: var(--space-1, 0.25rem); }
.segment-tested p { max-width: 48rem; }
.segment-export { display: grid; gap: var(--space-3, 0.75rem); }
.segment-export > p { margin: 0; }
.segment-export pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: var(--text-sm, 0.85rem); }
.scores-table-doc ul { padding-left: 1.2rem; }
.scores-table-doc li { overflow-wrap: anywhere; }
@media (max-width: 520px) {
  .segment-condition-head { grid-template-columns: minmax(0, 1fr) max-content; }
  .segment-condition-head > label { grid-column: 1 / -1; }
}
`;
