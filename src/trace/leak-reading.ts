/**
 * One black-box reading of a leak: its answers on the probes, read against the closest reference (reference.ts:
 * the base model, or the base pruned as the answers suggest; given the owner's inputs, the base fine-tuned on them,
 * tuned-reference.ts) through that reference's Jacobian (blackbox.ts). When
 * the leak answers only its decision, the reference's decisions are centred on how often the leak answers the
 * reference's runner-up (decision-reference.ts). `edgelock trace` and scripts/trace-measure.ts read leaks this way.
 *
 * Probes on the base model's decision boundaries (boundary-probes.ts) are where the base model's top two classes tie;
 * a pruned copy's boundaries have moved, so there its decisions follow the pruning, not the code (the zoo MLP pruned
 * 50% per filter: the right reference found, yet z 4.3 and 4.5 from 1,000 decisions). When the leak is read against
 * a pruned reference and `again` is given, it is asked a second round of probes on that reference's boundaries and
 * read on those. The second probes depend on the leak's answers and the base model only (through the reference),
 * never on a candidate's code, so the bound of score.ts holds.
 */
import { blackBoxEvidence } from './blackbox';
import { centredDecisions } from './decision-reference';
import { FloatNet, floatNetFromTflite } from './float-net';
import { CLEARLY_CLOSER, closestReference, meanSquare, TraceReference } from './reference';
import { refineByDecisions } from './refine-reference';
import { TuneData, tunedReference } from './tuned-reference';
import { EdgelockError } from '../errors';
import { finiteRows, modelScores, ScoreQuery } from './victims';
import { CarrierSet } from './weight-tensors';

export interface LeakAnswers {
  /** the plain base model, and its float network (floatNetFromTflite of it) */
  base: Uint8Array;
  net: FloatNet;
  set: CarrierSet;
  probes: Float32Array;
  count: number;
  /** the leak's answers (one-hot when hardLabels), all finite (victims.ts finiteRows) */
  answers: Float32Array;
  /** the base model's own scores on the probes (not hard-labelled: also the base reference's, for centring) */
  baseScores: Float32Array;
  hardLabels: boolean;
  /** a second round on a pruned reference's decision boundaries (module comment) */
  again?: {
    /** `count` probes on the boundaries of `reference` */
    reprobe: (reference: Uint8Array, count: number) => Promise<Float32Array>;
    /** the leak, in the form it answers in */
    ask: ScoreQuery;
  };
  /** the owner's inputs to fine-tune the base model on, for a leak the thief fine-tuned (tuned-reference.ts) */
  tune?: TuneData;
}

export interface LeakReading {
  evidence: Float64Array;
  reference: TraceReference;
  /** the second round, when one was asked: the probes read, and those left out for answers that were not finite */
  secondRound?: { count: number; ignored: number };
}

export async function readLeak(a: LeakAnswers): Promise<LeakReading> {
  const reference = await closestReference(a.base, a.set, a.probes, a.count, a.answers, a.baseScores, a.hardLabels);
  if (a.tune && !a.hardLabels && !reference.rule) {
    // a fine-tuned reference, when its answers are clearly closer to the leak's than the base model's are
    const t = await tunedReference(a.base, a.tune, a.probes, a.count, a.answers);
    if (t.distance < CLEARLY_CLOSER * meanSquare(a.answers, a.baseScores)) {
      const tuned = { pruned: 0, model: t.model, scores: t.scores, set: a.set, tuned: { lr: t.lr, runs: t.runs } };
      return readAgainst(a, tuned, t.scores);
    }
  }
  const first = await readAgainst(a, reference, reference.scores);
  if (!reference.pruned || !a.again) return first;
  let probes: Float32Array;
  try {
    probes = await a.again.reprobe(reference.model, a.count);
  } catch (e) {
    // a reference pruned so far that too few pairs of natural inputs get different decisions: the first reading
    if (e instanceof EdgelockError && e.code === 'E_USAGE') return first;
    throw e;
  }
  const kept = finiteRows(probes, a.count, await a.again.ask(probes, a.count));
  const secondRound = { count: kept.count, ignored: kept.ignored };
  if (kept.count === 0) return { ...first, secondRound };
  // read against the same reference, not one chosen again among all as the first round did: on its own boundaries
  // every decision is nearly tied, and counting agreements there picked the base model. With decisions only, a
  // global reference's fraction is refitted from both rounds' margins (refine-reference.ts)
  const again = { ...a, probes: kept.probes, count: kept.count, answers: kept.answers };
  const refined = a.hardLabels ? await refineByDecisions(a.base, a.set, reference, [a, again]) : reference;
  return { ...(await readAgainst(again, refined)), secondRound };
}

/**
 * The evidence from the leak's answers against `ref`. `refScores` are the reference model's own scores on the probes
 * (not hard-labelled), asked when not given; with hard labels they are centred on the leak's decisions
 * (decision-reference.ts).
 */
async function readAgainst(a: LeakAnswers, ref: TraceReference, refScores?: Float32Array): Promise<LeakReading> {
  const own = async () => refScores ?? (await modelScores(ref.model, a.probes, a.count));
  const against = a.hardLabels ? centredDecisions(await own(), a.answers, a.count) : await own();
  const ev = await blackBoxEvidence(ref.set, {
    base: ref.model === a.base ? a.net : floatNetFromTflite(ref.model),
    baseScores: against,
    probes: a.probes,
    count: a.count,
    victim: async () => a.answers,
    dead: ref.dead,
  });
  return { evidence: ev.evidence, reference: ref };
}
