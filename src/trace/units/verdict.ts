/**
 * The trigger-unit verdict of a trace (docs/security.md, "Trigger units"): every candidate board's classes scored
 * against the leak's votes (read.ts): its decisions on the stamped probes (black-box) or the class each unit's column
 * favours (white-box, one vote per unit). The board with the most votes, with the exact family p-value, and every
 * other board whose votes also reach the level (copies averaged from several boards split their votes between them).
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
  /** log10 of the family p-value over the candidates */
  log10P: number;
}

export interface UnitsVerdict extends UnitsCandidate {
  /** the votes cast: units × stamped probes per unit (black-box), or the units (white-box) */
  of: number;
  units: number;
  named: boolean;
  /** other boards named too, most votes first */
  others: UnitsCandidate[];
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
  const scored = uids
    .map((uid) => ({
      uid,
      matches: votesFor(tally, boardClasses(traceKey, Buffer.from(uid, 'hex'), tally.length, classes)),
    }))
    .sort((a, b) => b.matches - a.matches);
  const family = familyVoteP(tally, uids.length);
  const p = (m: number) => Math.min(0, family(m) + Math.log10(readings));
  const best = { ...scored[0], log10P: p(scored[0].matches) };
  const others: UnitsCandidate[] = [];
  for (const c of scored.slice(1)) {
    const log10P = p(c.matches);
    if (log10P > level) break;
    others.push({ ...c, log10P });
  }
  return {
    ...best,
    of: tally.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0),
    units: tally.length,
    named: best.log10P <= level,
    others,
  };
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
