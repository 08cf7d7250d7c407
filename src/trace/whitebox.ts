/**
 * White-box evidence from a leaked model file (a flash dump, an extracted .tflite, a re-quantised or fine-tuned
 * copy): for every carrier, how many base quantisation steps the leaked weight sits from the base weight. Weights
 * are matched to the base by filter order and shape; int8 weights are read through their own scales (a copy
 * re-quantised with other scales still lines up) and float32 weights as they are.
 */
import { EdgelockError } from '../errors';
import { readTflite } from '../tflite/reader';
import { CarrierSet, weightTensors } from './weight-tensors';

/** Evidence values are clipped to ±CLIP steps, so a few weights moved far by fine-tuning cannot dominate. */
export const CLIP_STEPS = 3;

export function whiteBoxEvidence(leaked: Uint8Array, base: Uint8Array, set: CarrierSet): Float64Array {
  const info = readTflite(leaked);
  const lt = weightTensors(info);
  const sg = info.subgraphs[0];
  const bt = set.tensors;
  const lines = lt.length === bt.length && lt.every((t, k) => t.count === bt[k].count);
  if (!lines)
    throw new EdgelockError(
      'E_TRACE_MODEL',
      `the leaked model's filters (${lt.map((t) => t.count).join(', ')} weights) do not line up with the base ` +
        `model's (${bt.map((t) => t.count).join(', ')}); white-box tracing needs the same architecture (use ` +
        `--probes for black-box tracing)`,
    );
  const readers = lt.map((t) => {
    const dtype = sg.tensors[t.tensor].dtype;
    if (dtype === 'int8') {
      const v = new Int8Array(leaked.buffer, leaked.byteOffset + t.at, t.count);
      if (t.scales.length === 0) throw new EdgelockError('E_TRACE_MODEL', `leaked tensor ${t.tensor} has no scale`);
      return (i: number) => v[i] * t.scales[t.scales.length === 1 ? 0 : t.channelOf(i)];
    }
    if (dtype === 'float32') {
      const v = new DataView(leaked.buffer, leaked.byteOffset + t.at, t.count * 4);
      return (i: number) => v.getFloat32(i * 4, true);
    }
    throw new EdgelockError('E_TRACE_MODEL', `leaked filter tensor ${t.tensor} is ${dtype}, not int8 or float32`);
  });
  const baseViews = bt.map((t) => new Int8Array(base.buffer, base.byteOffset + t.at, t.count));
  const e = new Float64Array(set.carriers.length);
  set.carriers.forEach((c, j) => {
    const t = bt[c.w];
    const s = t.scales[t.scales.length === 1 ? 0 : t.channelOf(c.i)];
    const d = (readers[c.w](c.i) / s - baseViews[c.w][c.i]) / (set.amplitude ? set.amplitude[j] : 1);
    e[j] = Math.max(-CLIP_STEPS, Math.min(CLIP_STEPS, d));
  });
  return e;
}
