/**
 * A leak pruned globally that answers only its decisions: the fraction it was pruned at, found again from both
 * rounds of its answers (leak-reading.ts). The first round (reference.ts) scores each candidate reference on the
 * leak's decisions on the base model's boundaries alone; under one global threshold the code moves weights across it,
 * and the first round finds the fraction only within 1–3 points (the zoo MLP pruned 50% globally: references at 47.3
 * and 51.6%, and z 6.5 and 6.8 from 2,000 decisions, on the bar, when it counted agreements; 52.6% and z 6.8 by the
 * likelihood, trace.test). So once the second round is answered, the same rule is tried every REFINE_STEP within
 * REFINE_SPAN of the first pick, each scored by how well its margins explain the leak's decisions in both rounds
 * (decision-fit.ts), and the best is read.
 *
 * Measured (docs/security.md, scripts/trace-measure.ts --argmax-attacks prune:0.5:global): the MLP's two leaks go to
 * references at 51.05 and 49.1%, z 8.9 and 9.0 (from 6.5 and 6.8); LeNet's to 49.85 and 50.1%, z 9.1 and 9.1
 * (from 7.7 and 7.9). With the first round by the likelihood: MLP 48.45 and 49.2%, z 9.3 and 10.0; LeNet 50.25 and
 * 50.1%, z 8.8 and 9.1.
 *
 * The choice reads the leak's answers and references made from the base model only, never a candidate's code, so the
 * bound of score.ts holds.
 */
import { answerMargins, decisionLogLikelihood, Decisions } from './decision-fit';
import { pruner } from './prune';
import { prunedReference, TraceReference } from './reference';
import { modelScores } from './victims';
import { CarrierSet } from './weight-tensors';

/** the fractions tried: every REFINE_STEP within REFINE_SPAN of the first pick */
export const REFINE_STEP = 0.0025;
export const REFINE_SPAN = 0.04;

/** One round's probes and the leak's one-hot answers on them. */
export interface DecisionRound extends Decisions {
  probes: Float32Array;
}

/**
 * The global reference whose scores best explain the leak's decisions in `rounds`; `ref` itself unless another
 * fraction does strictly better, or when `ref` is not pruned globally. Per filter the first round already finds the
 * fraction within 0.3 points, and trying again moved it by 0.25–0.5 points and lowered z (50% per filter, two leaks
 * each: the MLP's z min 9.3 → 8.8, LeNet's 10.0 → 9.8); whole units keep the swaps reference.ts found.
 */
export async function refineByDecisions(
  base: Uint8Array,
  set: CarrierSet,
  ref: TraceReference,
  rounds: DecisionRound[],
): Promise<TraceReference> {
  if (ref.rule !== 'global' || !ref.pruned) return ref;
  const cut = pruner(base, ref.rule);
  /** the model's fit to the decisions of every round, and its scores on the first round's probes */
  const fit = async (model: Uint8Array) => {
    const margins: number[] = [];
    let first: Float32Array | undefined;
    for (const r of rounds) {
      const scores = await modelScores(model, r.probes, r.count);
      first ??= scores;
      margins.push(...answerMargins(scores, r));
    }
    return { fit: decisionLogLikelihood(Float64Array.from(margins)), first: first! };
  };
  let best: { fit: number; reference?: TraceReference } = { fit: (await fit(ref.model)).fit };
  const n = Math.round(REFINE_SPAN / REFINE_STEP);
  for (let k = -n; k <= n; k++) {
    const f = Math.round((ref.pruned + k * REFINE_STEP) * 1e6) / 1e6;
    if (k === 0 || f <= 0 || f >= 1) continue;
    const built = prunedReference(base, set, ref.rule, cut(f));
    const tried = await fit(built.model);
    if (tried.fit <= best.fit) continue;
    // its own scores on the first round's probes, as closestReference gives them
    best = { fit: tried.fit, reference: { pruned: f, rule: ref.rule, ...built, scores: tried.first } };
  }
  return best.reference ?? ref;
}
