/** ReduceMean → MEAN with the axes mapped through the input layout. */
import { Node } from '../../../ir/types';
import { iota } from '../../layout';
import { floatData, LowerContext, unsupported } from '../context';
import { intAttr, intsAttr, normalizeAxis } from '../helpers/attrs';
import { lowerMean } from '../helpers/mean';

export function lowerReduceMean(node: Node, ctx: LowerContext): void {
  const rank = ctx.shapeOf(node.inputs[0]).length;
  let axes: number[] | undefined;
  if (ctx.opset >= 18 && node.inputs[1]) {
    const t = ctx.constOf(node.inputs[1]);
    if (!t) throw unsupported(node, 'axes must be constant');
    axes = Array.from(floatData(t));
  } else {
    axes = intsAttr(node, 'axes');
  }
  if (!axes || axes.length === 0) {
    if (intAttr(node, 'noop_with_empty_axes', 0) === 1) {
      const x = ctx.act(node, node.inputs[0]);
      ctx.defineAct(node.outputs[0], x.tensor, x.logical, x.layout, false);
      return;
    }
    axes = iota(rank);
  }
  const normalized = [...new Set(axes.map((a) => normalizeAxis(node, a, rank)))];
  lowerMean(ctx, node, normalized, intAttr(node, 'keepdims', 1) === 1);
}
