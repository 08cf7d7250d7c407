/**
 * HardSigmoid(x) = clip(αx + β, 0, 1).
 * - Multiplied by its own input with α = 1/6, β = 0.5 (how PyTorch exports hardswish before
 *   opset 14): the pair becomes one HARD_SWISH and the Mul node is consumed here.
 * - Otherwise (any α, β): relu6(6αx + 6β) / 6 as MUL, ADD with a fused RELU6, MUL. The two
 *   intermediates take their int8 ranges analytically from x's calibrated range (6α·x, then
 *   6α·x + 6β clipped to [0, 6] by the RELU6).
 */
import { Node } from '../../../ir/types';
import { LowerContext } from '../context';
import { floatAttr } from '../helpers/attrs';

const SIXTH = 1 / 6;

function hardSwishPartner(ctx: LowerContext, node: Node, alpha: number, beta: number): Node | undefined {
  if (Math.abs(alpha - SIXTH) > 1e-6 || beta !== 0.5) return undefined;
  const out = node.outputs[0];
  if (ctx.useCount(out) !== 1 || ctx.isGraphOutput(out)) return undefined;
  const mul = ctx.onnx.nodes.find((n) => n.inputs.includes(out));
  if (!mul || mul.opType !== 'Mul' || (mul.domain !== '' && mul.domain !== 'ai.onnx')) return undefined;
  const other = mul.inputs[0] === out ? mul.inputs[1] : mul.inputs[0];
  return other === node.inputs[0] && mul.inputs[0] !== mul.inputs[1] ? mul : undefined;
}

export function lowerHardSigmoid(node: Node, ctx: LowerContext): void {
  const alpha = floatAttr(node, 'alpha', 0.2);
  const beta = floatAttr(node, 'beta', 0.5);
  const x = ctx.act(node, node.inputs[0]);
  const shape = ctx.tensor(x.tensor).shape;
  const mul = hardSwishPartner(ctx, node, alpha, beta);
  if (mul) {
    const outName = mul.outputs[0];
    const out = ctx.addAct(outName, shape, outName);
    ctx.emit('HARD_SWISH', { kind: 'HardSwish' }, [x.tensor], [out], mul);
    ctx.defineAct(outName, out, x.logical, x.layout);
    ctx.consumed.add(mul.name);
    return;
  }
  const outName = node.outputs[0];
  const scale = ctx.addConst(`${outName}/scale`, [], Float32Array.of(6 * alpha), 'const-operand');
  const shift = ctx.addConst(`${outName}/shift`, [], Float32Array.of(6 * beta), 'const-operand');
  const sixth = ctx.addConst(`${outName}/sixth`, [], Float32Array.of(SIXTH), 'const-operand');
  const scaled = ctx.addAct(`${outName}/scaled`, shape, node.inputs[0]);
  ctx.tensor(scaled).derive = { kind: 'affine', scale: 6 * alpha, offset: 0 };
  ctx.emit('MUL', { kind: 'Mul', fusedActivation: 'NONE' }, [x.tensor, scale], [scaled], node);
  const clipped = ctx.addAct(`${outName}/relu6`, shape, node.inputs[0]);
  ctx.tensor(clipped).derive = { kind: 'affine', scale: 6 * alpha, offset: 6 * beta };
  ctx.emit('ADD', { kind: 'Add', fusedActivation: 'RELU6' }, [scaled, shift], [clipped], node);
  const out = ctx.addAct(outName, shape, outName);
  ctx.emit('MUL', { kind: 'Mul', fusedActivation: 'NONE' }, [clipped, sixth], [out], node);
  ctx.defineAct(outName, out, x.logical, x.layout);
}
