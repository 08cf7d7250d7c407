import { OpDef } from './types';
import { Dim, Tensor } from '../ir/types';
import { allocArray, shapeSize } from '../ir/tensor';
import { attrInt } from './support/attrs';
import { checkArity, inputType, invalidNode, shapeError } from './support/node-check';
import { dimsConflict, mergeDim, normAxis } from './support/shape';

export const concat: OpDef = {
  opType: 'Concat',
  tflm: 'int8',
  tflmNote: '→ CONCATENATION',
  infer(ctx) {
    checkArity(ctx, 1, Infinity);
    const axisAttr = attrInt(ctx, 'axis');
    if (axisAttr === undefined) throw invalidNode(ctx, 'Concat needs the axis attribute');
    const types = ctx.node.inputs.map((_, i) => inputType(ctx, i));
    const dtype = types[0].dtype;
    if (types.some((t) => t.dtype !== dtype))
      throw invalidNode(ctx, `Concat inputs have different types (${types.map((t) => t.dtype).join(', ')})`);
    const shapes = types.map((t) => t.shape).filter((s): s is Dim[] => s !== null);
    if (shapes.length === 0) return [{ dtype, shape: null }];
    const rank = shapes[0].length;
    if (shapes.some((s) => s.length !== rank)) throw shapeError(ctx, 'Concat inputs have different ranks');
    const axis = normAxis(ctx, axisAttr, rank);
    const out: Dim[] = [...shapes[0]];
    for (let i = 0; i < rank; i++) {
      if (i === axis) continue;
      for (const s of shapes) {
        if (dimsConflict(out[i], s[i]))
          throw shapeError(ctx, `Concat inputs differ in dim ${i} (${out[i]} vs ${s[i]})`);
        out[i] = mergeDim(out[i], s[i]);
      }
    }
    const all = types.every((t) => t.shape !== null);
    const sizes = all ? types.map((t) => t.shape![axis]) : [null];
    out[axis] = sizes.every((d) => typeof d === 'number') ? (sizes as number[]).reduce((a, b) => a + b, 0) : null;
    return [{ dtype, shape: out }];
  },
  evaluate(ctx, inputs) {
    const ts = inputs as Tensor[];
    const rank = ts[0].shape.length;
    const axis = normAxis(ctx, attrInt(ctx, 'axis', 0), rank);
    const outShape = [...ts[0].shape];
    outShape[axis] = ts.reduce((a, t) => a + t.shape[axis], 0);
    const outer = shapeSize(outShape.slice(0, axis));
    const inner = shapeSize(outShape.slice(axis + 1));
    const data = allocArray(ts[0].dtype, shapeSize(outShape));
    const rowOut = outShape[axis] * inner;
    let col = 0;
    for (const t of ts) {
      const rowIn = t.shape[axis] * inner;
      for (let o = 0; o < outer; o++) {
        (data as unknown as { set(a: ArrayLike<unknown>, off: number): void }).set(
          (t.data as unknown as { subarray(a: number, b: number): ArrayLike<unknown> }).subarray(
            o * rowIn,
            (o + 1) * rowIn,
          ),
          o * rowOut + col,
        );
      }
      col += rowIn;
    }
    return [{ dtype: ts[0].dtype, shape: outShape, data }];
  },
};
