/** Elementwise single-input ops: same layout and physical shape in and out. */
import { Node } from '../../../ir/types';
import { TflOptions } from '../../tfl-graph';
import { LowerContext } from '../context';

export function lowerUnary(ctx: LowerContext, node: Node, op: string, options: TflOptions = { kind: 'None' }): void {
  const x = ctx.act(node, node.inputs[0]);
  const out = ctx.addAct(node.outputs[0], ctx.tensor(x.tensor).shape, node.outputs[0]);
  ctx.emit(op, options, [x.tensor], [out], node);
  ctx.defineAct(node.outputs[0], out, x.logical, x.layout);
}

/** An op that only relabels its input (Reshape, Flatten, Squeeze, Identity, a Transpose): no TFLite op. */
export function lowerAlias(ctx: LowerContext, node: Node, logical: number[]): void {
  const x = ctx.act(node, node.inputs[0]);
  ctx.defineAct(node.outputs[0], x.tensor, logical, x.layout, false);
}
