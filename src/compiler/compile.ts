/**
 * The whole compile: ONNX bytes → (prepare, lower) float TflGraph → [calibrate, quantise] →
 * .tflite bytes, with the summary `edgelock compile` prints (ops and versions, tensor count,
 * model bytes, arena estimate, firmware registrations).
 */
import { performance } from 'perf_hooks';
import { TRIGGER_UNITS_METADATA_KEY, readTriggerUnitsRecord, widenRecordedRanges } from './trigger-units-record';
import { EdgelockError } from '../errors';
import { TFLITE_OPS, TfliteOpName } from '../tflite/builtins';
import { microRegistrations } from '../tflite/opcodes';
import { InputShapes } from '../ir/pin-inputs';
import { calibrate, CalibrationSamples, RangeMethod } from './calibrate';
import { compileFloat, stampProvenance } from './compile-float';
import { InputLayout } from './lower/lower-model';
import { planMemory } from './memory-plan';
import { plannable } from './plannable';
import { quantizeGraph, QuantizedIo } from './quantize';
import { operatorSummary, serialize } from './serialize';
import { TflGraph, TflTensor } from './tfl-graph';

export type Precision = 'float32' | 'int8';

/** What compile uses when not told otherwise. */
export const COMPILE_DEFAULTS: { inputLayout: InputLayout; calibrationMethod: RangeMethod; io: QuantizedIo } = {
  inputLayout: 'auto',
  calibrationMethod: 'minmax',
  io: 'int8',
};

export interface CompileOptions {
  precision: Precision;
  /** int8 only: int8 (default) or float model inputs/outputs. */
  io?: QuantizedIo;
  inputLayout?: InputLayout;
  /** `--input-shape`: inputs pinned to static shapes before shape inference. */
  inputShapes?: InputShapes;
  /** int8 only: representative samples for the ONNX model input. */
  calibration?: CalibrationSamples;
  calibrationMethod?: RangeMethod;
  /**
   * Square of a Sub (LayerNorm's variance term) as SQUARED_DIFFERENCE instead of SUB + MUL. Off by default: it
   * measured no better in int8 (docs/compatibility.md) and edgelock's firmware has no kernel for it.
   */
  squaredDifference?: boolean;
  file?: string;
}

export interface IoSummary {
  name: string;
  dtype: string;
  shape: number[];
  layout?: string;
  /** Why the input has this layout (inputs only). */
  layoutReason?: string;
  scale?: number;
  zeroPoint?: number;
}

export interface CompileSummary {
  precision: Precision;
  io: 'float' | 'int8';
  inputLayout: InputLayout;
  inputs: IoSummary[];
  outputs: IoSummary[];
  ops: { op: string; version: number; count: number }[];
  tensors: number;
  modelBytes: number;
  /** Bytes of constant tensor data (weights, biases, shape operands) inside the model. */
  constantBytes: number;
  arenaBytes: number;
  /** TFLite Micro MicroMutableOpResolver calls the firmware needs, one per operator. */
  register: { op: string; call: string }[];
  sourceSha256: string;
  notes: string[];
  /** Milliseconds: everything but calibration inference, and calibration. */
  timings: { compileMs: number; calibrationMs: number };
}

export interface CompileResult {
  bytes: Uint8Array;
  graph: TflGraph;
  summary: CompileSummary;
}

function ioSummary(t: TflTensor, layout?: string, layoutReason?: string): IoSummary {
  return {
    name: t.name,
    dtype: t.dtype,
    shape: [...t.shape],
    ...(layout && layout !== 'plain' ? { layout } : {}),
    ...(layoutReason ? { layoutReason } : {}),
    ...(t.quant && t.quant.scale.length === 1 ? { scale: t.quant.scale[0], zeroPoint: t.quant.zeroPoint[0] } : {}),
  };
}

export async function compileModel(onnxBytes: Uint8Array, opts: CompileOptions): Promise<CompileResult> {
  const inputLayout = opts.inputLayout ?? COMPILE_DEFAULTS.inputLayout;
  const t0 = performance.now();
  const float = compileFloat(onnxBytes, {
    inputLayout,
    inputShapes: opts.inputShapes,
    squaredDifference: opts.squaredDifference,
    file: opts.file,
  });
  let graph = float.graph;
  // an owner model with trigger units: its record travels into the .tflite, and its layer's range is widened
  const units = readTriggerUnitsRecord(float.model.metadata[TRIGGER_UNITS_METADATA_KEY]);
  if (units)
    graph.metadata = {
      ...graph.metadata,
      [TRIGGER_UNITS_METADATA_KEY]: new TextEncoder().encode(JSON.stringify(units)),
    };
  let calibrationMs = 0;
  if (opts.precision === 'int8') {
    if (!opts.calibration) throw new EdgelockError('E_CALIB_DATA', 'an int8 compile needs calibration data (--calib)');
    const c0 = performance.now();
    const ranges = await calibrate(float.model, opts.calibration, {
      method: opts.calibrationMethod ?? COMPILE_DEFAULTS.calibrationMethod,
    });
    calibrationMs = performance.now() - c0;
    if (units) widenRecordedRanges(units, ranges);
    graph = quantizeGraph(graph, ranges, { io: opts.io ?? COMPILE_DEFAULTS.io });
    stampProvenance(graph, float.sourceSha256, 'int8');
  }
  const bytes = serialize(graph);
  const compileMs = performance.now() - t0 - calibrationMs;
  const ops = operatorSummary(graph);
  const register = microRegistrations(ops.map((o) => TFLITE_OPS[o.op as TfliteOpName].code)).map((r) => ({
    op: r.op,
    call: r.call ?? '',
  }));
  const inputTensor = graph.inputs.map((i) => graph.tensors[i]);
  return {
    bytes,
    graph,
    summary: {
      precision: opts.precision,
      io: inputTensor.some((t) => t.dtype === 'int8') ? 'int8' : 'float',
      inputLayout,
      inputs: graph.inputs.map((i, k) =>
        ioSummary(graph.tensors[i], graph.inputLayouts[k], graph.inputLayoutReasons?.[k]),
      ),
      outputs: graph.outputs.map((i) => ioSummary(graph.tensors[i])),
      ops,
      tensors: graph.tensors.length,
      modelBytes: bytes.length,
      constantBytes: graph.tensors.reduce((n, t) => n + (t.data ? t.data.byteLength : 0), 0),
      arenaBytes: planMemory(plannable(graph)).arenaBytes,
      register,
      sourceSha256: float.sourceSha256,
      notes: graph.notes ?? [],
      timings: { compileMs, calibrationMs },
    },
  };
}
