/** Types for htl (the package ships none): tagged templates that build DOM, escaping interpolated text. */
declare module "htl" {
  /** HTML from a template; interpolated strings become text, never markup. */
  export function html(strings: TemplateStringsArray, ...values: unknown[]): Node;
  /** SVG from a template. */
  export function svg(strings: TemplateStringsArray, ...values: unknown[]): Node;
}
