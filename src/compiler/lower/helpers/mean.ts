/** MEAN over logical axes, in whatever layout the input has (axes are mapped through it). */
import { Node } from '../../../ir/types';
import { iota, permute } from '../../layout';
import { LowerContext } from '../context';

export function lowerMean(ctx: LowerContext, node: Node, axes: number[], keepDims: boolean): void {
  const x = ctx.act(node, node.inputs[0]);
  const L = x.logical;
  const P = ctx.permOf(x) ?? iota(L.length);
  const input = ctx.request(x, P, node);
  const physAxes = axes.map((a) => P.indexOf(a)).sort((a, b) => a - b);
  const axesTensor = ctx.addInt32(`${node.name}/axes`, physAxes);
  const physIn = permute(L, P);
  const outName = node.outputs[0];
  let logical: number[];
  let physical: number[];
  let perm: number[];
  if (keepDims) {
    logical = L.map((d, i) => (axes.includes(i) ? 1 : d));
    physical = physIn.map((d, j) => (physAxes.includes(j) ? 1 : d));
    perm = P;
  } else {
    logical = L.filter((_, i) => !axes.includes(i));
    physical = physIn.filter((_, j) => !physAxes.includes(j));
    const kept = P.filter((i) => !axes.includes(i));
    const rank = [...kept].sort((a, b) => a - b);
    perm = kept.map((i) => rank.indexOf(i));
  }
  const out = ctx.addAct(outName, physical, outName);
  ctx.emit('MEAN', { kind: 'Reducer', keepDims }, [input, axesTensor], [out], node);
  ctx.defineAct(outName, out, logical, { dims: logical, perm });
}
