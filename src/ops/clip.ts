import { OpDef, OpContext, TflmVerdict } from './types';
import { Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { attrFloat } from './support/attrs';
import { checkArity, hasInput, inputType, invalidNode, optionalType } from './support/node-check';
import { mapBroadcast } from './support/tensor-ops';

/** Clip bounds: attributes before opset 11, optional scalar inputs from 11 on. */
function bounds(
  ctx: OpContext,
  inputs: (Tensor | undefined)[],
): { lo: number | undefined; hi: number | undefined; known: boolean } {
  if (ctx.opset < 11) {
    return {
      lo: attrFloat(ctx, 'min', -3.4028234663852886e38),
      hi: attrFloat(ctx, 'max', 3.4028234663852886e38),
      known: true,
    };
  }
  const read = (i: number): { v: number | undefined; known: boolean } => {
    if (!hasInput(ctx, i)) return { v: undefined, known: true };
    const t = inputs[i];
    if (!t) return { v: undefined, known: false };
    if (t.data.length !== 1) throw invalidNode(ctx, `Clip ${i === 1 ? 'min' : 'max'} must be a scalar`);
    return { v: toNumbers(t)[0], known: true };
  };
  const lo = read(1);
  const hi = read(2);
  return { lo: lo.v, hi: hi.v, known: lo.known && hi.known };
}

function tflmFor(ctx: OpContext): TflmVerdict {
  const b = bounds(ctx, ctx.consts);
  if (!b.known) return { support: 'none', note: 'Clip with non-constant bounds has no int8 TFLM lowering' };
  const lo = b.lo ?? -Infinity;
  const hi = b.hi ?? Infinity;
  if (lo === 0 && hi === 6) return { support: 'int8', note: '→ RELU6' };
  if (lo === 0 && hi === Infinity) return { support: 'int8', note: '→ RELU' };
  if (lo === -1 && hi === 1) return { support: 'int8', note: '→ RELU_N1_TO_1' };
  return { support: 'none', note: `Clip(${lo}, ${hi}) has no int8 TFLM lowering (only (0,6), (0,∞), (-1,1))` };
}

export const clip: OpDef = {
  opType: 'Clip',
  tflm: 'int8',
  tflmNote: '→ RELU6 for Clip(0,6); RELU / RELU_N1_TO_1 for (0,∞) / (-1,1)',
  tflmFor,
  infer(ctx) {
    checkArity(ctx, 1, 3);
    const x = inputType(ctx, 0);
    for (const i of [1, 2]) {
      const t = optionalType(ctx, i);
      if (t && t.dtype !== x.dtype) throw invalidNode(ctx, `Clip bound ${i} has type ${t.dtype}, input is ${x.dtype}`);
      if (t && t.shape && t.shape.length > 1) throw invalidNode(ctx, `Clip bound ${i} must be a scalar`);
    }
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  evaluate(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const { lo, hi } = bounds(ctx, inputs);
    const l = lo ?? -Infinity;
    const h = hi ?? Infinity;
    return [mapBroadcast([x], x.dtype, (v) => (Number.isNaN(v) ? v : Math.min(h, Math.max(l, v))))];
  },
};
