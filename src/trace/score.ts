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
  /** candidate hypotheses: boards × the trace parameter sets they are listed under */
  candidates: number;
  /** how many trace parameter sets the candidates use (a factory log can mix them) */
  parameterSets: number;
  /** carriers of the best candidate's parameter set */
  carriers: number;
  best: CandidateScore;
  runnerUp: CandidateScore | null;
  /** bound on the chance that an innocent board scores at least `best.z`, over all candidates */
  pValue: number;
  /** the decision threshold on the family p-value */
  alpha: number;
  /** every candidate whose own family p-value is ≤ alpha (one board, or the colluders) */
  named: CandidateScore[];
  /** evidence energy (of the best candidate's parameter set): 0 when the model carries no trace of any code (e.g. the base model itself) */
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

/** One group of candidates scored against the evidence read with their trace parameters. */
export interface ScoredGroup {
  scores: CandidateScore[];
  evidence: Float64Array;
}

/**
 * The verdict over every candidate of every group. Each (board, parameter set) pair is one hypothesis, so the family
 * p-value counts all of them: the Hoeffding bound holds for an innocent board under whichever group's evidence it is
 * scored, and Bonferroni over the total keeps "the chance that any innocent board scores as high".
 */
export function combinedVerdict(groups: readonly ScoredGroup[], alpha: number): TraceVerdict {
  const n = groups.reduce((a, g) => a + g.scores.length, 0);
  const all = groups
    .flatMap((g, gi) => g.scores.map((s) => ({ ...s, gi })))
    .sort((a, b) => b.z - a.z || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : a.gi - b.gi));
  const seen = new Set<string>();
  const unique = all.filter((s) => !seen.has(s.uid) && seen.add(s.uid));
  const strip = (s: { uid: string; z: number }): CandidateScore => ({ uid: s.uid, z: s.z });
  const evidence = groups[unique[0].gi].evidence;
  let energy = 0;
  for (const e of evidence) energy += e * e;
  return {
    candidates: n,
    parameterSets: groups.length,
    carriers: evidence.length,
    best: strip(unique[0]),
    runnerUp: unique[1] ? strip(unique[1]) : null,
    pValue: familyP(unique[0].z, n),
    alpha,
    named: unique.filter((s) => familyP(s.z, n) <= alpha).map(strip),
    evidenceNorm: Math.sqrt(energy),
  };
}

export function verdictOf(scores: CandidateScore[], evidence: Float64Array, alpha: number): TraceVerdict {
  return combinedVerdict([{ scores, evidence }], alpha);
}
