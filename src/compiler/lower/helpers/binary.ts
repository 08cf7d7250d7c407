/**
 * Elementwise ops with NumPy broadcasting. The output keeps the layout of the full-shape
 * activation operand; the other operand is requested in the same layout (a constant is simply
 * transposed at compile time, with its broadcast dims as 1s).
 */
import { shapeSize } from '../../../ir/tensor';
import { Node } from '../../../ir/types';
import { iota, isIdentityPerm, permute, toPhysical } from '../../layout';
import { TflOptions } from '../../tfl-graph';
import { ActValue, ConstValue, constantInLayout, floatData, LowerContext, sameShape } from '../context';

export function lowerBinary(
  ctx: LowerContext,
  node: Node,
  op: string,
  options: TflOptions,
  inputs: string[] = node.inputs.slice(0, 2),
): void {
  const outName = node.outputs[0];
  const out = ctx.shapeOf(outName);
  const rank = out.length;
  const values: (ActValue | ConstValue)[] = inputs.map((n) => ctx.value(node, n));
  if (!values.some((v) => v.kind === 'act')) values[0] = ctx.act(node, inputs[0]);
  const acts = values.filter((v): v is ActValue => v.kind === 'act');
  // prefer a full-shape operand already in a non-trivial (e.g. NHWC) order: the others follow it
  const full = acts.filter((a) => sameShape(a.logical, out));
  const lead = full.find((a) => !isIdentityPerm(ctx.permOf(a) ?? [0])) ?? full[0] ?? acts[0];

  let P = sameShape(lead.logical, out) ? ctx.permOf(lead) : null;
  const operands: number[] = [];
  if (P === null && sameShape(lead.logical, out) && acts.length === 1) {
    // the activation's element order is not a permutation of its logical shape (e.g. a flattened
    // NHWC tensor): expand the constant to full size in exactly that order
    const physShape = ctx.tensor(lead.tensor).shape;
    values.forEach((v, i) => {
      if (v.kind === 'act') operands.push(v.tensor);
      else {
        const full = broadcastTo(floatData(v.value), v.value.shape, out);
        operands.push(
          ctx.addConst(`${inputs[i]}/${outName}`, physShape, toPhysical(full, lead.layout), 'const-operand'),
        );
      }
    });
    const o = ctx.addAct(outName, physShape, outName);
    ctx.emit(op, options, operands, [o], node);
    ctx.defineAct(outName, o, out, lead.layout);
    return;
  }
  if (P === null) P = iota(rank);
  values.forEach((v, i) => {
    if (v.kind === 'const') {
      const c = constantInLayout(v.value, rank, P!);
      operands.push(
        ctx.addConst(`${inputs[i]}/${outName}`, shapeSize(c.shape) === 1 ? [] : c.shape, c.data, 'const-operand'),
      );
    } else {
      const padded = [...new Array<number>(rank - v.logical.length).fill(1), ...v.logical];
      operands.push(ctx.request({ ...v, logical: padded }, P!, node));
    }
  });
  const o = ctx.addAct(outName, permute(out, P), outName);
  ctx.emit(op, options, operands, [o], node);
  ctx.defineAct(outName, o, out, { dims: [...out], perm: [...P] });
}

function broadcastTo(data: Float32Array, shape: number[], out: number[]): Float32Array {
  const rank = out.length;
  const padded = [...new Array<number>(rank - shape.length).fill(1), ...shape];
  const n = shapeSize(out);
  const result = new Float32Array(n);
  const strides = new Array<number>(rank);
  let acc = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = padded[i] === 1 ? 0 : acc;
    acc *= padded[i];
  }
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < n; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += idx[d] * strides[d];
    result[o] = data[src];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return result;
}
