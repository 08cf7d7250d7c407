/**
 * Unfolds one NCHW sample into a column matrix [channels·kH·kW, outH·outW] so a convolution
 * becomes one matrix product, and folds gradients of that matrix back (col2im).
 */
import { ConvGeometry, validRange } from './conv-geometry';

export function im2col(x: Float32Array, xOff: number, g: ConvGeometry, cols: Float32Array, colOff: number): void {
  const { channels, height, width, kernelH, kernelW, strideH, strideW, padTop, padLeft, dilationH, dilationW, outH, outW } = g;
  const plane = outH * outW;
  let row = colOff;
  for (let c = 0; c < channels; c++) {
    const xc = xOff + c * height * width;
    for (let ki = 0; ki < kernelH; ki++) {
      const [oyLo, oyHi] = validRange(outH, height, strideH, padTop, ki * dilationH);
      for (let kj = 0; kj < kernelW; kj++) {
        const [oxLo, oxHi] = validRange(outW, width, strideW, padLeft, kj * dilationW);
        cols.fill(0, row, row + oyLo * outW);
        for (let oy = oyLo; oy < oyHi; oy++) {
          const dst = row + oy * outW;
          const src = xc + (oy * strideH - padTop + ki * dilationH) * width - padLeft + kj * dilationW;
          for (let ox = 0; ox < oxLo; ox++) cols[dst + ox] = 0;
          if (strideW === 1) {
            for (let ox = oxLo; ox < oxHi; ox++) cols[dst + ox] = x[src + ox];
          } else {
            for (let ox = oxLo; ox < oxHi; ox++) cols[dst + ox] = x[src + ox * strideW];
          }
          for (let ox = oxHi; ox < outW; ox++) cols[dst + ox] = 0;
        }
        cols.fill(0, row + oyHi * outW, row + plane);
        row += plane;
      }
    }
  }
}

/** dx (one sample, must be zeroed by the caller or hold values to add to) += fold(dcols). */
export function col2im(dcols: Float32Array, colOff: number, g: ConvGeometry, dx: Float32Array, dxOff: number): void {
  const { channels, height, width, kernelH, kernelW, strideH, strideW, padTop, padLeft, dilationH, dilationW, outH, outW } = g;
  const plane = outH * outW;
  let row = colOff;
  for (let c = 0; c < channels; c++) {
    const xc = dxOff + c * height * width;
    for (let ki = 0; ki < kernelH; ki++) {
      const [oyLo, oyHi] = validRange(outH, height, strideH, padTop, ki * dilationH);
      for (let kj = 0; kj < kernelW; kj++) {
        const [oxLo, oxHi] = validRange(outW, width, strideW, padLeft, kj * dilationW);
        for (let oy = oyLo; oy < oyHi; oy++) {
          const s = row + oy * outW;
          const d = xc + (oy * strideH - padTop + ki * dilationH) * width - padLeft + kj * dilationW;
          for (let ox = oxLo; ox < oxHi; ox++) dx[d + ox * strideW] += dcols[s + ox];
        }
        row += plane;
      }
    }
  }
}
