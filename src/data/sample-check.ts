/**
 * Checks on sample values before they reach a model (calibration, eval, watermark data, device run inputs):
 *  - NaN or ±Infinity anywhere is refused (E_DATA_NONFINITE, naming the first sample that has one): a single NaN
 *    poisons calibration ranges and makes accuracy meaningless;
 *  - an extreme range (one 3e38 among values in [0, 1]) is finite but makes int8 calibration useless: every normal
 *    value quantises to the zero point. `extremeRangeWarning` says so (warning code W_DATA_RANGE) when the largest
 *    magnitude is more than EXTREME_RATIO times the 99.9th percentile of magnitudes, or above EXTREME_ABS.
 */
import { EdgelockError } from '../errors';

export const EXTREME_RATIO = 100;
export const EXTREME_ABS = 1e6;

export function checkFinite(data: ArrayLike<number>, sampleSize: number, what: string, file?: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      const at = sampleSize > 0 ? `sample ${Math.floor(i / sampleSize)}, element ${i % sampleSize}` : `element ${i}`;
      throw new EdgelockError('E_DATA_NONFINITE', `${what} holds ${v} at ${at}`, file ? { file } : {});
    }
  }
}

/** A warning text for an extreme value range, or undefined. Looks at up to 100k evenly spread values for the percentile. */
export function extremeRangeWarning(data: ArrayLike<number>, what: string): string | undefined {
  if (data.length === 0) return undefined;
  let max = 0;
  let at = 0;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]);
    if (a > max) {
      max = a;
      at = i;
    }
  }
  const step = Math.max(1, Math.floor(data.length / 100000));
  const mags: number[] = [];
  for (let i = 0; i < data.length; i += step) mags.push(Math.abs(data[i]));
  mags.sort((a, b) => a - b);
  const p999 = mags[Math.min(mags.length - 1, Math.floor(0.999 * mags.length))];
  if (max > EXTREME_ABS || (p999 > 0 && max > EXTREME_RATIO * p999)) {
    return (
      `${what}: the largest magnitude ${max.toPrecision(3)} (element ${at}) is far outside the bulk of the ` +
      `values (99.9% within ${p999.toPrecision(3)}); int8 ranges from it will leave the usual values ` +
      `almost no resolution`
    );
  }
  return undefined;
}

/** Prints a warning as one stable line on stderr: `warning W_CODE: message`. */
export function emitWarning(code: 'W_DATA_RANGE', message: string): void {
  process.stderr.write(`warning ${code}: ${message}\n`);
}
