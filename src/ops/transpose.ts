import { OpContext, OpDef } from './types';
import { Tensor } from '../ir/types';
import { stridesOf } from '../ir/tensor';
import { attrInts } from './support/attrs';
import { checkArity, inputType, invalidNode } from './support/node-check';
import { forEachIndex, gatherElements } from './support/tensor-ops';

function permOf(ctx: OpContext, rank: number): number[] {
  const perm = attrInts(ctx, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== rank || sorted.some((p, i) => p !== i))
    throw invalidNode(ctx, `perm [${perm}] is not a permutation of rank ${rank}`);
  return perm;
}

export const transpose: OpDef = {
  opType: 'Transpose',
  tflm: 'int8',
  tflmNote: '→ TRANSPOSE (unless removed by the layout conversion)',
  infer(ctx) {
    checkArity(ctx, 1, 1);
    const x = inputType(ctx, 0);
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    const perm = permOf(ctx, x.shape.length);
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape![p]) }];
  },
  evaluate(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const perm = permOf(ctx, x.shape.length);
    const outShape = perm.map((p) => x.shape[p]);
    const inStrides = stridesOf(x.shape);
    const idx = new Int32Array(x.data.length);
    forEachIndex(outShape, (o, flat) => {
      let off = 0;
      for (let i = 0; i < o.length; i++) off += o[i] * inStrides[perm[i]];
      idx[flat] = off;
    });
    return [gatherElements(x, outShape, idx)];
  },
};
