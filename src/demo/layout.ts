/** Copies one NCHW sample into NHWC order (the layout compiled rank-4 inputs take by default). */
export function nchwToNhwc(src: Float32Array, c: number, h: number, w: number): Float32Array {
  if (c === 1) return src.slice();
  const out = new Float32Array(c * h * w);
  for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(y * w + x) * c + ch] = src[(ch * h + y) * w + x];
  return out;
}
