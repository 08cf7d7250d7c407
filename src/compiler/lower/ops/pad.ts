/** Pad (constant mode) → PAD, or PADV2 for a non-zero value; pads follow the input's layout. */
import { Node } from '../../../ir/types';
import { iota, permute } from '../../layout';
import { floatData, LowerContext, unsupported } from '../context';
import { normalizeAxis, stringAttr } from '../helpers/attrs';

function constInts(ctx: LowerContext, node: Node, index: number, what: string): number[] | undefined {
  const name = node.inputs[index];
  if (!name) return undefined;
  const t = ctx.constOf(name);
  if (!t) throw unsupported(node, `${what} must be constant`);
  return Array.from(floatData(t));
}

export function lowerPad(node: Node, ctx: LowerContext): void {
  const mode = stringAttr(node, 'mode', 'constant');
  if (mode !== 'constant') throw unsupported(node, `mode '${mode}' has no TFLite Micro lowering (constant only)`);
  const x = ctx.act(node, node.inputs[0]);
  const L = x.logical;
  const rank = L.length;
  // opset ≥ 11 form: pads, constant_value and (opset 18) axes are inputs
  const given = constInts(ctx, node, 1, 'pads');
  if (!given) throw unsupported(node, 'pads are missing');
  const value = constInts(ctx, node, 2, 'constant_value')?.[0] ?? 0;
  const axes = constInts(ctx, node, 3, 'axes')?.map((a) => normalizeAxis(node, a, rank)) ?? iota(rank);
  const pads = new Array<number>(2 * rank).fill(0);
  axes.forEach((a, i) => {
    pads[a] = given[i];
    pads[rank + a] = given[axes.length + i];
  });
  if (pads.some((p) => p < 0)) throw unsupported(node, 'negative pads (cropping) have no PAD lowering');
  const P = ctx.permOf(x) ?? iota(rank);
  const input = ctx.request(x, P, node);
  const paddings = ctx.addInt32(
    `${node.name}/paddings`,
    P.flatMap((i) => [pads[i], pads[rank + i]]),
    [rank, 2],
  );
  const outName = node.outputs[0];
  const outLogical = ctx.shapeOf(outName);
  const out = ctx.addAct(outName, permute(outLogical, P), outName);
  if (value === 0) {
    ctx.emit('PAD', { kind: 'Pad' }, [input, paddings], [out], node);
  } else {
    const v = ctx.addConst(`${node.name}/pad_value`, [1], Float32Array.of(value), 'const-operand');
    ctx.emit('PADV2', { kind: 'PadV2' }, [input, paddings, v], [out], node);
  }
  ctx.defineAct(outName, out, outLogical, { dims: outLogical, perm: [...P] });
}
