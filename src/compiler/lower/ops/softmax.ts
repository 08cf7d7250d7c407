/**
 * Softmax → SOFTMAX over the last physical axis. Opset ≥ 13 normalises one axis; opsets 11-12
 * normalise the flattened tail from `axis` on (order within the set does not matter). The set
 * must be the trailing physical dims (size-1 dims aside); otherwise the input is transposed
 * so that it is (the one case where a layout change costs an op).
 */
import { shapeSize } from '../../../ir/tensor';
import { Node } from '../../../ir/types';
import { iota, permute } from '../../layout';
import { LowerContext } from '../context';
import { intAttr, normalizeAxis } from '../helpers/attrs';

export function lowerSoftmax(node: Node, ctx: LowerContext): void {
  const x = ctx.act(node, node.inputs[0]);
  const L = x.logical;
  const rank = L.length;
  const axis = normalizeAxis(node, intAttr(node, 'axis', ctx.opset >= 13 ? -1 : 1), rank);
  const set = ctx.opset >= 13 ? [axis] : iota(rank).slice(axis);
  const inSet = (i: number) => set.includes(i);
  let P = ctx.permOf(x) ?? iota(rank);
  const nonUnit = P.filter((i) => L[i] !== 1);
  const needed = set.filter((i) => L[i] !== 1).length;
  if (!nonUnit.slice(nonUnit.length - needed).every(inSet)) {
    P = [...P.filter((i) => !inSet(i)), ...P.filter(inSet)];
  }
  const physical = permute(L, P);
  const size = shapeSize(set.map((i) => L[i]));
  const rows = shapeSize(L) / size;
  let input = ctx.request(x, P, node);
  const direct = physical[physical.length - 1] === size;
  if (!direct) input = ctx.reshape(input, [rows, size], node, ctx.tensor(input).source);
  const outName = node.outputs[0];
  let out = ctx.addAct(direct ? outName : `${outName}/rows`, ctx.tensor(input).shape, outName);
  ctx.emit('SOFTMAX', { kind: 'Softmax', beta: 1 }, [input], [out], node);
  if (!direct) {
    const reshaped = ctx.addAct(outName, physical, outName);
    const shapeTensor = ctx.addInt32(`${outName}/shape`, physical);
    ctx.emit('RESHAPE', { kind: 'Reshape', newShape: physical }, [out, shapeTensor], [reshaped], node);
    out = reshaped;
  }
  ctx.defineAct(outName, out, L, { dims: [...L], perm: P });
}
