/** Reciprocal of a Sqrt → the RSQRT emitted for it (no op); any other Reciprocal → DIV(1, x), float only. */
import { makeTensor } from '../../../ir/tensor';
import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { lowerBinary } from '../helpers/binary';

export function lowerReciprocal(node: Node, ctx: LowerContext): void {
  const rsqrt = ctx.reciprocalOf.get(node.inputs[0]);
  if (rsqrt) {
    const v = ctx.act(node, rsqrt);
    ctx.defineAct(node.outputs[0], v.tensor, v.logical, v.layout, false);
    return;
  }
  const one = `${node.name}/one`;
  ctx.define(one, { kind: 'const', value: makeTensor('float32', [], Float32Array.of(1)) });
  lowerBinary(ctx, node, 'DIV', { kind: 'Div', fusedActivation: 'NONE' }, [one, node.inputs[0]]);
}
