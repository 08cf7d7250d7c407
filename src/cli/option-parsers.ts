/**
 * commander argument parsers shared by every command: `.option('--epochs <n>', help, positiveInt)`. A bad value
 * stops the parse before the command runs; commander names the option and the value, and the CLI prints it as a
 * usage error (E_USAGE, exit 2: src/cli/usage-error.ts).
 */
import { InvalidArgumentError } from 'commander';

function number(v: string): number {
  return v.trim() === '' ? NaN : Number(v);
}

/** An integer ≥ 1. */
export function positiveInt(v: string): number {
  const n = number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('Expected a positive integer.');
  return n;
}

/** An integer ≥ 0. */
export function nonNegativeInt(v: string): number {
  const n = number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('Expected an integer ≥ 0.');
  return n;
}

/** Any integer. */
export function integer(v: string): number {
  const n = number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('Expected an integer.');
  return n;
}

/** A finite number. */
export function finiteNumber(v: string): number {
  const n = number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('Expected a number.');
  return n;
}

/** A finite number ≥ 0. */
export function nonNegativeNumber(v: string): number {
  const n = number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('Expected a number ≥ 0.');
  return n;
}

/** A finite number > 0. */
export function positiveNumber(v: string): number {
  const n = number(v);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError('Expected a number > 0.');
  return n;
}

/** An integer in min..max: `.option('--slot <n>', help, intRange(0, 3))`. */
export const intRange =
  (min: number, max: number) =>
  (v: string): number => {
    const n = number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`Expected an integer ${min}..${max}.`);
    return n;
  };

/** A number in (0, 1]: a fraction of something. */
export function fraction(v: string): number {
  const n = number(v);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError('Expected a number in (0, 1].');
  return n;
}

/** A number in (0, 1): a probability threshold. */
export function openUnit(v: string): number {
  const n = number(v);
  if (!(n > 0 && n < 1)) throw new InvalidArgumentError('Expected a number in (0, 1).');
  return n;
}

/** A comma-separated list, each element parsed by `each`: `--queries 100,1000`. */
export const commaList =
  <T>(each: (v: string) => T) =>
  (v: string): T[] =>
    v.split(',').map((x) => each(x.trim()));

/** A repeatable option: each occurrence appends its value (`--input-shape a:1,3 --input-shape b:1`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * A repeatable option whose occurrences may each list several values, comma-separated: `--port a --port b,c`. Give
 * it no default so that `.requiredOption` reports it missing; an occurrence naming nothing is refused.
 */
export function collectList(value: string, previous: string[] = []): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('Expected at least one value.');
  return [...previous, ...items];
}
