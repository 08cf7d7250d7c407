/**
 * `edgelock package`: a compiled .tflite plus the master key and one board's unique id → a package only that
 * board accepts. The lock descriptor and the watermark commitment are copied from the model's metadata; a
 * model locked with --model-key gets its model key wrapped to the device (docs/security.md).
 */
import { EdgelockError } from '../errors';
import { deriveDeviceKey, deriveModelKey } from '../keys/derive';
import { LOCK_METADATA_KEY } from '../lock/descriptor';
import { readTfliteDescriptor } from '../lock/tflite-lock';
import { wrapModelKey } from '../lock/wrap-key';
import { LIMITS } from '../protocol/definition';
import { isTflite, readTflite } from '../tflite/reader';
import { validateTflite } from '../tflite/validate';
import { traceCodeForPackage } from '../trace/package-code';
import { TraceParams } from '../trace/params';
import { recordFromTflite } from '../watermark/metadata';
import { PackageContents, encodePackage } from './encode';
import { derivePackageKey } from './keys';
import { QueryLimits } from './query-limits';
import { ResponseMarkParams } from './response-mark';
import { MAX_CLASSES, ScoreOffsetsParams } from './score-offsets';

export interface BuildPackageOptions {
  master: Uint8Array;
  deviceUid: Uint8Array;
  version: string;
  securityCounter: number;
  /** inference limits the board enforces (docs/package.md, "Query limits") */
  queryLimits?: QueryLimits;
  /** the response mark the board applies to its answers (docs/watermark.md, "Response mark") */
  responseMark?: ResponseMarkParams;
  /** calibrated by src/score-offsets/calibrate.ts for this model's input */
  scoreOffsets?: ScoreOffsetsParams;
  file?: string;
  /** mark the model with this board's trace code (src/trace/) before packaging it */
  trace?: boolean | TraceParams;
}

export interface BuiltPackage {
  bytes: Buffer;
  locked: null | { scheme: string; binding: string; keyId: string; wrappedKey: boolean };
  watermarked: boolean;
  /** the board's trace code id and how many weights carry it (null: no trace code) */
  trace: null | { codeId: string; carriers: number; units: number; params: TraceParams };
}

/** The board marks models with one int8 input and one output of at least two scores (int8 or float32). */
function checkMarkable(tflite: Uint8Array, file?: string, flag = '--response-mark'): void {
  const sg = readTflite(tflite).subgraphs[0];
  const input = sg?.tensors[sg.inputs[0]];
  const output = sg?.tensors[sg.outputs[0]];
  const classes = output ? output.shape.reduce((a, b) => a * b, 1) : 0;
  if (!sg || sg.inputs.length !== 1 || sg.outputs.length !== 1 || input?.dtype !== 'int8' || classes < 2)
    throw new EdgelockError(
      'E_USAGE',
      `${flag} needs a classifier with one int8 input and one output of at least 2 ` +
        `scores; ${file ? `'${file}'` : 'the model'} has ${sg?.inputs.length ?? 0} input(s) ` +
        `(${input?.dtype ?? 'none'}) and ${sg?.outputs.length ?? 0} output(s)`,
      file ? { file } : {},
    );
  if (output!.dtype !== 'int8' && output!.dtype !== 'float32')
    throw new EdgelockError('E_USAGE', `${flag}: the model's output is ${output!.dtype}, not int8 or float32`);
}

/** Score offsets need what a mark needs, an input of the record's H·W·C values and at most MAX_CLASSES scores. */
function checkOffsetsFit(tflite: Uint8Array, p: ScoreOffsetsParams, file?: string): void {
  checkMarkable(tflite, file, '--score-offsets');
  const sg = readTflite(tflite).subgraphs[0];
  const values = sg.tensors[sg.inputs[0]].shape.reduce((a, b) => a * b, 1);
  const classes = sg.tensors[sg.outputs[0]].shape.reduce((a, b) => a * b, 1);
  if (values !== p.height * p.width * p.channels)
    throw new EdgelockError(
      'E_USAGE',
      `--score-offsets: the record is for ${p.height} × ${p.width} × ${p.channels} inputs, the model takes ${values} values`,
    );
  if (classes > MAX_CLASSES)
    throw new EdgelockError(
      'E_USAGE',
      `--score-offsets: the model has ${classes} scores, boards add offsets to at most ${MAX_CLASSES}`,
    );
}

export function buildPackage(model: Uint8Array, o: BuildPackageOptions): BuiltPackage {
  const file = o.file;
  let tflite = model;
  if (!isTflite(tflite))
    throw new EdgelockError(
      'E_FORMAT_MISMATCH',
      `${file ? `'${file}'` : 'the model'} is not a .tflite model; package a compiled model (edgelock compile)`,
      file ? { file } : {},
    );
  if (o.deviceUid.length !== LIMITS.uidSize) {
    throw new EdgelockError(
      'E_USAGE',
      `--device-uid must be the board's ${LIMITS.uidSize}-byte unique id (${2 * LIMITS.uidSize} hex digits), got ${o.deviceUid.length} bytes`,
    );
  }
  validateTflite(readTflite(tflite));
  if (o.responseMark) checkMarkable(tflite, file);
  if (o.scoreOffsets) checkOffsetsFit(tflite, o.scoreOffsets, file);
  let trace: BuiltPackage['trace'] = null;
  if (o.trace) {
    const t = traceCodeForPackage(tflite, o.master, o.deviceUid, o.trace === true ? undefined : o.trace);
    tflite = t.model;
    trace = { codeId: t.codeId, carriers: t.carriers, units: t.units, params: t.params };
  }
  const info = readTflite(tflite);
  const contents: PackageContents = {
    model: tflite,
    version: o.version,
    securityCounter: o.securityCounter,
    deviceUid: o.deviceUid,
    queryLimits: o.queryLimits,
    responseMark: o.responseMark,
    scoreOffsets: o.scoreOffsets,
  };
  const deviceKey = deriveDeviceKey(o.master, o.deviceUid);
  let locked: BuiltPackage['locked'] = null;
  try {
    const lockMd = info.metadata.find((m) => m.name === LOCK_METADATA_KEY);
    if (lockMd) {
      const b = info.buffers[lockMd.buffer];
      if (!b || b.dataOffset === null)
        throw new EdgelockError('E_LOCK_DESCRIPTOR', `the ${LOCK_METADATA_KEY} metadata has no data`);
      contents.lockDescriptor = tflite.subarray(b.dataOffset, b.dataOffset + b.size);
      const d = readTfliteDescriptor(tflite)!;
      if (d.binding === 'model') {
        const lockId = Buffer.from(d.lockId, 'hex');
        const modelKey = deriveModelKey(o.master, lockId);
        contents.wrappedModelKey = wrapModelKey(deviceKey, lockId, modelKey);
        modelKey.fill(0);
      }
      locked = {
        scheme: d.scheme,
        binding: d.binding,
        keyId: d.keyId,
        wrappedKey: contents.wrappedModelKey !== undefined,
      };
    }
    const wm = recordFromTflite(tflite, file ? `'${file}'` : 'the model');
    if (wm) contents.watermarkCommitment = Buffer.from(wm.commitment, 'hex');
    const packageKey = derivePackageKey(deviceKey);
    const bytes = encodePackage(contents, packageKey);
    packageKey.fill(0);
    return { bytes, locked, watermarked: wm !== null, trace };
  } finally {
    deviceKey.fill(0);
  }
}
