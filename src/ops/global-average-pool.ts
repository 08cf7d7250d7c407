import { OpDef } from './types';
import { Tensor } from '../ir/types';
import { shapeSize, toNumbers } from '../ir/tensor';
import { checkArity, inputType, requireFloat, shapeError } from './support/node-check';
import { fromNumbers } from './support/tensor-ops';

export const globalAveragePool: OpDef = {
  opType: 'GlobalAveragePool',
  tflm: 'int8',
  tflmNote: '→ MEAN over the spatial axes',
  infer(ctx) {
    checkArity(ctx, 1, 1);
    const x = inputType(ctx, 0);
    requireFloat(ctx, x, 'input');
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    if (x.shape.length < 3) throw shapeError(ctx, 'GlobalAveragePool input must have rank ≥ 3');
    return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...x.shape.slice(2).map(() => 1)] }];
  },
  evaluate(_ctx, inputs) {
    const x = inputs[0] as Tensor;
    const [n, c] = x.shape;
    const sp = shapeSize(x.shape.slice(2));
    const xv = toNumbers(x);
    const out = new Float64Array(n * c);
    for (let p = 0; p < n * c; p++) {
      let s = 0;
      for (let i = 0; i < sp; i++) s += xv[p * sp + i];
      out[p] = s / sp;
    }
    return [fromNumbers(x.dtype, [n, c, ...x.shape.slice(2).map(() => 1)], out)];
  },
};
