/**
 * Feeding float samples to a TFLite model: TFLite's affine quantisation (q = round(x / scale) + zero
 * point, rounding half away from zero as std::round in TFLite's QUANTIZE reference kernel, saturated
 * to the integer type) and the NCHW → NHWC move for channels-last image inputs. One implementation
 * for every host path that feeds a model (eval, watermark verification, device run).
 */

/** Quantises `x` with TFLite's rounding into [qmin, qmax] (int8: -128..127). */
export function quantizeAffine(
  x: ArrayLike<number>,
  scale: number,
  zeroPoint: number,
  qmin = -128,
  qmax = 127,
): Int32Array {
  const out = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i] / scale;
    const r = Math.sign(v) * Math.round(Math.abs(v)) + zeroPoint;
    out[i] = r < qmin ? qmin : r > qmax ? qmax : r;
  }
  return out;
}

/** One sample [c, h, w] in C order → [h, w, c]. */
export function nchwToNhwc(src: ArrayLike<number>, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(c * h * w);
  for (let ci = 0; ci < c; ci++) for (let i = 0; i < h * w; i++) out[i * c + ci] = src[ci * h * w + i];
  return out;
}

/**
 * One float sample in the ONNX layout (`sampleShape`, e.g. [c, h, w]) in the layout of a model input of shape
 * `modelShape`. With the `layout` edgelock recorded for that input, the sample moves channels-last exactly when it
 * is 'nhwc'; without one (a .tflite from elsewhere), when the model takes [1, h, w, c] with c > 1.
 */
export function toModelLayout(
  x: Float32Array,
  sampleShape: readonly number[],
  modelShape: readonly number[],
  layout?: string,
): Float32Array {
  if (sampleShape.length !== 3 || modelShape.length !== 4) return x;
  const [c, h, w] = sampleShape;
  if (layout !== undefined) return layout === 'nhwc' && c > 1 ? nchwToNhwc(x, c, h, w) : x;
  if (c === 1 || modelShape[1] !== h || modelShape[2] !== w || modelShape[3] !== c) return x;
  return nchwToNhwc(x, c, h, w);
}

/** The first `count` samples of `x` (each of `sampleShape`, ONNX layout), one after another, in the model input's layout. */
export function samplesToModelLayout(
  x: Float32Array,
  count: number,
  sampleShape: readonly number[],
  modelShape: readonly number[],
  layout?: string,
): Float32Array {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(count * size);
  for (let i = 0; i < count; i++)
    out.set(toModelLayout(x.subarray(i * size, (i + 1) * size), sampleShape, modelShape, layout), i * size);
  return out;
}

/** How an integer tensor's values become real ones: (q − zeroPoint) × scale; null for a tensor that holds reals. */
export type Dequant = { scale: number; zeroPoint: number } | null;

/** The per-tensor dequantisation of an int8/uint8 tensor (a model's output), or null for a float one. */
export function tensorDequant(t: { dtype: string; quantization?: { scale: number[]; zeroPoint: number[] } }): Dequant {
  const q = t.quantization;
  return (t.dtype === 'int8' || t.dtype === 'uint8') && q?.scale.length
    ? { scale: q.scale[0], zeroPoint: q.zeroPoint[0] }
    : null;
}
