import { modelStats, ModelStats } from '../analysis/stats';
import { humanBytes } from '../text/bytes';
import { formatShape } from '../text/shape';
import { formatTable } from '../text/table';
import { dumpGraph } from '../ir/dump';
import { inferShapes } from '../ops/shape-inference';
import { checkGraphOutputs } from '../ops/validate';
import { Model, ValueInfo } from '../ir/types';
import { defaultOpset } from '../ir/opsets';

export interface OnnxReport {
  format: 'onnx';
  producer: string;
  opset: number | undefined;
  inputs: { name: string; dtype: string; shape: (number | string | null)[] | null }[];
  outputs: { name: string; dtype: string; shape: (number | string | null)[] | null }[];
  ops: Record<string, number>;
  nodes: number;
  params: number;
  paramBytes: number;
  macs: number;
  tflm: { op: string; count: number; support: string; note: string }[];
  tflmReady: boolean;
}

function io(v: ValueInfo) {
  return { name: v.name, dtype: v.dtype, shape: v.shape };
}

export function inspectOnnx(model: Model): { report: OnnxReport; inferred: Model } {
  checkGraphOutputs(model);
  const inferred = inferShapes(model);
  const stats: ModelStats = modelStats(inferred);
  const ops: Record<string, number> = {};
  for (const o of stats.ops) ops[o.opType] = o.count;
  const outputs = inferred.graph.outputs.map((o) => io(inferred.graph.valueInfo.get(o.name) ?? o));
  const report: OnnxReport = {
    format: 'onnx',
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    opset: defaultOpset(model.opsetImports),
    inputs: inferred.graph.inputs.map(io),
    outputs,
    ops,
    nodes: inferred.graph.nodes.length,
    params: stats.params,
    paramBytes: stats.paramBytes,
    macs: stats.macs,
    tflm: stats.ops.map((o) => ({ op: o.opType, count: o.count, support: o.tflm, note: o.note })),
    tflmReady: stats.ops.every((o) => o.tflm === 'int8' || o.tflm === 'folded'),
  };
  return { report, inferred };
}

export function formatOnnxReport(r: OnnxReport, file: string): string {
  const lines: string[] = [];
  lines.push(`${file}: ONNX model, opset ${r.opset ?? '?'}${r.producer ? `, produced by ${r.producer}` : ''}`);
  lines.push('');
  lines.push(
    formatTable(
      ['', 'name', 'dtype', 'shape'],
      [...r.inputs.map((v) => ['input', v.name, v.dtype, formatShape(v.shape)]), ...r.outputs.map((v) => ['output', v.name, v.dtype, formatShape(v.shape)])],
    ),
  );
  lines.push('');
  lines.push(`nodes ${r.nodes}, parameters ${r.params} (${humanBytes(r.paramBytes)}), MACs per inference ${r.macs}`);
  lines.push('');
  lines.push(formatTable(['op', 'count', 'int8 TFLM', 'lowering'], r.tflm.map((o) => [o.op, o.count, o.support, o.note])));
  lines.push('');
  lines.push(r.tflmReady ? 'int8 TFLite Micro: every op has a lowering' : 'int8 TFLite Micro: some ops have no lowering (support "none"/"unknown")');
  return lines.join('\n');
}

export function graphDump(inferred: Model): string {
  return dumpGraph(inferred);
}
