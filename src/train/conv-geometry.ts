/** The geometry of a 2-D convolution or pooling window over one NCHW sample. */
export interface ConvGeometry {
  channels: number;
  height: number;
  width: number;
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  /** Padding at the top/left; bottom/right padding is implied by outH/outW. */
  padTop: number;
  padLeft: number;
  dilationH: number;
  dilationW: number;
  outH: number;
  outW: number;
}

export interface WindowSpec {
  kernel: [number, number];
  strides?: [number, number];
  /** ONNX order: [top, left, bottom, right]. */
  pads?: [number, number, number, number];
  dilations?: [number, number];
}

export function convGeometry(inShape: number[], spec: WindowSpec, ceilMode = false): ConvGeometry {
  const [channels, height, width] = inShape;
  const [kernelH, kernelW] = spec.kernel;
  const [strideH, strideW] = spec.strides ?? [1, 1];
  const [padTop, padLeft, padBottom, padRight] = spec.pads ?? [0, 0, 0, 0];
  const [dilationH, dilationW] = spec.dilations ?? [1, 1];
  const round = ceilMode ? Math.ceil : Math.floor;
  const outH = round((height + padTop + padBottom - dilationH * (kernelH - 1) - 1) / strideH) + 1;
  const outW = round((width + padLeft + padRight - dilationW * (kernelW - 1) - 1) / strideW) + 1;
  if (outH < 1 || outW < 1) throw new RangeError(`window ${kernelH}x${kernelW} does not fit input ${height}x${width}`);
  return {
    channels,
    height,
    width,
    kernelH,
    kernelW,
    strideH,
    strideW,
    padTop,
    padLeft,
    dilationH,
    dilationW,
    outH,
    outW,
  };
}

/** First and one-past-last output index whose input index o*stride - pad + k*dil lies inside [0, size). */
export function validRange(
  outSize: number,
  size: number,
  stride: number,
  pad: number,
  offset: number,
): [number, number] {
  // need 0 <= o*stride - pad + offset < size
  const lo = Math.max(0, Math.ceil((pad - offset) / stride));
  const hi = Math.min(outSize, Math.floor((size - 1 + pad - offset) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}
