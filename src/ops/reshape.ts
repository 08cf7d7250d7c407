import { OpContext, OpDef } from './types';
import { Dim, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { attrInt } from './support/attrs';
import { checkArity, inputType, invalidNode, shapeError } from './support/node-check';
import { dimsQuotient } from './support/dims';
import { fmtShape, isStatic } from './support/shape';
import { reshapeTensor } from './support/tensor-ops';

/**
 * Output dims for a Reshape target: 0 copies the input dim (unless allowzero), -1 is inferred.
 * Symbolic target entries (from a shape value such as ['batch', -1]) pass through as dims.
 */
export function reshapeDims(ctx: OpContext, input: Dim[] | null, target: Dim[]): Dim[] {
  const allowZero = ctx.opset >= 14 && attrInt(ctx, 'allowzero', 0) !== 0;
  const minus = target.filter((d) => d === -1).length;
  if (minus > 1) throw invalidNode(ctx, `Reshape target [${target}] has more than one -1`);
  if (allowZero && minus === 1 && target.includes(0))
    throw invalidNode(ctx, 'Reshape with allowzero cannot combine 0 and -1');
  const out: Dim[] = target.map((d, i) => {
    if (typeof d !== 'number') return d;
    if (d < -1) throw invalidNode(ctx, `Reshape target [${target}] has an invalid dim ${d}`);
    if (d === 0 && !allowZero) {
      if (input && i >= input.length)
        throw shapeError(ctx, `Reshape target copies dim ${i} of a rank-${input.length} input`);
      return input ? input[i] : null;
    }
    return d;
  });
  if (!input) return out.map((d) => (d === -1 ? null : d));
  const known = out.filter((d, i) => target[i] !== -1);
  if (minus === 1) {
    let q: Dim;
    if (isStatic(input) && isStatic(known)) {
      const total = input.reduce((a, b) => a * b, 1);
      const k = known.reduce((a, b) => a * b, 1);
      if (k === 0 || total % k !== 0) throw shapeError(ctx, `cannot reshape ${fmtShape(input)} to [${target}]`);
      q = total / k;
    } else {
      q = dimsQuotient(input, known);
    }
    return out.map((d, i) => (target[i] === -1 ? q : d));
  }
  if (input.every((d) => typeof d === 'number') && out.every((d) => typeof d === 'number')) {
    const a = (input as number[]).reduce((x, y) => x * y, 1);
    const b = (out as number[]).reduce((x, y) => x * y, 1);
    if (a !== b)
      throw shapeError(ctx, `cannot reshape ${fmtShape(input)} (${a} elements) to ${fmtShape(out)} (${b} elements)`);
  }
  return out;
}

export const reshape: OpDef = {
  opType: 'Reshape',
  tflm: 'int8',
  tflmNote: '→ RESHAPE (or removed)',
  infer(ctx) {
    checkArity(ctx, 2, 2);
    const x = inputType(ctx, 0);
    const s = inputType(ctx, 1);
    if (s.dtype !== 'int64') throw invalidNode(ctx, `Reshape shape must be int64, got ${s.dtype}`);
    const target = ctx.consts[1];
    const symbolic = ctx.symbolic?.[1];
    if (!target && symbolic) return [{ dtype: x.dtype, shape: reshapeDims(ctx, x.shape, symbolic) }];
    if (!target) {
      const len = s.shape && s.shape.length === 1 ? s.shape[0] : null;
      return [{ dtype: x.dtype, shape: typeof len === 'number' ? new Array<Dim>(len).fill(null) : null }];
    }
    return [{ dtype: x.dtype, shape: reshapeDims(ctx, x.shape, toNumbers(target)) }];
  },
  evaluate(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const shape = reshapeDims(ctx, x.shape, toNumbers(inputs[1] as Tensor));
    if (shape.some((d) => typeof d !== 'number'))
      throw shapeError(ctx, `cannot reshape [${x.shape}] to [${toNumbers(inputs[1] as Tensor)}]`);
    return [reshapeTensor(x, shape as number[])];
  },
};
