/**
 * Scratch memory edgelock's C runtime plans in the arena for an operator's optimised kernel (the
 * `*_fast_scratch` functions of firmware-tools/runtime/kernels/): one region after the activations, as
 * large as the largest operator's request, used only during that operator's Eval. Kept in step with the C
 * formulas by hand (an upper bound: el_rq is 20 bytes in the default flavour); the runtime's `arena_used` is exact.
 */

/** sizeof(el_rq) in the larger (single-rounding) flavour: per-channel requantisation constants. */
const RQ_BYTES = 24;
const align16 = (n: number) => Math.ceil(n / 16) * 16;

export function runtimeScratchBytes(op: string, inShapes: (readonly number[] | undefined)[], outShapes: (readonly number[] | undefined)[]): number {
  const w = inShapes[1];
  const out = outShapes[0];
  // FULLY_CONNECTED: one batch row of inputs widened to int16 (el_col_bytes)
  if (op === 'FULLY_CONNECTED') return w && w.length === 2 ? 2 * w[1] + 4 : 0;
  if (!w || !out || w.length !== 4 || out.length !== 4) return 0;
  if (op === 'CONV_2D') {
    const k = w[1] * w[2] * w[3];
    // 1x1 kernels never pad (SAME gives zero padding): their columns are read in place.
    const raw = w[1] === 1 && w[2] === 1 ? 0 : 2 * Math.ceil(k / 4) * 4;
    return align16(RQ_BYTES * out[3]) + 4 * k + 4 + raw;
  }
  if (op === 'DEPTHWISE_CONV_2D') return align16(RQ_BYTES * out[3]);
  return 0;
}
