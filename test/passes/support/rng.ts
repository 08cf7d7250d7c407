import { rng } from '../../helpers/rng';
export { rng };

/** Uniform values in [lo, hi). */
export function uniform(next: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * next();
  return out;
}
