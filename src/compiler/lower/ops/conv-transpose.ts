/**
 * ConvTranspose (2-D, group 1, dilation 1) → TRANSPOSE_CONV on NHWC, weights rewritten from ONNX's
 * [Cin, Cout, kH, kW] to TFLite's [Cout, kH, kW, Cin], a bias always present. TFLite's SAME is
 * ONNX with out = in·stride and pads_begin = ⌊(full − out)/2⌋ (full = (in − 1)·stride + k); VALID
 * is out = full; any other pads crop the VALID result with a SLICE.
 */
import { Node } from '../../../ir/types';
import { channelsLast, permute, transposeData } from '../../layout';
import { floatData, LowerContext, unsupported } from '../context';
import { intAttr, intsAttr } from '../helpers/attrs';

export function lowerConvTranspose(node: Node, ctx: LowerContext): void {
  const x = ctx.act(node, node.inputs[0]);
  const w = ctx.constOf(node.inputs[1]);
  if (!w) throw unsupported(node, 'the weights must be constant');
  const b = node.inputs[2] ? ctx.constOf(node.inputs[2]) : undefined;
  if (node.inputs[2] && !b) throw unsupported(node, 'the bias must be constant');
  if (x.logical.length !== 4) throw unsupported(node, 'only 2-D ConvTranspose has a TFLite lowering');
  if (intAttr(node, 'group', 1) !== 1) throw unsupported(node, 'grouped ConvTranspose has no TFLite lowering');
  if ((intsAttr(node, 'dilations') ?? [1, 1]).some((d) => d !== 1))
    throw unsupported(node, 'dilated ConvTranspose has no TFLite lowering');
  const [n, cin, ih, iw] = x.logical;
  const [, cout, kh, kw] = w.shape;
  const strides = intsAttr(node, 'strides') ?? [1, 1];
  const pads = intsAttr(node, 'pads') ?? [0, 0, 0, 0];
  const outLogical = ctx.shapeOf(node.outputs[0]);
  const out = outLogical.slice(2);
  const full = [(ih - 1) * strides[0] + kh, (iw - 1) * strides[1] + kw];
  const same = out.every((o, i) => o === [ih, iw][i] * strides[i] && pads[i] === Math.floor((full[i] - o) / 2));
  const valid = out.every((o, i) => o === full[i]);
  if (!same && !valid && out.some((o, i) => pads[i] + o > full[i])) {
    throw unsupported(
      node,
      `output [${out}] reaches past the transposed convolution's full extent [${full}] (output_padding)`,
    );
  }
  const produced = same ? out : full;

  const filter = transposeData(floatData(w), w.shape, [1, 2, 3, 0]);
  const weights = ctx.addConst(node.inputs[1], [cout, kh, kw, cin], filter, 'conv-weight');
  const bias = ctx.addConst(
    node.inputs[2] || `${node.name}/bias`,
    [cout],
    b ? floatData(b) : new Float32Array(cout),
    'bias',
  );
  const input = ctx.request(x, channelsLast(4), node);
  const shape = ctx.addInt32(`${node.name}/output_shape`, [n, ...produced, cout]);
  const P = channelsLast(4);
  const direct = same || valid;
  const result = ctx.addAct(
    direct ? node.outputs[0] : `${node.outputs[0]}/full`,
    [n, ...produced, cout],
    node.outputs[0],
  );
  ctx.emit(
    'TRANSPOSE_CONV',
    { kind: 'TransposeConv', padding: same ? 'SAME' : 'VALID', strideH: strides[0], strideW: strides[1] },
    [shape, weights, input, bias],
    [result],
    node,
  );
  let id = result;
  if (!direct) {
    id = ctx.addAct(node.outputs[0], permute(outLogical, P), node.outputs[0]);
    const begin = ctx.addInt32(`${node.name}/crop/begin`, [0, pads[0], pads[1], 0]);
    const size = ctx.addInt32(`${node.name}/crop/size`, [n, ...out, cout]);
    ctx.emit('SLICE', { kind: 'Slice' }, [result, begin, size], [id], node);
  }
  ctx.defineAct(node.outputs[0], id, outLogical, { dims: [...outLogical], perm: [...P] });
}
