/** SQL literal quoting for values the pipeline itself controls (paths, fixed vocabularies). */

/** A SQL string literal: single quotes doubled. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
