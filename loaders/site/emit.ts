/** Writes a data loader's output to stdout, as Observable Framework expects, and resolves once it is flushed. */
export function writeOutput(bytes: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(bytes, (error) => (error ? reject(error) : resolve())));
}
