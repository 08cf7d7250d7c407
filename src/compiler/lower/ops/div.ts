import { Node } from '../../../ir/types';
import { floatData, LowerContext } from '../context';
import { lowerBinary } from '../helpers/binary';

/**
 * Div → MUL by the reciprocal when the divisor is constant (int8 kernels exist for MUL on every
 * TFLM target), MUL by the RSQRT a Sqrt divisor was lowered to (src/compiler/lower/ops/sqrt.ts),
 * else DIV (float only in TFLite).
 */
export function lowerDiv(node: Node, ctx: LowerContext): void {
  const rsqrt = ctx.reciprocalOf.get(node.inputs[1]);
  if (rsqrt) {
    lowerBinary(ctx, node, 'MUL', { kind: 'Mul', fusedActivation: 'NONE' }, [node.inputs[0], rsqrt]);
    return;
  }
  const divisor = ctx.constOf(node.inputs[1]);
  if (!divisor) {
    lowerBinary(ctx, node, 'DIV', { kind: 'Div', fusedActivation: 'NONE' });
    return;
  }
  const name = `${node.inputs[1]}/reciprocal`;
  const reciprocal = floatData(divisor).map((v) => 1 / v);
  ctx.define(name, { kind: 'const', value: { dtype: 'float32', shape: [...divisor.shape], data: reciprocal } });
  lowerBinary(ctx, node, 'MUL', { kind: 'Mul', fusedActivation: 'NONE' }, [node.inputs[0], name]);
}
