import { OpDef } from './types';
import { Tensor } from '../ir/types';
import { axesOf, normAxes } from './support/axes';
import { checkArity, inputType, shapeError } from './support/node-check';
import { reshapeTensor } from './support/tensor-ops';

export const squeeze: OpDef = {
  opType: 'Squeeze',
  tflm: 'int8',
  tflmNote: '→ RESHAPE (or removed)',
  infer(ctx) {
    checkArity(ctx, 1, ctx.opset >= 13 ? 2 : 1);
    const x = inputType(ctx, 0);
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    const axes = axesOf(ctx, 13, 1, ctx.consts);
    if (axes === null) return [{ dtype: x.dtype, shape: null }];
    if (axes === undefined) {
      if (x.shape.some((d) => typeof d !== 'number')) return [{ dtype: x.dtype, shape: null }];
      return [{ dtype: x.dtype, shape: x.shape.filter((d) => d !== 1) }];
    }
    const ax = normAxes(ctx, axes, x.shape.length);
    for (const a of ax) {
      const d = x.shape[a];
      if (typeof d === 'number' && d !== 1) throw shapeError(ctx, `Squeeze axis ${a} has size ${d}, not 1`);
    }
    return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !ax.includes(i)) }];
  },
  evaluate(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const axes = axesOf(ctx, 13, 1, inputs);
    const ax = axes
      ? normAxes(ctx, axes, x.shape.length)
      : x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
    for (const a of ax) if (x.shape[a] !== 1) throw shapeError(ctx, `Squeeze axis ${a} has size ${x.shape[a]}, not 1`);
    return [
      reshapeTensor(
        x,
        x.shape.filter((_, i) => !ax.includes(i)),
      ),
    ];
  },
};
