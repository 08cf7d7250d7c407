import { OpContext, OpDef } from './types';
import { DType, Tensor } from '../ir/types';
import { castTensor, toNumbers } from '../ir/tensor';
import { EdgelockError } from '../errors';
import { dtypeFromOnnx, onnxDtypeName } from '../onnx/dtypes';
import { attrInt } from './support/attrs';
import { checkArity, inputType, invalidNode } from './support/node-check';
import { fromNumbers } from './support/tensor-ops';

function target(ctx: OpContext): DType {
  const to = attrInt(ctx, 'to');
  if (to === undefined) throw invalidNode(ctx, 'Cast needs the to attribute');
  const dt = dtypeFromOnnx(to);
  if (!dt)
    throw new EdgelockError('E_ONNX_DTYPE', `Cast to ${onnxDtypeName(to)} is not supported`, {
      node: ctx.node.name,
      op: 'Cast',
    });
  return dt;
}

export const cast: OpDef = {
  opType: 'Cast',
  tflm: 'folded',
  tflmNote: 'must fold to a constant or be a no-op (int8 graphs carry one type)',
  infer(ctx) {
    checkArity(ctx, 1, 1);
    const x = inputType(ctx, 0);
    return [{ dtype: target(ctx), shape: x.shape }];
  },
  evaluate(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const to = target(ctx);
    if (to === 'float16') return [fromNumbers('float16', x.shape, toNumbers(x))];
    if (x.dtype === 'int64' && to !== 'int64') {
      // Through numbers would clamp: wrap int64 into narrower ints exactly like a C cast.
      const src = x.data as BigInt64Array;
      const out = castTensor({ dtype: 'float64', shape: x.shape, data: new Float64Array(src.length) }, to);
      for (let i = 0; i < src.length; i++) {
        const v = src[i];
        (out.data as unknown as { [k: number]: number })[i] =
          to === 'bool'
            ? v !== 0n
              ? 1
              : 0
            : to === 'int32'
              ? Number(BigInt.asIntN(32, v))
              : to === 'int16'
                ? Number(BigInt.asIntN(16, v))
                : to === 'int8'
                  ? Number(BigInt.asIntN(8, v))
                  : to === 'uint8'
                    ? Number(BigInt.asUintN(8, v))
                    : Number(v);
      }
      return [out];
    }
    return [castTensor(x, to)];
  },
};
