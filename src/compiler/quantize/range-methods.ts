/**
 * Calibration range methods: how a tensor's observed statistics become the [min, max] its int8
 * parameters are computed from. A table, so a new method is one entry.
 *
 * - minmax: the observed extremes.
 * - percentile: the p-th and (100 − p)-th percentiles (default p = 99.99), clipping rare outliers.
 * - mse: the clipping range inside [min, max] that minimises the expected squared error of
 *   int8 asymmetric quantisation over the observed distribution (rounding noise Δ²/12 for
 *   values inside, clipping error for values outside), searched on a grid.
 *
 * Every range returned contains 0.
 */
import { StreamingHistogram } from './histogram';
import { Range, withZero } from './params';

export type RangeMethod = 'minmax' | 'percentile' | 'mse';

export interface RangeMethodOptions {
  percentile?: number;
}

export const DEFAULT_PERCENTILE = 99.99;

/** Grid resolution of the MSE search per side. */
const MSE_GRID = 128;

type RangeFn = (h: StreamingHistogram, opts: RangeMethodOptions) => Range;

function observed(h: StreamingHistogram): Range {
  return h.count === 0 ? { min: 0, max: 0 } : withZero({ min: h.min, max: h.max });
}

/** The value below which `fraction` of the observations fall (linear within a bin). */
export function histogramQuantile(h: StreamingHistogram, fraction: number): number {
  if (h.degenerate) return 0;
  const target = fraction * h.count;
  let cum = 0;
  for (let b = 0; b < h.bins; b++) {
    const c = h.counts[b];
    if (c > 0 && cum + c >= target) {
      const within = (target - cum) / c;
      const v = h.edge(b) + within * h.width;
      return Math.min(h.max, Math.max(h.min, v));
    }
    cum += c;
  }
  return h.max;
}

function percentileRange(h: StreamingHistogram, opts: RangeMethodOptions): Range {
  if (h.count === 0 || h.degenerate) return observed(h);
  const p = opts.percentile ?? DEFAULT_PERCENTILE;
  const lo = histogramQuantile(h, (100 - p) / 100);
  const hi = histogramQuantile(h, p / 100);
  return withZero({ min: lo, max: hi });
}

/** Expected squared int8 quantisation error of clipping range [a, b], from histogram prefix sums. */
class ErrorModel {
  private readonly c: Float64Array;
  private readonly s1: Float64Array;
  private readonly s2: Float64Array;
  private readonly centres: Float64Array;

  constructor(h: StreamingHistogram) {
    const n = h.bins;
    this.c = new Float64Array(n + 1);
    this.s1 = new Float64Array(n + 1);
    this.s2 = new Float64Array(n + 1);
    this.centres = new Float64Array(n);
    for (let b = 0; b < n; b++) {
      const x = Math.min(h.max, Math.max(h.min, h.edge(b) + h.width / 2));
      const k = h.counts[b];
      this.centres[b] = x;
      this.c[b + 1] = this.c[b] + k;
      this.s1[b + 1] = this.s1[b] + k * x;
      this.s2[b + 1] = this.s2[b] + k * x * x;
    }
  }

  /** First bin whose centre is ≥ v (strict: > v). */
  private split(v: number, strict: boolean): number {
    let lo = 0;
    let hi = this.centres.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = this.centres[mid];
      if (c < v || (strict && c === v)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  error(a: number, b: number): number {
    const n = this.centres.length;
    const ia = this.split(a, false); // bins [0, ia) lie below a
    const above = this.split(b, true); // bins [above, n) lie above b
    const cBelow = this.c[ia];
    const below = this.s2[ia] - 2 * a * this.s1[ia] + a * a * cBelow;
    const cAbove = this.c[n] - this.c[above];
    const s1Above = this.s1[n] - this.s1[above];
    const s2Above = this.s2[n] - this.s2[above];
    const over = s2Above - 2 * b * s1Above + b * b * cAbove;
    const inside = this.c[above] - this.c[ia];
    const step = (b - a) / 255;
    return below + over + (inside * step * step) / 12;
  }
}

function mseRange(h: StreamingHistogram): Range {
  const full = observed(h);
  if (h.count === 0 || h.degenerate) return full;
  const model = new ErrorModel(h);
  const los = full.min < 0 ? Array.from({ length: MSE_GRID }, (_, k) => (full.min * (k + 1)) / MSE_GRID) : [0];
  const his = full.max > 0 ? Array.from({ length: MSE_GRID }, (_, k) => (full.max * (k + 1)) / MSE_GRID) : [0];
  let best = full;
  let bestErr = model.error(full.min, full.max);
  for (const a of los) {
    for (const b of his) {
      if (b - a <= 0) continue;
      const e = model.error(a, b);
      if (e < bestErr) {
        bestErr = e;
        best = { min: a, max: b };
      }
    }
  }
  return best;
}

export const RANGE_METHODS: Record<RangeMethod, RangeFn> = {
  minmax: (h) => observed(h),
  percentile: percentileRange,
  mse: (h) => mseRange(h),
};

/** Whether a method needs histograms (minmax does not). */
export const NEEDS_HISTOGRAM: Record<RangeMethod, boolean> = { minmax: false, percentile: true, mse: true };
