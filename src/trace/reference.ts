/**
 * What a black-box trace compares a leak's answers with (docs/security.md, "Tracing a leaked model to its board").
 * Black-box evidence reads the code from the difference between the leak's scores and a reference model's, through
 * the reference's Jacobian (blackbox.ts). The reference is the base model, unless the leak was pruned: a thief who
 * zeroes the smallest weights of every filter changes the outputs far more than the ±1-step code does, and read
 * against the unpruned base model the code is lost (measured: no board named at any fraction). The owner can prune
 * the base model the same way: a copy pruned at fraction f is the base pruned at f plus the code on the weights that
 * survive. So the reference is chosen among the base model and the base pruned at every PRUNE_STEP, then at every
 * FINE_STEP within a PRUNE_STEP of the best: the one whose scores on the probes are closest to the leak's (mean squared
 * difference). Then, per carrier:
 *   - far below the cut (the largest magnitude the reference pruned in that tensor): pruned in the leak too, whatever
 *     the code: no evidence there (`dead`);
 *   - within one quantisation step of the cut: the code decided which side the weight fell on. A weight w the
 *     reference pruned survives in the leak as w + sign(w) when the code's sign is sign(w) and is pruned otherwise; one
 *     the reference kept is pruned in the leak when the code's sign is −sign(w). Either way the leak's weight is its
 *     mean over the two signs plus the code's sign times half the jump. So the reference takes that mean —
 *     (w + sign(w))/2 or w/2 — and the carrier's amplitude is half the jump, (|w| + 1)/2 or |w|/2 steps;
 *   - above: as in the base model, one step.
 * Measured (docs/security.md, scripts/trace-measure.ts --only prune): the zoo LeNet and MLP pruned at 30–90% are named
 * from 300 probes, z 10.4–25.3, where reading against the base model named nobody.
 *
 * The choice looks at the leak's answers and the base model only, never at a candidate's code, so the Hoeffding
 * bound of score.ts holds unchanged.
 */
import { magnitudePruner } from './prune';
import { fileVictim, ScoreQuery } from './victims';
import { CarrierSet, scaleOf, WeightTensor } from './weight-tensors';

/** The pruning fractions tried: every 2% up to 98%, then every 0.1% around the closest. */
export const PRUNE_STEP = 0.02;
export const FINE_STEP = 0.001;

export interface TraceReference {
  /** the fraction of every filter's weights pruned (0: the base model itself) */
  pruned: number;
  /** the reference model (the base model itself when pruned is 0) */
  model: Uint8Array;
  /** its scores on the probes (as `read` reads them: hard labels when the leak answers only those) */
  scores: Float32Array;
  /** the carriers with their code amplitudes in steps against this reference (module comment) */
  set: CarrierSet;
  /** per carrier, 1 when the leak has it at 0 whatever the code (no evidence there) */
  dead?: Uint8Array;
}

function meanSquare(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / Math.max(1, a.length);
}

/**
 * The reference closest to the leak's answers. `answers` are the leak's scores on `probes`; `read` turns a model's
 * query into the form the leak answers in (hard labels or scores); `baseScores` are the base model's, already asked.
 */
export async function closestReference(
  base: Uint8Array,
  set: CarrierSet,
  probes: Float32Array,
  count: number,
  answers: Float32Array,
  baseScores: Float32Array,
  read: (q: ScoreQuery) => ScoreQuery = (q) => q,
): Promise<TraceReference> {
  let best = { pruned: 0, model: base, scores: baseScores, distance: meanSquare(answers, baseScores) };
  const prune = magnitudePruner(base);
  const tryFraction = async (fraction: number) => {
    const model = prune(fraction);
    const v = await fileVictim(model);
    try {
      const scores = await read(v.query)(probes, count);
      const distance = meanSquare(answers, scores);
      if (distance < best.distance) best = { pruned: fraction, model, scores, distance };
    } finally {
      v.dispose();
    }
  };
  const round = (f: number) => Math.round(f * 1e6) / 1e6;
  for (let k = 1; k * PRUNE_STEP < 1 - 1e-9; k++) await tryFraction(round(k * PRUNE_STEP));
  const coarse = best.pruned;
  const n = Math.round(PRUNE_STEP / FINE_STEP);
  if (coarse > 0)
    for (let k = 1 - n; k < n; k++) {
      const f = round(coarse + k * FINE_STEP);
      if (k !== 0 && f > 0 && f < 1) await tryFraction(f);
    }
  if (best.pruned === 0) return { pruned: 0, model: base, scores: best.scores, set };
  const model = new Uint8Array(best.model);
  const view = (m: Uint8Array, t: WeightTensor) => new Int8Array(m.buffer, m.byteOffset + t.at, t.count);
  // per tensor, the largest magnitude the reference pruned
  const cut = set.tensors.map((t) => {
    const b = view(base, t);
    const r = view(model, t);
    let m = 0;
    for (let i = 0; i < t.count; i++) if (r[i] === 0 && b[i] !== 0) m = Math.max(m, Math.abs(b[i] * scaleOf(t, i)));
    return m;
  });
  const dead = new Uint8Array(set.carriers.length);
  const amplitude = set.amplitude ? Uint8Array.from(set.amplitude) : new Uint8Array(set.carriers.length).fill(1);
  set.carriers.forEach((c, j) => {
    const t = set.tensors[c.w];
    const w = view(base, t)[c.i];
    const r = view(model, t);
    const step = scaleOf(t, c.i);
    if (cut[c.w] > 0 && Math.abs(Math.abs(w) * step - cut[c.w]) <= step * (1 + 1e-6)) {
      const kept = r[c.i] !== 0;
      r[c.i] = kept ? Math.round(w / 2) : Math.round((w + Math.sign(w)) / 2);
      amplitude[j] = Math.max(1, Math.round((kept ? Math.abs(w) : Math.abs(w) + 1) / 2));
    } else if (r[c.i] === 0 && w !== 0) dead[j] = 1;
  });
  const v = await fileVictim(model);
  let scores: Float32Array;
  try {
    scores = await read(v.query)(probes, count);
  } finally {
    v.dispose();
  }
  return { pruned: best.pruned, model, scores, set: { ...set, amplitude }, dead };
}
