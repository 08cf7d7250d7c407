/**
 * The bytes `device run` sends for a model input and the values it reads back, by the tensor type the board
 * reports (TENSOR_DESC.type, TFLite TensorType): an int8 input takes an int8 .npy as is or a float32 .npy quantised
 * with the input's scale and zero point; a float32 input (a model compiled with `--io float`) takes float32 values
 * as little-endian bytes. Sizes are compared in elements (the shape), never in bytes.
 */
import { checkFinite } from '../data/sample-check';
import { EdgelockError } from '../errors';
import { Tensor } from '../ir/types';
import { quantizeAffine } from '../tflite/affine';
import type { RunOutput, TensorDesc } from '../device/client';

export const TENSOR_TYPE = { float32: 0, int32: 2, int8: 9 } as const;

const TYPE_NAMES: Record<number, string> = { 0: 'float32', 2: 'int32', 9: 'int8' };

export function elementCount(d: Pick<TensorDesc, 'shape'>): number {
  return d.shape.reduce((a, b) => a * b, 1);
}

export function encodeRunInput(t: Tensor, input: TensorDesc, file: string): Buffer {
  const elements = elementCount(input);
  if (t.data.length !== elements) {
    throw new EdgelockError(
      'E_DATA_SHAPE',
      `${file} has ${t.data.length} elements (shape [${t.shape}]), the model input [${input.shape}] has ${elements}`,
      { file },
    );
  }
  if (t.dtype === 'float32') checkFinite(t.data as Float32Array, elements, `input '${file}'`, file);
  if (input.type === TENSOR_TYPE.float32) {
    if (t.dtype !== 'float32')
      throw new EdgelockError(
        'E_NPY_INVALID',
        `${file} holds ${t.dtype}; the model input is float32 (compiled with --io float): give float32 values`,
        { file },
      );
    const f = Float32Array.from(t.data as Float32Array);
    const out = Buffer.alloc(4 * f.length);
    f.forEach((v, i) => out.writeFloatLE(v, 4 * i));
    return out;
  }
  if (input.type !== TENSOR_TYPE.int8)
    throw new EdgelockError(
      'E_DEVICE_MODEL_INVALID',
      `the model input is ${TYPE_NAMES[input.type] ?? `type ${input.type}`}; device run feeds int8 or float32 inputs`,
    );
  if (t.dtype === 'int8') return Buffer.from((t.data as Int8Array).buffer, (t.data as Int8Array).byteOffset, elements);
  if (t.dtype === 'float32')
    return Buffer.from(Int8Array.from(quantizeAffine(t.data as Float32Array, input.scale, input.zeroPoint)).buffer);
  throw new EdgelockError(
    'E_NPY_INVALID',
    `${file} holds ${t.dtype}; device run takes float32 (quantised with the model input's scale) or int8`,
    { file },
  );
}

/** An output's values: dequantised int8, or the float32 values of a float output. `raw` is int8 for int8 outputs. */
export function decodeRunOutput(o: RunOutput): { values: number[]; int8?: number[] } {
  if (o.type === TENSOR_TYPE.float32) {
    const b = Buffer.from(o.int8.buffer, o.int8.byteOffset, o.int8.byteLength);
    return { values: Array.from({ length: b.length / 4 }, (_, i) => b.readFloatLE(4 * i)) };
  }
  return { values: Array.from(o.int8, (q) => (q - o.zeroPoint) * o.scale), int8: Array.from(o.int8) };
}
