/**
 * One device's trace code: a ±1 sign per carrier from a stream seeded by HKDF(trace key, device uid), and the code
 * id the factory log records (names the seed without revealing it, like every key id).
 */
import { deriveTraceCodeSeed, keyId } from '../keys/derive';
import { Sha256Stream } from '../watermark/drbg';

export function codeSeed(traceKey: Uint8Array, uid: Uint8Array): Buffer {
  return deriveTraceCodeSeed(traceKey, uid);
}

/** The id of a device's code (first 8 bytes of HMAC(seed, "edgelock key id"), hex). */
export function codeId(traceKey: Uint8Array, uid: Uint8Array): string {
  const seed = codeSeed(traceKey, uid);
  try {
    return keyId(seed);
  } finally {
    seed.fill(0);
  }
}

/** `k` signs (+1 / −1) of the device's code. */
export function deviceCode(traceKey: Uint8Array, uid: Uint8Array, k: number): Int8Array {
  const seed = codeSeed(traceKey, uid);
  // the stream reads the seed at every block: wipe it only when the code is drawn
  const stream = new Sha256Stream(seed, 'trace-code');
  const out = new Int8Array(k);
  for (let j = 0; j < k; j += 32) {
    const w = stream.nextU32();
    for (let b = 0; b < 32 && j + b < k; b++) out[j + b] = (w >>> b) & 1 ? 1 : -1;
  }
  seed.fill(0);
  return out;
}
