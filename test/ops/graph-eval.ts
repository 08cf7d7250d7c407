/** Whole-graph reference evaluation with edgelock's own op definitions (for tests). */
import { Model, Tensor } from '../../src/ir/types';
import { analyzeGraph } from '../../src/ops/shape-inference';
import { FeedTensor } from '../helpers/ort';

/**
 * Evaluates a model on concrete inputs by turning the inputs into initializers: shape inference
 * then folds every node through its op's `evaluate`. Returns the graph outputs.
 */
export function evaluateModel(model: Model, feeds: Record<string, FeedTensor>): Record<string, Tensor> {
  const initializers = new Map(model.graph.initializers);
  for (const v of model.graph.inputs) {
    const f = feeds[v.name];
    initializers.set(v.name, { dtype: f.dtype, shape: [...f.shape], data: f.data });
  }
  const asConst: Model = { ...model, graph: { ...model.graph, inputs: [], initializers } };
  const a = analyzeGraph(asConst);
  const out: Record<string, Tensor> = {};
  for (const v of model.graph.outputs) {
    const t = a.consts.get(v.name);
    if (!t) throw new Error(`output '${v.name}' was not evaluated (folding limit or an op without evaluate)`);
    out[v.name] = t;
  }
  return out;
}
