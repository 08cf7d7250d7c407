/**
 * Black-box evidence: only the leaked model's answers on probe inputs. The residual r = (its scores − the base
 * model's scores, both from the int8 model) is explained by the code through the base model's float network: a
 * device's code c changes the outputs by about J c, where J is the Jacobian of all output scores on all probes with
 * respect to the carrier weights, one quantisation step per unit (src/trace/carrier-jacobian.ts).
 *
 * The evidence is the regularised least-squares (Wiener) estimate of the code from r,
 *
 *   e = Jᵀ (J Jᵀ + s² I)⁻¹ r,   s² = mean(r²),
 *
 * solved by conjugate gradients with one forward and one backward pass over the probes per iteration. The plain
 * correlation Jᵀ r (the estimator before) is the same thing for s² → ∞: it weighs the few output directions that
 * react most to the weights and drowns the many weaker ones, so its score stalled near z ≈ 8 however many queries
 * were made. Whitening by (J Jᵀ + s² I)⁻¹ counts every output direction whose response to the code stands above the
 * int8 rounding noise (s² estimates that noise: a ±1-step code moves most logits by a fraction of one output step,
 * so r is mostly dithered rounding, whose power is mean(r²)).
 *
 * e depends on the answers and the base model only, never on a candidate's signs, so the Hoeffding bound of
 * src/trace/score.ts holds for every innocent board unchanged.
 */
import { carrierJacobian } from './carrier-jacobian';
import { CarrierSet } from './weight-tensors';
import { FloatNet } from './float-net';
import { ScoreQuery } from './victims';

export interface BlackBoxInput {
  /** the base model's float network (floatNetFromTflite of the plain base model) */
  base: FloatNet;
  /** the base model's own scores on the probes (the int8 model in the TFLite runtime) */
  baseScores: Float32Array;
  probes: Float32Array;
  count: number;
  victim: ScoreQuery;
  /** conjugate-gradient iterations (default CG_ITERATIONS) */
  iterations?: number;
  /** carriers that cannot carry the code in this leak (1: pruned in the reference, reference.ts): no evidence there */
  dead?: Uint8Array;
}

export interface BlackBoxEvidence {
  evidence: Float64Array;
  queries: number;
  /** mean |r| over all scores: 0 when the victim answers exactly like the base model */
  meanResidual: number;
}

/** the score no longer moves after about 10 iterations on the zoo models (s² is large next to J's small directions) */
export const CG_ITERATIONS = 15;

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Solves (A + s2 I) y = r by conjugate gradients, A symmetric positive semi-definite given as a product. */
export function conjugateGradient(
  apply: (v: Float64Array) => Float64Array,
  r: Float64Array,
  s2: number,
  iterations: number,
): Float64Array {
  const y = new Float64Array(r.length);
  const res = Float64Array.from(r);
  const p = Float64Array.from(r);
  let rr = dot(res, res);
  const stop = rr * 1e-12;
  for (let it = 0; it < iterations && rr > stop; it++) {
    const ap = apply(p);
    for (let i = 0; i < ap.length; i++) ap[i] += s2 * p[i];
    const pap = dot(p, ap);
    if (!(pap > 0)) break;
    const a = rr / pap;
    for (let i = 0; i < y.length; i++) {
      y[i] += a * p[i];
      res[i] -= a * ap[i];
    }
    const next = dot(res, res);
    const b = next / rr;
    rr = next;
    for (let i = 0; i < p.length; i++) p[i] = res[i] + b * p[i];
  }
  return y;
}

export async function blackBoxEvidence(set: CarrierSet, b: BlackBoxInput): Promise<BlackBoxEvidence> {
  const got = await b.victim(b.probes, b.count);
  const r = new Float64Array(got.length);
  let abs = 0;
  let power = 0;
  for (let i = 0; i < got.length; i++) {
    r[i] = got[i] - b.baseScores[i];
    abs += Math.abs(r[i]);
    power += r[i] * r[i];
  }
  const J = carrierJacobian(set, b.base, b.probes, b.count);
  const meanResidual = abs / Math.max(1, got.length);
  if (power === 0) return { evidence: new Float64Array(set.carriers.length), queries: b.count, meanResidual };
  const s2 = power / r.length;
  // J restricted to the live carriers: J D Dᵀ Jᵀ, D the mask
  const live = (v: Float64Array) => {
    if (b.dead) for (let j = 0; j < v.length; j++) if (b.dead[j]) v[j] = 0;
    return v;
  };
  const y = conjugateGradient((v) => J.jvp(live(J.vjp(v))), r, s2, b.iterations ?? CG_ITERATIONS);
  return { evidence: live(J.vjp(y)), queries: b.count, meanResidual };
}
