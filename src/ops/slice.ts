import { OpContext, OpDef } from './types';
import { Dim, Tensor } from '../ir/types';
import { stridesOf, toNumbers } from '../ir/tensor';
import { checkArity, constInts, hasInput, inputType, invalidNode } from './support/node-check';
import { normAxes } from './support/axes';
import { forEachIndex, gatherElements } from './support/tensor-ops';

interface AxisSlice {
  axis: number;
  start: number;
  end: number;
  step: number;
}

/** The per-axis slices, or null when starts/ends/axes/steps are not all constant. */
function slices(ctx: OpContext, rank: number, consts: (Tensor | undefined)[]): AxisSlice[] | null {
  const get = (i: number): number[] | undefined | null =>
    hasInput(ctx, i) ? (consts[i] ? toNumbers(consts[i]!) : null) : undefined;
  const starts = get(1);
  const ends = get(2);
  const axesIn = get(3);
  const stepsIn = get(4);
  if (!starts || !ends || axesIn === null || stepsIn === null) return null;
  if (starts.length !== ends.length)
    throw invalidNode(ctx, `Slice starts (${starts.length}) and ends (${ends.length}) differ in length`);
  const axes = normAxes(ctx, axesIn ?? starts.map((_, i) => i), rank);
  const steps = stepsIn ?? starts.map(() => 1);
  if (axes.length !== starts.length || steps.length !== starts.length)
    throw invalidNode(ctx, 'Slice starts, ends, axes and steps differ in length');
  if (steps.some((s) => s === 0)) throw invalidNode(ctx, 'Slice step 0 is invalid');
  return axes.map((axis, i) => ({ axis, start: starts[i], end: ends[i], step: steps[i] }));
}

/** Clamped start and element count of one axis slice (ONNX Slice-13 rules). */
export function sliceAxis(dim: number, s: AxisSlice): { start: number; count: number } {
  let start = s.start < 0 ? s.start + dim : s.start;
  let end = s.end < 0 ? s.end + dim : s.end;
  if (s.step > 0) {
    start = Math.min(Math.max(start, 0), dim);
    end = Math.min(Math.max(end, 0), dim);
  } else {
    start = Math.min(Math.max(start, 0), dim - 1);
    end = Math.min(Math.max(end, -1), dim - 1);
  }
  const count = Math.max(0, Math.ceil((end - start) / s.step));
  return { start, count };
}

const BIG = 2 ** 31 - 1;

export const slice: OpDef = {
  opType: 'Slice',
  tflm: 'folded',
  tflmNote: 'shape-chain op: must fold to a constant',
  infer(ctx) {
    checkArity(ctx, 3, 5);
    const x = inputType(ctx, 0);
    for (const i of [1, 2, 3, 4]) {
      if (hasInput(ctx, i)) {
        const t = inputType(ctx, i);
        if (t.dtype !== 'int64' && t.dtype !== 'int32')
          throw invalidNode(ctx, `Slice input ${i} must be int32 or int64, got ${t.dtype}`);
      }
    }
    if (!x.shape) return [{ dtype: x.dtype, shape: null }];
    const sl = slices(ctx, x.shape.length, ctx.consts);
    if (!sl) {
      // Unknown bounds: the sliced axes lose their size, the others keep it.
      const axes = constInts(ctx, 3);
      const nStarts = ctx.inputs[1]?.shape?.[0];
      let touched: Set<number> | undefined;
      if (axes) touched = new Set(normAxes(ctx, axes, x.shape.length));
      else if (!hasInput(ctx, 3) && typeof nStarts === 'number')
        touched = new Set(Array.from({ length: nStarts }, (_, i) => i));
      return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (touched && !touched.has(i) ? d : null)) }];
    }
    const out: Dim[] = [...x.shape];
    for (const s of sl) {
      const d = x.shape[s.axis];
      if (typeof d === 'number') out[s.axis] = sliceAxis(d, s).count;
      else out[s.axis] = s.start === 0 && s.step === 1 && s.end >= BIG ? d : null;
    }
    return [{ dtype: x.dtype, shape: out }];
  },
  evaluate(ctx, inputs) {
    const x = inputs[0] as Tensor;
    const sl = slices(ctx, x.shape.length, inputs)!;
    const starts = x.shape.map(() => 0);
    const steps = x.shape.map(() => 1);
    const outShape = [...x.shape];
    for (const s of sl) {
      const r = sliceAxis(x.shape[s.axis], s);
      starts[s.axis] = r.start;
      steps[s.axis] = s.step;
      outShape[s.axis] = r.count;
    }
    const strides = stridesOf(x.shape);
    const map: number[] = [];
    forEachIndex(outShape, (o) => {
      let off = 0;
      for (let i = 0; i < o.length; i++) off += (starts[i] + o[i] * steps[i]) * strides[i];
      map.push(off);
    });
    return [gatherElements(x, outShape, map)];
  },
};
