/**
 * Reading trigger units (docs/security.md, "Trigger units"): the leak's decisions on each unit's stamped probes are
 * tallied by class, and a candidate board scores the votes its keyed classes got. White-box, each unit casts one vote:
 * the class its outgoing weights favour. The classes are keyed draws independent of the model, so for a board the
 * leak did not come from the score is S = Σ_k tally[k][c_k] with every c_k uniform over the classes; its tail is
 * computed exactly given the tally (voteLogTails), and among N candidates the family p-value is N · P(S ≥ s).
 */
import { argmax } from '../victims';

export type VoteTally = readonly (readonly number[])[];

/** tally[k][c]: how many of unit k's `votes` stamped probes (rows stamp-major, as triggerProbes lays them out) the
 * leak decided as class c. */
export function unitVotes(scores: Float32Array, units: number, votes: number, classes: number): number[][] {
  return Array.from({ length: units }, (_, k) => {
    const tally = new Array<number>(classes).fill(0);
    for (let r = 0; r < votes; r++) tally[argmax(scores, (k * votes + r) * classes, classes)]++;
    return tally;
  });
}

/** The votes a candidate's keyed classes got. */
export function votesFor(tally: VoteTally, classes: readonly number[]): number {
  return classes.reduce((s, c, k) => s + tally[k][c], 0);
}

/**
 * s ↦ ln P(S ≥ s) where S = Σ_k tally[k][c_k] with each c_k uniform over the classes and independent: the chance that
 * a board whose classes are keyed draws independent of the model gets `s` votes or more, exact and conditional on the
 * votes the leak cast (a log-space convolution, done once per tally, so it does not underflow). With one vote per
 * unit it is the binomial tail of the matches; with several it keeps what a plurality would throw away when a unit's
 * votes split between classes, as they do between colluders whose copies were averaged.
 */
export function voteLogTails(tally: VoteTally): (s: number) => number {
  let dist = [0]; // ln P(S = t) over the units so far
  for (const row of tally) {
    const share = new Map<number, number>();
    for (const v of row) share.set(v, (share.get(v) ?? 0) + 1);
    const next = new Array<number>(dist.length + Math.max(...row)).fill(-Infinity);
    for (const [v, m] of share) {
      const ln = Math.log(m / row.length);
      for (let t = 0; t < dist.length; t++) if (dist[t] > -Infinity) next[t + v] = logAdd(next[t + v], dist[t] + ln);
    }
    dist = next;
  }
  const tails = new Array<number>(dist.length + 1).fill(-Infinity);
  for (let t = dist.length - 1; t >= 0; t--) tails[t] = logAdd(tails[t + 1], dist[t]);
  return (s) => (s <= 0 ? 0 : s >= tails.length ? -Infinity : tails[s]);
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** votes ↦ log10 of the family p-value of that score among `candidates` boards (at most 0). */
export function familyVoteP(tally: VoteTally, candidates: number): (votes: number) => number {
  const tail = voteLogTails(tally);
  return (votes) => Math.min(0, Math.log10(candidates) + tail(votes) / Math.LN10);
}
