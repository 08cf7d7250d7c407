/**
 * Verifying a suspect against the response mark (docs/watermark.md, "Response mark"): for each candidate board's mark
 * key, the owner's pool inputs that board would have marked, and how often the suspect (a model file or a board,
 * queried black-box through its arg-max) answers exactly the keyed class there. A copy trained on a marking board's
 * answers repeats the marked answers it saw; any other model gives that specific wrong class only as often as it
 * gives it on inputs marked by a key no board holds. That null is measured on the suspect itself with public decoy keys:
 * the one-sided Clopper–Pearson upper bound (99.9%) of its pooled decoy rate, or the largest single decoy rate if
 * higher, plus a margin. p = P[X ≥ matches | marked, null] (exact binomial), times the number of candidates
 * (the chance that any innocent board scores as high); boards with that p ≤ alpha are named.
 */
import { createHash } from 'crypto';
import { EdgelockError } from '../errors';
import { ResponseMarkParams } from '../package/response-mark';
import { binomialTail, clopperPearsonUpper } from '../watermark/binomial';
import { ClassifierRunner } from '../watermark/runners';
import { decideCoarse, keyedClass } from './decision';
import { MarkPool } from './pool';

export const VERIFY_DEFAULTS = { decoys: 16, alpha: 1e-6, margin: 0.002, confidence: 0.999 } as const;

export interface MarkCandidate {
  uid: string;
  /** the board's mark key (responseMarkKey(master, uid)); never printed or stored */
  key: Uint8Array;
}

export interface MarkScore {
  uid: string;
  /** pool inputs this key marks */
  marked: number;
  /** the suspect's answers equal to the keyed class on them */
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
    decoys: number;
    trials: number;
    matches: number;
    upperBound: number;
    maxDecoyRate: number;
    margin: number;
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
  const count = (s: Selection) =>
    s.indices.reduce(
      (m, i, j) => m + (answers.get(i) === keyedClass(base.get(i)!, s.offsets[j], pool.classes) ? 1 : 0),
      0,
    );
  const decoyMatches = dec.map(count);
  const trials = dec.reduce((n, s) => n + s.indices.length, 0);
  const matches = decoyMatches.reduce((a, b) => a + b, 0);
  const upperBound = trials ? clopperPearsonUpper(matches, trials, 1 - VERIFY_DEFAULTS.confidence) : 1;
  const maxDecoyRate = Math.max(0, ...dec.map((s, i) => (s.indices.length ? decoyMatches[i] / s.indices.length : 0)));
  const rate = Math.min(0.99, Math.max(upperBound, maxDecoyRate) + margin);
  const candidates = o.candidates.map((c, i): MarkScore => {
    const m = count(sel[i]);
    const p = binomialTail(m, sel[i].indices.length, rate);
    return { uid: c.uid, marked: sel[i].indices.length, matches: m, p, familyP: Math.min(1, p * o.candidates.length) };
  });
  const named = candidates
    .filter((c) => c.familyP <= alpha)
    .sort((a, b) => a.familyP - b.familyP)
    .map((c) => c.uid);
  return {
    pool: { names: pool.names, count: pool.count },
    params,
    null: { decoys, trials, matches, upperBound, maxDecoyRate, margin, rate },
    candidates,
    named,
    alpha,
    queries: wanted.length,
  };
}
