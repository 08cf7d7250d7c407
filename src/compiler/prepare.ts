/**
 * Brings an imported ONNX model into the form the back end lowers: inputs pinned by
 * `--input-shape`, a remaining symbolic batch dimension pinned to 1, the default pass pipeline run, every value's shape inferred and static.
 * Calibration must run on this same model: TflGraph tensor sources name its values.
 */
import { EdgelockError } from '../errors';
import { inferShapes } from '../ops/shape-inference';
import { checkGraphOutputs } from '../ops/validate';
import { Model, ValueInfo } from '../ir/types';
import { runPipeline } from '../passes/pipeline';
import { InputShapes, pinBatch, pinInputShapes } from '../ir/pin-inputs';

export interface PreparedModel {
  model: Model;
  notes: string[];
}

export interface PrepareOptions {
  /** `--input-shape`: inputs pinned to full static shapes before shape inference. */
  inputShapes?: InputShapes;
}

export function prepareModel(source: Model, opts: PrepareOptions = {}): PreparedModel {
  checkGraphOutputs(source);
  const notes: string[] = [];
  const model = pinBatch(pinInputShapes(source, opts.inputShapes ?? new Map(), notes), notes);
  const inputs: ValueInfo[] = model.graph.inputs.map((v) => {
    if (model.graph.initializers.has(v.name) || !v.shape) return v;
    v.shape.forEach((d, i) => {
      if (typeof d === 'number') return;
      throw new EdgelockError(
        'E_ONNX_DYNAMIC_SHAPE',
        `input '${v.name}' has dynamic dimension ${i} (${d === null ? 'unknown' : `'${d}'`}) in shape ` +
          `[${v.shape!.map((x) => x ?? '?').join(',')}]; pin it with ` +
          `--input-shape ${v.name}:${v.shape!.map((x, k) => (typeof x === 'number' ? x : k === 0 ? 1 : '<n>')).join(',')}`,
      );
    });
    return v;
  });
  for (const v of inputs) {
    if (!v.shape) throw new EdgelockError('E_ONNX_DYNAMIC_SHAPE', `input '${v.name}' has unknown rank`);
  }
  const outputs = model.graph.outputs.map((v) => ({
    ...v,
    shape: v.shape ? v.shape.map((d) => (typeof d === 'number' ? d : null)) : null,
  }));
  const pinned: Model = { ...model, graph: { ...model.graph, inputs, outputs, valueInfo: new Map() } };
  const optimized = inferShapes(runPipeline(pinned).model);
  const leftIf = optimized.graph.nodes.find((n) => n.opType === 'If');
  if (leftIf) {
    throw new EdgelockError(
      'E_ONNX_UNSUPPORTED_OP',
      `node '${leftIf.name}' uses op 'If' with condition '${leftIf.inputs[0]}' that depends on runtime data; ` +
        `edgelock folds an If only when its condition is constant once input shapes are pinned (--input-shape)`,
      { node: leftIf.name, op: 'If' },
    );
  }
  for (const node of optimized.graph.nodes) {
    for (const o of node.outputs) {
      const info = o ? optimized.graph.valueInfo.get(o) : undefined;
      if (info && (!info.shape || !info.shape.every((d) => typeof d === 'number'))) {
        throw new EdgelockError(
          'E_ONNX_DYNAMIC_SHAPE',
          `output '${o}' of node '${node.name}' has shape [${info.shape?.map((d) => d ?? '?') ?? '?'}]`,
          {
            node: node.name,
            op: node.opType,
          },
        );
      }
    }
  }
  return { model: optimized, notes };
}
