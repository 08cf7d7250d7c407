import { OpContext, OpDef } from './types';
import { Dim, Tensor } from '../ir/types';
import { attrInt } from './support/attrs';
import { checkArity, inputType } from './support/node-check';
import { int64Tensor } from './support/tensor-ops';

/** The [start, end) slice of the input's dims that Shape reports (start/end exist from opset 15). */
function range(ctx: OpContext, rank: number): [number, number] {
  if (ctx.opset < 15) return [0, rank];
  const clamp = (v: number): number => Math.min(rank, Math.max(0, v < 0 ? v + rank : v));
  return [clamp(attrInt(ctx, 'start', 0)), clamp(attrInt(ctx, 'end', rank))];
}

function dimsOf(ctx: OpContext, shape: Dim[]): Dim[] {
  const [s, e] = range(ctx, shape.length);
  return shape.slice(s, Math.max(s, e));
}

export const shape: OpDef = {
  opType: 'Shape',
  tflm: 'folded',
  tflmNote: 'folded to a constant (static input shape required)',
  infer(ctx) {
    checkArity(ctx, 1, 1);
    const x = inputType(ctx, 0);
    return [{ dtype: 'int64', shape: [x.shape ? dimsOf(ctx, x.shape).length : null] }];
  },
  foldFromTypes(ctx) {
    const x = ctx.inputs[0];
    if (!x?.shape) return undefined;
    const dims = dimsOf(ctx, x.shape);
    if (dims.some((d) => typeof d !== 'number')) return undefined;
    return [int64Tensor([dims.length], dims as number[])];
  },
  evaluate(ctx, inputs) {
    const dims = dimsOf(ctx, (inputs[0] as Tensor).shape) as number[];
    return [int64Tensor([dims.length], dims)];
  },
};
