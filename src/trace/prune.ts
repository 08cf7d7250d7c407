/**
 * Pruning of an int8 model, as a thief prunes a leaked copy (scripts/trace-measure.ts, the tests) and as black-box
 * tracing reproduces it on the base model to compare a pruned leak with (reference.ts). Three rules, the common ones
 * of pruning tools:
 *   - `filter`: in every filter tensor, the given fraction of its weights smallest in magnitude set to 0;
 *   - `global`: the fraction of all filter weights together smallest in magnitude (one threshold for the model, as
 *     global unstructured pruning does), so layers lose different shares;
 *   - `units`: structured — in every filter tensor but the last (the output classes), the fraction of its output units
 *     (filters of a convolution, rows of a dense layer) with the smallest L1 norm removed: their weights and bias 0.
 * Magnitudes are real values (the int8 weight times its channel's scale).
 */
import { readTflite } from '../tflite/reader';
import { scaleOf, weightTensors, WeightTensor } from './weight-tensors';

export type PruneRule = 'filter' | 'global' | 'units';
export const PRUNE_RULES: readonly PruneRule[] = ['filter', 'global', 'units'];

export interface Pruned {
  model: Uint8Array;
  /** per int8 filter tensor (by its tensor index in subgraph 0), 1 for every element the rule set to 0 */
  zeroed: Map<number, Uint8Array>;
}

/** the output unit of element i: the first dimension, or the last for a depthwise convolution */
function unitOf(t: WeightTensor): { units: number; of: (i: number) => number } {
  if (t.op === 'DEPTHWISE_CONV_2D') {
    const n = t.shape[t.shape.length - 1];
    return { units: n, of: (i) => i % n };
  }
  const inner = t.count / t.shape[0];
  return { units: t.shape[0], of: (i) => Math.floor(i / inner) };
}

/** What every rule needs: the int8 filter tensors, their weights' magnitudes, and a way to write a pruned copy. */
function filterTensors(model: Uint8Array) {
  const info = readTflite(model);
  const sg = info.subgraphs[0];
  const tensors = weightTensors(info).filter((t) => sg.tensors[t.tensor].dtype === 'int8');
  const view = (m: Uint8Array, t: WeightTensor) => new Int8Array(m.buffer, m.byteOffset + t.at, t.count);
  const mags = tensors.map((t) => Float64Array.from(view(model, t), (x, i) => Math.abs(x * scaleOf(t, i))));
  const zeroedAll = () => tensors.map((t) => new Uint8Array(t.count));
  /** a copy with the `zeroed` elements (per tensor) and the listed int32 bias entries set to 0 */
  const apply = (zeroed: Uint8Array[], biases: { at: number; units: number[] }[] = []): Pruned => {
    const out = new Uint8Array(model);
    tensors.forEach((t, w) => {
      const v = view(out, t);
      for (let i = 0; i < t.count; i++) if (zeroed[w][i]) v[i] = 0;
    });
    const data = new DataView(out.buffer, out.byteOffset, out.byteLength);
    for (const b of biases) for (const u of b.units) data.setInt32(b.at + 4 * u, 0, true);
    return { model: out, zeroed: new Map(tensors.map((t, w) => [t.tensor, zeroed[w]])) };
  };
  return { info, sg, tensors, mags, zeroedAll, apply };
}

const ascending = (n: number, key: (k: number) => number) =>
  Array.from({ length: n }, (_, k) => k).sort((a, b) => key(a) - key(b));

export interface UnitPruner {
  /** per hidden layer (every int8 filter tensor but the last), its output units from the smallest L1 norm up */
  orders: number[][];
  /** per layer, the units pruning at `fraction` removes: that share of the order, smallest first */
  at(fraction: number): number[][];
  /** the model with the listed units of each layer removed (weights and bias 0) */
  remove(units: readonly (readonly number[])[]): Pruned;
  /** the model pruned at `fraction`: remove(at(fraction)) */
  prune(fraction: number): Pruned;
}

/** Structured pruning: whole output units of every filter tensor but the last (the output classes). */
export function unitPruner(model: Uint8Array): UnitPruner {
  const { info, sg, tensors, mags, zeroedAll, apply } = filterTensors(model);
  const layers = tensors.slice(0, -1).map((t, w) => {
    const { units, of } = unitOf(t);
    const norm = new Float64Array(units);
    for (let i = 0; i < t.count; i++) norm[of(i)] += mags[w][i];
    const op = sg.operators.find((o) => o.inputs[1] === t.tensor)!;
    const bt = op.inputs[2] !== undefined && op.inputs[2] >= 0 ? sg.tensors[op.inputs[2]] : undefined;
    const bb = bt && bt.dtype === 'int32' ? info.buffers[bt.buffer] : undefined;
    const biasAt = bb && bb.dataOffset !== null && bb.size >= 4 * units ? bb.dataOffset : null;
    return { t, of, biasAt, order: ascending(units, (u) => norm[u]) };
  });
  const orders = layers.map((l) => l.order);
  const at = (fraction: number) => orders.map((o) => o.slice(0, Math.floor(fraction * o.length)));
  const remove = (units: readonly (readonly number[])[]) => {
    const zeroed = zeroedAll();
    const biases: { at: number; units: number[] }[] = [];
    layers.forEach(({ t, of, biasAt }, w) => {
      const cut = new Set(units[w]);
      for (let i = 0; i < t.count; i++) if (cut.has(of(i))) zeroed[w][i] = 1;
      if (biasAt !== null && cut.size) biases.push({ at: biasAt, units: [...cut] });
    });
    return apply(zeroed, biases);
  };
  return { orders, at, remove, prune: (fraction) => remove(at(fraction)) };
}

/** A pruner of `model` under `rule`: the orders are computed once, and each fraction prunes a copy. */
export function pruner(model: Uint8Array, rule: PruneRule = 'filter'): (fraction: number) => Pruned {
  if (rule === 'units') return unitPruner(model).prune;
  const { tensors, mags, zeroedAll, apply } = filterTensors(model);
  if (rule === 'filter') {
    const orders = tensors.map((t, w) => ascending(t.count, (i) => mags[w][i]));
    return (fraction) => {
      const zeroed = zeroedAll();
      orders.forEach((order, w) => {
        for (let k = 0; k < Math.floor(fraction * order.length); k++) zeroed[w][order[k]] = 1;
      });
      return apply(zeroed);
    };
  }
  // global: one order over every weight of every filter tensor
  const total = tensors.reduce((a, t) => a + t.count, 0);
  const tensorOf = new Int32Array(total);
  const indexOf = new Int32Array(total);
  let n = 0;
  tensors.forEach((t, w) => {
    for (let i = 0; i < t.count; i++, n++) [tensorOf[n], indexOf[n]] = [w, i];
  });
  const order = ascending(total, (k) => mags[tensorOf[k]][indexOf[k]]);
  return (fraction) => {
    const zeroed = zeroedAll();
    for (let k = 0; k < Math.floor(fraction * total); k++) zeroed[tensorOf[order[k]]][indexOf[order[k]]] = 1;
    return apply(zeroed);
  };
}

/** Pruning `fraction` under `rule` (default: the smallest weights of every filter). */
export function pruneWeights(model: Uint8Array, fraction: number, rule: PruneRule = 'filter'): Uint8Array {
  return pruner(model, rule)(fraction).model;
}
