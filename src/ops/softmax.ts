import { OpContext, OpDef } from './types';
import { Tensor } from '../ir/types';
import { shapeSize, toNumbers } from '../ir/tensor';
import { attrInt } from './support/attrs';
import { checkArity, inputType, requireFloat } from './support/node-check';
import { normAxis } from './support/shape';
import { fromNumbers } from './support/tensor-ops';

/** Softmax axis: before opset 13 the input is coerced to 2-D at `axis` (default 1); from 13 on it is one axis (default -1). */
function axisOf(ctx: OpContext, rank: number): number {
  const legacy = ctx.opset < 13;
  return normAxis(ctx, attrInt(ctx, 'axis', legacy ? 1 : -1), Math.max(rank, 1));
}

export const softmax: OpDef = {
  opType: 'Softmax',
  tflm: 'int8',
  tflmNote: '→ SOFTMAX (over the last axis)',
  tflmFor(ctx) {
    const rank = ctx.inputs[0]?.shape?.length;
    if (rank === undefined) return { support: 'none', note: 'Softmax on an input of unknown rank' };
    const axis = axisOf(ctx, rank);
    const last = axis === rank - 1;
    return last
      ? { support: 'int8', note: '→ SOFTMAX' }
      : { support: 'none', note: 'Softmax over a non-last axis has no TFLM lowering' };
  },
  infer(ctx) {
    checkArity(ctx, 1, 1);
    const x = inputType(ctx, 0);
    requireFloat(ctx, x, 'input');
    if (x.shape) axisOf(ctx, x.shape.length);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  evaluate(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const rank = x.shape.length;
    const axis = axisOf(ctx, rank);
    const legacy = ctx.opset < 13;
    // Softmax runs over `inner` contiguous groups of `len` elements spaced `inner` apart.
    const outer = shapeSize(x.shape.slice(0, axis));
    const len = legacy ? shapeSize(x.shape.slice(axis)) : (x.shape[axis] ?? 1);
    const inner = legacy ? 1 : shapeSize(x.shape.slice(axis + 1));
    const v = toNumbers(x);
    const out = new Float64Array(v.length);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        let mx = -Infinity;
        for (let k = 0; k < len; k++) mx = Math.max(mx, v[base + k * inner]);
        let s = 0;
        for (let k = 0; k < len; k++) s += Math.exp(v[base + k * inner] - mx);
        for (let k = 0; k < len; k++) out[base + k * inner] = Math.exp(v[base + k * inner] - mx) / s;
      }
    }
    return [fromNumbers(x.dtype, x.shape, out)];
  },
};
