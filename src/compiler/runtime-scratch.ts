/**
 * Scratch memory edgelock's C runtime plans in the arena for an operator's optimised kernel (the
 * `*_fast_scratch` functions of firmware-tools/runtime/kernels/, and el_mean_axes.c): one region after the activations, as
 * large as the largest operator's request, used only during that operator's Eval. Kept in step with the C
 * formulas by hand (an upper bound: el_rq is 20 bytes in the default flavour); the runtime's `arena_used` is exact.
 */

/** sizeof(el_rq) in the larger (single-rounding) flavour: per-channel requantisation constants. */
const RQ_BYTES = 24;
const align16 = (n: number) => Math.ceil(n / 16) * 16;

/** Horizontal stride and dilation of a convolution (1 when unknown). */
export interface ConvGeometry {
  strideW: number;
  dilationW: number;
}

export function runtimeScratchBytes(
  op: string,
  inShapes: (readonly number[] | undefined)[],
  outShapes: (readonly number[] | undefined)[],
  geometry: ConvGeometry = { strideW: 1, dilationW: 1 },
): number {
  const w = inShapes[1];
  const out = outShapes[0];
  const count = (s?: readonly number[]) => (s ? s.reduce((a, b) => a * b, 1) : 0);
  // ADD/SUB of 256 output elements or more (any broadcast): two 256-entry int32 tables (el_op_add_sub.c)
  if (op === 'ADD' || op === 'SUB') return count(out) >= 256 ? 2048 : 0;
  // MUL: one set of requantisation constants (el_op_mul.c)
  if (op === 'MUL') return align16(RQ_BYTES);
  // FULLY_CONNECTED: one batch row of inputs widened to int16 (el_col_bytes)
  if (op === 'FULLY_CONNECTED') return w && w.length === 2 ? 2 * w[1] + 4 : 0;
  // MEAN over axes other than NHWC's H, W (el_mean_axes.c): one int32 sum per output
  if (op === 'MEAN') {
    const x = inShapes[0];
    if (!x || !out) return 0;
    const spatial =
      x.length === 4 &&
      ((out.length === 4 && out[0] === x[0] && out[1] === 1 && out[2] === 1 && out[3] === x[3]) ||
        (out.length === 2 && out[0] === x[0] && out[1] === x[3]));
    return spatial ? 0 : align16(4 * count(out));
  }
  if (!w || !out || w.length !== 4 || out.length !== 4) return 0;
  if (op === 'CONV_2D') {
    const k = w[1] * w[2] * w[3];
    // 1x1 kernels never pad (SAME gives zero padding): their columns are read in place.
    const raw = w[1] === 1 && w[2] === 1 ? 0 : 2 * Math.ceil(k / 4) * 4;
    return align16(RQ_BYTES * out[3]) + 4 * k + 4 + raw;
  }
  if (op === 'DEPTHWISE_CONV_2D') {
    // el_depthwise_fast_scratch: constants, bias and weights per group of 4 output channels, kh widened rows
    // (one entry per output channel, any depth multiplier)
    if (w[1] > 16) return 0; // kh > 16: reference loop
    const groups = Math.ceil(out[3] / 4);
    const width = (out[2] - 1) * geometry.strideW + (w[2] - 1) * geometry.dilationW + 1;
    return align16(RQ_BYTES * out[3]) + 16 * groups + 8 * groups * (w[1] * w[2] + w[1] * width);
  }
  return 0;
}
