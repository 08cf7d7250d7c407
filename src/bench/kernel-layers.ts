/**
 * Representative single-operator int8 layers for the operators the zoo uses little or not at all (pooling, MEAN,
 * MUL, broadcasting ADD/SUB, DEPTHWISE_CONV_2D with a depth multiplier above 1): `npm run bench -- device` runs
 * each on the QEMU Cortex-M4 harness with the optimised kernels and the reference loops. Constants come from a
 * fixed integer sequence (the instruction count of an int8 kernel does not depend on the values).
 */
import * as G from '../tflite/generated';
import { TfliteBuilder, options, QuantizationSpec } from '../tflite/builder';
import { OpSignature, TFLITE_OPS, TfliteOpName } from '../tflite/builtins';
import { TensorType } from '../tflite/generated/tflite/tensor-type';

export interface KernelLayer {
  name: string;
  bytes: Uint8Array;
}

const q = (scale: number, zeroPoint: number): QuantizationSpec => ({ scale: [scale], zeroPoint: [zeroPoint] });
const count = (s: number[]) => s.reduce((a, b) => a * b, 1);
/** A deterministic spread of int8 values. */
const int8s = (n: number, seed: number) => Int8Array.from({ length: n }, (_, i) => ((i * 37 + seed * 11) % 255) - 127);

function version(op: TfliteOpName, broadcast = false): number {
  const sig: OpSignature = {
    inputTypes: [TensorType.INT8, TensorType.INT8, TensorType.INT32],
    outputTypes: [TensorType.INT8],
    broadcast,
    maxInputRank: 4,
  };
  return TFLITE_OPS[op].version(sig);
}

function pool(op: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D', inShape: number[], k: number, stride: number): KernelLayer {
  const b = new TfliteBuilder();
  const qx = q(0.05, 3);
  const x = b.addTensor({ name: 'x', shape: inShape, dtype: 'int8', quantization: qx });
  const oh = Math.floor((inShape[1] - k) / stride) + 1,
    ow = Math.floor((inShape[2] - k) / stride) + 1;
  const y = b.addTensor({ name: 'y', shape: [inShape[0], oh, ow, inShape[3]], dtype: 'int8', quantization: qx });
  b.addOperator({
    op,
    version: version(op),
    inputs: [x],
    outputs: [y],
    options: options(G.Pool2DOptionsT, {
      padding: G.Padding.VALID,
      strideH: stride,
      strideW: stride,
      filterHeight: k,
      filterWidth: k,
      fusedActivationFunction: 0,
    }),
  });
  b.setInputs([x]).setOutputs([y]);
  return { name: `${op} ${inShape.join('x')} ${k}x${k} stride ${stride}`, bytes: b.finish() };
}

function mean(inShape: number[]): KernelLayer {
  const b = new TfliteBuilder();
  const x = b.addTensor({ name: 'x', shape: inShape, dtype: 'int8', quantization: q(0.05, 3) });
  const axis = b.addConstTensor({ name: 'axis', shape: [2], dtype: 'int32', data: Int32Array.from([1, 2]) });
  const y = b.addTensor({ name: 'y', shape: [inShape[0], inShape[3]], dtype: 'int8', quantization: q(0.02, -5) });
  b.addOperator({
    op: 'MEAN',
    version: version('MEAN'),
    inputs: [x, axis],
    outputs: [y],
    options: options(G.ReducerOptionsT, { keepDims: false }),
  });
  b.setInputs([x]).setOutputs([y]);
  return { name: `MEAN ${inShape.join('x')} axes 1,2`, bytes: b.finish() };
}

/** A binary layer; a constant second operand when `constB` (the usual shape of a broadcast in a model). */
function binary(op: 'ADD' | 'SUB' | 'MUL', shapeA: number[], shapeB: number[]): KernelLayer {
  const b = new TfliteBuilder();
  const qa = q(0.05, 3),
    qb = q(0.03, -7);
  const a = b.addTensor({ name: 'a', shape: shapeA, dtype: 'int8', quantization: qa });
  const same = shapeA.join() === shapeB.join();
  const bIn = same
    ? b.addTensor({ name: 'b', shape: shapeB, dtype: 'int8', quantization: qb })
    : b.addConstTensor({ name: 'b', shape: shapeB, dtype: 'int8', data: int8s(count(shapeB), 2), quantization: qb });
  const qy = op === 'MUL' ? q(0.05 * 0.03 * 60, 2) : q(0.08, -2);
  const y = b.addTensor({ name: 'y', shape: shapeA, dtype: 'int8', quantization: qy });
  const opts = {
    ADD: () => options(G.AddOptionsT, { fusedActivationFunction: 0 }),
    SUB: () => options(G.SubOptionsT, { fusedActivationFunction: 0 }),
    MUL: () => options(G.MulOptionsT, { fusedActivationFunction: 0 }),
  }[op]();
  b.addOperator({ op, version: version(op, !same), inputs: [a, bIn], outputs: [y], options: opts });
  b.setInputs(same ? [a, bIn] : [a]).setOutputs([y]);
  return { name: `${op} ${shapeA.join('x')} ${same ? 'same shape' : `by ${shapeB.join('x')}`}`, bytes: b.finish() };
}

function depthwise(inShape: number[], dm: number, k: number, stride: number): KernelLayer {
  const b = new TfliteBuilder();
  const oc = inShape[3] * dm;
  const x = b.addTensor({ name: 'x', shape: inShape, dtype: 'int8', quantization: q(0.05, 3) });
  const scales = Array.from({ length: oc }, (_, i) => 0.004 + 0.0005 * (i % 7));
  const w = b.addConstTensor({
    name: 'w',
    shape: [1, k, k, oc],
    dtype: 'int8',
    data: int8s(k * k * oc, 5),
    quantization: { scale: scales, zeroPoint: scales.map(() => 0), quantizedDimension: 3 },
  });
  const bias = b.addConstTensor({
    name: 'b',
    shape: [oc],
    dtype: 'int32',
    data: Int32Array.from({ length: oc }, (_, i) => ((i * 97) % 2000) - 1000),
    quantization: { scale: scales.map((s) => Math.fround(s * 0.05)), zeroPoint: scales.map(() => 0) },
  });
  const oh = Math.ceil(inShape[1] / stride),
    ow = Math.ceil(inShape[2] / stride);
  const y = b.addTensor({ name: 'y', shape: [inShape[0], oh, ow, oc], dtype: 'int8', quantization: q(0.1, -4) });
  b.addOperator({
    op: 'DEPTHWISE_CONV_2D',
    version: version('DEPTHWISE_CONV_2D'),
    inputs: [x, w, bias],
    outputs: [y],
    options: options(G.DepthwiseConv2DOptionsT, {
      padding: G.Padding.SAME,
      strideH: stride,
      strideW: stride,
      depthMultiplier: dm,
      fusedActivationFunction: 1,
      dilationHFactor: 1,
      dilationWFactor: 1,
    }),
  });
  b.setInputs([x]).setOutputs([y]);
  return {
    name: `DEPTHWISE_CONV_2D ${inShape.join('x')} ${k}x${k} stride ${stride} depth multiplier ${dm}`,
    bytes: b.finish(),
  };
}

export function kernelLayers(): KernelLayer[] {
  return [
    pool('AVERAGE_POOL_2D', [1, 32, 32, 16], 2, 2),
    pool('AVERAGE_POOL_2D', [1, 8, 8, 64], 8, 1),
    pool('MAX_POOL_2D', [1, 32, 32, 16], 2, 2),
    mean([1, 8, 8, 64]),
    binary('ADD', [1, 16, 16, 32], [1, 16, 16, 32]),
    binary('ADD', [1, 16, 16, 32], [32]),
    binary('SUB', [1, 16, 16, 32], [1]),
    binary('MUL', [1, 16, 16, 32], [1, 16, 16, 32]),
    binary('MUL', [1, 16, 16, 32], [32]),
    binary('MUL', [1, 16, 16, 32], [1, 16, 16, 1]),
    depthwise([1, 16, 16, 8], 1, 3, 1),
    depthwise([1, 16, 16, 8], 2, 3, 1),
    depthwise([1, 16, 16, 4], 4, 3, 2),
  ];
}
