/**
 * Conv → CONV_2D (group 1) or DEPTHWISE_CONV_2D (group = Cin, Cout = Cin × multiplier), NHWC in
 * and out. 1-D convs run as 2-D with H = 1. Filters are rewritten at compile time:
 * CONV_2D [Cout, kH, kW, Cin], DEPTHWISE_CONV_2D [1, kH, kW, Cout]; a bias is always present.
 */
import { Node } from '../../../ir/types';
import { channelsLast, transposeData } from '../../layout';
import { floatData, LowerContext, sameShape, unsupported } from '../context';
import { intAttr } from '../helpers/attrs';
import { padSpatial } from '../helpers/explicit-pad';
import { matchPadding, readGeometry, tfliteOutput } from '../helpers/spatial';

export function lowerConv(node: Node, ctx: LowerContext): void {
  const x = ctx.act(node, node.inputs[0]);
  const w = ctx.constOf(node.inputs[1]);
  if (!w) throw unsupported(node, 'the weights must be constant');
  const b = node.inputs[2] ? ctx.constOf(node.inputs[2]) : undefined;
  if (node.inputs[2] && !b) throw unsupported(node, 'the bias must be constant');
  const rank = x.logical.length;
  if (rank !== 3 && rank !== 4) throw unsupported(node, `input of rank ${rank}; 1-D and 2-D convolutions only`);
  const [n, cin] = x.logical;
  const [cout, cinPerGroup] = w.shape;
  const group = intAttr(node, 'group', 1);
  const outLogical = ctx.shapeOf(node.outputs[0]);
  const g = readGeometry(node, x.logical.slice(2), w.shape.slice(2), outLogical.slice(2));

  const depthwise = group > 1 && group === cin && cinPerGroup === 1 && cout % cin === 0;
  if (group !== 1 && !depthwise) {
    throw unsupported(
      node,
      `grouped convolution (group ${group}, ${cin} input channels) is neither plain nor depthwise`,
    );
  }

  // weights as [Cout, Cin/g, kH, kW] (a 1-D kernel gets kH = 1)
  const w4 = [cout, cinPerGroup, g.kernel[0], g.kernel[1]];
  const wData = floatData(w);
  const filterShape = depthwise ? [1, g.kernel[0], g.kernel[1], cout] : [cout, g.kernel[0], g.kernel[1], cinPerGroup];
  const filter = transposeData(wData, w4, depthwise ? [1, 2, 3, 0] : [0, 2, 3, 1]);
  const weights = ctx.addConst(
    `${node.inputs[1]}`,
    filterShape,
    filter,
    depthwise ? 'depthwise-weight' : 'conv-weight',
  );
  const bias = ctx.addConst(
    node.inputs[2] || `${node.name}/bias`,
    [cout],
    b ? floatData(b) : new Float32Array(cout),
    'bias',
  );

  let input = ctx.request(x, channelsLast(rank), node, [n, g.input[0], g.input[1], cin]);
  let spatial = g.input;
  let padding = matchPadding(g);
  if (padding === null) {
    ({ tensor: input, input: spatial } = padSpatial(ctx, node, input, g, 0));
    padding = 'VALID';
  }
  const produced = tfliteOutput(spatial, g, padding);
  if (!sameShape(produced, g.output)) {
    throw unsupported(node, `TFLite would produce spatial size [${produced}] for ONNX [${g.output}]`);
  }
  const outName = node.outputs[0];
  const out = ctx.addAct(outName, [n, g.output[0], g.output[1], cout], outName);
  const common = {
    padding,
    strideH: g.strides[0],
    strideW: g.strides[1],
    dilationH: g.dilations[0],
    dilationW: g.dilations[1],
    fusedActivation: 'NONE' as const,
  };
  if (depthwise) {
    ctx.emit(
      'DEPTHWISE_CONV_2D',
      { kind: 'DepthwiseConv2D', ...common, depthMultiplier: cout / cin },
      [input, weights, bias],
      [out],
      node,
    );
  } else {
    ctx.emit('CONV_2D', { kind: 'Conv2D', ...common }, [input, weights, bias], [out], node);
  }
  ctx.defineAct(outName, out, outLogical, { dims: outLogical, perm: channelsLast(rank) });
}
