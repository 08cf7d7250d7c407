/**
 * MaxPool / AveragePool → MAX_POOL_2D / AVERAGE_POOL_2D on NHWC (1-D pools as 2-D with H = 1).
 * TFLite's SAME pooling ignores out-of-bounds elements, which is ONNX MaxPool's -inf padding and
 * AveragePool's count_include_pad = 0; other pads become an explicit PAD(0) for MaxPool over a
 * ReLU output (exact: every window holds a real element ≥ 0) or AveragePool with
 * count_include_pad = 1, else edge replication (SLICE + CONCATENATION) for MaxPool, which equals
 * -inf padding for max and keeps int8 exact.
 */
import { Node } from '../../../ir/types';
import { channelsLast } from '../../layout';
import { LowerContext, sameShape, unsupported } from '../context';
import { intAttr, intsAttr } from './attrs';
import { padSpatial } from './explicit-pad';
import { replicatePadSpatial } from './replicate-pad';
import { matchPadding, readGeometry, tfliteOutput } from './spatial';

const NON_NEGATIVE_OPS = new Set(['RELU', 'RELU6', 'LOGISTIC']);

/**
 * True when the tensor's producer guarantees values ≥ 0 (a ReLU, fused or not): max pooling
 * may then pad with 0 (one PAD op) instead of replicating the edges.
 */
function nonNegative(ctx: LowerContext, tensor: number): boolean {
  const i = ctx.producer.get(tensor);
  if (i === undefined) return false;
  const op = ctx.g.ops[i];
  if (NON_NEGATIVE_OPS.has(op.op)) return true;
  const act = (op.options as { fusedActivation?: string }).fusedActivation;
  return act === 'RELU' || act === 'RELU6';
}

export function lowerPool(node: Node, ctx: LowerContext, kind: 'max' | 'average'): void {
  if (node.outputs.length > 1 && node.outputs[1] && ctx.useCount(node.outputs[1]) > 0) {
    throw unsupported(node, 'the Indices output has no TFLite lowering');
  }
  const x = ctx.act(node, node.inputs[0]);
  const rank = x.logical.length;
  if (rank !== 3 && rank !== 4) throw unsupported(node, `input of rank ${rank}; 1-D and 2-D pooling only`);
  const kernel = intsAttr(node, 'kernel_shape');
  if (!kernel) throw unsupported(node, 'kernel_shape is missing');
  const outLogical = ctx.shapeOf(node.outputs[0]);
  const g = readGeometry(node, x.logical.slice(2), kernel, outLogical.slice(2));
  if (g.dilations.some((d) => d !== 1)) throw unsupported(node, 'dilated pooling has no TFLite lowering');
  const [n, c] = x.logical;
  let input = ctx.request(x, channelsLast(rank), node, [n, g.input[0], g.input[1], c]);
  let spatial = g.input;
  let padding = matchPadding(g);
  const includePad = kind === 'average' && intAttr(node, 'count_include_pad', 0) === 1;
  if (includePad && padding === 'SAME') padding = null;
  if (padding === null) {
    if (kind === 'average' && !includePad) {
      throw unsupported(node, 'AveragePool pads that TFLite SAME padding cannot express need count_include_pad = 1');
    }
    if (includePad && g.end.some((e, i) => e > g.declaredEnd[i])) {
      throw unsupported(node, 'ceil_mode windows past the pads with count_include_pad = 1 have no TFLite lowering');
    }
    if (kind === 'max' && !nonNegative(ctx, x.tensor)) {
      if (g.begin.some((b, i) => b >= g.kernel[i]) || g.end.some((e, i) => e >= g.kernel[i])) {
        throw unsupported(node, 'pads as wide as the kernel have no TFLite lowering');
      }
      ({ tensor: input, input: spatial } = replicatePadSpatial(ctx, node, input, g));
    } else {
      ({ tensor: input, input: spatial } = padSpatial(ctx, node, input, g, 0));
    }
    padding = 'VALID';
  }
  const produced = tfliteOutput(spatial, g, padding);
  if (!sameShape(produced, g.output))
    throw unsupported(node, `TFLite would produce spatial size [${produced}] for ONNX [${g.output}]`);
  const outName = node.outputs[0];
  const out = ctx.addAct(outName, [n, g.output[0], g.output[1], c], outName);
  ctx.emit(
    kind === 'max' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D',
    {
      kind: 'Pool2D',
      padding,
      strideH: g.strides[0],
      strideW: g.strides[1],
      filterH: g.kernel[0],
      filterW: g.kernel[1],
      fusedActivation: 'NONE',
    },
    [input],
    [out],
    node,
  );
  ctx.defineAct(outName, out, outLogical, { dims: outLogical, perm: channelsLast(rank) });
}
