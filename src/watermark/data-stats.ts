/** Value range and standard deviation of a data set: the stamp's clamp range and amplitude unit. */
export interface DataStats {
  min: number;
  max: number;
  std: number;
}

export function dataStats(x: Float32Array): DataStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sq += v * v;
  }
  const mean = sum / x.length;
  return { min, max, std: Math.sqrt(Math.max(0, sq / x.length - mean * mean)) };
}
