/**
 * The trigger-unit verdict of a trace (docs/security.md, "Trigger units"): every candidate board's classes scored
 * against the leak's votes (read.ts): its decisions on the stamped probes (black-box) or its columns' votes
 * (white-box). Each board is tested three ways and keeps its smallest p-value (Bonferroni: × 3): on the whole tally,
 * and on the tally with the votes for the classes of the one or two other boards that score best set aside. A copy
 * averaged from several boards splits each unit's votes between their classes; once the other colluders' votes are
 * set aside, what is left falls on this board's classes. The test stays exact: which boards are set aside for board
 * a depends on the tally and the other boards' classes, never on a's, and a's classes are keyed draws independent of
 * all of them, so given what is set aside a's score has the exact distribution of read.ts.
 */
import { floatNetFromTflite } from '../float-net';
import { boardClasses } from './board';
import { unitsLayout } from './layout';
import { VoteTally, familyVoteP, votesFor } from './read';
import { TriggerUnitsParams } from '../../compiler/trigger-units-record';

export interface UnitsCandidate {
  uid: string;
  /** the votes its classes got */
  matches: number;
  /** log10 of the family p-value over the candidates and the three tests */
  log10P: number;
  /** the boards whose votes were set aside for that p-value (0, 1 or 2) */
  setAside: number;
}

export interface UnitsVerdict extends UnitsCandidate {
  /** the votes cast: units × stamped probes per unit (black-box), or the columns' votes (white-box) */
  of: number;
  units: number;
  named: boolean;
  /** other boards named too, smallest p first */
  others: UnitsCandidate[];
}

/** at most this many other boards' votes are set aside */
const SET_ASIDE = 2;

/** `tally` without the votes for each unit's class in any of `classes` */
function without(tally: VoteTally, classes: readonly (readonly number[])[]): number[][] {
  return tally.map((row, k) => row.map((v, c) => (classes.some((cs) => cs[k] === c) ? 0 : v)));
}

export function unitsVerdict(
  tally: VoteTally,
  classes: number,
  traceKey: Uint8Array,
  uids: readonly string[],
  alpha: number,
  /** the family p-value is multiplied by this too (several readings of one leak tried) */
  readings = 1,
): UnitsVerdict {
  const level = Math.log10(alpha);
  const [first, ...rest] = scoreBoards(tally, classes, traceKey, uids, readings);
  return {
    ...first,
    of: tally.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0),
    units: tally.length,
    named: first.log10P <= level,
    others: rest.filter((c) => c.log10P <= level),
  };
}

/** Every candidate board with its votes and its p-value (see the header), smallest p first. */
export function scoreBoards(
  tally: VoteTally,
  classes: number,
  traceKey: Uint8Array,
  uids: readonly string[],
  readings = 1,
): UnitsCandidate[] {
  const boards = uids.map((uid) => {
    const cs = boardClasses(traceKey, Buffer.from(uid, 'hex'), tally.length, classes);
    return { uid, classes: cs, matches: votesFor(tally, cs) };
  });
  // the boards that can be set aside for any one board: the best SET_ASIDE + 1 (that board itself excluded)
  const top = [...boards].sort((x, y) => y.matches - x.matches).slice(0, SET_ASIDE + 1);
  const penalty = Math.log10(readings) + Math.log10(SET_ASIDE + 1);
  // the residual tallies' tails, by the boards set aside (few distinct sets: the top r, or the top r + 1 but one)
  const tails = new Map<string, { tally: number[][]; p: (s: number) => number }>();
  const residual = (aside: typeof boards) => {
    const key = aside.map((b) => b.uid).join(',');
    let got = tails.get(key);
    if (!got) {
      const t = without(
        tally,
        aside.map((b) => b.classes),
      );
      got = { tally: t, p: familyVoteP(t, uids.length) };
      tails.set(key, got);
    }
    return got;
  };
  const scored: UnitsCandidate[] = boards.map((b) => {
    let best = { log10P: 0, setAside: 0 };
    for (let r = 0; r <= Math.min(SET_ASIDE, boards.length - 1); r++) {
      const aside = top.filter((o) => o !== b).slice(0, r);
      const { tally: t, p } = residual(aside);
      const log10P = Math.min(0, p(votesFor(t, b.classes)) + penalty);
      if (log10P < best.log10P) best = { log10P, setAside: r };
    }
    return { uid: b.uid, matches: b.matches, ...best };
  });
  return scored.sort((x, y) => x.log10P - y.log10P || y.matches - x.matches);
}

/**
 * White-box: the votes of each unit's outgoing weights in a leaked copy — one for every class whose weight lies above
 * the midpoint of the column's range. A board's column (+max for its class, −max for the others) votes for its class
 * alone; a copy averaged from n boards has their classes at (2 − n)/n · max and the rest at −max, so each colluder's
 * class gets a vote.
 */
export function unitVotesOfWeights(leaked: Uint8Array, record: TriggerUnitsParams): number[][] {
  const l = unitsLayout(floatNetFromTflite(leaked).net);
  if (record.units.some((j) => j >= l.hidden)) throw new Error('the copy has fewer units than the record');
  return record.units.map((j) => {
    const column = Array.from({ length: l.classes }, (_, c) => l.wOut.value[c * l.hidden + j]);
    const mid = (Math.max(...column) + Math.min(...column)) / 2;
    // a column of equal weights (or NaN) votes for nobody
    return column.map((w) => (w > mid ? 1 : 0));
  });
}
