/**
 * Unfolds one NCHW sample into a column matrix [channels·kH·kW, outH·outW] so a convolution
 * becomes one matrix product, and folds gradients of that matrix back (col2im).
 */
import { ConvGeometry, validRange } from './conv-geometry';

/**
 * Per kernel offset (ki, kj), five ints: the output rows [oyLo, oyHi) and columns [oxLo, oxHi)
 * whose input lies inside the image (others read padding), and the input index of output (0, 0)
 * relative to the channel's start (may be negative; only valid positions are ever read).
 */
const PLANS = new WeakMap<ConvGeometry, Int32Array>();

function planOf(g: ConvGeometry): Int32Array {
  let plan = PLANS.get(g);
  if (plan) return plan;
  const { height, width, kernelH, kernelW, strideH, strideW, padTop, padLeft, dilationH, dilationW, outH, outW } = g;
  plan = new Int32Array(kernelH * kernelW * 5);
  for (let ki = 0; ki < kernelH; ki++) {
    const [oyLo, oyHi] = validRange(outH, height, strideH, padTop, ki * dilationH);
    for (let kj = 0; kj < kernelW; kj++) {
      const [oxLo, oxHi] = validRange(outW, width, strideW, padLeft, kj * dilationW);
      plan.set(
        [oyLo, oyHi, oxLo, oxHi, (ki * dilationH - padTop) * width + kj * dilationW - padLeft],
        (ki * kernelW + kj) * 5,
      );
    }
  }
  PLANS.set(g, plan);
  return plan;
}

export function im2col(x: Float32Array, xOff: number, g: ConvGeometry, cols: Float32Array, colOff: number): void {
  const { channels, height, width, kernelH, kernelW, strideH, strideW, outH, outW } = g;
  const plan = planOf(g);
  const offsets = kernelH * kernelW;
  const plane = outH * outW;
  const rowStep = strideH * width;
  let row = colOff;
  for (let c = 0; c < channels; c++) {
    const xc = xOff + c * height * width;
    for (let q = 0; q < offsets * 5; q += 5) {
      const oyLo = plan[q],
        oyHi = plan[q + 1],
        oxLo = plan[q + 2],
        oxHi = plan[q + 3];
      const end = row + plane;
      let d = row;
      for (const top = row + oyLo * outW; d < top; d++) cols[d] = 0;
      let src = xc + plan[q + 4] + oyLo * rowStep;
      for (let oy = oyLo; oy < oyHi; oy++, src += rowStep) {
        for (const e = d + oxLo; d < e; d++) cols[d] = 0;
        if (strideW === 1) for (let ox = oxLo; ox < oxHi; ox++, d++) cols[d] = x[src + ox];
        else for (let ox = oxLo; ox < oxHi; ox++, d++) cols[d] = x[src + ox * strideW];
        for (const e = d + outW - oxHi; d < e; d++) cols[d] = 0;
      }
      for (; d < end; d++) cols[d] = 0;
      row = end;
    }
  }
}

/** dx (one sample, must be zeroed by the caller or hold values to add to) += fold(dcols). */
export function col2im(dcols: Float32Array, colOff: number, g: ConvGeometry, dx: Float32Array, dxOff: number): void {
  const { channels, height, width, kernelH, kernelW, strideH, strideW, outH, outW } = g;
  const plan = planOf(g);
  const offsets = kernelH * kernelW;
  const plane = outH * outW;
  const rowStep = strideH * width;
  let row = colOff;
  for (let c = 0; c < channels; c++) {
    const xc = dxOff + c * height * width;
    for (let q = 0; q < offsets * 5; q += 5) {
      const oyLo = plan[q],
        oyHi = plan[q + 1],
        oxLo = plan[q + 2],
        oxHi = plan[q + 3];
      let s = row + oyLo * outW;
      let dst = xc + plan[q + 4] + oyLo * rowStep;
      for (let oy = oyLo; oy < oyHi; oy++, s += outW, dst += rowStep) {
        if (strideW === 1) for (let ox = oxLo; ox < oxHi; ox++) dx[dst + ox] += dcols[s + ox];
        else for (let ox = oxLo; ox < oxHi; ox++) dx[dst + ox * strideW] += dcols[s + ox];
      }
      row += plane;
    }
  }
}
