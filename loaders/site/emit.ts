/** Data loaders write their file to stdout, as Observable Framework expects. */

/** Writes a loader's output to stdout and resolves once it is flushed. */
export function writeOutput(bytes: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(bytes, (error) => (error ? reject(error) : resolve())));
}
