/**
 * How the measurement scripts read their command line, in one place: `--name value` options, `--name` flags, the
 * arguments that are not options, and a timestamped progress line on stderr.
 */

/** `--name value` from the command line, or `fallback` */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}

/** `--name a,b,c` as its non-empty comma-separated items, or none */
export const listArg = (name: string): string[] => arg(name, '').split(',').filter(Boolean);

/** whether `--name` is on the command line */
export const flag = (name: string): boolean => process.argv.includes(`--${name}`);

/** the arguments that are neither an option `--name` nor its value (every option of these scripts takes one) */
export function positionals(): string[] {
  const argv = process.argv.slice(2);
  return argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--')));
}

/** a progress line on stderr, prefixed with the UTC time */
export const log = (s: string): void => {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${s}\n`);
};
