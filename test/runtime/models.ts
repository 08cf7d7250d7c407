/**
 * Small int8 .tflite models, one per operator variant, built with the project's flatbuffer writer.
 * Weights, biases and quantisation parameters come from a seeded PRNG.
 */
import * as G from '../../src/tflite/generated';
import { OperatorSpec, TfliteBuilder, options, QuantizationSpec } from '../../src/tflite/builder';
import { TfliteOpName, TFLITE_OPS } from '../../src/tflite/builtins';
import { TensorType } from '../../src/tflite/generated/tflite/tensor-type';
import { Rand, rng } from '../helpers/rng';

export { rng };
export type { Rand };

export const randInt = (r: Rand, lo: number, hi: number) => lo + Math.floor((hi - lo + 1) * r());
export const randScale = (r: Rand, lo: number, hi: number) => Math.fround(lo * Math.pow(hi / lo, r()));
export const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function randomInt8(r: Rand, n: number): Int8Array {
  return Int8Array.from({ length: n }, () => randInt(r, -128, 127));
}

export function q(scale: number, zeroPoint: number): QuantizationSpec {
  return { scale: [scale], zeroPoint: [zeroPoint] };
}

export interface TestModel {
  name: string;
  model: Uint8Array;
  inputShapes: number[][];
  /** Input element kinds, in order. */
  inputKinds: ('int8' | 'float32')[];
}

export interface Ctx {
  b: TfliteBuilder;
  r: Rand;
  n: number;
}

export function act(b: TfliteBuilder, name: string, shape: number[], quant: QuantizationSpec): number {
  return b.addTensor({ name, shape, dtype: 'int8', quantization: quant });
}

export function randomQ(r: Rand, lo = 0.01, hi = 0.1, zp = 20): QuantizationSpec {
  return q(randScale(r, lo, hi), randInt(r, -zp, zp));
}

export function finish(
  c: Ctx,
  name: string,
  inputs: number[],
  outputs: number[],
  kinds?: ('int8' | 'float32')[],
): TestModel {
  c.b.setInputs(inputs).setOutputs(outputs);
  return {
    name,
    model: c.b.finish(),
    inputShapes: inputs.map((i) => c.b.tensor(i).shape),
    inputKinds: kinds ?? inputs.map(() => 'int8'),
  };
}

export function ctx(seed: number): Ctx {
  return { b: new TfliteBuilder(), r: rng(seed), n: 0 };
}

export function version(
  op: TfliteOpName,
  sig: Partial<Parameters<(typeof TFLITE_OPS)[TfliteOpName]['version']>[0]> = {},
): number {
  return TFLITE_OPS[op].version({
    inputTypes: [TensorType.INT8, TensorType.INT8, TensorType.INT32],
    outputTypes: [TensorType.INT8],
    ...sig,
  });
}

/** A constant int32 vector (a shape, axes, a permutation, begin/size). */
export function int32Const(c: Ctx, name: string, values: number[]): number {
  return c.b.addConstTensor({ name, shape: [values.length], dtype: 'int32', data: Int32Array.from(values) });
}

/** Adds `op` at the version its signature `sig` needs (see `version`). */
export function addOp(
  c: Ctx,
  op: TfliteOpName,
  inputs: number[],
  outputs: number[],
  opts?: OperatorSpec['options'],
  sig: Parameters<typeof version>[1] = {},
): void {
  c.b.addOperator({ op, version: version(op, sig), inputs, outputs, ...(opts ? { options: opts } : {}) });
}

export function weights(
  c: Ctx,
  name: string,
  shape: number[],
  channels: number,
  axis: number,
  perChannel: boolean,
): number {
  const scales = Array.from({ length: perChannel ? channels : 1 }, () => randScale(c.r, 0.002, 0.02));
  return c.b.addConstTensor({
    name,
    shape,
    dtype: 'int8',
    data: Int8Array.from({ length: count(shape) }, () => randInt(c.r, -127, 127)),
    quantization: { scale: scales, zeroPoint: scales.map(() => 0), quantizedDimension: axis },
  });
}

/**
 * An int32 bias. `quantized: false` omits its quantisation parameters: TFLite's own int8 per-channel
 * kernels accept that (they use the raw int32 values), XNNPACK refuses such a node, so the oracle
 * then runs TFLite's kernel instead of XNNPACK's.
 */
export function bias(c: Ctx, name: string, n: number, inScale: number, wScales: number[], quantized = true): number {
  return c.b.addConstTensor({
    name,
    shape: [n],
    dtype: 'int32',
    data: Int32Array.from({ length: n }, () => randInt(c.r, -3000, 3000)),
    ...(quantized
      ? { quantization: { scale: wScales.map((s) => Math.fround(s * inScale)), zeroPoint: wScales.map(() => 0) } }
      : {}),
  });
}

/** Output scale that keeps a K-term int8 dot product mostly inside the int8 range. */
export function accScale(inScale: number, wScale: number, k: number): number {
  return Math.fround((inScale * wScale * Math.sqrt(k) * 75 * 60) / 45);
}

export interface ConvSpec {
  inShape: number[];
  outC: number;
  k: [number, number];
  stride: [number, number];
  dilation?: [number, number];
  padding: 'SAME' | 'VALID';
  activation?: number;
  perChannel?: boolean;
  withBias?: boolean;
  /** false: bias without quantisation parameters (keeps the node off XNNPACK in the oracle). */
  biasQuantized?: boolean;
  /** Zero points are drawn from [-z, z] (default: 20 for the input, 10 for the output). */
  zeroPointRange?: number;
}

function convOut(inH: number, inW: number, s: ConvSpec): [number, number] {
  const dil = s.dilation ?? [1, 1];
  const eff = [(s.k[0] - 1) * dil[0] + 1, (s.k[1] - 1) * dil[1] + 1];
  if (s.padding === 'SAME') return [Math.ceil(inH / s.stride[0]), Math.ceil(inW / s.stride[1])];
  return [Math.floor((inH - eff[0]) / s.stride[0]) + 1, Math.floor((inW - eff[1]) / s.stride[1]) + 1];
}

export function conv2d(seed: number, s: ConvSpec, depthwise = false, depthMultiplier = 1): TestModel {
  const c = ctx(seed);
  const [n, h, w, ic] = s.inShape;
  const oc = depthwise ? ic * depthMultiplier : s.outC;
  const qin = randomQ(c.r, 0.01, 0.1, s.zeroPointRange ?? 20);
  const x = act(c.b, 'x', s.inShape, qin);
  const wShape = depthwise ? [1, s.k[0], s.k[1], oc] : [oc, s.k[0], s.k[1], ic];
  const wt = weights(c, 'w', wShape, oc, depthwise ? 3 : 0, s.perChannel ?? true);
  const wScales = c.b.tensor(wt).quantization!.scale;
  const inputs = [x, wt];
  if (s.withBias ?? true) inputs.push(bias(c, 'b', oc, qin.scale[0], wScales, s.biasQuantized ?? true));
  const [oh, ow] = convOut(h, w, s);
  const k = depthwise ? s.k[0] * s.k[1] : s.k[0] * s.k[1] * ic;
  const zpOut = s.zeroPointRange ?? 10;
  const y = act(c.b, 'y', [n, oh, ow, oc], q(accScale(qin.scale[0], wScales[0], k), randInt(c.r, -zpOut, zpOut)));
  const padding = s.padding === 'SAME' ? G.Padding.SAME : G.Padding.VALID;
  const dil = s.dilation ?? [1, 1];
  if (depthwise) {
    addOp(
      c,
      'DEPTHWISE_CONV_2D',
      inputs,
      [y],
      options(G.DepthwiseConv2DOptionsT, {
        padding,
        strideH: s.stride[0],
        strideW: s.stride[1],
        depthMultiplier,
        fusedActivationFunction: s.activation ?? 0,
        dilationHFactor: dil[0],
        dilationWFactor: dil[1],
      }),
    );
  } else {
    addOp(
      c,
      'CONV_2D',
      inputs,
      [y],
      options(G.Conv2DOptionsT, {
        padding,
        strideH: s.stride[0],
        strideW: s.stride[1],
        fusedActivationFunction: s.activation ?? 0,
        dilationHFactor: dil[0],
        dilationWFactor: dil[1],
      }),
    );
  }
  return finish(c, `${depthwise ? 'depthwise' : 'conv'}_${seed}`, [x], [y]);
}

export function fullyConnected(
  seed: number,
  batch: number,
  depth: number,
  units: number,
  perChannel: boolean,
  withBias: boolean,
  activation = 0,
  zeroPointRange?: number,
): TestModel {
  const c = ctx(seed);
  const qin = randomQ(c.r, 0.01, 0.1, zeroPointRange ?? 20);
  const x = act(c.b, 'x', [batch, depth], qin);
  const wt = weights(c, 'w', [units, depth], units, 0, perChannel);
  const wScales = c.b.tensor(wt).quantization!.scale;
  const inputs = withBias ? [x, wt, bias(c, 'b', units, qin.scale[0], wScales)] : [x, wt];
  const y = act(
    c.b,
    'y',
    [batch, units],
    q(accScale(qin.scale[0], wScales[0], depth), randInt(c.r, -(zeroPointRange ?? 10), zeroPointRange ?? 10)),
  );
  c.b.addOperator({
    op: 'FULLY_CONNECTED',
    version: TFLITE_OPS.FULLY_CONNECTED.version({
      inputTypes: [TensorType.INT8, TensorType.INT8],
      outputTypes: [TensorType.INT8],
      inputCount: inputs.length,
    }),
    inputs,
    outputs: [y],
    options: options(G.FullyConnectedOptionsT, { fusedActivationFunction: activation }),
  });
  return finish(c, `fc_${seed}`, [x], [y]);
}

export type BinaryOp = 'ADD' | 'SUB' | 'MUL' | 'MAXIMUM' | 'MINIMUM';

export function binary(
  seed: number,
  op: BinaryOp,
  shapeA: number[],
  shapeB: number[],
  activation = 0,
  zeroPointRange = 20,
  /** MUL: output scale = product of the input scales x this (the multiplier is its inverse). */
  mulOutFactor = 60,
): TestModel {
  const c = ctx(seed);
  const shared = op === 'MAXIMUM' || op === 'MINIMUM';
  const qa = randomQ(c.r, 0.01, 0.1, zeroPointRange);
  const qb = shared ? qa : randomQ(c.r, 0.01, 0.1, zeroPointRange);
  const a = act(c.b, 'a', shapeA, qa);
  const bIn = act(c.b, 'b', shapeB, qb);
  const outShape =
    shapeA.length >= shapeB.length
      ? shapeA.map((d, i) => Math.max(d, shapeB[i - (shapeA.length - shapeB.length)] ?? 1))
      : shapeB.map((d, i) => Math.max(d, shapeA[i - (shapeB.length - shapeA.length)] ?? 1));
  const qy = shared
    ? qa
    : op === 'MUL'
      ? q(
          Math.fround(qa.scale[0] * qb.scale[0] * mulOutFactor),
          randInt(c.r, -Math.min(10, zeroPointRange), Math.min(10, zeroPointRange)),
        )
      : randomQ(c.r, 0.02, 0.15, zeroPointRange);
  const y = act(c.b, 'y', outShape, qy);
  const broadcast = shapeA.join() !== shapeB.join();
  const opts = {
    ADD: () => options(G.AddOptionsT, { fusedActivationFunction: activation }),
    SUB: () => options(G.SubOptionsT, { fusedActivationFunction: activation }),
    MUL: () => options(G.MulOptionsT, { fusedActivationFunction: activation }),
    MAXIMUM: () => options(G.MaximumMinimumOptionsT),
    MINIMUM: () => options(G.MaximumMinimumOptionsT),
  }[op]();
  const mulRescale = op === 'MUL' ? (qa.scale[0] * qb.scale[0]) / qy.scale[0] : undefined;
  c.b.addOperator({
    op,
    version: version(op, { broadcast, maxInputRank: Math.max(shapeA.length, shapeB.length), mulRescale }),
    inputs: [a, bIn],
    outputs: [y],
    options: opts,
  });
  return finish(c, `${op.toLowerCase()}_${seed}`, [a, bIn], [y]);
}

export function pool(
  seed: number,
  op: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D',
  inShape: number[],
  k: [number, number],
  stride: [number, number],
  padding: 'SAME' | 'VALID',
  activation = 0,
  zeroPointRange = 20,
): TestModel {
  const c = ctx(seed);
  const qx = randomQ(c.r, 0.01, 0.1, zeroPointRange);
  const x = act(c.b, 'x', inShape, qx);
  const [oh, ow] = convOut(inShape[1], inShape[2], { inShape, outC: 0, k, stride, padding });
  const y = act(c.b, 'y', [inShape[0], oh, ow, inShape[3]], qx);
  c.b.addOperator({
    op,
    version: version(op),
    inputs: [x],
    outputs: [y],
    options: options(G.Pool2DOptionsT, {
      padding: padding === 'SAME' ? G.Padding.SAME : G.Padding.VALID,
      strideH: stride[0],
      strideW: stride[1],
      filterHeight: k[0],
      filterWidth: k[1],
      fusedActivationFunction: activation,
    }),
  });
  return finish(c, `${op.toLowerCase()}_${seed}`, [x], [y]);
}

export function mean(
  seed: number,
  inShape: number[],
  keepDims: boolean,
  sameQuant = false,
  zeroPointRange = 20,
): TestModel {
  const c = ctx(seed);
  const qx = randomQ(c.r, 0.01, 0.1, zeroPointRange);
  const x = act(c.b, 'x', inShape, qx);
  const axis = c.b.addConstTensor({ name: 'axis', shape: [2], dtype: 'int32', data: Int32Array.from([1, 2]) });
  const outShape = keepDims ? [inShape[0], 1, 1, inShape[3]] : [inShape[0], inShape[3]];
  const y = act(c.b, 'y', outShape, sameQuant ? qx : randomQ(c.r, 0.005, 0.05, zeroPointRange));
  c.b.addOperator({
    op: 'MEAN',
    version: version('MEAN'),
    inputs: [x, axis],
    outputs: [y],
    options: options(G.ReducerOptionsT, { keepDims }),
  });
  return finish(c, `mean_${seed}`, [x], [y]);
}

export function unary(
  seed: number,
  op: 'LOGISTIC' | 'TANH' | 'RELU' | 'RELU6' | 'LEAKY_RELU' | 'HARD_SWISH' | 'SOFTMAX' | 'RESHAPE',
  shape: number[],
  extra: { alpha?: number; beta?: number; outShape?: number[] } = {},
): TestModel {
  const c = ctx(seed);
  const qx = randomQ(c.r, 0.02, 0.08);
  const x = act(c.b, 'x', shape, qx);
  const fixed: Partial<Record<string, QuantizationSpec>> = {
    LOGISTIC: q(1 / 256, -128),
    TANH: q(1 / 128, 0),
    SOFTMAX: q(1 / 256, -128),
    RESHAPE: qx,
  };
  const y = act(c.b, 'y', extra.outShape ?? shape, fixed[op] ?? randomQ(c.r, 0.02, 0.08));
  const inputs = [x];
  let opts;
  if (op === 'LEAKY_RELU') opts = options(G.LeakyReluOptionsT, { alpha: extra.alpha ?? 0.1 });
  if (op === 'HARD_SWISH') opts = options(G.HardSwishOptionsT);
  if (op === 'SOFTMAX') opts = options(G.SoftmaxOptionsT, { beta: extra.beta ?? 1 });
  if (op === 'RESHAPE') {
    const target = extra.outShape ?? shape;
    inputs.push(int32Const(c, 'shape', target));
    opts = options(G.ReshapeOptionsT, { newShape: target });
  }
  c.b.addOperator({ op, version: version(op), inputs, outputs: [y], options: opts });
  return finish(c, `${op.toLowerCase()}_${seed}`, [x], [y]);
}

export function concatenation(seed: number, shapes: number[][], axis: number): TestModel {
  const c = ctx(seed);
  const qx = randomQ(c.r);
  const ins = shapes.map((s, i) => act(c.b, `x${i}`, s, qx));
  const outShape = [...shapes[0]];
  const ax = axis < 0 ? axis + outShape.length : axis;
  outShape[ax] = shapes.reduce((n, s) => n + s[ax], 0);
  const y = act(c.b, 'y', outShape, qx);
  addOp(c, 'CONCATENATION', ins, [y], options(G.ConcatenationOptionsT, { axis }));
  return finish(c, `concat_${seed}`, ins, [y]);
}

/** PAD (pad value: the zero point) or, with `value`, PADV2 with a constant int8 pad value. */
export function pad(seed: number, shape: number[], pads: [number, number][], value?: number): TestModel {
  const c = ctx(seed);
  const qx = randomQ(c.r);
  const x = act(c.b, 'x', shape, qx);
  const p = c.b.addConstTensor({
    name: 'pads',
    shape: [shape.length, 2],
    dtype: 'int32',
    data: Int32Array.from(pads.flat()),
  });
  const y = act(
    c.b,
    'y',
    shape.map((d, i) => d + pads[i][0] + pads[i][1]),
    qx,
  );
  if (value === undefined) {
    addOp(c, 'PAD', [x, p], [y], options(G.PadOptionsT), { maxInputRank: shape.length });
  } else {
    const v = c.b.addConstTensor({
      name: 'value',
      shape: [1],
      dtype: 'int8',
      data: Int8Array.of(value),
      quantization: qx,
    });
    addOp(c, 'PADV2', [x, p, v], [y], options(G.PadV2OptionsT), { maxInputRank: shape.length });
  }
  return finish(c, `pad_${seed}`, [x], [y]);
}

export function transpose(seed: number, shape: number[], perm: number[]): TestModel {
  const c = ctx(seed);
  const qx = randomQ(c.r);
  const x = act(c.b, 'x', shape, qx);
  const p = int32Const(c, 'perm', perm);
  const y = act(
    c.b,
    'y',
    perm.map((a) => shape[a]),
    qx,
  );
  addOp(c, 'TRANSPOSE', [x, p], [y], options(G.TransposeOptionsT), { maxInputRank: shape.length });
  return finish(c, `transpose_${seed}`, [x], [y]);
}

/** float32 in -> QUANTIZE -> int8 -> (requantise QUANTIZE) -> int8 -> DEQUANTIZE -> float32 out. */
export function quantizeChain(seed: number, shape: number[]): TestModel {
  const c = ctx(seed);
  const x = c.b.addTensor({ name: 'x', shape, dtype: 'float32' });
  const q1 = act(c.b, 'q1', shape, randomQ(c.r, 0.01, 0.05));
  const q2 = act(c.b, 'q2', shape, randomQ(c.r, 0.02, 0.1));
  const y = c.b.addTensor({ name: 'y', shape, dtype: 'float32' });
  c.b.addOperator({ op: 'QUANTIZE', version: 1, inputs: [x], outputs: [q1], options: options(G.QuantizeOptionsT) });
  c.b.addOperator({ op: 'QUANTIZE', version: 1, inputs: [q1], outputs: [q2], options: options(G.QuantizeOptionsT) });
  c.b.addOperator({ op: 'DEQUANTIZE', version: 2, inputs: [q2], outputs: [y], options: options(G.DequantizeOptionsT) });
  return finish(c, `quantize_${seed}`, [x], [y], ['float32']);
}

/** Random inputs for a test model. Float inputs cover about ±3 and exact quantisation ties. */
export function randomInputs(m: TestModel, r: Rand): (Int8Array | Float32Array)[] {
  return m.inputShapes.map((s, i) =>
    m.inputKinds[i] === 'float32'
      ? Float32Array.from({ length: count(s) }, () => (r() < 0.1 ? randInt(r, -40, 40) * 0.125 : (r() - 0.5) * 6))
      : randomInt8(r, count(s)),
  );
}

/** A single QUANTIZE (float32 -> int8) or DEQUANTIZE (int8 -> float32) or requantising QUANTIZE. */
export function convert(seed: number, shape: number[], kind: 'quantize' | 'requantize' | 'dequantize'): TestModel {
  const c = ctx(seed);
  const qa = randomQ(c.r, 0.01, 0.05);
  const qb = randomQ(c.r, 0.02, 0.1);
  const x = kind === 'quantize' ? c.b.addTensor({ name: 'x', shape, dtype: 'float32' }) : act(c.b, 'x', shape, qa);
  const y = kind === 'dequantize' ? c.b.addTensor({ name: 'y', shape, dtype: 'float32' }) : act(c.b, 'y', shape, qb);
  if (kind === 'dequantize') {
    c.b.addOperator({
      op: 'DEQUANTIZE',
      version: 2,
      inputs: [x],
      outputs: [y],
      options: options(G.DequantizeOptionsT),
    });
  } else {
    c.b.addOperator({ op: 'QUANTIZE', version: 1, inputs: [x], outputs: [y], options: options(G.QuantizeOptionsT) });
  }
  return finish(c, `${kind}_${seed}`, [x], [y], [kind === 'quantize' ? 'float32' : 'int8']);
}

/** SQUEEZE with explicit axes (or all size-1 axes when `axes` is empty). */
export function squeeze(seed: number, shape: number[], axes: number[]): TestModel {
  const c = ctx(seed);
  const qx = randomQ(c.r);
  const x = act(c.b, 'x', shape, qx);
  const drop = (d: number, i: number) =>
    axes.length ? axes.map((a) => (a < 0 ? a + shape.length : a)).includes(i) : d === 1;
  const y = act(
    c.b,
    'y',
    shape.filter((d, i) => !drop(d, i)),
    qx,
  );
  c.b.addOperator({
    op: 'SQUEEZE',
    version: 1,
    inputs: [x],
    outputs: [y],
    options: options(G.SqueezeOptionsT, { squeezeDims: axes }),
  });
  return finish(c, `squeeze_${seed}`, [x], [y]);
}
