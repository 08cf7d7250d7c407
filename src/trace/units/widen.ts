/**
 * Room for trigger units without touching what the model computes (docs/security.md, "Trigger units"): each dense
 * layer of the model's dense tail but the last (for an MLP every hidden layer, for LeNet the layers after the
 * convolutions) gets `count` new units after its own. A new unit reads everything its layer reads (the earlier new
 * units included); the model's own units get weight 0 from the new ones, and so do the last layer's outputs. The new
 * units start with small random incoming weights and a negative bias. The widened model computes exactly what the model
 * did, and the owner training (train.ts) trains the new units alone: a detector path beside the model.
 */
import { EdgelockError } from '../../errors';
import { Model, Node, Tensor } from '../../ir/types';
import { Rng } from '../../train/rng';

export function gemmOf(model: Model, weight: string): { node: Node; w: Tensor; b: Tensor; transB: boolean } {
  const node = model.graph.nodes.find((n) => n.opType === 'Gemm' && n.inputs[1] === weight);
  const w = model.graph.initializers.get(weight);
  const b = node && model.graph.initializers.get(node.inputs[2]);
  if (!node || !w || !b || w.dtype !== 'float32' || b.dtype !== 'float32' || w.shape.length !== 2)
    throw new EdgelockError('E_UNITS_MODEL', 'trigger units need dense layers as Gemm with float32 weights and bias');
  const t = node.attrs.transB;
  return { node, w, b, transB: t !== undefined && t.kind === 'int' && t.value === 1 };
}

/** An [out, in] weight grown to [out + addOut, in + addIn]; `fill(o, i)` gives the new entries. */
export function grow(
  g: { w: Tensor; transB: boolean },
  addOut: number,
  addIn: number,
  fill: (o: number, i: number) => number,
): Tensor {
  const [rows, cols] = g.w.shape;
  const [outs, ins] = g.transB ? [rows, cols] : [cols, rows];
  const [O, I] = [outs + addOut, ins + addIn];
  const from = g.w.data as Float32Array;
  const data = new Float32Array(O * I);
  for (let o = 0; o < O; o++)
    for (let i = 0; i < I; i++) {
      const v = o < outs && i < ins ? from[g.transB ? o * ins + i : i * outs + o] : fill(o, i);
      // stored as the model stores it: [out, in] when transB = 1, [in, out] otherwise
      data[g.transB ? o * I + i : i * O + o] = v;
    }
  return { dtype: 'float32', shape: g.transB ? [O, I] : [I, O], data };
}

/**
 * `model` with `count` units added to each Gemm of `hiddenWeights` (the tail's dense layers in order, all but the last)
 * and zero weights from the last hidden layer's new units into the Gemm of `outWeight`.
 */
export function addUnitsPath(
  model: Model,
  hiddenWeights: readonly string[],
  outWeight: string,
  count: number,
  seed: number,
): Model {
  const rng = new Rng(seed);
  const initializers = new Map(model.graph.initializers);
  const widened = new Set<string>();
  hiddenWeights.forEach((name, layer) => {
    const g = gemmOf(model, name);
    const outs = g.b.data.length;
    const ins = g.w.data.length / outs;
    const addIn = layer === 0 ? 0 : count;
    const std = Math.sqrt(2 / (ins + addIn)) / 4;
    // the model's units get 0 from the new ones; a new unit reads everything
    initializers.set(
      name,
      grow(g, count, addIn, (o) => (o < outs ? 0 : rng.normal() * std)),
    );
    const bias = new Float32Array(outs + count).fill(-0.1);
    bias.set(g.b.data as Float32Array);
    initializers.set(g.node.inputs[2], { dtype: 'float32', shape: [outs + count], data: bias });
    g.node.outputs.forEach((v) => widened.add(v));
  });
  const out = gemmOf(model, outWeight);
  initializers.set(
    outWeight,
    grow(out, 0, count, () => 0),
  );
  // the values between the widened layers get wider: let shape inference find their shapes again
  for (const n of model.graph.nodes)
    if (n !== out.node && widened.has(n.inputs[0]) && n.opType !== 'Gemm') n.outputs.forEach((v) => widened.add(v));
  const valueInfo = new Map([...model.graph.valueInfo].filter(([name]) => !widened.has(name)));
  return { ...model, graph: { ...model.graph, initializers, valueInfo } };
}
