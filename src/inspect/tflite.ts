/**
 * `edgelock inspect` for .tflite files: reads the flatbuffer back through the generated bindings
 * (src/tflite/reader.ts) and reports inputs/outputs with quantisation, the operators with their
 * versions and the TFLite-Micro registrations a firmware needs, tensor and parameter counts,
 * edgelock provenance metadata and a greedy tensor-arena estimate.
 */
import { humanBytes } from '../text/bytes';
import { formatShape } from '../text/shape';
import { formatTable } from '../text/table';
import { runtimeScratchBytes } from '../compiler/runtime-scratch';
import { planMemory } from '../compiler/memory-plan';
import { EdgelockError } from '../errors';
import { DTYPE_BYTES } from '../ir/tensor';
import { microRegistrations } from '../tflite/opcodes';
import { EdgelockMetadata, readProvenance } from '../tflite/provenance';
import { readTflite, TfliteTensorInfo } from '../tflite/reader';
import { validateTflite } from '../tflite/validate';
import { Inspector } from './inspector';

/** Element sizes: the IR's table, plus TFLite tensor types the IR has no dtype for. */
const TFLITE_ONLY_BYTES: Record<string, number> = { uint16: 2, uint32: 4, uint64: 8 };

export interface TfliteIo {
  name: string;
  dtype: string;
  shape: number[];
  quantization?: { scale: number[]; zeroPoint: number[]; axis?: number };
}

export interface TfliteReport {
  format: 'tflite';
  description: string;
  schemaVersion: number;
  fileBytes: number;
  inputs: TfliteIo[];
  outputs: TfliteIo[];
  /** Operator name → count. */
  ops: Record<string, number>;
  /** Each operator code with its version, count and the TFLite Micro resolver call. */
  operators: { op: string; version: number; count: number; registration: string | null }[];
  tensors: number;
  /** Elements held by constant tensors. */
  params: number;
  /** Bytes of all non-empty buffers (constants and metadata). */
  bufferBytes: number;
  arenaBytes: number;
  /** The edgelock provenance entry, when the file was written by edgelock. */
  edgelock: EdgelockMetadata | null;
  metadata: string[];
  subgraphs: number;
}

function io(t: TfliteTensorInfo): TfliteIo {
  const q = t.quantization;
  return {
    name: t.name,
    dtype: t.dtype,
    shape: [...t.shape],
    ...(q && q.scale.length
      ? {
          quantization: {
            scale: q.scale,
            zeroPoint: q.zeroPoint,
            ...(q.scale.length > 1 ? { axis: q.quantizedDimension } : {}),
          },
        }
      : {}),
  };
}

function tensorBytes(t: TfliteTensorInfo): number {
  return (
    t.shape.reduce((a, b) => a * b, 1) *
    ((DTYPE_BYTES as Record<string, number>)[t.dtype] ?? TFLITE_ONLY_BYTES[t.dtype] ?? 1)
  );
}

export function inspectTflite(bytes: Uint8Array, file: string): TfliteReport {
  const info = readTflite(bytes);
  validateTflite(info);
  const sg = info.subgraphs[0];
  if (!sg) throw new EdgelockError('E_TFLITE_PARSE', `'${file}' has no subgraph`, { file });
  const ops: Record<string, number> = {};
  const operators = new Map<number, { op: string; version: number; count: number; code: number }>();
  for (const op of sg.operators) {
    ops[op.op] = (ops[op.op] ?? 0) + 1;
    const row = operators.get(op.opcodeIndex);
    if (row) row.count++;
    else operators.set(op.opcodeIndex, { op: op.op, version: op.version, count: 1, code: op.builtinCode });
  }
  const registrations = new Map(
    microRegistrations([...operators.values()].map((o) => o.code)).map((r) => [r.op, r.call]),
  );
  const plan = planMemory({
    tensors: sg.tensors.map((t) => ({ name: t.name, constant: t.constant, bytes: tensorBytes(t) })),
    ops: sg.operators.map((o) => ({
      ...o,
      scratchBytes: runtimeScratchBytes(
        o.op,
        o.inputs.map((i) => sg.tensors[i]?.shape),
        o.outputs.map((i) => sg.tensors[i]?.shape),
        {
          strideW: Number(o.options?.fields.strideW ?? 1) || 1,
          dilationW: Number(o.options?.fields.dilationWFactor ?? 1) || 1,
        },
      ),
    })),
    inputs: sg.inputs,
    outputs: sg.outputs,
  });
  const edgelock = readProvenance(info.metadata);
  return {
    format: 'tflite',
    description: info.description,
    schemaVersion: info.schemaVersion,
    fileBytes: info.fileSize,
    inputs: sg.inputs.map((i) => io(sg.tensors[i])),
    outputs: sg.outputs.map((i) => io(sg.tensors[i])),
    ops,
    operators: [...operators.values()].map((o) => ({
      op: o.op,
      version: o.version,
      count: o.count,
      registration: registrations.get(o.op) ?? null,
    })),
    tensors: sg.tensors.length,
    params: sg.tensors.filter((t) => t.constant).reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0),
    bufferBytes: info.buffers.reduce((n, b) => n + b.size, 0),
    arenaBytes: plan.arenaBytes,
    edgelock,
    metadata: info.metadata.map((m) => m.name),
    subgraphs: info.subgraphs.length,
  };
}

function quantText(q: TfliteIo['quantization']): string {
  if (!q) return '';
  if (q.scale.length === 1) return `scale ${q.scale[0].toPrecision(6)} zp ${q.zeroPoint[0]}`;
  return `${q.scale.length} scales (axis ${q.axis ?? 0})`;
}

export function formatTfliteReport(r: TfliteReport, file: string): string {
  const lines: string[] = [];
  const about = r.edgelock
    ? `written by edgelock ${r.edgelock.version} (${r.edgelock.precision}) from ONNX sha256 ${r.edgelock.sourceSha256}`
    : r.description;
  lines.push(
    `${file}: TFLite model (schema ${r.schemaVersion}), ${humanBytes(r.fileBytes)}${about ? ` — ${about}` : ''}`,
  );
  lines.push('');
  lines.push(
    formatTable(
      ['', 'name', 'dtype', 'shape', 'quantisation'],
      [
        ...r.inputs.map((v) => ['input', v.name, v.dtype, formatShape(v.shape), quantText(v.quantization)]),
        ...r.outputs.map((v) => ['output', v.name, v.dtype, formatShape(v.shape), quantText(v.quantization)]),
      ],
    ),
  );
  lines.push('');
  lines.push(
    formatTable(
      ['op', 'version', 'count', 'TFLM registration'],
      r.operators.map((o) => [o.op, o.version, o.count, o.registration ?? '(not an edgelock op)']),
    ),
  );
  lines.push('');
  lines.push(
    `tensors ${r.tensors}, parameters ${r.params}, buffers ${humanBytes(r.bufferBytes)}, estimated tensor arena ${humanBytes(r.arenaBytes)} (greedy plan)`,
  );
  return lines.join('\n');
}

export const tfliteInspector: Inspector<TfliteReport> = {
  inspect: inspectTflite,
  format: formatTfliteReport,
};
