/** Drops tensors no op, input or output refers to, renumbering the rest (order preserved). */
import { TflGraph } from './tfl-graph';

export function pruneTensors(g: TflGraph): TflGraph {
  const used = new Set<number>([...g.inputs, ...g.outputs]);
  for (const op of g.ops) for (const t of [...op.inputs, ...op.outputs]) if (t >= 0) used.add(t);
  const remap = new Map<number, number>();
  const tensors = g.tensors
    .filter((t) => used.has(t.id))
    .map((t, i) => {
      remap.set(t.id, i);
      return { ...t, id: i };
    });
  const m = (t: number) => (t < 0 ? t : remap.get(t)!);
  return {
    ...g,
    tensors,
    ops: g.ops.map((op) => ({ ...op, inputs: op.inputs.map(m), outputs: op.outputs.map(m) })),
    inputs: g.inputs.map(m),
    outputs: g.outputs.map(m),
  };
}
