/**
 * ONNX IR (optimised, shape-inferred, static shapes) → float32 TflGraph in NHWC.
 *
 * How each graph input is presented is decided once (src/compiler/input-layout.ts): a rank-4 NCHW
 * input moves channels-last (`nhwc`: the caller feeds transpose(x, [0,2,3,1])); an input the ONNX
 * graph already takes channels-last, or any input under `--input-layout nchw`, keeps its ONNX order
 * (an NCHW input then costs one TRANSPOSE, or a free RESHAPE when C = 1). Graph outputs are always
 * delivered in ONNX logical order and shape.
 */
import { EdgelockError } from '../../errors';
import { Model } from '../../ir/types';
import { defaultOpset } from '../../ir/opsets';
import { channelsLast, identityLayout, permute } from '../layout';
import { pruneTensors } from '../prune';
import { emptyGraph, TflGraph } from '../tfl-graph';
import { LowerContext, unsupported } from './context';
import { LOWERINGS } from './table';
import { decideInputLayouts, InputLayoutRequest } from '../input-layout';

export type InputLayout = InputLayoutRequest;

export interface LowerOptions {
  inputLayout?: InputLayout;
  /** Square of a Sub → SQUARED_DIFFERENCE (src/compiler/lower/helpers/squared-difference.ts). */
  squaredDifference?: boolean;
}

export function lowerModel(model: Model, opts: LowerOptions = {}): TflGraph {
  const decisions = new Map(decideInputLayouts(model, opts.inputLayout ?? 'auto').map((d) => [d.name, d]));
  const graph = model.graph;
  const g = emptyGraph();
  const ctx = new LowerContext(g, graph, defaultOpset(model.opsetImports) ?? 13, opts.squaredDifference ?? false);

  for (const input of graph.inputs) {
    if (graph.initializers.has(input.name)) continue;
    const shape = input.shape;
    if (!shape || !shape.every((d): d is number => typeof d === 'number')) {
      throw new EdgelockError(
        'E_ONNX_DYNAMIC_SHAPE',
        `graph input '${input.name}' has shape [${shape ?? '?'}]; TFLite needs static shapes`,
      );
    }
    if (input.dtype !== 'float32') {
      throw new EdgelockError(
        'E_TFLITE_UNSUPPORTED',
        `graph input '${input.name}' is ${input.dtype}; only float32 model inputs are supported`,
      );
    }
    const decision = decisions.get(input.name)!;
    const layout = decision.layout === 'nhwc' ? { dims: [...shape], perm: channelsLast(4) } : identityLayout(shape);
    const id = ctx.addAct(input.name, permute(shape, layout.perm), input.name);
    g.inputs.push(id);
    g.inputLayouts.push(decision.layout);
    g.inputLayoutReasons = [...(g.inputLayoutReasons ?? []), decision.reason];
    ctx.defineAct(input.name, id, shape, layout, false);
  }

  for (const node of graph.nodes) {
    if (ctx.consumed.has(node.name)) continue;
    if (node.domain !== '' && node.domain !== 'ai.onnx')
      throw unsupported(node, `domain '${node.domain}' has no TFLite lowering`);
    const lowering = LOWERINGS[node.opType];
    if (!lowering) throw unsupported(node, `ONNX op ${node.opType} has no TFLite lowering`);
    for (const o of node.outputs) {
      const info = o && graph.valueInfo.get(o);
      if (info && (!info.shape || !info.shape.every((d) => typeof d === 'number'))) {
        throw new EdgelockError('E_ONNX_DYNAMIC_SHAPE', `output '${o}' of node '${node.name}' has a dynamic shape`, {
          node: node.name,
          op: node.opType,
        });
      }
      if (info && info.dtype !== 'float32') {
        throw unsupported(
          node,
          `output '${o}' is ${info.dtype}; the TFLite back end computes in float32 (int8 after quantisation)`,
        );
      }
    }
    lowering(node, ctx);
  }

  const outputIds = new Set<number>();
  for (const output of graph.outputs) {
    const v = ctx.values.get(output.name);
    if (!v) throw new EdgelockError('E_ONNX_GRAPH', `graph output '${output.name}' is not produced by any node`);
    if (v.kind === 'const')
      throw new EdgelockError('E_TFLITE_UNSUPPORTED', `graph output '${output.name}' is a constant`);
    const producerNode = graph.nodes.find((n) => n.outputs.includes(output.name))?.name ?? output.name;
    let id = ctx.requestLogical(v, {
      name: producerNode,
      opType: 'output',
      domain: '',
      inputs: [],
      outputs: [],
      attrs: {},
    });
    if (outputIds.has(id) || g.inputs.includes(id)) {
      const copy = ctx.addAct(`${output.name}/copy`, v.logical, output.name);
      const shapeTensor = ctx.addInt32(`${output.name}/copy/shape`, v.logical);
      ctx.emit('RESHAPE', { kind: 'Reshape', newShape: [...v.logical] }, [id, shapeTensor], [copy], producerNode);
      id = copy;
    }
    outputIds.add(id);
    nameOutput(g, id, output.name);
    g.outputs.push(id);
  }
  return pruneTensors(g);
}

/** Gives the output tensor the ONNX output's name (renaming whichever tensor held it). */
function nameOutput(g: TflGraph, id: number, name: string): void {
  const t = g.tensors[id];
  if (t.name === name) return;
  const holder = g.tensors.find((x) => x.name === name);
  if (holder) {
    const taken = new Set(g.tensors.map((x) => x.name));
    let alt = `${name}/internal`;
    for (let i = 1; taken.has(alt); i++) alt = `${name}/internal_${i}`;
    holder.name = alt;
  }
  t.name = name;
}
