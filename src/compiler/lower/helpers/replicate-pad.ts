/**
 * Edge-replicating padding of an NHWC tensor, built from SLICE and CONCATENATION. For max
 * pooling it is exact where ONNX pads with -inf: every window that reaches into the padding also
 * holds the border element being replicated. Unlike a PADV2 with -FLT_MAX it needs no value
 * outside the data's range, so int8 quantisation stays exact (SLICE/CONCATENATION keep params).
 */
import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { Geometry } from './spatial';

function padAxis(ctx: LowerContext, node: Node, tensor: number, axis: 1 | 2, before: number, after: number): number {
  if (before === 0 && after === 0) return tensor;
  const t = ctx.tensor(tensor);
  const edge = (at: number, label: string) => {
    const begin = [0, 0, 0, 0];
    begin[axis] = at;
    const size = [...t.shape];
    size[axis] = 1;
    const out = ctx.addAct(`${node.name}/${label}`, size, t.source);
    ctx.emit(
      'SLICE',
      { kind: 'Slice' },
      [tensor, ctx.addInt32(`${node.name}/${label}/begin`, begin), ctx.addInt32(`${node.name}/${label}/size`, size)],
      [out],
      node,
    );
    return out;
  };
  const parts: number[] = [];
  if (before > 0) {
    const first = edge(0, `edge${axis}_begin`);
    for (let i = 0; i < before; i++) parts.push(first);
  }
  parts.push(tensor);
  if (after > 0) {
    const last = edge(t.shape[axis] - 1, `edge${axis}_end`);
    for (let i = 0; i < after; i++) parts.push(last);
  }
  const shape = [...t.shape];
  shape[axis] += before + after;
  const out = ctx.addAct(`${node.name}/replicated${axis}`, shape, t.source);
  ctx.emit('CONCATENATION', { kind: 'Concatenation', axis, fusedActivation: 'NONE' }, parts, [out], node);
  return out;
}

export function replicatePadSpatial(
  ctx: LowerContext,
  node: Node,
  tensor: number,
  g: Geometry,
): { tensor: number; input: number[] } {
  const h = padAxis(ctx, node, tensor, 1, g.begin[0], g.end[0]);
  const hw = padAxis(ctx, node, h, 2, g.begin[1], g.end[1]);
  return { tensor: hw, input: g.input.map((x, i) => x + g.begin[i] + g.end[i]) };
}
