import { OpDef } from './types';
import { Tensor } from '../ir/types';
import { cloneTensor } from '../ir/tensor';
import { checkArity, inputType } from './support/node-check';

export const identity: OpDef = {
  opType: 'Identity',
  tflm: 'folded',
  tflmNote: 'removed by Identity elimination',
  infer(ctx) {
    checkArity(ctx, 1, 1);
    const x = inputType(ctx, 0);
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  evaluate(_ctx, inputs) {
    return [cloneTensor(inputs[0] as Tensor)];
  },
};
