/**
 * Exact binomial tail probabilities (log-space sums of the probability mass function) and the
 * one-sided Clopper–Pearson upper confidence bound, for the verification p-value and the
 * calibrated null match rate.
 */

const lnFactCache: number[] = [0];

function lnFact(m: number): number {
  for (let j = lnFactCache.length; j <= m; j++) lnFactCache[j] = lnFactCache[j - 1] + Math.log(j);
  return lnFactCache[m];
}

function lnPmf(i: number, n: number, lnP: number, lnQ: number): number {
  return lnFact(n) - lnFact(i) - lnFact(n - i) + i * lnP + (n - i) * lnQ;
}

function checkArgs(k: number, n: number, p: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(k)) throw new RangeError(`k must be an integer, got ${k}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], got ${p}`);
}

/** ln P[X ≥ k] for X ~ Binomial(n, p) (finite where the probability underflows a double). */
export function binomialLogTail(k: number, n: number, p: number): number {
  checkArgs(k, n, p);
  if (k <= 0) return 0;
  if (k > n || p === 0) return -Infinity;
  if (p === 1) return 0;
  const lnP = Math.log(p);
  const lnQ = Math.log1p(-p);
  let max = -Infinity;
  const terms: number[] = [];
  for (let i = k; i <= n; i++) {
    const t = lnPmf(i, n, lnP, lnQ);
    terms.push(t);
    if (t > max) max = t;
  }
  let sum = 0;
  for (const t of terms) sum += Math.exp(t - max);
  return Math.min(0, max + Math.log(sum));
}

/** P[X ≥ k] for X ~ Binomial(n, p). */
export function binomialTail(k: number, n: number, p: number): number {
  return Math.exp(binomialLogTail(k, n, p));
}

/** P[X ≤ k] for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  checkArgs(k, n, p);
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p === 0) return 1;
  if (p === 1) return 0;
  const lnP = Math.log(p);
  const lnQ = Math.log1p(-p);
  let max = -Infinity;
  const terms: number[] = [];
  for (let i = 0; i <= k; i++) {
    const t = lnPmf(i, n, lnP, lnQ);
    terms.push(t);
    if (t > max) max = t;
  }
  let sum = 0;
  for (const t of terms) sum += Math.exp(t - max);
  return Math.min(1, Math.exp(max + Math.log(sum)));
}

/**
 * One-sided Clopper–Pearson upper bound on a success rate after `x` successes in `n` trials:
 * the p with P[X ≤ x | n, p] = alpha (1 when x = n), found by bisection.
 */
export function clopperPearsonUpper(x: number, n: number, alpha: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (n <= 0) return 1;
  if (x >= n) return 1;
  let lo = x / n;
  let hi = 1;
  for (let it = 0; it < 200 && hi - lo > 1e-15; it++) {
    const mid = (lo + hi) / 2;
    if (binomialCdf(x, n, mid) > alpha) lo = mid;
    else hi = mid;
  }
  return hi;
}
