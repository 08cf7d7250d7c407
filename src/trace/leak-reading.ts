/**
 * One black-box reading of a leak: its answers on the probes, read against the closest reference (reference.ts:
 * the base model, or the base pruned as the answers suggest) through that reference's Jacobian (blackbox.ts). When
 * the leak answers only its decision, the reference's decisions are centred on how often the leak answers the
 * reference's runner-up (decision-reference.ts). `edgelock trace` and scripts/trace-measure.ts read leaks this way.
 */
import { blackBoxEvidence } from './blackbox';
import { centredDecisions } from './decision-reference';
import { FloatNet, floatNetFromTflite } from './float-net';
import { closestReference, TraceReference } from './reference';
import { fileVictim, ScoreQuery, withHardLabels } from './victims';
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
  /** the base model's answers in the same form */
  baseAnswers: Float32Array;
  hardLabels: boolean;
}

export interface LeakReading {
  evidence: Float64Array;
  reference: TraceReference;
}

async function scoresOf(model: Uint8Array, probes: Float32Array, count: number): Promise<Float32Array> {
  const v = await fileVictim(model);
  try {
    return await v.query(probes, count);
  } finally {
    v.dispose();
  }
}

export async function readLeak(a: LeakAnswers): Promise<LeakReading> {
  const classes = a.answers.length / a.count;
  const read = a.hardLabels ? (q: ScoreQuery) => withHardLabels(q, classes) : undefined;
  const ref = await closestReference(a.base, a.set, a.probes, a.count, a.answers, a.baseAnswers, read);
  const against = a.hardLabels
    ? centredDecisions(await scoresOf(ref.model, a.probes, a.count), a.answers, a.count)
    : ref.scores;
  const ev = await blackBoxEvidence(ref.set, {
    base: ref.pruned ? floatNetFromTflite(ref.model) : a.net,
    baseScores: against,
    probes: a.probes,
    count: a.count,
    victim: async () => a.answers,
    dead: ref.dead,
  });
  return { evidence: ev.evidence, reference: ref };
}
