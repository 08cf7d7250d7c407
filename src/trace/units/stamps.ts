/**
 * Trigger-unit stamps: K keyed sets of input positions (SHA-256 counter mode over the trace key), each set to 1 on
 * an image; and the probes that read them, each stamp on `votes` natural images. Positions index one sample of the
 * model's input as the trainer lays it out (C, H, W); single-channel inputs only, where that is also the model's
 * layout (owner-model.ts checks).
 */
import { Sha256Stream, distinctDraws } from '../../watermark/drbg';

export function keyedStamps(traceKey: Uint8Array, count: number, pixels: number, size: number): Int32Array[] {
  const stream = new Sha256Stream(traceKey, 'trigger-unit stamps');
  return Array.from({ length: count }, () => Int32Array.from(distinctDraws(stream, pixels, size)));
}

/** Sets the stamp's positions of the sample at `at` to 1. */
export function applyStamp(x: Float32Array, at: number, stamp: Int32Array): void {
  for (const p of stamp) x[at + p] = 1;
}

/** Stamp k on natural images k·votes … k·votes + votes − 1 of `images` (votes × stamps probes, stamp-major). */
export function triggerProbes(
  stamps: readonly Int32Array[],
  votes: number,
  images: Float32Array,
  size: number,
): Float32Array {
  const probes = new Float32Array(stamps.length * votes * size);
  stamps.forEach((s, k) => {
    for (let r = 0; r < votes; r++) {
      const i = k * votes + r;
      probes.set(images.subarray(i * size, (i + 1) * size), i * size);
      applyStamp(probes, i * size, s);
    }
  });
  return probes;
}
