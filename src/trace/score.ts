/**
 * Naming the board: the evidence is one number per carrier (white-box: how far the leaked weight moved from the
 * base, in steps; black-box: the same estimated through the outputs, src/trace/blackbox.ts). Each candidate's score
 * is the normalised correlation of the evidence with its code,
 *
 *   z_d = Σ_j c_d[j] · e[j] / sqrt(Σ_j e[j]²).
 *
 * For a device whose code did not go into the leaked model its signs are independent of e (the codes are
 * pseudo-random functions of the trace key), so by Hoeffding's inequality P(z_d ≥ t) ≤ exp(−t²/2) whatever the
 * evidence looks like. The p-value reported for the best candidate is that bound times the number of candidates
 * (Bonferroni), so it is the chance that any innocent board scores as high.
 */
import { deviceCode } from './code';

export interface CandidateScore {
  uid: string;
  z: number;
}

export interface TraceVerdict {
  candidates: number;
  carriers: number;
  best: CandidateScore;
  runnerUp: CandidateScore | null;
  /** bound on the chance that an innocent board scores at least `best.z`, over all candidates */
  pValue: number;
  /** the decision threshold on the family p-value */
  alpha: number;
  /** every candidate whose own family p-value is ≤ alpha (one board, or the colluders) */
  named: CandidateScore[];
  /** evidence energy: 0 when the model carries no trace of any code (e.g. the base model itself) */
  evidenceNorm: number;
}

/** log10 of the family p-value bound of score z among n candidates (a log, so tiny values survive). */
export function log10FamilyP(z: number, n: number): number {
  if (z <= 0) return 0;
  return Math.min(0, Math.log10(n) - (z * z) / 2 / Math.LN10);
}

export function familyP(z: number, n: number): number {
  return 10 ** log10FamilyP(z, n);
}

/** Scores every candidate uid (hex) against `evidence` and returns them best first. */
export function scoreCandidates(
  evidence: Float64Array,
  traceKey: Uint8Array,
  uids: readonly string[],
): CandidateScore[] {
  let energy = 0;
  for (const e of evidence) energy += e * e;
  const norm = Math.sqrt(energy);
  const scores = uids.map((uid) => {
    const code = deviceCode(traceKey, Buffer.from(uid, 'hex'), evidence.length);
    let s = 0;
    for (let j = 0; j < evidence.length; j++) s += code[j] * evidence[j];
    return { uid, z: norm > 0 ? s / norm : 0 };
  });
  return scores.sort((a, b) => b.z - a.z || (a.uid < b.uid ? -1 : 1));
}

export function verdictOf(scores: CandidateScore[], evidence: Float64Array, alpha: number): TraceVerdict {
  const n = scores.length;
  let energy = 0;
  for (const e of evidence) energy += e * e;
  return {
    candidates: n,
    carriers: evidence.length,
    best: scores[0],
    runnerUp: scores[1] ?? null,
    pValue: familyP(scores[0].z, n),
    alpha,
    named: scores.filter((s) => familyP(s.z, n) <= alpha),
    evidenceNorm: Math.sqrt(energy),
  };
}
