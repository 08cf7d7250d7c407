/**
 * Magnitude pruning of an int8 model, as a thief prunes a leaked copy (scripts/trace-measure.ts, the tests) and as
 * black-box tracing reproduces it on the base model to compare a pruned leak with (reference.ts).
 */
import { readTflite } from '../tflite/reader';
import { scaleOf, weightTensors } from './weight-tensors';

/** Magnitude pruning: in every int8 filter tensor, the `fraction` of weights smallest in magnitude (through their scales) set to 0. */
export function pruneWeights(model: Uint8Array, fraction: number): Uint8Array {
  const out = new Uint8Array(model);
  const info = readTflite(out);
  for (const t of weightTensors(info)) {
    if (info.subgraphs[0].tensors[t.tensor].dtype !== 'int8') continue;
    const v = new Int8Array(out.buffer, out.byteOffset + t.at, t.count);
    const mag = Float64Array.from(v, (x, i) => Math.abs(x * scaleOf(t, i)));
    const order = Array.from({ length: t.count }, (_, i) => i).sort((a, b) => mag[a] - mag[b]);
    for (let k = 0; k < Math.floor(fraction * t.count); k++) v[order[k]] = 0;
  }
  return out;
}
