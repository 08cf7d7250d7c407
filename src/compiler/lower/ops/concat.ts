/** Concat → CONCATENATION on the physical position of the logical axis (inputs share one layout). */
import { Node } from '../../../ir/types';
import { iota, isIdentityPerm, permute } from '../../layout';
import { ActValue, constantInLayout, LowerContext } from '../context';
import { intAttr, normalizeAxis } from '../helpers/attrs';

export function lowerConcat(node: Node, ctx: LowerContext): void {
  const outName = node.outputs[0];
  const out = ctx.shapeOf(outName);
  const rank = out.length;
  const axis = normalizeAxis(node, intAttr(node, 'axis', 0), rank);
  const names = node.inputs.filter(Boolean);
  const values = names.map((n) => ctx.value(node, n));
  const acts = values.filter((v): v is ActValue => v.kind === 'act');
  const lead = acts.find((a) => !isIdentityPerm(ctx.permOf(a) ?? [0])) ?? acts[0];
  const P = (lead && ctx.permOf(lead)) ?? iota(rank);
  const operands = values.map((v, i) => {
    if (v.kind === 'act') return ctx.request(v, P, node);
    const c = constantInLayout(v.value, rank, P);
    return ctx.addConst(`${names[i]}/${outName}`, c.shape, c.data, 'const-operand');
  });
  const o = ctx.addAct(outName, permute(out, P), outName);
  ctx.emit(
    'CONCATENATION',
    { kind: 'Concatenation', axis: P.indexOf(axis), fusedActivation: 'NONE' },
    operands,
    [o],
    node,
  );
  ctx.defineAct(outName, o, out, { dims: [...out], perm: [...P] });
}
