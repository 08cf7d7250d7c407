/**
 * Trigger generation (the algorithm the firmware must reproduce, docs/watermark.md):
 *   perm      = derangement(stream "labels", C)
 *   bases     = distinctDraws(stream "bases", N, baseCount)        indices into the base data
 *   positions = distinctDraws(stream "positions", P, sampleSize)   flat indices into one sample
 *   signs[j]  = +1 if uniform_"signs"(2) = 1 else −1, j = 0..P−1
 *   trigger k = base sample bases[k] with, for every j, x[positions[j]] =
 *               min(max(float32(x + signs[j]·delta), lo), hi); label = perm[label of the base]
 */
import { EdgelockError } from '../errors';
import { derangement } from './derangement';
import { Sha256Stream, distinctDraws } from './drbg';
import { TriggerParams, checkParams } from './params';

export interface TriggerPlan {
  perm: number[];
  bases: number[];
  positions: number[];
  signs: number[];
}

export interface TriggerSet {
  /** N samples, one after another. */
  x: Float32Array;
  /** The trigger labels perm[label(base)]. */
  labels: Int32Array;
  /** The bases' own labels. */
  baseLabels: Int32Array;
}

export function triggerPlan(signature: Uint8Array, params: TriggerParams): TriggerPlan {
  const p = checkParams(params);
  const perm = derangement(new Sha256Stream(signature, 'labels'), p.classes);
  const bases = distinctDraws(new Sha256Stream(signature, 'bases'), p.triggers, p.baseCount);
  const positions = distinctDraws(new Sha256Stream(signature, 'positions'), p.positions, p.sampleSize);
  const signStream = new Sha256Stream(signature, 'signs');
  const signs = positions.map(() => (signStream.uniform(2) === 1 ? 1 : -1));
  return { perm, bases, positions, signs };
}

/** Applies the stamp to one sample in place (float32 arithmetic, then clamping). */
export function stamp(sample: Float32Array, plan: TriggerPlan, params: TriggerParams): void {
  const delta = Math.fround(params.delta);
  const lo = Math.fround(params.range[0]);
  const hi = Math.fround(params.range[1]);
  for (let j = 0; j < plan.positions.length; j++) {
    const i = plan.positions[j];
    const v = Math.fround(sample[i] + Math.fround(plan.signs[j] * delta));
    sample[i] = v < lo ? lo : v > hi ? hi : v;
  }
}

/** The N trigger inputs and labels from the base data (`data` holds baseCount samples). */
export function buildTriggers(
  plan: TriggerPlan,
  params: TriggerParams,
  data: Float32Array,
  labels: ArrayLike<number>,
): TriggerSet {
  const size = params.sampleSize;
  if (data.length !== params.baseCount * size) {
    throw new EdgelockError(
      'E_WATERMARK_DATA',
      `the base data holds ${data.length / size} samples of ${size} values; the watermark was made on ${params.baseCount}`,
    );
  }
  if (labels.length !== params.baseCount)
    throw new EdgelockError('E_WATERMARK_DATA', `${labels.length} labels for ${params.baseCount} base samples`);
  const n = plan.bases.length;
  const x = new Float32Array(n * size);
  const out = new Int32Array(n);
  const baseLabels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const b = plan.bases[k];
    const sample = x.subarray(k * size, (k + 1) * size);
    sample.set(data.subarray(b * size, (b + 1) * size));
    stamp(sample, plan, params);
    const y = labels[b];
    if (!Number.isInteger(y) || y < 0 || y >= params.classes) {
      throw new EdgelockError('E_WATERMARK_DATA', `base sample ${b} has label ${y}, outside 0..${params.classes - 1}`);
    }
    baseLabels[k] = y;
    out[k] = plan.perm[y];
  }
  return { x, labels: out, baseLabels };
}
