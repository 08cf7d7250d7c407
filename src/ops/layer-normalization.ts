import { OpContext, OpDef, ValueType } from './types';
import { Tensor } from '../ir/types';
import { shapeSize, toNumbers } from '../ir/tensor';
import { attrFloat, attrInt } from './support/attrs';
import { checkArity, inputType, requireFloat, unsupportedForm } from './support/node-check';
import { normAxis } from './support/shape';
import { broadcastIndex, fromNumbers } from './support/tensor-ops';

/** LayerNormalization (opset 17, what PyTorch exports nn.LayerNorm as): normalises over axes [axis, rank). */
function axisOf(ctx: OpContext, rank: number): number {
  return normAxis(ctx, attrInt(ctx, 'axis', -1), rank);
}

export const layerNormalization: OpDef = {
  opType: 'LayerNormalization',
  tflm: 'int8',
  tflmNote:
    'rewritten as ReduceMean/Sub/Mul/ReduceMean/Add/Sqrt/Div/Mul/Add (layernorm-decomposition) → MEAN, SUB, MUL, ADD, RSQRT',
  infer(ctx) {
    if (ctx.opset < 17) throw unsupportedForm(ctx, `exists only from opset 17 (model uses ${ctx.opset})`);
    checkArity(ctx, 2, 3, 1, 3);
    const x = inputType(ctx, 0);
    requireFloat(ctx, x, 'input');
    const out: ValueType[] = [{ dtype: x.dtype, shape: x.shape }];
    const stashType = attrInt(ctx, 'stash_type', 1) === 1 ? 'float32' : x.dtype;
    if (ctx.node.outputs.length > 1) {
      const axis = x.shape ? axisOf(ctx, x.shape.length) : 0;
      const reduced = x.shape ? x.shape.map((d, i) => (i < axis ? d : 1)) : null;
      out.push({ dtype: stashType, shape: reduced }, { dtype: stashType, shape: reduced });
    }
    return out.slice(0, ctx.node.outputs.length);
  },
  evaluate(ctx, inputs) {
    const [x, scale, bias] = inputs as (Tensor | undefined)[];
    const axis = axisOf(ctx, x!.shape.length);
    const eps = Math.fround(attrFloat(ctx, 'epsilon', 1e-5));
    const outer = shapeSize(x!.shape.slice(0, axis));
    const inner = shapeSize(x!.shape.slice(axis));
    const normShape = x!.shape.slice(axis);
    const sv = toNumbers(scale!);
    const sMap = broadcastIndex(normShape, scale!.shape);
    const bv = bias ? toNumbers(bias) : undefined;
    const bMap = bias ? broadcastIndex(normShape, bias.shape) : undefined;
    const xv = toNumbers(x!);
    const out = new Float64Array(xv.length);
    const means = new Float64Array(outer);
    const invStd = new Float64Array(outer);
    for (let o = 0; o < outer; o++) {
      let m = 0;
      for (let i = 0; i < inner; i++) m += xv[o * inner + i];
      m /= inner;
      let v = 0;
      for (let i = 0; i < inner; i++) v += (xv[o * inner + i] - m) ** 2;
      const inv = 1 / Math.sqrt(v / inner + eps);
      means[o] = m;
      invStd[o] = inv;
      for (let i = 0; i < inner; i++)
        out[o * inner + i] = (xv[o * inner + i] - m) * inv * sv[sMap[i]] + (bv ? bv[bMap![i]] : 0);
    }
    const reduced = x!.shape.map((d, i) => (i < axis ? d : 1));
    const stash = attrInt(ctx, 'stash_type', 1) === 1 ? 'float32' : x!.dtype;
    return [
      fromNumbers(x!.dtype, x!.shape, out),
      fromNumbers(stash, reduced, means),
      fromNumbers(stash, reduced, invStd),
    ].slice(0, ctx.node.outputs.length);
  },
};
