import { OpContext, OpDef } from './types';
import { Dim, Tensor } from '../ir/types';
import { shapeSize, toNumbers } from '../ir/tensor';
import { attrTensor } from './support/attrs';
import { checkArity, inputType, invalidNode } from './support/node-check';
import { gatherElements, fromNumbers } from './support/tensor-ops';

function fill(ctx: OpContext): Tensor {
  const v = attrTensor(ctx, 'value') ?? fromNumbers('float32', [1], [0]);
  if (v.data.length !== 1) throw invalidNode(ctx, 'ConstantOfShape value must hold one element');
  return v;
}

export const constantOfShape: OpDef = {
  opType: 'ConstantOfShape',
  tflm: 'folded',
  tflmNote: 'shape-chain op: must fold to a constant',
  infer(ctx) {
    checkArity(ctx, 1, 1);
    const s = inputType(ctx, 0);
    if (s.dtype !== 'int64') throw invalidNode(ctx, `ConstantOfShape input must be int64, got ${s.dtype}`);
    const dtype = fill(ctx).dtype;
    const known = ctx.consts[0];
    if (known) return [{ dtype, shape: toNumbers(known) }];
    const symbolic = ctx.symbolic?.[0];
    if (symbolic) return [{ dtype, shape: [...symbolic] }];
    const len = s.shape?.[0];
    return [{ dtype, shape: typeof len === 'number' ? new Array<Dim>(len).fill(null) : null }];
  },
  evaluate(ctx, inputs) {
    const shape = toNumbers(inputs[0] as Tensor);
    if (shape.some((d) => d < 0)) throw invalidNode(ctx, `ConstantOfShape shape [${shape}] has a negative dim`);
    return [gatherElements(fill(ctx), shape, new Int32Array(shapeSize(shape)))];
  },
};
