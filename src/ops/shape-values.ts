/**
 * Symbolic shape values: the contents of small integer tensors that carry shapes (Shape outputs and
 * what exporters compute from them) when some entries are symbolic dims such as 'batch'. Tracking
 * them lets `Reshape(x, Concat(Gather(Shape(x), 0), [-1]))` infer ['batch', 48] instead of [?, ?].
 */
import { Dim, Node, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { OpContext } from './types';
import { sliceAxis } from './slice';

/** Contents of a value as dims: a small int constant, or a tracked symbolic shape value. */
export type ShapeValue = Dim[];

const MAX_LEN = 16;

export function shapeValueOfConst(t: Tensor | undefined): ShapeValue | undefined {
  if (!t || (t.dtype !== 'int64' && t.dtype !== 'int32') || t.shape.length > 1 || t.data.length > MAX_LEN)
    return undefined;
  return toNumbers(t);
}

type Propagator = (node: Node, ctx: OpContext, vals: (ShapeValue | undefined)[]) => ShapeValue | undefined;

const axisAttr = (node: Node, name: string, dflt: number): number => {
  const a = node.attrs[name];
  return a && a.kind === 'int' ? a.value : dflt;
};

const PROPAGATORS: Record<string, Propagator> = {
  Shape(node, ctx) {
    const shape = ctx.inputs[0]?.shape;
    if (!shape || shape.length > MAX_LEN) return undefined;
    if (ctx.opset < 15) return [...shape];
    const r = shape.length;
    const clamp = (v: number): number => Math.min(r, Math.max(0, v < 0 ? v + r : v));
    const s = clamp(axisAttr(node, 'start', 0));
    const e = clamp(axisAttr(node, 'end', r));
    return shape.slice(s, Math.max(s, e));
  },
  Identity: (_n, _c, v) => v[0],
  Cast(node, _c, v) {
    const to = node.attrs.to;
    return to && to.kind === 'int' && (to.value === 7 || to.value === 6) ? v[0] : undefined;
  },
  Squeeze: (_n, ctx, v) => ((ctx.inputs[0]?.shape?.length ?? 2) <= 1 ? v[0] : undefined),
  Unsqueeze: (_n, ctx, v) => ((ctx.inputs[0]?.shape?.length ?? 2) <= 1 ? v[0] : undefined),
  Gather(node, ctx, v) {
    const data = v[0];
    const idx = ctx.consts[1];
    if (!data || !idx || axisAttr(node, 'axis', 0) !== 0 || (ctx.inputs[0]?.shape?.length ?? 0) !== 1) return undefined;
    const out: Dim[] = [];
    for (const i of toNumbers(idx)) {
      const n = i < 0 ? i + data.length : i;
      if (n < 0 || n >= data.length) return undefined;
      out.push(data[n]);
    }
    return out;
  },
  Concat(node, _c, v) {
    if (axisAttr(node, 'axis', 0) !== 0 && axisAttr(node, 'axis', 0) !== -1) return undefined;
    if (v.some((x) => x === undefined)) return undefined;
    return (v as Dim[][]).flat();
  },
  Slice(_node, ctx, v) {
    const data = v[0];
    const [starts, ends, axes, steps] = [1, 2, 3, 4].map((i) => (ctx.node.inputs[i] ? ctx.consts[i] : undefined));
    if (!data || !starts || !ends || (ctx.node.inputs[3] && !axes) || (ctx.node.inputs[4] && !steps)) return undefined;
    if (toNumbers(starts).length !== 1 || (axes && ![0, -1].includes(toNumbers(axes)[0]))) return undefined;
    const step = steps ? toNumbers(steps)[0] : 1;
    const { start, count } = sliceAxis(data.length, {
      axis: 0,
      start: toNumbers(starts)[0],
      end: toNumbers(ends)[0],
      step,
    });
    return Array.from({ length: count }, (_, i) => data[start + i * step]);
  },
};

/** The symbolic contents of a node's first output, when its op propagates shape values. */
export function propagateShapeValue(
  node: Node,
  ctx: OpContext,
  inputs: (ShapeValue | undefined)[],
): ShapeValue | undefined {
  const p = PROPAGATORS[node.opType];
  return p ? p(node, ctx, inputs) : undefined;
}
