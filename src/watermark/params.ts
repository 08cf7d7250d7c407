/**
 * The public watermark parameters: everything besides the signature that trigger regeneration
 * needs. They reveal nothing about the triggers without the signature, so they travel in the
 * model's metadata (src/watermark/metadata.ts).
 */
import { EdgelockError } from '../errors';

export const SCHEME = 'edgelock-wm1';

export interface TriggerParams {
  /** Number of triggers N (base inputs). */
  triggers: number;
  /** Number of stamped input positions P (shared by all triggers). */
  positions: number;
  /** Absolute stamp amplitude (float32): stamped value = clamp(x ± delta, lo, hi). */
  delta: number;
  /** Valid input range [lo, hi] the stamp is clamped to. */
  range: [number, number];
  /** Number of classes C of the model output. */
  classes: number;
  /** Number of samples in the base data set the indices are drawn from. */
  baseCount: number;
  /** Values per input sample (the positions are flat indices into one sample, C order). */
  sampleSize: number;
}

export function checkParams(p: TriggerParams): TriggerParams {
  const bad = (msg: string): never => {
    throw new EdgelockError('E_WATERMARK_PARAMS', msg);
  };
  const int = (v: number, min: number, name: string) => {
    if (!Number.isInteger(v) || v < min) bad(`${name} must be an integer ≥ ${min}, got ${v}`);
  };
  int(p.triggers, 1, 'triggers');
  int(p.positions, 1, 'positions');
  int(p.classes, 2, 'classes');
  int(p.baseCount, 1, 'baseCount');
  int(p.sampleSize, 1, 'sampleSize');
  if (p.triggers > p.baseCount)
    bad(`${p.triggers} triggers need at least as many base samples, the data has ${p.baseCount}`);
  if (p.positions > p.sampleSize) bad(`${p.positions} stamp positions exceed the ${p.sampleSize} values of a sample`);
  if (p.triggers >= 2 ** 32 || p.baseCount > 2 ** 32 || p.sampleSize > 2 ** 32) bad('counts must fit 32 bits');
  if (!(Number.isFinite(p.delta) && p.delta > 0)) bad(`delta must be a positive number, got ${p.delta}`);
  if (!(Number.isFinite(p.range[0]) && Number.isFinite(p.range[1]) && p.range[0] < p.range[1]))
    bad(`range [${p.range}] is not an interval`);
  return p;
}
