import { OpContext, OpDef } from './types';
import { Dim, Tensor } from '../ir/types';
import { toNumbers } from '../ir/tensor';
import { attrInt, attrInts } from './support/attrs';
import { checkArity, hasInput, inputType, invalidNode } from './support/node-check';
import { normAxis } from './support/shape';
import { forEachIndex, gatherElements } from './support/tensor-ops';
import { stridesOf } from '../ir/tensor';

/** Sizes of the outputs along the axis, or null when they depend on unknown values. */
function sizes(ctx: OpContext, dim: Dim, consts: (Tensor | undefined)[]): number[] | null {
  const nOut = ctx.node.outputs.length;
  let split: number[] | undefined;
  if (ctx.opset < 13) split = attrInts(ctx, 'split');
  else if (hasInput(ctx, 1)) {
    if (!consts[1]) return null;
    split = toNumbers(consts[1]);
  }
  if (split) {
    if (split.length !== nOut) throw invalidNode(ctx, `Split has ${nOut} outputs but ${split.length} split sizes`);
    if (typeof dim === 'number' && split.reduce((a, b) => a + b, 0) !== dim)
      throw invalidNode(ctx, `Split sizes [${split}] do not sum to ${dim}`);
    return split;
  }
  if (typeof dim !== 'number') return null;
  const numOutputs = ctx.opset >= 18 ? attrInt(ctx, 'num_outputs') : undefined;
  if (numOutputs !== undefined) {
    if (numOutputs !== nOut) throw invalidNode(ctx, `Split num_outputs ${numOutputs} differs from its ${nOut} outputs`);
    const chunk = Math.ceil(dim / numOutputs);
    return Array.from({ length: nOut }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
  }
  if (dim % nOut !== 0) throw invalidNode(ctx, `Split cannot divide size ${dim} into ${nOut} equal parts`);
  return new Array<number>(nOut).fill(dim / nOut);
}

export const split: OpDef = {
  opType: 'Split',
  tflm: 'none',
  tflmNote: 'no int8 lowering in edgelock',
  infer(ctx) {
    checkArity(ctx, 1, ctx.opset >= 13 ? 2 : 1, 1, Infinity);
    const x = inputType(ctx, 0);
    if (!x.shape) return ctx.node.outputs.map(() => ({ dtype: x.dtype, shape: null }));
    const axis = normAxis(ctx, attrInt(ctx, 'axis', 0), x.shape.length);
    const s = sizes(ctx, x.shape[axis], ctx.consts);
    return ctx.node.outputs.map((_, i) => ({
      dtype: x.dtype,
      shape: x.shape!.map((d, a) => (a === axis ? (s ? s[i] : null) : d)),
    }));
  },
  evaluate(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const axis = normAxis(ctx, attrInt(ctx, 'axis', 0), x.shape.length);
    const s = sizes(ctx, x.shape[axis], inputs)!;
    const strides = stridesOf(x.shape);
    let start = 0;
    return s.map((len) => {
      const shape = x.shape.map((d, a) => (a === axis ? len : d));
      const map: number[] = [];
      forEachIndex(shape, (o) => {
        let off = 0;
        for (let i = 0; i < o.length; i++) off += (i === axis ? o[i] + start : o[i]) * strides[i];
        map.push(off);
      });
      start += len;
      return gatherElements(x, shape, map);
    });
  },
};
