/** A command's --json result: one line of JSON on stdout. */
export function printJson(obj: unknown): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}
