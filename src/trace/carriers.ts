/**
 * Which int8 weights carry a trace code: the filters of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED operators
 * with at least `minTensorElements` elements, at positions whose base value leaves room for a ±1 step (|w| ≤ 126),
 * each taken with probability `density` from a stream keyed by the trace key. The positions are the same for every
 * device (only the signs differ), are computed from the base model (the owner's unfingerprinted compile), and are
 * secret to whoever lacks the trace key.
 */
import { EdgelockError } from '../errors';
import { readTflite } from '../tflite/reader';
import { Sha256Stream } from '../watermark/drbg';
import { createHash } from 'crypto';
import { TraceParams } from './params';
import { quietAmplitudes } from './quiet';
import { Carrier, CarrierSet, weightTensors } from './weight-tensors';

/** The carriers of `base` (a plain int8 .tflite) under `traceKey`. */
export function carriersOf(base: Uint8Array, traceKey: Uint8Array, p: TraceParams): CarrierSet {
  const info = readTflite(base);
  const tensors = weightTensors(info);
  const sg = info.subgraphs[0];
  const stream = new Sha256Stream(traceKey, 'trace-carriers');
  const limit = Math.floor(p.density * 2 ** 32);
  const carriers: Carrier[] = [];
  tensors.forEach((wt, w) => {
    if (sg.tensors[wt.tensor].dtype !== 'int8' || wt.count < p.minTensorElements) return;
    const data = new Int8Array(base.buffer, base.byteOffset + wt.at, wt.count);
    for (let i = 0; i < wt.count; i++) {
      // one draw per element whatever its value, so positions do not shift with the weights
      const take = stream.nextU32() < limit;
      if (take && Math.abs(data[i]) <= 126) carriers.push({ w, i });
    }
  });
  if (carriers.length === 0)
    throw new EdgelockError(
      'E_TRACE_MODEL',
      `the model has no int8 filter tensor of at least ${p.minTensorElements} weights to carry a trace code`,
    );
  const set: CarrierSet = { tensors, carriers };
  if (p.quiet) set.amplitude = cachedAmplitudes(base, traceKey, set, p);
  return set;
}

const amplitudeCache = new Map<string, Uint8Array>();

/** Quiet-carrier amplitudes, computed once per base model, trace key and parameters in a process (the key only hashed). */
function cachedAmplitudes(base: Uint8Array, traceKey: Uint8Array, set: CarrierSet, p: TraceParams): Uint8Array {
  const key = createHash('sha256').update(base).update(traceKey).update(JSON.stringify(p)).digest('hex');
  let a = amplitudeCache.get(key);
  if (!a) {
    a = quietAmplitudes(base, set, p.quiet!);
    if (amplitudeCache.size > 16) amplitudeCache.clear();
    amplitudeCache.set(key, a);
  }
  return a;
}
