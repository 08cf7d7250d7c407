import { OpDef } from './types';
import { Tensor } from '../ir/types';
import { shapeSize } from '../ir/tensor';
import { attrInt } from './support/attrs';
import { checkArity, inputType, invalidNode } from './support/node-check';
import { dimsProduct } from './support/dims';
import { reshapeTensor } from './support/tensor-ops';

function axisFor(ctx: Parameters<OpDef['infer']>[0], rank: number): number {
  const a = attrInt(ctx, 'axis', 1);
  const n = a < 0 ? a + rank : a;
  if (n < 0 || n > rank) throw invalidNode(ctx, `Flatten axis ${a} is out of range for rank ${rank}`);
  return n;
}

export const flatten: OpDef = {
  opType: 'Flatten',
  tflm: 'int8',
  tflmNote: '→ RESHAPE (or removed)',
  infer(ctx) {
    checkArity(ctx, 1, 1);
    const x = inputType(ctx, 0);
    if (!x.shape) return [{ dtype: x.dtype, shape: [null, null] }];
    const axis = axisFor(ctx, x.shape.length);
    return [{ dtype: x.dtype, shape: [dimsProduct(x.shape.slice(0, axis)), dimsProduct(x.shape.slice(axis))] }];
  },
  evaluate(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const axis = axisFor(ctx, x.shape.length);
    return [reshapeTensor(x, [shapeSize(x.shape.slice(0, axis)), shapeSize(x.shape.slice(axis))])];
  },
};
