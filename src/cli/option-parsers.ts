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
