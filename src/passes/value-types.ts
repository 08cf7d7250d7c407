import { analyzeGraph } from '../ops/shape-inference';
import { Model, ValueInfo } from '../ir/types';

/** dtype and shape of every value (graph inputs, initializers, node outputs) as shape inference derives them. */
export function valueTypes(model: Model): Map<string, ValueInfo> {
  const m = new Map<string, ValueInfo>();
  for (const [name, t] of analyzeGraph(model).types)
    m.set(name, { name, dtype: t.dtype, shape: t.shape ? [...t.shape] : null });
  return m;
}

export function rankOf(v: ValueInfo | undefined): number | undefined {
  return v && v.shape !== null ? v.shape.length : undefined;
}
