/**
 * Structural checks every command runs on an imported ONNX model before using it (inspect, compile, lock):
 * at least one graph output, then the whole-graph analysis (topological order — cycles refused —, every input
 * defined, per-node shape inference with absurd sizes refused, constant evaluation within the memory budget).
 */
import { EdgelockError } from '../errors';
import { Model } from '../ir/types';
import { analyzeGraph, GraphAnalysis } from './shape-inference';

export function checkGraphOutputs(model: Model): void {
  if (model.graph.outputs.length === 0) {
    throw new EdgelockError(
      'E_ONNX_NO_OUTPUTS',
      `graph '${model.graph.name}' declares no outputs: there is nothing to compute`,
    );
  }
}

export function validateModel(model: Model): GraphAnalysis {
  checkGraphOutputs(model);
  return analyzeGraph(model);
}
