/**
 * A board's trigger-unit classes (docs/security.md, "Trigger units"): one class per unit, uniform, from SHA-256
 * counter mode over the board's code seed; written into the owner model with no training: the last layer's column
 * of unit k is +(that row's largest |weight|) for the board's class and −(row max) for the others.
 */
import { codeSeed } from '../code';
import { floatNetFromTflite, writeWeights } from '../float-net';
import { Sha256Stream } from '../../watermark/drbg';
import { unitsLayout } from './layout';
import { TriggerUnitsParams } from './params';

export function boardClasses(traceKey: Uint8Array, uid: Uint8Array, units: number, classes: number): number[] {
  const stream = new Sha256Stream(codeSeed(traceKey, uid), 'trigger-unit classes');
  return Array.from({ length: units }, () => stream.uniform(classes));
}

export function writeBoardClasses(owner: Uint8Array, p: TriggerUnitsParams, classes: readonly number[]): Uint8Array {
  const fn = floatNetFromTflite(owner);
  const l = unitsLayout(fn.net);
  p.units.forEach((j, k) => {
    for (let c = 0; c < l.classes; c++) {
      let amp = 0;
      for (let i = 0; i < l.hidden; i++) amp = Math.max(amp, Math.abs(l.wOut.value[c * l.hidden + i]));
      l.wOut.value[c * l.hidden + j] = c === classes[k] ? amp : -amp;
    }
  });
  return writeWeights(owner, fn);
}
