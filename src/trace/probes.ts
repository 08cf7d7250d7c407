/**
 * Uniform-noise probes for black-box tracing: every input value drawn uniformly over the range the model's int8
 * input can represent ([0, 1] for a float input), from a fixed seed so a trace can be repeated. Off the data
 * distribution, they reach the quiet carriers (src/trace/quiet.ts) that natural inputs never touch.
 */
import { readTflite } from '../tflite/reader';
import { Sha256Stream } from '../watermark/drbg';

export const UNIFORM_PROBES = 'uniform';

/** `count` probes in the model's input layout (NHWC floats). */
export function uniformProbes(model: Uint8Array, count: number): Float32Array {
  const sg = readTflite(model).subgraphs[0];
  const t = sg.tensors[sg.inputs[0]];
  const size = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const q = t.dtype === 'int8' ? t.quantization : null;
  const lo = q ? (-128 - q.zeroPoint[0]) * q.scale[0] : 0;
  const hi = q ? (127 - q.zeroPoint[0]) * q.scale[0] : 1;
  const stream = new Sha256Stream(Buffer.from('edgelock trace probes v1'), 'uniform');
  const out = new Float32Array(count * size);
  for (let i = 0; i < out.length; i++) out[i] = lo + ((stream.nextU32() >>> 8) / 2 ** 24) * (hi - lo);
  return out;
}
