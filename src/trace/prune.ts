/**
 * Magnitude pruning of an int8 model, as a thief prunes a leaked copy (scripts/trace-measure.ts, the tests) and as
 * black-box tracing reproduces it on the base model to compare a pruned leak with (reference.ts).
 */
import { readTflite } from '../tflite/reader';
import { scaleOf, weightTensors } from './weight-tensors';

/**
 * A pruner of `model`: every int8 filter tensor's weights ordered once by magnitude (through their scales); pruning
 * at a fraction sets that fraction of each tensor's smallest weights to 0 in a copy of the model.
 */
export function magnitudePruner(model: Uint8Array): (fraction: number) => Uint8Array {
  const info = readTflite(model);
  const tensors = weightTensors(info)
    .filter((t) => info.subgraphs[0].tensors[t.tensor].dtype === 'int8')
    .map((t) => {
      const v = new Int8Array(model.buffer, model.byteOffset + t.at, t.count);
      const mag = Float64Array.from(v, (x, i) => Math.abs(x * scaleOf(t, i)));
      return { t, order: Array.from({ length: t.count }, (_, i) => i).sort((a, b) => mag[a] - mag[b]) };
    });
  return (fraction) => {
    const out = new Uint8Array(model);
    for (const { t, order } of tensors) {
      const v = new Int8Array(out.buffer, out.byteOffset + t.at, t.count);
      for (let k = 0; k < Math.floor(fraction * t.count); k++) v[order[k]] = 0;
    }
    return out;
  };
}

/** Magnitude pruning: in every int8 filter tensor, the `fraction` of weights smallest in magnitude set to 0. */
export function pruneWeights(model: Uint8Array, fraction: number): Uint8Array {
  return magnitudePruner(model)(fraction);
}
