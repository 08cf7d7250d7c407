import { inferShapes } from '../ir/shape-inference';
import { Model, ValueInfo } from '../ir/types';

/**
 * dtype and shape of every value the passes may ask about: graph inputs/outputs, initializers and
 * whatever shape inference derives for intermediate values.
 */
export function valueTypes(model: Model): Map<string, ValueInfo> {
  const inferred = inferShapes(model).graph;
  const m = new Map<string, ValueInfo>();
  for (const [k, v] of inferred.valueInfo) m.set(k, v);
  for (const v of [...inferred.inputs, ...inferred.outputs]) if (!m.has(v.name) || m.get(v.name)?.shape === null) m.set(v.name, v);
  for (const [k, t] of model.graph.initializers) m.set(k, { name: k, dtype: t.dtype, shape: [...t.shape] });
  return m;
}

/** The shape when every dimension is a known number, else undefined. */
export function staticShape(v: ValueInfo | undefined): number[] | undefined {
  if (!v || v.shape === null) return undefined;
  return v.shape.every((d): d is number => typeof d === 'number') ? (v.shape as number[]) : undefined;
}

export function rankOf(v: ValueInfo | undefined): number | undefined {
  return v && v.shape !== null ? v.shape.length : undefined;
}
