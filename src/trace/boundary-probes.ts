/**
 * Probes on the base model's decision boundaries, for black-box tracing of a leak that answers only its decision.
 *
 * A ±1-step trace code moves a model's scores by a fraction of one output step, so on natural inputs, where the top
 * class leads by many steps, a marked copy decides exactly as the base model does and its arg-max says nothing (the
 * zoo LeNet: the same decision on all 1,000 MNIST test probes, z = 0). On an input where the base model's top two
 * classes are nearly tied, the code's small push decides which of the two the copy answers, and which way it
 * pushes is what the code is. So each probe is found by bisection between two natural inputs the base model decides
 * differently: x(t) = (1 − t)·a + t·b, keeping the last point that still gets a's decision after BISECTION_STEPS
 * halvings (the two ends then differ by 2^-12 of |b − a|, less than one int8 input step).
 *
 * The probes depend only on the base model (run in the TFLite runtime, as its int8 form answers) and the natural
 * inputs, never on a key or a candidate, so the Hoeffding bound of score.ts holds for every innocent board whatever
 * the copy answers on them.
 */
import { EdgelockError } from '../errors';
import { argmax, fileVictim } from './victims';

export const BOUNDARY_PROBES = 'boundary';

/** Halvings of the segment between the two natural inputs. */
export const BISECTION_STEPS = 12;

/**
 * `count` boundary probes from the natural inputs `natural` (`available` samples in the model's layout), paired in
 * order (0 with 1, 2 with 3, …); pairs the base model decides alike are passed over.
 */
export async function boundaryProbes(
  base: Uint8Array,
  natural: Float32Array,
  available: number,
  count: number,
): Promise<Float32Array> {
  const size = natural.length / available;
  const own = await fileVictim(base);
  try {
    const decisions = async (x: Float32Array, n: number) => {
      const scores = await own.query(x, n);
      const classes = scores.length / n;
      return Int32Array.from({ length: n }, (_, s) => argmax(scores, s * classes, classes));
    };
    // pairs the base model decides differently, reading the natural inputs a chunk at a time; sideA is the decision
    // on each pair's first input, which the bisection keeps
    const pairs: number[] = [];
    const sideA: number[] = [];
    for (let at = 0; pairs.length < count && at + 1 < available;) {
      const n = Math.min(available - at, 2 * Math.ceil(1.25 * (count - pairs.length)) + 2) & ~1;
      if (n < 2) break;
      const d = await decisions(natural.subarray(at * size, (at + n) * size), n);
      for (let k = 0; k + 1 < n && pairs.length < count; k += 2)
        if (d[k] !== d[k + 1]) {
          pairs.push(at + k);
          sideA.push(d[k]);
        }
      at += n;
    }
    if (pairs.length < count)
      throw new EdgelockError(
        'E_USAGE',
        `boundary probes: only ${pairs.length} of the ${Math.floor(available / 2)} pairs of natural inputs are ` +
          `decided differently by the base model; ${count} are needed`,
      );
    const point = (t: Float64Array) => {
      const x = new Float32Array(count * size);
      pairs.forEach((i, s) => {
        const a = natural.subarray(i * size, (i + 1) * size);
        const b = natural.subarray((i + 1) * size, (i + 2) * size);
        for (let p = 0; p < size; p++) x[s * size + p] = (1 - t[s]) * a[p] + t[s] * b[p];
      });
      return x;
    };
    const lo = new Float64Array(count);
    const hi = new Float64Array(count).fill(1);
    for (let step = 0; step < BISECTION_STEPS; step++) {
      const mid = lo.map((l, s) => (l + hi[s]) / 2);
      const d = await decisions(point(mid), count);
      for (let s = 0; s < count; s++) {
        if (d[s] === sideA[s]) lo[s] = mid[s];
        else hi[s] = mid[s];
      }
    }
    return point(lo);
  } finally {
    own.dispose();
  }
}
