/**
 * Single-operator .tflite models for the operators exporters produce (issue #13): RESIZE_NEAREST_NEIGHBOR,
 * RESIZE_BILINEAR, TRANSPOSE_CONV, RSQRT, SLICE (int8) and SQRT, DIV, RSQRT, the resizes (float32), built with
 * the project's flatbuffer writer like ./models.ts.
 */
import * as G from '../../src/tflite/generated';
import { options, QuantizationSpec } from '../../src/tflite/builder';
import { TensorType } from '../../src/tflite/generated/tflite/tensor-type';
import {
  accScale,
  act,
  addOp,
  bias,
  ctx,
  finish,
  q,
  randInt,
  randomQ,
  randScale,
  int32Const,
  TestModel,
  version,
  weights,
} from './models';

export interface ResizeSpec {
  inShape: number[];
  outHW: [number, number];
  alignCorners?: boolean;
  halfPixelCenters?: boolean;
  /** int8 without quantisation parameters (TFLite's kernels accept plain codes, XNNPACK declines the node). */
  unquantized?: boolean;
  float?: boolean;
}

export function resize(seed: number, op: 'RESIZE_NEAREST_NEIGHBOR' | 'RESIZE_BILINEAR', s: ResizeSpec): TestModel {
  const c = ctx(seed);
  const quant: QuantizationSpec | undefined = s.float || s.unquantized ? undefined : randomQ(c.r);
  const dtype = s.float ? 'float32' : 'int8';
  const outShape = [s.inShape[0], ...s.outHW, s.inShape[3]];
  const x = c.b.addTensor({ name: 'x', shape: s.inShape, dtype, ...(quant ? { quantization: quant } : {}) });
  const size = int32Const(c, 'size', s.outHW);
  const y = c.b.addTensor({ name: 'y', shape: outShape, dtype, ...(quant ? { quantization: quant } : {}) });
  const flags = { alignCorners: s.alignCorners ?? false, halfPixelCenters: s.halfPixelCenters ?? false };
  const type = s.float ? TensorType.FLOAT32 : TensorType.INT8;
  const sig = { inputTypes: [type, TensorType.INT32], outputTypes: [type] };
  c.b.addOperator({
    op,
    version:
      op === 'RESIZE_BILINEAR'
        ? version(op, { ...sig, resizeHalfPixel: flags.halfPixelCenters })
        : version(op, { ...sig, resizeCornerFlags: flags.alignCorners || flags.halfPixelCenters }),
    inputs: [x, size],
    outputs: [y],
    options:
      op === 'RESIZE_BILINEAR'
        ? options(G.ResizeBilinearOptionsT, flags)
        : options(G.ResizeNearestNeighborOptionsT, flags),
  });
  return finish(c, `${op.toLowerCase()}_${seed}`, [x], [y], [s.float ? 'float32' : 'int8']);
}

export interface TransposeConvSpec {
  inShape: number[];
  outC: number;
  k: [number, number];
  stride: [number, number];
  padding: 'SAME' | 'VALID';
  activation?: number;
  perChannel?: boolean;
  withBias?: boolean;
  /** false: bias without quantisation parameters (TFLite's kernel accepts it; XNNPACK declines the node). */
  biasQuantized?: boolean;
}

export function transposeConv(seed: number, s: TransposeConvSpec): TestModel {
  const c = ctx(seed);
  const [n, h, w, ic] = s.inShape;
  const qin = randomQ(c.r, 0.01, 0.1, 20);
  const x = act(c.b, 'x', s.inShape, qin);
  const wt = weights(c, 'w', [s.outC, s.k[0], s.k[1], ic], s.outC, 0, s.perChannel ?? true);
  const wScales = c.b.tensor(wt).quantization!.scale;
  const oh = s.padding === 'SAME' ? h * s.stride[0] : (h - 1) * s.stride[0] + s.k[0];
  const ow = s.padding === 'SAME' ? w * s.stride[1] : (w - 1) * s.stride[1] + s.k[1];
  const outShape = [n, oh, ow, s.outC];
  const shape = int32Const(c, 'shape', outShape);
  const inputs = [shape, wt, x];
  if (s.withBias ?? true) inputs.push(bias(c, 'b', s.outC, qin.scale[0], wScales, s.biasQuantized ?? true));
  // each output sums about k·ic/stride² products
  const taps = Math.max(1, Math.round((s.k[0] * s.k[1] * ic) / (s.stride[0] * s.stride[1])));
  const y = act(c.b, 'y', outShape, q(accScale(qin.scale[0], wScales[0], taps), randInt(c.r, -10, 10)));
  addOp(
    c,
    'TRANSPOSE_CONV',
    inputs,
    [y],
    options(G.TransposeConvOptionsT, {
      padding: s.padding === 'SAME' ? G.Padding.SAME : G.Padding.VALID,
      strideH: s.stride[0],
      strideW: s.stride[1],
      fusedActivationFunction: s.activation ?? 0,
    }),
    { inputCount: inputs.length },
  );
  return finish(c, `transpose_conv_${seed}`, [x], [y]);
}

/** int8 RSQRT. `zeroPoint`: the input's (codes below it are negative values, which TFLite refuses at run time). */
export function rsqrt(seed: number, shape: number[], zeroPoint: number): TestModel {
  const c = ctx(seed);
  const x = act(c.b, 'x', shape, q(randScale(c.r, 0.002, 0.05), zeroPoint));
  const y = act(c.b, 'y', shape, randomQ(c.r, 0.005, 0.1, 100));
  addOp(c, 'RSQRT', [x], [y]);
  return finish(c, `rsqrt_${seed}`, [x], [y]);
}

/** float32 SQRT or RSQRT. */
export function floatUnary(seed: number, op: 'SQRT' | 'RSQRT', shape: number[]): TestModel {
  const c = ctx(seed);
  const x = c.b.addTensor({ name: 'x', shape, dtype: 'float32' });
  const y = c.b.addTensor({ name: 'y', shape, dtype: 'float32' });
  c.b.addOperator({ op, version: 1, inputs: [x], outputs: [y] });
  return finish(c, `${op.toLowerCase()}_${seed}`, [x], [y], ['float32']);
}

/** float32 DIV of two inputs with broadcasting and a fused activation. */
export function floatDiv(seed: number, shapeA: number[], shapeB: number[], activation = 0): TestModel {
  const c = ctx(seed);
  const a = c.b.addTensor({ name: 'a', shape: shapeA, dtype: 'float32' });
  const b = c.b.addTensor({ name: 'b', shape: shapeB, dtype: 'float32' });
  const rank = Math.max(shapeA.length, shapeB.length);
  const pad = (s: number[]) => [...Array(rank - s.length).fill(1), ...s];
  const out = pad(shapeA).map((d, i) => Math.max(d, pad(shapeB)[i]));
  const y = c.b.addTensor({ name: 'y', shape: out, dtype: 'float32' });
  const broadcast = shapeA.join() !== shapeB.join();
  addOp(c, 'DIV', [a, b], [y], options(G.DivOptionsT, { fusedActivationFunction: activation }), {
    inputTypes: [TensorType.FLOAT32],
    broadcast,
    maxInputRank: rank,
  });
  return finish(c, `div_${seed}`, [a, b], [y], ['float32', 'float32']);
}

/** int8 SLICE with constant begin/size (-1: to the end). */
export function slice(seed: number, shape: number[], begin: number[], size: number[]): TestModel {
  const c = ctx(seed);
  const qx = randomQ(c.r);
  const x = act(c.b, 'x', shape, qx);
  const out = size.map((s, i) => (s === -1 ? shape[i] - begin[i] : s));
  const y = act(c.b, 'y', out, qx);
  const bt = int32Const(c, 'begin', begin);
  const st = int32Const(c, 'size', size);
  addOp(c, 'SLICE', [x, bt, st], [y], options(G.SliceOptionsT), { maxInputRank: shape.length });
  return finish(c, `slice_${seed}`, [x], [y]);
}

/** int8 MEAN over any constant axes (LayerNorm's: the last one); `sameParams`: output parameters = input's. */
export function meanAxes(
  seed: number,
  shape: number[],
  axes: number[],
  keepDims: boolean,
  sameParams = false,
): TestModel {
  const c = ctx(seed);
  const qx = randomQ(c.r, 0.01, 0.1, 40);
  const x = act(c.b, 'x', shape, qx);
  const resolved = axes.map((a) => (a < 0 ? a + shape.length : a));
  const out = keepDims
    ? shape.map((d, i) => (resolved.includes(i) ? 1 : d))
    : shape.filter((_, i) => !resolved.includes(i));
  const y = act(c.b, 'y', out, sameParams ? qx : randomQ(c.r, 0.002, 0.05, 40));
  const a = int32Const(c, 'axes', axes);
  addOp(c, 'MEAN', [x, a], [y], options(G.ReducerOptionsT, { keepDims }));
  return finish(c, `mean_${seed}`, [x], [y]);
}
