/**
 * The log-ratio statistic of the response mark (docs/watermark.md, "Copies trained on many queries: the log-ratio").
 * A copy that did not flip its answer to the keyed class, nor even make it the most probable eligible class, often
 * still gives the keyed class more probability than the base model does: a student trained on tens of thousands of
 * answers generalises over the ~0.5% marked ones, but not completely. This reads that on every marked code.
 *
 * For a marked input with base arg-max b and runner-up r (scheme 2), the eligible classes are the C − 2 others, the
 * class at keyed offset o being keyedClass(b, o, C, r). For each offset o the value is
 *     d_o = max(−F, log p_suspect(class_o)) − max(−F, log p_base(class_o))
 * (F the floor, in nats: below e^−F a probability counts as e^−F, so differences among vanishing probabilities carry
 * no weight), averaged over the code's inputs and rounded to a lattice of 1/STEPS nat. The statistic is the sum over
 * the key's marked codes of the value at the code's keyed offset.
 *
 * The null is exact: the keyed offset is a keyed hash of the code, uniform over the C − 2 offsets whatever a model
 * trained without the key answers, and independent across codes; the value vectors depend only on the suspect's and
 * the base model's outputs. So without the key each code contributes one of its C − 2 values uniformly, and the sum's
 * distribution is the convolution of those (lattice: exact). With many boards the exact convolution is computed only
 * where a Chernoff bound (also a valid p-value, never smaller than the exact one) is small.
 */
import { keyedChoices, keyedClass } from './decision';

/** The floors (nats) of the statistic: a low one reads clear rises, a high one the faint rises of many-query copies. */
export const LOG_RATIO_FLOORS = [8, 16] as const;

/** Lattice steps per nat. */
export const LATTICE_STEPS = 8;

/** Above this Chernoff bound the bound itself is the p-value (it is valid; the exact tail would only be smaller). */
export const EXACT_BELOW = 0.05;

/** The exact convolution is skipped (the Chernoff bound kept) beyond this many lattice operations. */
const EXACT_BUDGET = 4e9;

/** One marked code: its keyed offset (1-based) and the value at each offset, on the lattice. */
export interface RatioCode {
  offset: number;
  values: Int32Array;
}

/** A sum over marked codes of the value at each code's keyed offset, with its exact null (module comment). */
export interface LatticeSum {
  /** marked codes counted */
  codes: number;
  /** the statistic: Σ over codes of the keyed offset's value, in nats */
  sum: number;
  /** its mean and standard deviation without the key, in nats */
  expected: number;
  sd: number;
  /** P[sum ≥ observed] without the key: exact, or the Chernoff bound where that is above EXACT_BELOW */
  p: number;
}

export interface RatioPart extends LatticeSum {
  /** the floor F, nats */
  floor: number;
}

/** What the parts of the scores statistic read of one key's marked inputs (module comment). */
export interface MarkedReading {
  classes: number;
  code: (i: number) => string;
  suspectLog: (i: number) => ArrayLike<number>;
  baseLog: (i: number) => ArrayLike<number>;
  top: (i: number) => number;
  /** scheme 2: the base model's runner-up (never keyed); absent in scheme 1 */
  second?: (i: number) => number;
}

/**
 * Per marked code: its keyed offset and, for each offset k (1..choices), the mean over the code's inputs of
 * value(suspect log-probabilities, base log-probabilities, class at offset k).
 */
export function codeMeans(
  inputs: readonly { index: number; offset: number }[],
  o: MarkedReading,
  value: (s: ArrayLike<number>, b: ArrayLike<number>, c: number) => number,
): { offset: number; means: Float64Array }[] {
  const skip = (i: number) => (o.second ? o.second(i) : -1);
  const choices = keyedChoices(o.classes, o.second !== undefined);
  const byCode = new Map<string, { offset: number; n: number; sum: Float64Array }>();
  for (const { index: i, offset } of inputs) {
    const s = o.suspectLog(i);
    const b = o.baseLog(i);
    const key = o.code(i);
    const e = byCode.get(key) ?? { offset, n: 0, sum: new Float64Array(choices) };
    for (let k = 1; k <= choices; k++) e.sum[k - 1] += value(s, b, keyedClass(o.top(i), k, o.classes, skip(i)));
    e.n++;
    byCode.set(key, e);
  }
  return [...byCode.values()].map((e) => ({ offset: e.offset, means: e.sum.map((v) => v / e.n) }));
}

/** The floored log-ratio of one class (module comment). */
export function flooredRatio(floor: number): (s: ArrayLike<number>, b: ArrayLike<number>, c: number) => number {
  return (s, b, c) => Math.max(-floor, s[c]) - Math.max(-floor, b[c]);
}

/** The value vectors of one key's marked inputs at the floor F (nats). */
export function ratioCodes(
  inputs: readonly { index: number; offset: number }[],
  o: MarkedReading & { floor: number },
): RatioCode[] {
  return codeMeans(inputs, o, flooredRatio(o.floor)).map((e) => ({
    offset: e.offset,
    values: Int32Array.from(e.means, (v) => Math.round(v * LATTICE_STEPS)),
  }));
}

/** The statistic and its mean and variance without the key, in lattice units. */
function moments(codes: readonly RatioCode[]): { observed: number; mean: number; variance: number } {
  let observed = 0;
  let mean = 0;
  let variance = 0;
  for (const c of codes) {
    const n = c.values.length;
    let m = 0;
    for (const v of c.values) m += v / n;
    let q = 0;
    for (const v of c.values) q += (v - m) ** 2 / n;
    observed += c.values[c.offset - 1];
    mean += m;
    variance += q;
  }
  return { observed, mean, variance };
}

/**
 * min over θ ≥ 0 of exp(Σ log E[e^{θ X_c}] − θ s): a valid upper bound of P[Σ X_c ≥ s] for independent X_c, each
 * uniform over its code's values (lattice units).
 */
export function chernoffTail(observed: number, codes: readonly RatioCode[]): number {
  return chernoff(observed, moments(codes).mean, codes);
}

/** chernoffTail with the statistic's mean without the key already known. */
function chernoff(observed: number, mean: number, codes: readonly RatioCode[]): number {
  if (observed <= mean) return 1;
  const logBound = (theta: number) => {
    let t = -theta * observed;
    for (const c of codes) {
      let mx = -Infinity;
      for (const v of c.values) mx = Math.max(mx, theta * v);
      let z = 0;
      for (const v of c.values) z += Math.exp(theta * v - mx);
      t += mx + Math.log(z / c.values.length);
    }
    return t;
  };
  // convex in θ: golden-section search over [0, hi], hi doubled until the bound rises
  let hi = 1 / LATTICE_STEPS;
  while (hi < 1e3 && logBound(2 * hi) < logBound(hi)) hi *= 2;
  let a = 0;
  let b = 2 * hi;
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = b - g * (b - a);
  let x2 = a + g * (b - a);
  let f1 = logBound(x1);
  let f2 = logBound(x2);
  for (let it = 0; it < 60; it++) {
    if (f1 < f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - g * (b - a);
      f1 = logBound(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + g * (b - a);
      f2 = logBound(x2);
    }
  }
  return Math.min(1, Math.exp(Math.min(f1, f2, 0)));
}

/** The smallest and largest of a code's values. */
function range(values: Int32Array): [number, number] {
  let mn = Infinity;
  let mx = -Infinity;
  for (const v of values) {
    mn = Math.min(mn, v);
    mx = Math.max(mx, v);
  }
  return [mn, mx];
}

/** P[Σ X_c ≥ observed] exactly, by convolving the codes' uniform distributions over their lattice values. */
export function exactTail(observed: number, codes: readonly RatioCode[]): number {
  let lo = 0;
  let dist = new Float64Array([1]);
  for (const c of codes) {
    const [mn, mx] = range(c.values);
    const next = new Float64Array(dist.length + mx - mn);
    const w = 1 / c.values.length;
    for (const v of c.values) {
      const shift = v - mn;
      for (let s = 0; s < dist.length; s++) next[s + shift] += dist[s] * w;
    }
    lo += mn;
    dist = next;
  }
  let p = 0;
  for (let s = Math.max(0, observed - lo); s < dist.length; s++) p += dist[s];
  return Math.min(1, p);
}

/** The lattice operations exactTail would take. */
function exactCost(codes: readonly RatioCode[]): number {
  let len = 1;
  let ops = 0;
  for (const c of codes) {
    const [mn, mx] = range(c.values);
    ops += len * c.values.length;
    len += mx - mn;
  }
  return ops;
}

/** The statistic on these codes and its p-value (module comment). */
export function latticeSum(codes: readonly RatioCode[]): LatticeSum {
  const { observed, mean, variance } = moments(codes);
  const bound = chernoff(observed, mean, codes);
  const p =
    bound > EXACT_BELOW || exactCost(codes) > EXACT_BUDGET ? bound : Math.min(bound, exactTail(observed, codes));
  return {
    codes: codes.length,
    sum: observed / LATTICE_STEPS,
    expected: mean / LATTICE_STEPS,
    sd: Math.sqrt(variance) / LATTICE_STEPS,
    p,
  };
}

/** The log-ratio at the floor F on these codes. */
export function ratioPart(floor: number, codes: readonly RatioCode[]): RatioPart {
  return { floor, ...latticeSum(codes) };
}
