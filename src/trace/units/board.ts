/**
 * A board's trigger-unit classes (docs/security.md, "Trigger units"): one class per unit, uniform, from SHA-256
 * counter mode over the board's code seed; written into the owner model with no training: the last layer's column
 * of unit k is +(that row's largest |weight|) for the board's class and −(row max) for the others.
 */
import { EdgelockError } from '../../errors';
import { codeSeed } from '../code';
import { FloatNet, floatNetFromTflite, writeWeights } from '../float-net';
import { Sha256Stream } from '../../watermark/drbg';
import { unitsLayout } from './layout';
import { readTflite } from '../../tflite/reader';
import { TriggerUnitsParams } from './params';
import {
  TRIGGER_UNITS_METADATA_KEY,
  TriggerUnitsRecord,
  readTriggerUnitsRecord,
} from '../../compiler/trigger-units-record';

export function boardClasses(traceKey: Uint8Array, uid: Uint8Array, units: number, classes: number): number[] {
  const stream = new Sha256Stream(codeSeed(traceKey, uid), 'trigger-unit classes');
  return Array.from({ length: units }, () => stream.uniform(classes));
}

export function writeBoardClasses(owner: Uint8Array, p: TriggerUnitsParams, classes: readonly number[]): Uint8Array {
  return writeInto(owner, floatNetFromTflite(owner), p, classes);
}

/** Writes `classes` into the units' columns of `fn`, the float network of `owner`, and re-quantises. */
function writeInto(owner: Uint8Array, fn: FloatNet, p: TriggerUnitsParams, classes: readonly number[]): Uint8Array {
  const l = unitsLayout(fn.net);
  if (p.units.some((u) => u >= l.hidden))
    throw new EdgelockError('E_TRACE_MODEL', `the model's trigger-unit record names units beyond its ${l.hidden}`);
  p.units.forEach((j, k) => {
    for (let c = 0; c < l.classes; c++) {
      let amp = 0;
      for (let i = 0; i < l.hidden; i++) amp = Math.max(amp, Math.abs(l.wOut.value[c * l.hidden + i]));
      l.wOut.value[c * l.hidden + j] = c === classes[k] ? amp : -amp;
    }
  });
  return writeWeights(owner, fn);
}

/** The record a compiled model carries, or null (a model without trigger units). */
export function unitsRecordOfTflite(model: Uint8Array): TriggerUnitsRecord | null {
  const text = readTflite(model).metadata.find((m) => m.name === TRIGGER_UNITS_METADATA_KEY)?.text;
  return readTriggerUnitsRecord(text);
}

/** A board's model: the owner model with the board's classes, or the model as it is when it has no trigger units. */
export function markBoardUnits(
  model: Uint8Array,
  traceKey: Uint8Array,
  uid: Uint8Array,
): { model: Uint8Array; units: number } {
  const record = unitsRecordOfTflite(model);
  if (!record) return { model, units: 0 };
  const fn = floatNetFromTflite(model);
  const mine = boardClasses(traceKey, uid, record.units.length, fn.net.outputSize);
  return { model: writeInto(model, fn, record, mine), units: record.units.length };
}
