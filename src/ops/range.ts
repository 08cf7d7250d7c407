import { OpDef } from './types';
import { Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { checkArity, inputType, invalidNode } from './support/node-check';
import { fromNumbers, isFloat } from './support/tensor-ops';

function count(start: number, limit: number, delta: number): number {
  return Math.max(Math.ceil((limit - start) / delta), 0);
}

export const range: OpDef = {
  opType: 'Range',
  tflm: 'folded',
  tflmNote: 'shape-chain op: must fold to a constant',
  infer(ctx) {
    checkArity(ctx, 3, 3);
    const types = [0, 1, 2].map((i) => inputType(ctx, i));
    if (types.some((t) => t.dtype !== types[0].dtype)) throw invalidNode(ctx, 'Range inputs must have one type');
    const c = ctx.consts;
    if (c[0] && c[1] && c[2]) {
      const [s, l, d] = [c[0], c[1], c[2]].map((t) => toNumbers(t)[0]);
      if (d === 0) throw invalidNode(ctx, 'Range delta is 0');
      return [{ dtype: types[0].dtype, shape: [count(s, l, d)] }];
    }
    return [{ dtype: types[0].dtype, shape: [null] }];
  },
  evaluate(ctx, inputs) {
    const [s, l, d] = (inputs as Tensor[]).map((t) => toNumbers(t)[0]);
    if (d === 0) throw invalidNode(ctx, 'Range delta is 0');
    const dtype = (inputs[0] as Tensor).dtype;
    const n = count(s, l, d);
    const vals = new Float64Array(n);
    // onnxruntime accumulates start += delta in the element type; float32 rounding follows that.
    const round = dtype === 'float32' ? Math.fround : (v: number) => v;
    let v = s;
    for (let i = 0; i < n; i++) {
      vals[i] = v;
      v = isFloat(dtype) ? round(v + d) : v + d;
    }
    return [fromNumbers(dtype, [n], vals)];
  },
};
