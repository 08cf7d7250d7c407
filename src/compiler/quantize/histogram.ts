/**
 * Streaming statistics of one tensor over many calibration samples: exact min/max and a
 * fixed-bin-count histogram whose range grows as data arrive.
 *
 * The histogram always covers [origin, origin + bins·width) with 0 inside. When a value falls
 * outside, the width doubles (as often as needed) and the origin moves by whole old bins, so
 * every old bin lands entirely inside one new bin and counts merge exactly.
 * With `bins` = 0 only min, max and count are kept (what the minmax method needs).
 */
export const DEFAULT_BINS = 2048;

export class StreamingHistogram {
  min = Infinity;
  max = -Infinity;
  count = 0;
  counts: Float64Array;
  origin = 0;
  width = 0;
  /** Values seen before the histogram had a non-empty range (all were exactly 0). */
  private pendingZeros = 0;

  constructor(readonly bins = DEFAULT_BINS) {
    this.counts = new Float64Array(bins);
  }

  add(values: ArrayLike<number>): void {
    let mn = Infinity;
    let mx = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    if (values.length === 0) return;
    if (!Number.isFinite(mn) || !Number.isFinite(mx)) throw new RangeError('non-finite value');
    this.min = Math.min(this.min, mn);
    this.max = Math.max(this.max, mx);
    this.count += values.length;
    if (this.bins === 0) return;
    const lo = Math.min(0, mn);
    const hi = Math.max(0, mx);
    if (this.width === 0) {
      if (hi === lo) {
        this.pendingZeros += values.length;
        return;
      }
      this.width = (hi - lo) / this.bins;
      this.origin = lo;
      if (this.pendingZeros > 0) {
        this.counts[this.binOf(0)] += this.pendingZeros;
        this.pendingZeros = 0;
      }
    }
    this.cover(lo, hi);
    const inv = 1 / this.width;
    const last = this.bins - 1;
    const counts = this.counts;
    const origin = this.origin;
    for (let i = 0; i < values.length; i++) {
      let b = Math.floor((values[i] - origin) * inv);
      if (b > last) b = last;
      else if (b < 0) b = 0;
      counts[b]++;
    }
  }

  binOf(v: number): number {
    const b = Math.floor((v - this.origin) / this.width);
    return Math.min(this.bins - 1, Math.max(0, b));
  }

  /** Left edge of bin `b`. */
  edge(b: number): number {
    return this.origin + b * this.width;
  }

  /** Grows the covered range (doubling the width) until [lo, hi] fits. */
  private cover(lo: number, hi: number): void {
    const top = () => this.origin + this.bins * this.width;
    if (lo >= this.origin && hi <= top()) return;
    while (lo < this.origin || hi > top()) {
      // double the width; keep the origin on an old bin boundary, extending towards the side that needs room
      const needLow = lo < this.origin;
      const newWidth = this.width * 2;
      let newOrigin = this.origin;
      if (needLow) {
        const deficitBins = Math.ceil((this.origin - lo) / this.width);
        // an even number of old bins (so old bins pair up into new ones), at most `bins` so
        // the old range stays covered; the loop doubles again if that was not enough
        const shift = Math.min(deficitBins + (deficitBins % 2), this.bins - (this.bins % 2));
        newOrigin = this.origin - shift * this.width;
      }
      this.rebin(newOrigin, newWidth);
    }
  }

  private rebin(newOrigin: number, newWidth: number): void {
    const next = new Float64Array(this.bins);
    const shiftBins = Math.round((this.origin - newOrigin) / this.width);
    const factor = Math.round(newWidth / this.width);
    for (let b = 0; b < this.bins; b++) {
      const c = this.counts[b];
      if (c === 0) continue;
      const nb = Math.min(this.bins - 1, Math.floor((b + shiftBins) / factor));
      next[nb] += c;
    }
    this.counts = next;
    this.origin = newOrigin;
    this.width = newWidth;
  }

  /** Total count including values seen while the range was still empty. */
  get total(): number {
    return this.count;
  }

  /** True when every value seen was 0 (no histogram range exists). */
  get degenerate(): boolean {
    return this.width === 0;
  }
}
