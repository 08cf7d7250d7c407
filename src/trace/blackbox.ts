/**
 * Black-box evidence: only the leaked model's answers on probe inputs. The residual r = (its scores − the base
 * model's scores, both from the int8 model) is carried back through the base model's float network, giving per
 * carrier the projection of r on the output change one weight step there would cause (a vector-Jacobian product,
 * J^T r, times the step size). A device's code c predicts the change J (c ⊙ step), so Σ_j c[j] e[j] = ⟨r, J c⟩: the
 * correlation of what was observed with what that device's code predicts, for every candidate from one backward
 * pass. The same Hoeffding bound holds (the evidence does not depend on an innocent device's signs).
 */
import { CarrierSet } from './carriers';
import { FloatNet, toNetLayout } from './float-net';
import { ScoreQuery } from './victims';

export interface BlackBoxInput {
  /** the base model's float network (floatNetFromTflite of the plain base model) */
  base: FloatNet;
  /** the base model's own scores on the probes (the int8 model in the TFLite runtime) */
  baseScores: Float32Array;
  probes: Float32Array;
  count: number;
  victim: ScoreQuery;
}

export interface BlackBoxEvidence {
  evidence: Float64Array;
  queries: number;
  /** mean |r| over all scores: 0 when the victim answers exactly like the base model */
  meanResidual: number;
}

export async function blackBoxEvidence(set: CarrierSet, b: BlackBoxInput): Promise<BlackBoxEvidence> {
  const got = await b.victim(b.probes, b.count);
  const r = new Float32Array(got.length);
  let abs = 0;
  for (let i = 0; i < got.length; i++) {
    r[i] = got[i] - b.baseScores[i];
    abs += Math.abs(r[i]);
  }
  const { net, modelInputShape, bindings } = b.base;
  net.zeroGrad();
  const chunk = 256;
  const size = b.probes.length / b.count;
  const classes = got.length / b.count;
  for (let s = 0; s < b.count; s += chunk) {
    const n = Math.min(chunk, b.count - s);
    const x = toNetLayout(b.probes.subarray(s * size, (s + n) * size), n, modelInputShape);
    net.forward(x, n, true);
    net.backward(r.slice(s * classes, (s + n) * classes), n);
  }
  const byW = new Map(bindings.map((x) => [x.w, x]));
  const e = new Float64Array(set.carriers.length);
  set.carriers.forEach((c, j) => {
    const t = set.tensors[c.w];
    const bind = byW.get(c.w)!;
    const step = t.scales[t.scales.length === 1 ? 0 : t.channelOf(c.i)];
    e[j] = bind.weight.grad[bind.toParam(c.i)] * step;
  });
  return { evidence: e, queries: b.count, meanResidual: abs / Math.max(1, got.length) };
}
