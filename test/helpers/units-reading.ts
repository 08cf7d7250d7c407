/**
 * A leak's trigger-unit reading in tests: its decisions on the stamped probes (rows stamp-major, as triggerProbes lays
 * them out) tallied per unit, every candidate board's votes, and the family p-value of a score among the candidates.
 */
import { VoteTally, familyVoteP, unitVotes, votesFor } from '../../src/trace/units/read';
import { modelScores } from '../../src/trace/victims';

export interface UnitsReading {
  /** each candidate's votes */
  m: number[];
  /** votes ↦ log10 of the family p-value among the candidates */
  familyLog10P: (votes: number) => number;
}

export async function readUnits(
  model: Uint8Array,
  probes: Float32Array,
  candidates: readonly (readonly number[])[],
  votes: number,
  classes: number,
): Promise<UnitsReading> {
  const units = candidates[0].length;
  const tally: VoteTally = unitVotes(await modelScores(model, probes, units * votes), units, votes, classes);
  return { m: candidates.map((c) => votesFor(tally, c)), familyLog10P: familyVoteP(tally, candidates.length) };
}
