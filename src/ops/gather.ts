import { OpDef } from './types';
import { Tensor } from '../ir/types';
import { shapeSize, toNumbers } from '../ir/tensor';
import { attrInt } from './support/attrs';
import { checkArity, inputType, invalidNode } from './support/node-check';
import { normAxis } from './support/shape';
import { gatherElements } from './support/tensor-ops';

export const gather: OpDef = {
  opType: 'Gather',
  tflm: 'folded',
  tflmNote: 'shape-chain op: must fold to a constant',
  infer(ctx) {
    checkArity(ctx, 2, 2);
    const x = inputType(ctx, 0);
    const ind = inputType(ctx, 1);
    if (ind.dtype !== 'int64' && ind.dtype !== 'int32')
      throw invalidNode(ctx, `Gather indices must be int32 or int64, got ${ind.dtype}`);
    if (!x.shape || !ind.shape) return [{ dtype: x.dtype, shape: null }];
    const axis = normAxis(ctx, attrInt(ctx, 'axis', 0), x.shape.length);
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...ind.shape, ...x.shape.slice(axis + 1)] }];
  },
  evaluate(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const ind = inputs[1] as Tensor;
    const axis = normAxis(ctx, attrInt(ctx, 'axis', 0), x.shape.length);
    const dim = x.shape[axis];
    const indices = toNumbers(ind).map((i) => {
      const n = i < 0 ? i + dim : i;
      if (n < 0 || n >= dim) throw invalidNode(ctx, `Gather index ${i} is out of range for dim ${dim}`);
      return n;
    });
    const outer = shapeSize(x.shape.slice(0, axis));
    const inner = shapeSize(x.shape.slice(axis + 1));
    const map: number[] = [];
    for (let o = 0; o < outer; o++)
      for (const i of indices) for (let k = 0; k < inner; k++) map.push((o * dim + i) * inner + k);
    return [gatherElements(x, [...x.shape.slice(0, axis), ...ind.shape, ...x.shape.slice(axis + 1)], map)];
  },
};
