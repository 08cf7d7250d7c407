import { OpContext, OpDef } from './types';
import { Dim, Tensor } from '../ir/types';
import { axesOf, normAxes } from './support/axes';
import { checkArity, inputType, invalidNode } from './support/node-check';
import { reshapeTensor } from './support/tensor-ops';

function expandDims<T extends Dim>(ctx: OpContext, shape: T[], axes: number[]): (T | 1)[] {
  const rank = shape.length + axes.length;
  const ax = normAxes(ctx, axes, rank);
  const out: (T | 1)[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(ax.includes(i) ? 1 : shape[k++]);
  return out;
}

export const unsqueeze: OpDef = {
  opType: 'Unsqueeze',
  tflm: 'int8',
  tflmNote: '→ RESHAPE (or removed)',
  infer(ctx) {
    checkArity(ctx, 1, ctx.opset >= 13 ? 2 : 1);
    const x = inputType(ctx, 0);
    const axes = axesOf(ctx, 13, 1, ctx.consts);
    if (axes === undefined) throw invalidNode(ctx, 'Unsqueeze needs axes');
    if (!x.shape || axes === null) return [{ dtype: x.dtype, shape: null }];
    return [{ dtype: x.dtype, shape: expandDims(ctx, x.shape, axes) }];
  },
  evaluate(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const axes = axesOf(ctx, 13, 1, inputs);
    if (!axes) throw invalidNode(ctx, 'Unsqueeze needs axes');
    return [reshapeTensor(x, expandDims(ctx, x.shape, axes) as number[])];
  },
};
