/** Slice with unit steps → SLICE, begin/size mapped through the input's layout. */
import { Node } from '../../../ir/types';
import { iota, permute } from '../../layout';
import { floatData, LowerContext, unsupported } from '../context';
import { normalizeAxis } from '../helpers/attrs';

function constList(ctx: LowerContext, node: Node, index: number, what: string): number[] | undefined {
  const name = node.inputs[index];
  if (!name) return undefined;
  const t = ctx.constOf(name);
  if (!t) throw unsupported(node, `${what} must be constant`);
  return Array.from(floatData(t));
}

export function lowerSlice(node: Node, ctx: LowerContext): void {
  const x = ctx.act(node, node.inputs[0]);
  const L = x.logical;
  const rank = L.length;
  const starts = constList(ctx, node, 1, 'starts')!;
  const axes = (constList(ctx, node, 3, 'axes') ?? iota(starts.length)).map((a) => normalizeAxis(node, a, rank));
  const steps = constList(ctx, node, 4, 'steps') ?? starts.map(() => 1);
  if (steps.some((s) => s !== 1)) throw unsupported(node, 'only unit steps have a SLICE lowering');
  const outLogical = ctx.shapeOf(node.outputs[0]);
  const begin = new Array<number>(rank).fill(0);
  axes.forEach((a, i) => {
    const s = starts[i] < 0 ? starts[i] + L[a] : starts[i];
    begin[a] = Math.min(Math.max(s, 0), L[a]);
  });
  const P = ctx.permOf(x) ?? iota(rank);
  const input = ctx.request(x, P, node);
  const outName = node.outputs[0];
  const physical = permute(outLogical, P);
  const out = ctx.addAct(outName, physical, outName);
  const beginT = ctx.addInt32(`${node.name}/begin`, permute(begin, P));
  const sizeT = ctx.addInt32(`${node.name}/size`, physical);
  ctx.emit('SLICE', { kind: 'Slice' }, [input, beginT, sizeT], [out], node);
  ctx.defineAct(outName, out, outLogical, { dims: [...outLogical], perm: [...P] });
}
