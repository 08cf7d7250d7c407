/**
 * Sqrt. When it only feeds Div divisors and Reciprocals (LayerNorm: (x − μ) / √(σ² + ε), or
 * (x − μ) · Reciprocal(√…)), one RSQRT replaces it and those consumers multiply by its output
 * (int8 in TFLite Micro). Otherwise SQRT, which TFLite Micro runs in float only.
 */
import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { lowerUnary } from '../helpers/unary';

export function lowerSqrt(node: Node, ctx: LowerContext): void {
  const out = node.outputs[0];
  const readers = ctx.onnx.nodes.filter((n) => n.inputs.includes(out));
  const rsqrtOnly =
    !ctx.isGraphOutput(out) &&
    readers.length > 0 &&
    readers.every(
      (n) => (n.opType === 'Div' && n.inputs[1] === out && n.inputs[0] !== out) || n.opType === 'Reciprocal',
    );
  if (!rsqrtOnly) {
    lowerUnary(ctx, node, 'SQRT');
    return;
  }
  const x = ctx.act(node, node.inputs[0]);
  // a Reciprocal reader holds exactly 1/√x (calibrated); otherwise the range is 1/range(√x)
  const reciprocal = readers.find((n) => n.opType === 'Reciprocal');
  const t = ctx.addAct(`${out}/rsqrt`, ctx.tensor(x.tensor).shape, reciprocal ? reciprocal.outputs[0] : out);
  if (!reciprocal) ctx.tensor(t).derive = { kind: 'reciprocal' };
  ctx.emit('RSQRT', { kind: 'None' }, [x.tensor], [t], node);
  const name = ctx.uniqueName(`${out}/rsqrt`);
  ctx.define(name, { kind: 'act', tensor: t, logical: [...x.logical], layout: x.layout, owner: true });
  ctx.reciprocalOf.set(out, name);
}
