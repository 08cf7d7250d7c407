/**
 * Reading trigger units black-box (docs/security.md, "Trigger units"): each unit's class is the plurality decision
 * of its stamped probes (a tie goes to the lower class). A model that does not carry a board's classes matches each
 * unit with probability exactly 1/classes, the classes being keyed draws independent of the model, so among N
 * candidates the family p-value of m matches of K is N · P(Binomial(K, 1/classes) ≥ m).
 */
import { binomialLogTail } from '../../watermark/binomial';
import { argmax } from '../victims';

/** `scores` holds votes × units rows (stamp-major, as triggerProbes lays them out), `classes` wide. */
export function unitDecisions(scores: Float32Array, units: number, votes: number, classes: number): number[] {
  return Array.from({ length: units }, (_, k) => {
    const tally = new Array<number>(classes).fill(0);
    for (let r = 0; r < votes; r++) {
      tally[argmax(scores, (k * votes + r) * classes, classes)]++;
    }
    return tally.indexOf(Math.max(...tally));
  });
}

export function matches(decisions: readonly number[], classes: readonly number[]): number {
  return classes.reduce((m, c, k) => m + (c === decisions[k] ? 1 : 0), 0);
}

/** log10 of the family p-value of `m` matches of `units` among `candidates` boards (at most 0). */
export function log10FamilyMatchP(m: number, units: number, classes: number, candidates: number): number {
  return Math.min(0, Math.log10(candidates) + binomialLogTail(m, units, 1 / classes) / Math.LN10);
}
