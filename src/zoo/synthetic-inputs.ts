/**
 * Seeded synthetic inputs with structure (smooth random fields plus noise, random per-sample
 * gain and offset), used to set the statistics of synthetic-weight zoo models.
 */
import { Rng } from '../train/rng';

/** `count` samples of shape [channels, height, width], values roughly in [lo, hi]. */
export function smoothFields(count: number, shape: [number, number, number], lo: number, hi: number, rng: Rng): Float32Array[] {
  const [c, h, w] = shape;
  const out: Float32Array[] = [];
  for (let s = 0; s < count; s++) {
    const x = new Float32Array(c * h * w);
    const gain = rng.range(0.5, 1);
    const offset = rng.range(0, 1 - gain);
    for (let ch = 0; ch < c; ch++) {
      const waves = Array.from({ length: 3 }, () => ({ fy: rng.range(0, 0.5), fx: rng.range(0, 0.5), ph: rng.range(0, 2 * Math.PI), a: rng.range(0.2, 1) }));
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++) {
          let v = 0;
          for (const wv of waves) v += wv.a * Math.sin(wv.fy * y + wv.fx * xx + wv.ph);
          v = 0.5 + v / 6 + 0.15 * rng.normal();
          const u = Math.min(1, Math.max(0, offset + gain * v));
          x[(ch * h + y) * w + xx] = lo + (hi - lo) * u;
        }
      }
    }
    out.push(x);
  }
  return out;
}
