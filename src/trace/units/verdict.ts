/**
 * The trigger-unit verdict of a trace (docs/security.md, "Trigger units"): every candidate board's classes matched
 * against the leak's decisions on the stamped probes (black-box) or against the classes its last layer's columns
 * favour (white-box); the board with the most matches, with the exact family p-value of read.ts.
 */
import { floatNetFromTflite } from '../float-net';
import { boardClasses } from './board';
import { unitsLayout } from './layout';
import { log10FamilyMatchP, matches } from './read';
import { TriggerUnitsRecord } from '../../compiler/trigger-units-record';

export interface UnitsVerdict {
  uid: string;
  matches: number;
  of: number;
  /** log10 of the family p-value over the candidates */
  log10P: number;
  named: boolean;
}

export function unitsVerdict(
  decisions: readonly number[],
  classes: number,
  traceKey: Uint8Array,
  uids: readonly string[],
  alpha: number,
): UnitsVerdict {
  let best = { uid: uids[0], matches: -1 };
  for (const uid of uids) {
    const m = matches(decisions, boardClasses(traceKey, Buffer.from(uid, 'hex'), decisions.length, classes));
    if (m > best.matches) best = { uid, matches: m };
  }
  const log10P = log10FamilyMatchP(best.matches, decisions.length, classes, uids.length);
  return { ...best, of: decisions.length, log10P, named: log10P <= Math.log10(alpha) };
}

/** White-box: the class each unit's outgoing weights favour in a leaked copy. */
export function unitClassesOfWeights(leaked: Uint8Array, record: TriggerUnitsRecord): number[] {
  const l = unitsLayout(floatNetFromTflite(leaked).net);
  if (record.units.some((j) => j >= l.hidden)) throw new Error('the copy has fewer units than the record');
  return record.units.map((j) => {
    let best = 0;
    for (let c = 1; c < l.classes; c++)
      if (l.wOut.value[c * l.hidden + j] > l.wOut.value[best * l.hidden + j]) best = c;
    return best;
  });
}
