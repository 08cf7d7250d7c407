/**
 * The factory's step: the model a package carries, with the trace code of the board it is for. A plain model is
 * marked as is; a sealed one is unsealed with the owner's key in memory, marked, and sealed again under a fresh salt
 * (its binding hash, key and key id change with its weights, so the board's key check still passes).
 */
import { deriveTraceKey } from '../keys/derive';
import { lockKeyFor } from '../lock/key-material';
import { readTfliteDescriptor, resealTflite, unsealTfliteWithRootKey } from '../lock/tflite-lock';
import { embedTraceCode } from './embed';
import { markBoardUnits } from './units/board';
import { DEFAULT_TRACE_PARAMS, TraceParams } from './params';

export interface PackageTrace {
  model: Uint8Array;
  codeId: string;
  carriers: number;
  /** trigger units given this board's classes (0: the model has none; src/trace/units/) */
  units: number;
  params: TraceParams;
}

export function traceCodeForPackage(
  tflite: Uint8Array,
  master: Uint8Array,
  deviceUid: Uint8Array,
  params: TraceParams = DEFAULT_TRACE_PARAMS,
): PackageTrace {
  const traceKey = deriveTraceKey(master);
  try {
    const d = readTfliteDescriptor(tflite);
    if (!d) {
      const marked = markBoardUnits(tflite, traceKey, deviceUid);
      const e = embedTraceCode(marked.model, traceKey, deviceUid, params);
      return { model: e.bytes, codeId: e.codeId, carriers: e.carriers, units: marked.units, params };
    }
    const root = lockKeyFor({ master, deviceUid }, d.binding, Buffer.from(d.lockId, 'hex'));
    try {
      const plain = unsealTfliteWithRootKey(tflite, root);
      const marked = markBoardUnits(plain, traceKey, deviceUid);
      const e = embedTraceCode(marked.model, traceKey, deviceUid, params);
      plain.fill(0);
      marked.model.fill(0);
      const model = resealTflite(e.bytes, root);
      e.bytes.fill(0);
      return { model, codeId: e.codeId, carriers: e.carriers, units: marked.units, params };
    } finally {
      root.fill(0);
    }
  } finally {
    traceKey.fill(0);
  }
}
