/**
 * Styles of the segment page's own controls (chips, the factor list, the loaded suggestion, the estimate), from the
 * theme's variables only, so they follow light and dark mode.
 */

/** A `<style>` element with the segment page's styles. */
export function segmentStyles(): HTMLStyleElement {
  const style = document.createElement("style");
  style.textContent = SEGMENT_CSS;
  return style;
}

const SEGMENT_CSS = `
.segment-editor { display: grid; gap: 0.5rem; }
.segment-condition { display: grid; gap: 0.4rem; padding: 0.75rem 0; border-bottom: solid 1px var(--theme-foreground-faintest); }
.segment-condition-head { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
.segment-condition-head label { min-width: 3rem; font-weight: 600; }
.segment-condition-head select { flex: 1 1 14rem; max-width: 26rem; min-width: 0; }
.segment-editor select, .segment-editor input[type=search], .segment-editor input[type=number], .segment-library input[type=text] {
  font: inherit; padding: 0.3rem 0.45rem; border: solid 1px var(--theme-foreground-faint); border-radius: 6px;
  background: var(--theme-background); color: var(--theme-foreground); max-width: 100%; }
.segment-range { flex-wrap: wrap; }
.segment-range input[type=number] { width: 7rem; }
.segment-values { border: none; padding: 0; margin: 0; display: grid; gap: 0.4rem; min-width: 0; }
.segment-values legend { padding: 0; margin-bottom: 0.3rem; color: var(--theme-foreground-muted); font-size: 0.9rem; }
.segment-values input[type=search] { width: 100%; max-width: 26rem; box-sizing: border-box; }
.segment-note:empty, .segment-caption:empty { display: none; }
.segment-note, .segment-caption { margin: 0; font-size: 0.9rem; }
.chips { display: flex; flex-wrap: wrap; gap: 0.4rem; }
.chip { display: inline-flex; align-items: center; gap: 0.35rem; padding: 0.2rem 0.65rem; border-radius: 999px;
  border: solid 1px var(--theme-foreground-faint); background: var(--theme-background); color: var(--theme-foreground);
  font-size: 0.9rem; cursor: pointer; line-height: 1.6; }
.chip:has(input:checked), .chip.chosen { border-color: var(--theme-foreground-focus);
  background: color-mix(in srgb, var(--theme-foreground-focus) 14%, var(--theme-background)); }
.chip:focus-within { outline: 2px solid var(--theme-foreground-focus); outline-offset: 1px; }
.chip input { margin: 0; accent-color: var(--theme-foreground-focus); }
.chip-remove { border: none; background: none; color: inherit; font: inherit; padding: 0 0.15rem; cursor: pointer; line-height: 1; }
.factor-options { list-style: none; padding: 0; margin: 0; max-width: 40rem; border: solid 1px var(--theme-foreground-faintest);
  border-radius: 6px; max-height: 18rem; overflow-y: auto; }
.factor-options:empty { display: none; }
.factor-options li { display: flex; justify-content: space-between; align-items: center; gap: 0.75rem; padding: 0.3rem 0.6rem;
  border-bottom: solid 1px var(--theme-foreground-faintest); }
.factor-options li:last-child { border-bottom: none; }
.factor-option { display: inline-flex; gap: 0.45rem; align-items: baseline; cursor: pointer; min-width: 0; }
.factor-count { color: var(--theme-foreground-muted); font-variant-numeric: tabular-nums; white-space: nowrap; font-size: 0.9rem; }
.segment-add { padding-top: 0.5rem; flex-wrap: wrap; }
.segment-add select { min-width: 0; max-width: 100%; }
.segment-library h2 { font-size: 1.05rem; margin: 0 0 0.5rem; }
.segment-library .filter-inputs { flex-wrap: wrap; margin-top: 0.5rem; }
.segment-library input[type=file] { max-width: 100%; }
.segment-list { list-style: none; padding: 0; margin: 0; display: grid; gap: 0.4rem; }
.segment-list li { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.2rem 0.5rem; }
.segment-load[aria-pressed=true] { border-color: var(--theme-foreground-focus); font-weight: 600;
  background: color-mix(in srgb, var(--theme-foreground-focus) 14%, var(--theme-background)); }
.loaded-mark { font-size: 0.8rem; font-weight: 600; color: var(--theme-foreground-focus); }
.loaded-mark::before { content: "✓ "; }
.segment-estimate-panel { min-height: 6rem; }
.segment-estimate-panel[aria-busy=true] > div { opacity: 0.6; }
.segment-size { margin: 0 0 0.25rem; }
.segment-size .big { font-size: 2rem; font-weight: 700; font-variant-numeric: tabular-nums; margin-right: 0.2rem; }
.segment-sentence { font-size: 1.15rem; max-width: 48rem; margin: 0.25rem 0; }
.segment-method { font-size: 0.9rem; max-width: 48rem; }
.segment-tested { border-top: solid 1px var(--theme-foreground-faintest); margin-top: 0.75rem; padding-top: 0.25rem; }
.segment-tested h3 { font-size: 1rem; margin-bottom: 0.25rem; }
.segment-tested p { max-width: 48rem; }
.segment-export pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.85rem; }
.segment-export-buttons { flex-wrap: wrap; }
.segment-export-buttons button:disabled { cursor: not-allowed; }
.scores-table-doc ul { padding-left: 1.2rem; }
.scores-table-doc li { overflow-wrap: anywhere; }
`;
