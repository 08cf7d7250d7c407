/**
 * What a black-box trace compares a leak's answers with (docs/security.md, "Tracing a leaked model to its board").
 * Black-box evidence reads the code from the difference between the leak's scores and a reference model's, through
 * the reference's Jacobian (blackbox.ts). The reference is the base model, unless the leak was pruned: a thief who
 * zeroes the smallest weights of every filter changes the outputs far more than the ±1-step code does, and read
 * against the unpruned base model the code is lost (measured: no board named at any fraction). The owner can prune
 * the base model the same way: a copy pruned at fraction f is the base pruned at f plus the code on the weights that
 * survive. So the reference is chosen among the base model and the base pruned under each rule of prune.ts (per
 * filter, global, whole units) at every PRUNE_STEP, then under the closest rule at every FINE_STEP within a PRUNE_STEP
 * of the best: the one whose scores on the probes are closest to the leak's (mean squared difference), if it is
 * clearly closer than the base model (CLEARLY_CLOSER); for decisions only, the one whose margins explain them best
 * (decision-fit.ts), if by LIKELIHOOD_MARGIN more than the base model. A reference with whole units removed has their
 * carriers dead; as the code moves a unit's L1 norm by about √n steps, which reorders near-ties, swaps across each
 * layer's cut are tried too (SWAP_WINDOW, SWAP_PASSES). Under the magnitude rules, per one-step carrier (a quiet
 * carrier of a steps is read the same way with w ± a: dead when both are under the cut, at the cut when one is):
 *   - far below the cut (the largest magnitude the reference pruned in that tensor): pruned in the leak too, whatever
 *     the code: no evidence there (`dead`);
 *   - within one quantisation step of the cut: the code decided which side the weight fell on. A weight w the
 *     reference pruned survives in the leak as w + sign(w) when the code's sign is sign(w) and is pruned otherwise; one
 *     the reference kept is pruned in the leak when the code's sign is −sign(w). Either way the leak's weight is its
 *     mean over the two signs plus the code's sign times half the jump. So the reference takes that mean —
 *     (w + sign(w))/2 or w/2 — and the carrier's amplitude is half the jump, (|w| + 1)/2 or |w|/2 steps;
 *   - above: as in the base model, one step.
 * Measured (docs/security.md, scripts/trace-measure.ts --only prune): the zoo LeNet and MLP pruned per filter or
 * globally at 30–90% are named from 300 probes, z 10.4–26.1, and by whole units at 30–50%, z 6.5–23.4, where reading
 * against the base model (or per-filter references only, for the other rules) named nobody.
 *
 * The choice looks at the leak's answers and the base model only, never at a candidate's code, so the Hoeffding
 * bound of score.ts holds unchanged.
 */
import { PRUNE_RULES, PruneRule, Pruned, pruner, unitPruner } from './prune';
import { answerMargins, decisionLogLikelihood } from './decision-fit';
import { modelScores } from './victims';
import { CarrierSet, scaleOf, WeightTensor } from './weight-tensors';

/** The pruning fractions tried: every 2% up to 98% under each rule, then every 0.1% around the closest. */
export const PRUNE_STEP = 0.02;
export const FINE_STEP = 0.001;
/** a pruned reference is used only when its answers' mean squared distance to the leak's is at most this share of the base's */
export const CLEARLY_CLOSER = 0.5;
/**
 * decisions: a pruned reference is used only when it explains them by this many nats more than the base model. Set at
 * 1,000 decisions on boundary probes (docs/security.md): over 50 unpruned leaks of the zoo MLP and LeNet the best of
 * ~190 pruned references gained 3.3–57 by chance, and reading against such a chance pick can lose the board (z 10.1 →
 * 3.4); leaks pruned 30% globally gained 158–301, 20% 56–138, 10% 15–120, per filter at 20% or by units 418 and more.
 */
export const LIKELIHOOD_MARGIN = 100;
/** units: the swaps tried across each layer's cut (this many units on either side), for at most this many rounds */
export const SWAP_WINDOW = 4;
export const SWAP_PASSES = 12;

export interface TraceReference {
  /** the fraction pruned (0: the base model itself) */
  pruned: number;
  /** the pruning rule of the reference (prune.ts); absent for the base model itself */
  rule?: PruneRule;
  /** the reference model (the base model itself when pruned is 0) */
  model: Uint8Array;
  /** its own scores on the probes (never hard-labelled: the centred reference of decision-reference.ts reads them) */
  scores: Float32Array;
  /** the carriers with their code amplitudes in steps against this reference (module comment) */
  set: CarrierSet;
  /** per carrier, 1 when the leak has it at 0 whatever the code (no evidence there) */
  dead?: Uint8Array;
  /** the base model fine-tuned on the owner's inputs (tuned-reference.ts): `model` is its first run, `scores` the mean */
  tuned?: { lr: number; runs: number };
}

export function meanSquare(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / Math.max(1, a.length);
}

/**
 * The search over pruned references: every PRUNE_STEP under each rule, then every FINE_STEP within a PRUNE_STEP of the
 * best found so far under its rule. `tryFraction` evaluates one and keeps it if it is the best; `best` says which is.
 * Returns the best after the coarse steps.
 */
export async function searchFractions<T extends { rule?: PruneRule; pruned: number }>(
  tryFraction: (rule: PruneRule, fraction: number) => Promise<unknown>,
  best: () => T,
): Promise<T> {
  const round = (f: number) => Math.round(f * 1e6) / 1e6;
  for (const rule of PRUNE_RULES)
    for (let k = 1; k * PRUNE_STEP < 1 - 1e-9; k++) await tryFraction(rule, round(k * PRUNE_STEP));
  const coarse = best();
  const n = Math.round(PRUNE_STEP / FINE_STEP);
  if (coarse.rule)
    for (let k = 1 - n; k < n; k++) {
      const f = round(coarse.pruned + k * FINE_STEP);
      if (k !== 0 && f > 0 && f < 1) await tryFraction(coarse.rule, f);
    }
  return coarse;
}

/**
 * The reference closest to the leak's answers. `answers` are the leak's scores on `probes` (one-hot when `hard`);
 * `baseScores` are the base model's own scores, already asked. Scores are compared by mean squared difference;
 * decisions by how well a reference's margins explain them (decision-fit.ts), counting agreements threw away how near
 * each probe is to the reference's boundary (the zoo MLP pruned 30% globally: the base model kept by one
 * disagreement in 500, then z 6.8).
 */
export async function closestReference(
  base: Uint8Array,
  set: CarrierSet,
  probes: Float32Array,
  count: number,
  answers: Float32Array,
  baseScores: Float32Array,
  hard = false,
): Promise<TraceReference> {
  const distanceOf = (scores: Float32Array) =>
    hard ? -decisionLogLikelihood(answerMargins(scores, { answers, count })) : meanSquare(answers, scores);
  // a pruned reference has to be clearly closer than the base model: pruning moves the answers far more than the
  // code does, and among ~200 candidates one pruned at a few percent is otherwise picked by chance for an unpruned leak
  const baseDistance = distanceOf(baseScores);
  let best: { pruned: number; rule?: PruneRule; cut?: Pruned; scores: Float32Array; distance: number } = {
    pruned: 0,
    scores: baseScores,
    distance: hard ? baseDistance - LIKELIHOOD_MARGIN : CLEARLY_CLOSER * baseDistance,
  };
  // whole units: one pruner for the fractions and the swaps below
  const units = unitPruner(base);
  const pruners = new Map(PRUNE_RULES.map((rule) => [rule, rule === 'units' ? units.prune : pruner(base, rule)]));
  const ask = (model: Uint8Array) => modelScores(model, probes, count);
  /** keeps `cut` as the best reference when its answers are closer; says whether they were */
  const tryCut = async (cut: Pruned, rule: PruneRule, pruned: number) => {
    const scores = await ask(cut.model);
    const distance = distanceOf(scores);
    if (distance >= best.distance) return false;
    best = { pruned, rule, cut, scores, distance };
    return true;
  };
  await searchFractions(
    (rule, fraction) => tryCut(pruners.get(rule)!(fraction), rule, fraction),
    () => best,
  );
  if (best.rule === 'units') {
    // the code moves a unit's L1 norm by about √n steps, enough to swap it with a neighbour in the order: try the
    // swaps across each layer's cut and keep those that bring the answers closer (the leak's answers only, no code)
    const position = units.orders.map((o) => new Map(o.map((u, k) => [u, k])));
    let removed = units.at(best.pruned);
    for (let pass = 0, moved = true; pass < SWAP_PASSES && moved; pass++) {
      moved = false;
      for (const [layer, order] of units.orders.entries()) {
        const gone = [...removed[layer]].sort((a, b) => position[layer].get(a)! - position[layer].get(b)!);
        if (gone.length === 0 || gone.length === order.length) continue;
        const kept = order.filter((u) => !gone.includes(u));
        let better: number[][] | null = null;
        for (const a of gone.slice(-SWAP_WINDOW))
          for (const b of kept.slice(0, SWAP_WINDOW)) {
            const trial = removed.map((r, l) => (l === layer ? [...gone.filter((u) => u !== a), b] : r));
            if (await tryCut(units.remove(trial), 'units', best.pruned)) better = trial;
          }
        if (better) [removed, moved] = [better, true];
      }
    }
  }
  if (!best.rule || !best.cut) return { pruned: 0, model: base, scores: best.scores, set };
  const { model, set: weighed, dead } = prunedReference(base, set, best.rule, best.cut);
  return { pruned: best.pruned, rule: best.rule, model, scores: await ask(model), set: weighed, dead };
}

/**
 * The reference `cut` (the base model pruned under `rule`) as a leak pruned alike is read against it: carriers the
 * leak has at 0 whatever the code are dead, and those within a step of a magnitude rule's cut are read against their
 * mean over the code's two signs, at half the jump (module comment).
 */
export function prunedReference(
  base: Uint8Array,
  set: CarrierSet,
  rule: PruneRule,
  cut: Pruned,
): { model: Uint8Array; set: CarrierSet; dead: Uint8Array } {
  const model = new Uint8Array(cut.model);
  const zeroed = cut.zeroed;
  const view = (m: Uint8Array, t: WeightTensor) => new Int8Array(m.buffer, m.byteOffset + t.at, t.count);
  const dead = new Uint8Array(set.carriers.length);
  const amplitude = set.amplitude ? Uint8Array.from(set.amplitude) : new Uint8Array(set.carriers.length).fill(1);
  if (rule === 'units') {
    // a unit the reference removed is gone from the leak too, whatever the code: its carriers carry nothing
    set.carriers.forEach((c, j) => {
      if (zeroed.get(set.tensors[c.w].tensor)?.[c.i]) dead[j] = 1;
    });
  } else {
    // per tensor, the largest magnitude the reference pruned
    const limit = set.tensors.map((t) => {
      const b = view(base, t);
      const z = zeroed.get(t.tensor);
      let m = 0;
      if (z) for (let i = 0; i < t.count; i++) if (z[i] && b[i] !== 0) m = Math.max(m, Math.abs(b[i] * scaleOf(t, i)));
      return m;
    });
    set.carriers.forEach((c, j) => {
      const t = set.tensors[c.w];
      const w = view(base, t)[c.i];
      const r = view(model, t);
      const step = scaleOf(t, c.i);
      const a = amplitude[j];
      if (a > 1 && limit[c.w] > 0) {
        // a quiet carrier moves by a steps: the leak has w + a or w − a, each pruned when at most the cut
        const alive = [1, -1].filter((s) => Math.abs(w + a * s) * step > limit[c.w] * (1 + 1e-9));
        if (alive.length === 0) dead[j] = 1;
        else if (alive.length === 1) {
          // one sign survives as w + a·s, the other is pruned: read against the mean with half the jump
          const kept = w + a * alive[0];
          r[c.i] = Math.round(kept / 2);
          amplitude[j] = Math.max(1, Math.round(Math.abs(kept) / 2));
        }
      } else if (limit[c.w] > 0 && Math.abs(Math.abs(w) * step - limit[c.w]) <= step * (1 + 1e-6)) {
        const kept = r[c.i] !== 0;
        r[c.i] = kept ? Math.round(w / 2) : Math.round((w + Math.sign(w)) / 2);
        amplitude[j] = Math.max(1, Math.round((kept ? Math.abs(w) : Math.abs(w) + 1) / 2));
      } else if (r[c.i] === 0 && w !== 0) dead[j] = 1;
    });
  }
  return { model, set: { ...set, amplitude }, dead };
}
