/**
 * Embedding a device's trace code at package time: each carrier weight of the plain int8 model moves one
 * quantisation step up or down by the device's sign. No training: a copy of the bytes and one pass over the
 * carriers (milliseconds). A locked model is unsealed with the owner's key, marked, and sealed again under a fresh
 * salt (src/lock/tflite-lock.ts `resealTflite`), so the board unlocks it as before.
 */
import { carriersOf } from './carriers';
import { codeId, deviceCode } from './code';
import { TraceParams } from './params';

export interface EmbeddedTrace {
  bytes: Uint8Array;
  codeId: string;
  carriers: number;
}

/** The plain model `base` with the code of device `uid` under `traceKey`; `base` is not changed. */
export function embedTraceCode(
  base: Uint8Array,
  traceKey: Uint8Array,
  uid: Uint8Array,
  params: TraceParams,
): EmbeddedTrace {
  const { tensors, carriers, amplitude } = carriersOf(base, traceKey, params);
  const code = deviceCode(traceKey, uid, carriers.length);
  const out = new Uint8Array(base);
  const views = tensors.map((t) => new Int8Array(out.buffer, out.byteOffset + t.at, t.count));
  carriers.forEach((c, j) => {
    views[c.w][c.i] += code[j] * (amplitude ? amplitude[j] : 1);
  });
  return { bytes: out, codeId: codeId(traceKey, uid), carriers: carriers.length };
}
