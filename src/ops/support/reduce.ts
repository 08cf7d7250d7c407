import { Dim, Tensor } from '../../ir/types';
import { shapeSize, toNumbers } from '../../ir/tensor';
import { OpContext, OpDef, TflmSupport, TflmVerdict } from '../types';
import { attrInt } from './attrs';
import { axesOf, normAxes } from './axes';
import { checkArity, inputType } from './node-check';
import { forEachIndex, fromNumbers } from './tensor-ops';

interface Reducer {
  init: number;
  step: (acc: number, v: number) => number;
  finish: (acc: number, count: number) => number;
}

/** The reduced axes (sorted), 'noop' for noop_with_empty_axes with no axes, or null if not known. */
export function reducedAxes(
  ctx: OpContext,
  rank: number,
  inputSince: number,
  consts: (Tensor | undefined)[],
): number[] | 'noop' | null {
  const axes = axesOf(ctx, inputSince, 1, consts);
  if (axes === null) return null;
  if (axes === undefined || axes.length === 0) {
    const noop = ctx.opset >= inputSince && attrInt(ctx, 'noop_with_empty_axes', 0) !== 0;
    return noop ? 'noop' : Array.from({ length: rank }, (_, i) => i);
  }
  return normAxes(ctx, axes, rank).sort((a, b) => a - b);
}

export function reduceOp(
  opType: string,
  inputSince: number,
  reducer: Reducer,
  tflm: TflmSupport,
  tflmNote: string,
  tflmFor?: (ctx: OpContext) => TflmVerdict,
): OpDef {
  return {
    opType,
    tflm,
    tflmNote,
    ...(tflmFor ? { tflmFor } : {}),
    infer(ctx) {
      checkArity(ctx, 1, ctx.opset >= inputSince ? 2 : 1);
      const x = inputType(ctx, 0);
      const keep = attrInt(ctx, 'keepdims', 1) !== 0;
      if (!x.shape) return [{ dtype: x.dtype, shape: null }];
      const axes = reducedAxes(ctx, x.shape.length, inputSince, ctx.consts);
      if (axes === 'noop') return [{ dtype: x.dtype, shape: x.shape }];
      if (axes === null) return [{ dtype: x.dtype, shape: keep ? x.shape.map(() => null) : null }];
      const shape: Dim[] = [];
      x.shape.forEach((d, i) => {
        if (!axes.includes(i)) shape.push(d);
        else if (keep) shape.push(1);
      });
      return [{ dtype: x.dtype, shape }];
    },
    evaluate(ctx, inputs) {
      const x = inputs[0] as Tensor;
      const keep = attrInt(ctx, 'keepdims', 1) !== 0;
      const axes = reducedAxes(ctx, x.shape.length, inputSince, inputs);
      if (axes === 'noop' || axes === null)
        return [{ dtype: x.dtype, shape: [...x.shape], data: x.data.slice() } as Tensor];
      const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
      const n = shapeSize(keptShape);
      const acc = new Float64Array(n).fill(reducer.init);
      const v = toNumbers(x);
      const keptStrides = keptShape.map((_, i) => shapeSize(keptShape.slice(i + 1)));
      forEachIndex(x.shape, (idx, flat) => {
        let o = 0;
        for (let i = 0; i < idx.length; i++) if (!axes.includes(i)) o += idx[i] * keptStrides[i];
        acc[o] = reducer.step(acc[o], v[flat]);
      });
      const count = shapeSize(x.shape) / Math.max(n, 1);
      for (let i = 0; i < n; i++) acc[i] = reducer.finish(acc[i], count);
      const outShape = keep ? keptShape : x.shape.filter((_, i) => !axes.includes(i));
      return [fromNumbers(x.dtype, outShape, acc)];
    },
  };
}
