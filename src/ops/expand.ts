import { OpDef } from './types';
import { Dim, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { checkArity, inputType, invalidNode } from './support/node-check';
import { broadcastShapes } from './support/shape';
import { broadcastStatic, broadcastTo } from './support/tensor-ops';

export const expand: OpDef = {
  opType: 'Expand',
  tflm: 'folded',
  tflmNote: 'must fold to a constant or be a broadcast absorbed by its consumer',
  infer(ctx) {
    checkArity(ctx, 2, 2);
    const x = inputType(ctx, 0);
    const s = inputType(ctx, 1);
    if (s.dtype !== 'int64') throw invalidNode(ctx, `Expand shape must be int64, got ${s.dtype}`);
    const target = ctx.consts[1];
    if (target) return [{ dtype: x.dtype, shape: broadcastShapes(ctx, [x.shape, toNumbers(target)]) }];
    const symbolic = ctx.symbolic?.[1];
    if (symbolic) return [{ dtype: x.dtype, shape: broadcastShapes(ctx, [x.shape, symbolic]) }];
    const len = s.shape?.[0];
    if (!x.shape || typeof len !== 'number') return [{ dtype: x.dtype, shape: null }];
    return [{ dtype: x.dtype, shape: new Array<Dim>(Math.max(len, x.shape.length)).fill(null) }];
  },
  evaluate(_ctx, inputs) {
    const x = inputs[0] as Tensor;
    const outShape = broadcastStatic([x.shape, toNumbers(inputs[1] as Tensor)]);
    return [broadcastTo(x, outShape)];
  },
};
