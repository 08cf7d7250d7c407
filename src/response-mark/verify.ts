/**
 * Verifying a suspect against the response mark (docs/watermark.md, "Response mark"): for each candidate board's mark
 * key, the owner's pool inputs that board would have marked, and how often the suspect (a model file or a board,
 * queried black-box through its arg-max) answers exactly the keyed class there. A copy trained on a marking board's
 * answers repeats the marked answers it saw.
 *
 * The null: on a marked input where the suspect's answer differs from the base model's, it equals the keyed class
 * (base + offset) exactly when the keyed offset is the one its answer happens to have; the offset is a keyed hash,
 * uniform over 1..C-1 and independent of any model trained without the key, so for such a model the matches among
 * its D disagreements are Binomial(D, 1/(C-1)) — exactly, with no calibration. The suspect's own match rate on inputs
 * marked by public decoy keys no board holds is measured too (the same quantity, observed); the null rate used is
 * the larger of the two plus a margin. p = P[X ≥ matches | D, null] (exact binomial, src/watermark/binomial.ts),
 * times the number of candidates (the chance that any innocent board scores as high); boards with that p ≤ alpha are
 * named.
 */
import { createHash } from 'crypto';
import { EdgelockError } from '../errors';
import { ResponseMarkParams } from '../package/response-mark';
import { binomialTail } from '../watermark/binomial';
import { ClassifierRunner } from '../watermark/runners';
import { decideCoarse, keyedClass } from './decision';
import { MarkPool } from './pool';

export const VERIFY_DEFAULTS = { decoys: 16, alpha: 1e-6, margin: 0.02 } as const;

export interface MarkCandidate {
  uid: string;
  /** the board's mark key (responseMarkKey(master, uid)); never printed or stored */
  key: Uint8Array;
}

export interface MarkScore {
  uid: string;
  /** pool inputs this key marks */
  marked: number;
  /** of those, the suspect's answers that differ from the base model's */
  disagreements: number;
  /** the suspect's answers equal to the keyed class */
  matches: number;
  /** P[X ≥ matches | marked, null rate] */
  p: number;
  /** p × candidates (capped at 1) */
  familyP: number;
}

export interface MarkVerdict {
  pool: { names: string[]; count: number };
  params: ResponseMarkParams;
  null: {
    /** 1/(classes - 1): the chance a keyless model's wrong answer is the keyed one */
    uniform: number;
    decoys: number;
    /** the suspect's disagreements with the base model on decoy-marked inputs, and its keyed answers among them */
    trials: number;
    matches: number;
    margin: number;
    /** max(uniform, matches / trials) + margin */
    rate: number;
  };
  candidates: MarkScore[];
  /** the candidates with familyP ≤ alpha, best first */
  named: string[];
  alpha: number;
  /** suspect queries made */
  queries: number;
}

/** Public keys no board holds (nobody can derive a device key that equals them): SHA-256 of a label and an index. */
export function decoyKey(i: number): Buffer {
  return createHash('sha256').update(`edgelock response mark decoy ${i}`).digest();
}

interface Selection {
  indices: number[];
  offsets: number[];
}

function select(pool: MarkPool, key: Uint8Array, ratePpm: number): Selection {
  const indices: number[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < pool.count; i++) {
    const d = decideCoarse(key, ratePpm, pool.coarse[i], pool.classes);
    if (d.marked) {
      indices.push(i);
      offsets.push(d.offset);
    }
  }
  return { indices, offsets };
}

export async function verifyResponseMark(o: {
  pool: MarkPool;
  params: ResponseMarkParams;
  candidates: MarkCandidate[];
  suspect: ClassifierRunner;
  decoys?: number;
  alpha?: number;
  margin?: number;
  onProgress?: (done: number, total: number) => void;
}): Promise<MarkVerdict> {
  const { pool, params, suspect } = o;
  const decoys = o.decoys ?? VERIFY_DEFAULTS.decoys;
  const alpha = o.alpha ?? VERIFY_DEFAULTS.alpha;
  const margin = o.margin ?? VERIFY_DEFAULTS.margin;
  if (o.candidates.length === 0) throw new EdgelockError('E_USAGE', 'response mark: no candidate board to check');
  if (suspect.classes !== pool.classes)
    throw new EdgelockError(
      'E_DATA_SHAPE',
      `the suspect answers ${suspect.classes} classes, the base model ${pool.classes}`,
    );
  const size = pool.sampleShape.reduce((a, b) => a * b, 1);
  if (suspect.sampleShape.reduce((a, b) => a * b, 1) !== size)
    throw new EdgelockError(
      'E_DATA_SHAPE',
      `the suspect takes samples of [${suspect.sampleShape}], the pool holds [${pool.sampleShape}]`,
    );
  const sel = o.candidates.map((c) => select(pool, c.key, params.ratePpm));
  const dec = Array.from({ length: decoys }, (_, i) => select(pool, decoyKey(i), params.ratePpm));
  const wanted = [...new Set([...sel, ...dec].flatMap((s) => s.indices))].sort((a, b) => a - b);
  const x = new Float32Array(wanted.length * size);
  wanted.forEach((i, j) => x.set(pool.samples.subarray(i * size, (i + 1) * size), j * size));
  const answers = new Map<number, number>();
  const step = 256;
  for (let s = 0; s < wanted.length; s += step) {
    const n = Math.min(step, wanted.length - s);
    const got = await suspect.predict(x.subarray(s * size, (s + n) * size), n);
    for (let j = 0; j < n; j++) answers.set(wanted[s + j], got[j]);
    o.onProgress?.(s + n, wanted.length);
  }
  const base = new Map<number, number>();
  const argmax = pool.baseArgmax(wanted);
  wanted.forEach((i, j) => base.set(i, argmax[j]));
  const score = (s: Selection) => {
    let disagreements = 0;
    let matches = 0;
    s.indices.forEach((i, j) => {
      const a = answers.get(i)!;
      const b = base.get(i)!;
      if (a === b) return;
      disagreements++;
      if (a === keyedClass(b, s.offsets[j], pool.classes)) matches++;
    });
    return { disagreements, matches };
  };
  const decoyScores = dec.map(score);
  const trials = decoyScores.reduce((n, d) => n + d.disagreements, 0);
  const matches = decoyScores.reduce((n, d) => n + d.matches, 0);
  const uniform = 1 / (pool.classes - 1);
  const rate = Math.min(0.99, Math.max(uniform, trials ? matches / trials : 0) + margin);
  const candidates = o.candidates.map((c, i): MarkScore => {
    const m = score(sel[i]);
    const p = binomialTail(m.matches, m.disagreements, rate);
    return { uid: c.uid, marked: sel[i].indices.length, ...m, p, familyP: Math.min(1, p * o.candidates.length) };
  });
  const named = candidates
    .filter((c) => c.familyP <= alpha)
    .sort((a, b) => a.familyP - b.familyP)
    .map((c) => c.uid);
  return {
    pool: { names: pool.names, count: pool.count },
    params,
    null: { uniform, decoys, trials, matches, margin, rate },
    candidates,
    named,
    alpha,
    queries: wanted.length,
  };
}
