/**
 * Brings an imported ONNX model into the form the back end lowers: a symbolic batch dimension
 * pinned to 1, the default pass pipeline run, every value's shape inferred and static.
 * Calibration must run on this same model: TflGraph tensor sources name its values.
 */
import { EdgelockError } from '../errors';
import { inferShapes } from '../ops/shape-inference';
import { checkGraphOutputs } from '../ops/validate';
import { Model, ValueInfo } from '../ir/types';
import { runPipeline } from '../passes/pipeline';

export interface PreparedModel {
  model: Model;
  notes: string[];
}

export function prepareModel(model: Model): PreparedModel {
  checkGraphOutputs(model);
  const notes: string[] = [];
  const inputs: ValueInfo[] = model.graph.inputs.map((v) => {
    if (model.graph.initializers.has(v.name) || !v.shape) return v;
    const shape = v.shape.map((d, i) => {
      if (typeof d === 'number') return d;
      if (i === 0) {
        notes.push(`input '${v.name}': symbolic batch dimension${d ? ` '${d}'` : ''} pinned to 1`);
        return 1;
      }
      throw new EdgelockError(
        'E_ONNX_DYNAMIC_SHAPE',
        `input '${v.name}' has dynamic dimension ${i} (${d === null ? 'unknown' : `'${d}'`}) in shape [${v.shape!.map((x) => x ?? '?').join(',')}]`,
      );
    });
    return { ...v, shape };
  });
  for (const v of inputs) {
    if (!v.shape) throw new EdgelockError('E_ONNX_DYNAMIC_SHAPE', `input '${v.name}' has unknown rank`);
  }
  const outputs = model.graph.outputs.map((v) => ({ ...v, shape: v.shape ? v.shape.map((d) => (typeof d === 'number' ? d : null)) : null }));
  const pinned: Model = { ...model, graph: { ...model.graph, inputs, outputs, valueInfo: new Map() } };
  const optimized = inferShapes(runPipeline(pinned).model);
  for (const node of optimized.graph.nodes) {
    for (const o of node.outputs) {
      const info = o ? optimized.graph.valueInfo.get(o) : undefined;
      if (info && (!info.shape || !info.shape.every((d) => typeof d === 'number'))) {
        throw new EdgelockError('E_ONNX_DYNAMIC_SHAPE', `output '${o}' of node '${node.name}' has shape [${info.shape?.map((d) => d ?? '?') ?? '?'}]`, {
          node: node.name,
          op: node.opType,
        });
      }
    }
  }
  return { model: optimized, notes };
}
