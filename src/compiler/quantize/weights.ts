/**
 * Constant tensors in int8/int32: per-channel symmetric weights, int32 biases and per-tensor
 * constant operands.
 */
import { EdgelockError } from '../../errors';
import { TflQuant } from '../tfl-graph';
import {
  AffineParams,
  INT32_MAX,
  WEIGHT_QMAX,
  activationParams,
  biasScale,
  quantizeInt32,
  quantizeInt8,
  symmetricScale,
} from './params';

export interface QuantizedConst<T> {
  data: T;
  quant: TflQuant;
}

function asFloat(data: unknown, what: string): Float32Array {
  if (!(data instanceof Float32Array)) throw new EdgelockError('E_QUANT_RANGE', `${what} is not a float32 constant`);
  return data;
}

/** Largest |w| per slice along `axis`. */
export function channelAbsMax(data: Float32Array, shape: number[], axis: number): number[] {
  const channels = shape[axis];
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  const out = new Array<number>(channels).fill(0);
  for (let i = 0; i < data.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const a = Math.abs(data[i]);
    if (a > out[c]) out[c] = a;
    else if (Number.isNaN(a)) out[c] = NaN;
  }
  return out;
}

/**
 * Per-channel weight scales (max|w| / 127). When a channel's bias would not fit int32 at
 * scale = input scale × weight scale, the weight scale grows until it does (as TFLite's
 * converter does), trading weight resolution for a representable bias.
 */
export function weightScales(
  weights: Float32Array,
  shape: number[],
  axis: number,
  inputScale: number,
  bias?: Float32Array,
): number[] {
  const absMax = channelAbsMax(weights, shape, axis);
  return absMax.map((m, c) => {
    let s = symmetricScale(m);
    const b = bias ? Math.abs(bias[c]) : 0;
    const needed = b / (inputScale * INT32_MAX);
    while (bias && b / biasScale(inputScale, s) > INT32_MAX) s = Math.fround(Math.max(needed, s * (1 + 2 ** -20)));
    return s;
  });
}

/** Symmetric per-channel int8 weights along `axis` with the given scales, zero point 0. */
export function quantizeWeights(
  data: unknown,
  shape: number[],
  axis: number,
  scales: number[],
  what: string,
): QuantizedConst<Int8Array> {
  const w = asFloat(data, what);
  const channels = shape[axis];
  if (scales.length !== channels)
    throw new EdgelockError('E_QUANT_RANGE', `${what}: ${scales.length} scales for ${channels} channels`);
  let inner = 1;
  for (let d = axis + 1; d < shape.length; d++) inner *= shape[d];
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / inner) % channels;
    q[i] = quantizeInt8(w[i], scales[c], 0, -WEIGHT_QMAX, WEIGHT_QMAX);
  }
  return { data: q, quant: { scale: [...scales], zeroPoint: new Array(channels).fill(0), axis } };
}

/** int32 bias with scale[c] = input scale × weight scale[c], zero point 0. */
export function quantizeBias(
  data: unknown,
  inputScale: number,
  weightScalesPerChannel: number[],
  what: string,
): QuantizedConst<Int32Array> {
  const b = asFloat(data, what);
  const channels = weightScalesPerChannel.length;
  if (b.length !== channels)
    throw new EdgelockError('E_QUANT_RANGE', `${what}: ${b.length} bias values for ${channels} output channels`);
  const scales = weightScalesPerChannel.map((s) => biasScale(inputScale, s));
  const q = new Int32Array(channels);
  for (let c = 0; c < channels; c++) q[c] = quantizeInt32(b[c], scales[c]);
  return { data: q, quant: { scale: scales, zeroPoint: new Array(channels).fill(0), axis: 0 } };
}

/** Asymmetric per-tensor int8 of a constant operand, from the range of its values (or given params). */
export function quantizeConstOperand(data: unknown, what: string, params?: AffineParams): QuantizedConst<Int8Array> {
  const d = asFloat(data, what);
  let p = params;
  if (!p) {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < d.length; i++) {
      if (d[i] < min) min = d[i];
      if (d[i] > max) max = d[i];
    }
    p = activationParams({ min, max }, what);
  }
  const q = new Int8Array(d.length);
  for (let i = 0; i < d.length; i++) q[i] = quantizeInt8(d[i], p.scale, p.zeroPoint);
  return { data: q, quant: { scale: [p.scale], zeroPoint: [p.zeroPoint] } };
}
