/**
 * What `edgelock report` reads off the artefact itself, without running anything: format, size, the
 * model inside (a package's model record), its lock descriptor, watermark record and package records.
 * Only public facts: no key is needed and none is looked at.
 */
import { createHash } from 'crypto';
import { EdgelockError } from '../errors';
import { detectFormat } from '../formats/detect';
import { FORMAT_TITLES } from '../formats/load';
import { inspectOnnx } from '../inspect/onnx';
import { inspectTflite } from '../inspect/tflite';
import { Model } from '../ir/types';
import { readDescriptor } from '../lock/descriptor';
import { readTfliteDescriptor } from '../lock/tflite-lock';
import { ENTRY_KINDS } from '../lock/tflite-descriptor';
import { readOnnx } from '../onnx';
import { decodePackage } from '../package/decode';
import { QueryLimits } from '../package/query-limits';
import { ResponseMarkParams } from '../package/response-mark';
import { OffsetsShape, offsetsShape } from '../package/score-offsets';
import { readTflite } from '../tflite/reader';
import { recordFromOnnx, recordFromTflite, WatermarkRecord } from '../watermark/metadata';

export interface LockFacts {
  scheme: string;
  binding: 'device' | 'model';
  keyId: string;
  lockedTensors: number;
  /** bytes of sealed constants (seal) or of sign-locked tensors (hpnn) */
  lockedBytes: number;
}

export interface PackageFacts {
  version: string;
  securityCounter: number;
  deviceUid: string;
  wrappedModelKey: boolean;
  /** the inference limits the board enforces, null when the package has none */
  queryLimits: QueryLimits | null;
  /** the response mark's parameters, null when the package does not mark its answers */
  responseMark: ResponseMarkParams | null;
  scoreOffsets: OffsetsShape | null;
  modelSha256: string;
  sha256: string;
  bytes: number;
}

export interface ArtefactFacts {
  file: string;
  format: 'onnx' | 'tflite' | 'elp';
  bytes: number;
  sha256: string;
  /** the model that runs: the file itself, or a package's model record */
  modelFormat: 'onnx' | 'tflite';
  modelBytes: Uint8Array;
  onnx?: Model;
  params: number;
  /** constant bytes of the model (weights, biases) */
  weightBytes: number;
  arenaBytes?: number;
  macs?: number;
  ops: Record<string, number>;
  inputShape: (number | string | null)[];
  classes: number | null;
  lock: LockFacts | null;
  watermark: WatermarkRecord | null;
  package: PackageFacts | null;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function tfliteFacts(
  bytes: Uint8Array,
  file: string,
): Omit<ArtefactFacts, 'file' | 'format' | 'bytes' | 'sha256' | 'package'> {
  const r = inspectTflite(bytes, file);
  const info = readTflite(bytes);
  const sg = info.subgraphs[0];
  const weightBytes = sg.tensors.filter((t) => t.constant).reduce((n, t) => n + (info.buffers[t.buffer]?.size ?? 0), 0);
  const d = readTfliteDescriptor(bytes);
  const lock: LockFacts | null = d
    ? {
        scheme: d.scheme,
        binding: d.binding,
        keyId: d.keyId,
        lockedTensors: d.entries.filter((e) => e.kind !== ENTRY_KINDS.hpnnBias).length,
        lockedBytes: d.entries.reduce((n, e) => n + (info.buffers[sg.tensors[e.tensor]?.buffer]?.size ?? 0), 0),
      }
    : null;
  const out = r.outputs[0]?.shape ?? [];
  return {
    modelFormat: 'tflite',
    modelBytes: bytes,
    params: r.params,
    weightBytes,
    arenaBytes: r.arenaBytes,
    ops: r.ops,
    inputShape: r.inputs[0]?.shape ?? [],
    classes: out.length ? out[out.length - 1] : null,
    lock,
    watermark: recordFromTflite(bytes, file),
  };
}

function onnxFacts(
  bytes: Uint8Array,
  file: string,
): Omit<ArtefactFacts, 'file' | 'format' | 'bytes' | 'sha256' | 'package'> {
  const model = readOnnx(bytes, file);
  const { report } = inspectOnnx(model);
  const d = readDescriptor(model);
  const lockedNames = d
    ? d.entries.flatMap((e) => ('name' in e ? [e.name] : [e.weight, ...(e.bias ? [e.bias] : [])]))
    : [];
  const tensorBytes = (name: string) => {
    const t = model.graph.initializers.get(name);
    return t ? t.data.byteLength : 0;
  };
  const out = report.outputs[0]?.shape ?? [];
  const last = out.length ? out[out.length - 1] : null;
  return {
    modelFormat: 'onnx',
    modelBytes: bytes,
    onnx: model,
    params: report.params,
    weightBytes: report.paramBytes,
    macs: report.macs,
    ops: report.ops,
    inputShape: report.inputs[0]?.shape ?? [],
    classes: typeof last === 'number' ? last : null,
    lock: d
      ? {
          scheme: d.scheme,
          binding: d.binding,
          keyId: d.keyId,
          lockedTensors: d.entries.length,
          lockedBytes: lockedNames.reduce((n, x) => n + tensorBytes(x), 0),
        }
      : null,
    watermark: recordFromOnnx(model, file),
  };
}

export function readArtefact(bytes: Uint8Array, file: string): ArtefactFacts {
  const format = detectFormat(bytes);
  const base = { file, bytes: bytes.length, sha256: sha256(bytes) };
  if (format === 'onnx') return { ...base, format, ...onnxFacts(bytes, file), package: null };
  if (format === 'tflite') return { ...base, format, ...tfliteFacts(bytes, file), package: null };
  if (format === 'elp') {
    const p = decodePackage(bytes, file);
    const inner = tfliteFacts(new Uint8Array(p.model), `${file} (model record)`);
    return {
      ...base,
      format,
      ...inner,
      package: {
        version: p.version,
        securityCounter: p.securityCounter,
        deviceUid: p.deviceUid,
        wrappedModelKey: !!p.wrappedModelKey,
        queryLimits: p.queryLimits ?? null,
        responseMark: p.responseMark ?? null,
        scoreOffsets: p.scoreOffsets ? offsetsShape(p.scoreOffsets) : null,
        modelSha256: p.modelSha256,
        sha256: p.sha256,
        bytes: p.totalSize,
      },
    };
  }
  throw new EdgelockError(
    'E_FORMAT_UNKNOWN',
    `'${file}' is ${FORMAT_TITLES[format]}; report needs an ONNX model, a .tflite model or an edgelock package`,
    { file },
  );
}
