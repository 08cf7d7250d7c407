import { modelStats, ModelStats } from '../analysis/stats';
import { humanBytes } from '../text/bytes';
import { formatShape } from '../text/shape';
import { formatTable } from '../text/table';
import { dumpGraph } from '../ir/dump';
import { inferShapes } from '../ops/shape-inference';
import { checkGraphOutputs } from '../ops/validate';
import { Model, ValueInfo } from '../ir/types';
import { defaultOpset } from '../ir/opsets';
import { decideInputLayouts } from '../compiler/input-layout';
import { hasSymbolicBatch, InputShapes, pinBatch, pinInputShapes } from '../ir/pin-inputs';

export interface OnnxReport {
  format: 'onnx';
  producer: string;
  opset: number | undefined;
  /** The opset the file declares when import upgraded it to `opset`. */
  upgradedFrom?: number;
  inputs: { name: string; dtype: string; shape: (number | string | null)[] | null }[];
  outputs: { name: string; dtype: string; shape: (number | string | null)[] | null }[];
  ops: Record<string, number>;
  nodes: number;
  params: number;
  paramBytes: number;
  macs: number;
  /**
   * How `macs` was counted: 'static' shapes, 'batch 1' (a symbolic batch pinned for counting), or 'partial' (other
   * symbolic dims remain: their ops count 0).
   */
  macsBasis: 'static' | 'batch 1' | 'partial';
  /** Inputs pinned by --input-shape and the like. */
  notes: string[];
  /** The input shapes a default compile's .tflite expects (`--input-layout auto`), and why. */
  tfliteInputs: { name: string; shape: (number | string | null)[]; layout: string; reason: string }[];
  tflm: { op: string; count: number; support: string; note: string }[];
  tflmReady: boolean;
}

function io(v: ValueInfo) {
  return { name: v.name, dtype: v.dtype, shape: v.shape };
}

export interface InspectOnnxOptions {
  /** `--input-shape`: inputs pinned before shape inference. */
  inputShapes?: InputShapes;
}

/** True when every value of a shape-inferred model has a fully static shape. */
function allStatic(m: Model): boolean {
  return [...m.graph.valueInfo.values()].every((v) => v.shape !== null && v.shape.every((d) => typeof d === 'number'));
}

export function inspectOnnx(source: Model, opts: InspectOnnxOptions = {}): { report: OnnxReport; inferred: Model } {
  checkGraphOutputs(source);
  const notes: string[] = [];
  const model = pinInputShapes(source, opts.inputShapes ?? new Map(), notes);
  const inferred = inferShapes(model);
  const stats: ModelStats = modelStats(inferred);
  const batch1 = hasSymbolicBatch(model) ? inferShapes(pinBatch(model)) : inferred;
  const tfliteInputs = decideInputLayouts(batch1, 'auto').map((d) => {
    const shape = batch1.graph.inputs.find((v) => v.name === d.name)?.shape ?? [];
    return {
      name: d.name,
      shape: d.layout === 'nhwc' ? [0, 2, 3, 1].map((i) => shape[i]) : [...shape],
      layout: d.layout,
      reason: d.reason,
    };
  });
  let macs = stats.macs;
  let macsBasis: OnnxReport['macsBasis'] = allStatic(inferred) ? 'static' : 'partial';
  if (hasSymbolicBatch(model)) {
    const atOne = batch1;
    macs = modelStats(atOne).macs;
    macsBasis = allStatic(atOne) ? 'batch 1' : 'partial';
  }
  const ops: Record<string, number> = {};
  for (const o of stats.ops) ops[o.opType] = o.count;
  const outputs = inferred.graph.outputs.map((o) => io(inferred.graph.valueInfo.get(o.name) ?? o));
  const report: OnnxReport = {
    format: 'onnx',
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    opset: defaultOpset(model.opsetImports),
    ...(source.upgradedFrom !== undefined ? { upgradedFrom: source.upgradedFrom } : {}),
    inputs: inferred.graph.inputs.map(io),
    outputs,
    ops,
    nodes: inferred.graph.nodes.length,
    params: stats.params,
    paramBytes: stats.paramBytes,
    macs,
    macsBasis,
    notes,
    tfliteInputs,
    tflm: stats.ops.map((o) => ({ op: o.opType, count: o.count, support: o.tflm, note: o.note })),
    tflmReady: stats.ops.every((o) => o.tflm === 'int8' || o.tflm === 'folded'),
  };
  return { report, inferred };
}

const MACS_BASIS: Record<OnnxReport['macsBasis'], string> = {
  static: '',
  'batch 1': ' (at batch 1)',
  partial: ' (partial: symbolic dims remain; pin them with --input-shape)',
};

export function formatOnnxReport(r: OnnxReport, file: string): string {
  const lines: string[] = [];
  const opset =
    r.upgradedFrom !== undefined ? `${r.upgradedFrom} (upgraded to ${r.opset} on import)` : (r.opset ?? '?');
  lines.push(`${file}: ONNX model, opset ${opset}${r.producer ? `, produced by ${r.producer}` : ''}`);
  lines.push('');
  lines.push(
    formatTable(
      ['', 'name', 'dtype', 'shape'],
      [
        ...r.inputs.map((v) => ['input', v.name, v.dtype, formatShape(v.shape)]),
        ...r.outputs.map((v) => ['output', v.name, v.dtype, formatShape(v.shape)]),
      ],
    ),
  );
  lines.push('');
  lines.push(
    `nodes ${r.nodes}, parameters ${r.params} (${humanBytes(r.paramBytes)}), MACs per inference ${r.macs}${MACS_BASIS[r.macsBasis]}`,
  );
  for (const v of r.tfliteInputs) lines.push(`compiled input '${v.name}' ${formatShape(v.shape)}: ${v.reason}`);
  for (const note of r.notes) lines.push(`note: ${note}`);
  lines.push('');
  lines.push(
    formatTable(
      ['op', 'count', 'int8 TFLM', 'lowering'],
      r.tflm.map((o) => [o.op, o.count, o.support, o.note]),
    ),
  );
  lines.push('');
  lines.push(
    r.tflmReady
      ? 'int8 TFLite Micro: every op has a lowering'
      : 'int8 TFLite Micro: some ops have no lowering (support "none"/"unknown")',
  );
  return lines.join('\n');
}

export function graphDump(inferred: Model): string {
  return dumpGraph(inferred);
}
