/**
 * commander argument parsers shared by every command: `.option('--epochs <n>', help, positiveInt)`. A bad value
 * stops the parse before the command runs; commander names the option and the value, and the CLI prints it as a
 * usage error (E_USAGE, exit 2: src/cli/usage-error.ts).
 */
import { InvalidArgumentError } from 'commander';
import { MAX_WINDOW_MS } from '../package/query-limits';
import { RATE_ONE } from '../package/response-mark';

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

/** A finite number ≥ 1. */
export function atLeastOne(v: string): number {
  const n = number(v);
  if (!(Number.isFinite(n) && n >= 1)) throw new InvalidArgumentError('Expected a number ≥ 1.');
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

/**
 * A whole number written in decimal digits only (no sign, exponent or hex), min..max, with an optional note on what
 * the bounds mean: `.option('--max-queries <n>', help, decimalRange(1, 2 ** 32 - 1, '0 would answer nothing'))`.
 */
export const decimalRange =
  (min: number, max: number, note?: string) =>
  (v: string): number => {
    const t = v.trim();
    const n = /^\d+$/.test(t) ? Number(t) : NaN;
    if (!(n >= min && n <= max))
      throw new InvalidArgumentError(`Expected an integer ${min}..${max}${note ? ` (${note})` : ''}.`);
    return n;
  };

const U32_MAX = 0xffffffff;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * `<n>/<duration>`, inferences per window of board time: 10/1s, 100/500ms, 3600/1h (units ms, s, m, h; a bare unit
 * means 1 of it), n ≥ 1, the window 1 ms..24 h (the query-limits record's bounds, src/package/query-limits.ts).
 */
export function queryRate(v: string): { rateCount: number; rateWindowMs: number } {
  const m = /^(\d+)\/(\d*)(ms|s|m|h)$/.exec(v.trim());
  const rateCount = m ? Number(m[1]) : NaN;
  const rateWindowMs = m ? (m[2] === '' ? 1 : Number(m[2])) * UNIT_MS[m[3]] : NaN;
  if (!(rateCount >= 1 && rateCount <= U32_MAX && rateWindowMs >= 1 && rateWindowMs <= MAX_WINDOW_MS))
    throw new InvalidArgumentError('Expected <n>/<duration> (e.g. 10/1s, 100/500ms, 3600/1h), n ≥ 1, 1 ms to 24 h.');
  return { rateCount, rateWindowMs };
}

/**
 * A rate in (0, 1] as a fraction or a percentage (0.005 or 0.5%), at least 1 per million; returns it in parts per
 * million, as the response-mark record holds it (src/package/response-mark.ts).
 */
export function ratePpm(v: string): number {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(v.trim());
  const value = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  const ppm = Math.round(value * RATE_ONE);
  if (!(value > 0 && value <= 1 && ppm >= 1))
    throw new InvalidArgumentError(
      'Expected a rate in (0, 1] as a fraction or a percentage (e.g. 0.005 or 0.5%), at least 1 per million.',
    );
  return ppm;
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
