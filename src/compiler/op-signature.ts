/** The facts TFLite's op-version rules look at, read off a TflGraph operator. */
import { TENSOR_TYPES } from '../tflite/builder';
import { OpSignature, TFLITE_OPS, TfliteOpName } from '../tflite/builtins';
import { TflGraph, TflOp } from './tfl-graph';

const BINARY = new Set(['ADD', 'SUB', 'MUL', 'DIV', 'MAXIMUM', 'MINIMUM']);

export function opSignature(g: TflGraph, op: TflOp): OpSignature {
  const ins = op.inputs.filter((i) => i >= 0).map((i) => g.tensors[i]);
  const outs = op.outputs.map((i) => g.tensors[i]);
  const sig: OpSignature = {
    inputTypes: ins.map((t) => TENSOR_TYPES[t.dtype].type),
    outputTypes: outs.map((t) => TENSOR_TYPES[t.dtype].type),
    maxInputRank: Math.max(0, ...ins.map((t) => t.shape.length)),
    inputCount: op.inputs.length,
  };
  if (BINARY.has(op.op) && ins.length === 2) {
    sig.broadcast = ins[0].shape.length !== ins[1].shape.length || ins[0].shape.some((d, i) => d !== ins[1].shape[i]);
  }
  if (op.options.kind === 'FullyConnected') sig.keepNumDims = op.options.keepNumDims;
  if (op.options.kind === 'DepthwiseConv2D') sig.dilated = op.options.dilationH !== 1 || op.options.dilationW !== 1;
  if (op.options.kind === 'ResizeNearestNeighbor')
    sig.resizeCornerFlags = op.options.alignCorners || op.options.halfPixelCenters;
  if (op.options.kind === 'ResizeBilinear') sig.resizeHalfPixel = op.options.halfPixelCenters;
  if (op.op === 'QUANTIZE' || op.op === 'DEQUANTIZE') {
    sig.perChannel = [...ins, ...outs].some((t) => (t.quant?.scale.length ?? 0) > 1);
  }
  if (op.op === 'MUL' && ins.every((t) => t.quant) && outs[0].quant) {
    sig.mulRescale = (ins[0].quant!.scale[0] * ins[1].quant!.scale[0]) / outs[0].quant!.scale[0];
  }
  return sig;
}

export function opVersion(g: TflGraph, op: TflOp): number {
  const info = TFLITE_OPS[op.op as TfliteOpName];
  return info.version(opSignature(g, op));
}
