/**
 * The synthetic pool of the response-mark statistic tests (scheme2, scores, together): sample i holds the value i
 * and a 16-byte code of its own hash (no two inputs share a code); the base model answers class 0 with class 1 as the
 * runner-up and a margin of 1 + (i mod 97) (log-probabilities: the softmax of logits 8, 4, 1, …, 1); ten candidate
 * boards with keys from their names.
 */
import { createHash } from 'crypto';
import { MarkPool } from '../../src/response-mark/pool';
import { MarkCandidate, ScoringRunner } from '../../src/response-mark/verify';

export const sha = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Log-probabilities of the softmax of these logits. */
export function logSoftmax(logits: readonly number[]): Float32Array {
  const mx = Math.max(...logits);
  const z = Math.log(logits.reduce((t, v) => t + Math.exp(v - mx), 0));
  return Float32Array.from(logits, (v) => v - mx - z);
}

export function syntheticPool(count: number, classes: number): MarkPool {
  const baseLog = logSoftmax(Array.from({ length: classes }, (_, c) => (c === 0 ? 8 : c === 1 ? 4 : 1)));
  return {
    names: ['synthetic'],
    count,
    sampleShape: [1],
    samples: Float32Array.from({ length: count }, (_, i) => i),
    classes,
    coarse: Array.from({ length: count }, (_, i) => sha(`code ${i}`).subarray(0, 16)),
    baseArgmax: (idx) => idx.map(() => 0),
    baseMargin: (idx) => idx.map((i) => 1 + (i % 97)),
    baseRunnerUp: (idx) => idx.map(() => 1),
    baseLogProbs: (idx) => idx.map(() => baseLog),
    dispose: () => undefined,
  };
}

/** Boards b0..b9, board i's mark key SHA-256("board i"). */
export const syntheticCandidates = (): MarkCandidate[] =>
  Array.from({ length: 10 }, (_, i) => ({ uid: `b${i}`, key: sha(`board ${i}`) }));

/** A suspect answering row i of `logits` for pool sample i (the samples hold their index), arg-max always class 0. */
export function logitSuspect(logits: Float32Array, classes: number): ScoringRunner {
  return {
    classes,
    sampleShape: [1],
    predict: async (x, count) => Int32Array.from({ length: count }, () => 0),
    scores: async (x, count) => {
      const out = new Float32Array(count * classes);
      for (let j = 0; j < count; j++) out.set(logits.subarray(x[j] * classes, (x[j] + 1) * classes), j * classes);
      return out;
    },
    dispose: () => undefined,
  };
}
