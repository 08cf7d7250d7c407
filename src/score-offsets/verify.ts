/**
 * Does a suspect carry a board's score offsets? (`edgelock score-offsets verify`; docs/watermark.md, "Score offsets")
 * The suspect answers the owner's pool; every candidate board's reading (read.ts) is taken on the same answers with
 * that board's signs, and a board is named when its bound, times the number of candidates, is at most alpha. The pool
 * need not hold the attacker's queries: the offsets are a smooth function of the input, which a copy carries to
 * inputs it never saw.
 */
import { ScoreOffsetsParams } from '../package/score-offsets';
import { loadMarkPool } from '../response-mark/pool';
import { asProbabilities } from '../response-mark/probabilities';
import { quantisedPool } from '../response-mark/pool';
import { RESPONSE_MARK_DEFAULTS } from '../package/response-mark';
import { features } from './features';
import { ScoreOffsetsReading, readScoreOffsets } from './read';
import { keyedSigns } from './signs';

export const OFFSETS_ALPHA = 1e-6;
/** log-probabilities below this floor are read at it (a suspect answering probabilities may answer zeros) */
export const LOG_FLOOR = Math.log(1e-12);

export interface OffsetsCandidate {
  uid: string;
  /** the board's score key (scoreOffsetsKey(master, uid)); never printed or stored */
  key: Uint8Array;
}

export interface OffsetsVerdict {
  pool: { names: string[]; count: number };
  candidates: (ScoreOffsetsReading & { uid: string; familyP: number })[];
  named: string[];
  alpha: number;
}

/**
 * A suspect's output row as log-probabilities (softmax of logits, or the probabilities it answers) in float32, as the
 * base model's are (base-answers.ts), floored.
 */
export function logProbabilities(row: ArrayLike<number>): number[] {
  return asProbabilities(row).map((p) => Math.max(LOG_FLOOR, Math.fround(Math.log(p))));
}

export async function verifyScoreOffsets(o: {
  base: Uint8Array;
  params: ScoreOffsetsParams;
  candidates: readonly OffsetsCandidate[];
  suspect: { scores(x: Float32Array, count: number): Promise<Float32Array> };
  pool: string[];
  poolLimit?: number;
  alpha?: number;
}): Promise<OffsetsVerdict> {
  const alpha = o.alpha ?? OFFSETS_ALPHA;
  const q = quantisedPool(o.base, o.pool, o.poolLimit);
  const n = q.count;
  const classes = q.classes;
  const u = Array.from({ length: n }, (_, i) => features(q.int8(i), o.params));
  const pool = await loadMarkPool(o.base, o.pool, RESPONSE_MARK_DEFAULTS, o.poolLimit);
  let base: Float32Array[];
  try {
    const all = Array.from({ length: n }, (_, i) => i);
    await pool.prepareBase?.(all);
    base = pool.baseLogProbs(all);
  } finally {
    pool.dispose();
  }
  const scores = await o.suspect.scores(q.joined.samples.subarray(0, n * q.size), n);
  const suspect = Array.from({ length: n }, (_, i) =>
    logProbabilities(scores.subarray(i * classes, (i + 1) * classes)),
  );
  const baseFloored = base.map((b) => Array.from(b, (v) => Math.max(LOG_FLOOR, v)));
  const m = o.params.degrees * o.params.degrees;
  const candidates = o.candidates.map((c) => {
    const r = readScoreOffsets(
      n,
      (i) => u[i],
      (i) => suspect[i],
      (i) => baseFloored[i],
      keyedSigns(c.key, m, classes),
      classes,
    );
    return { uid: c.uid, ...r, familyP: Math.min(1, r.p * o.candidates.length) };
  });
  return {
    pool: { names: o.pool, count: n },
    candidates,
    named: candidates.filter((c) => c.familyP <= alpha).map((c) => c.uid),
    alpha,
  };
}
