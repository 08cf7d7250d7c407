/**
 * The one decision of how each graph input is presented in the .tflite, made once per compile and
 * recorded in the TFLite metadata (eval, watermark verification and device runs feed data through it).
 *
 * - `nhwc`: a rank-4 NCHW input moved channels-last (the .tflite takes transpose(x, [0,2,3,1])).
 * - `nchw`: a rank-4 input kept in its ONNX order on request (`--input-layout nchw`).
 * - `onnx-nhwc`: a rank-4 input that is already channels-last in the ONNX graph, kept as it is.
 * - `plain`: any other rank, always in ONNX order.
 *
 * `--input-layout auto` (the default) keeps an input in ONNX order when the graph shows it is
 * channels-last there: it feeds (through elementwise ops) a Transpose [0,3,1,2], a Reshape that
 * only moves size-1 axes into NCHW position, or a reduction over axes [1,2]; and no Conv, pool or
 * normalisation reads it as NCHW. Otherwise the input is NCHW and moves channels-last.
 */
import { consumerMap } from '../ir/graph-utils';
import { Graph, Model, Node } from '../ir/types';

export type InputLayoutRequest = 'auto' | 'nhwc' | 'nchw';
export type InputLayoutLabel = 'nhwc' | 'nchw' | 'onnx-nhwc' | 'plain';

export interface InputLayoutDecision {
  name: string;
  layout: InputLayoutLabel;
  /** Why, in words a user understands ("feeds Transpose [0,3,1,2] (node 't0')"). */
  reason: string;
}

/** Ops that keep the element order and rank of their first input (a layout passes straight through them). */
const PASS_THROUGH = new Set([
  'Identity',
  'Cast',
  'Dropout',
  'Relu',
  'LeakyRelu',
  'Clip',
  'Sigmoid',
  'Tanh',
  'HardSigmoid',
  'HardSwish',
  'Neg',
  'Sqrt',
  'Exp',
  'Log',
  'Erf',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Max',
  'Min',
  'Pow',
  'Sum',
]);

/** Ops that read a rank-4 tensor as NCHW (channels on axis 1). */
const NCHW_READERS = new Set([
  'Conv',
  'ConvTranspose',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'BatchNormalization',
  'InstanceNormalization',
  'Resize',
  'Upsample',
  'LRN',
]);

interface Evidence {
  nhwc?: string;
  nchw?: string;
}

function intsAttr(n: Node, name: string): number[] | undefined {
  const a = n.attrs[name];
  return a && a.kind === 'ints' ? a.value : undefined;
}

function nonUnit(shape: readonly number[]): number[] {
  return shape.filter((d) => d !== 1);
}

/** A Reshape of a channels-last [N,H,W,1] into [N,1,H,W]-like shape: only size-1 axes move. */
function movesOnlyUnitAxes(from: readonly number[], to: readonly number[] | undefined): boolean {
  if (!to || to.length !== 4 || from[3] !== 1 || to[1] !== 1) return false;
  const a = nonUnit(from);
  const b = nonUnit(to);
  return a.length === b.length && a.every((d, i) => d === b[i]) && from.some((d, i) => d !== to[i]);
}

function staticShape(graph: Graph, name: string): number[] | undefined {
  const v = graph.valueInfo.get(name) ?? graph.outputs.find((o) => o.name === name);
  return v?.shape && v.shape.every((d) => typeof d === 'number') ? (v.shape as number[]) : undefined;
}

function reduceAxes(graph: Graph, n: Node): number[] | undefined {
  const attr = intsAttr(n, 'axes');
  if (attr) return attr;
  const t = n.inputs[1] ? graph.initializers.get(n.inputs[1]) : undefined;
  return t ? Array.from(t.data as ArrayLike<number | bigint>, Number) : undefined;
}

/** Follows `value` through pass-through ops, collecting what its readers say about its layout. */
function collect(
  graph: Graph,
  consumers: Map<string, Node[]>,
  value: string,
  shape: number[],
  ev: Evidence,
  seen: Set<string>,
): void {
  if (seen.has(value)) return;
  seen.add(value);
  for (const n of consumers.get(value) ?? []) {
    const where = `node '${n.name}'`;
    if (n.opType === 'Transpose') {
      const p = intsAttr(n, 'perm');
      if (p && p.join(',') === '0,3,1,2') ev.nhwc ??= `feeds Transpose [0,3,1,2] (${where})`;
      else if (p && p.join(',') === '0,2,3,1') ev.nchw ??= `feeds Transpose [0,2,3,1] (${where})`;
    } else if (n.opType === 'Reshape' || n.opType === 'Unsqueeze' || n.opType === 'Squeeze' || n.opType === 'Flatten') {
      if (n.opType === 'Reshape' && movesOnlyUnitAxes(shape, staticShape(graph, n.outputs[0])))
        ev.nhwc ??= `feeds a Reshape that only moves size-1 axes into NCHW position (${where})`;
    } else if (
      (n.opType === 'ReduceMean' || n.opType === 'ReduceMax' || n.opType === 'ReduceSum') &&
      n.inputs[0] === value
    ) {
      const axes = reduceAxes(graph, n)
        ?.map((a) => (a < 0 ? a + 4 : a))
        .sort();
      if (axes && axes.join(',') === '1,2') ev.nhwc ??= `is reduced over axes [1,2] (H, W of NHWC) (${where})`;
      if (axes && axes.join(',') === '2,3') ev.nchw ??= `is reduced over axes [2,3] (H, W of NCHW) (${where})`;
    } else if (NCHW_READERS.has(n.opType) && n.inputs[0] === value) {
      ev.nchw ??= `feeds ${n.opType} (${where}), which reads NCHW`;
    } else if (PASS_THROUGH.has(n.opType)) {
      const out = staticShape(graph, n.outputs[0]);
      if (out && out.length === 4 && out.every((d, i) => d === shape[i]))
        collect(graph, consumers, n.outputs[0], shape, ev, seen);
    }
  }
}

/**
 * The layout decision for every runtime input of a shape-inferred model (static shapes), in
 * graph-input order.
 */
export function decideInputLayouts(model: Model, request: InputLayoutRequest): InputLayoutDecision[] {
  const graph = model.graph;
  const consumers = consumerMap(graph);
  return graph.inputs
    .filter((v) => !graph.initializers.has(v.name))
    .map((v) => {
      const shape = (v.shape ?? []) as number[];
      if (shape.length !== 4) return { name: v.name, layout: 'plain', reason: `rank ${shape.length}: ONNX order` };
      if (request === 'nhwc')
        return { name: v.name, layout: 'nhwc', reason: 'NCHW moved channels-last (--input-layout nhwc)' };
      if (request === 'nchw') return { name: v.name, layout: 'nchw', reason: 'ONNX order kept (--input-layout nchw)' };
      const ev: Evidence = {};
      collect(graph, consumers, v.name, shape, ev, new Set());
      if (ev.nhwc && !ev.nchw)
        return {
          name: v.name,
          layout: 'onnx-nhwc',
          reason: `already channels-last in the ONNX graph: ${ev.nhwc}; ONNX order kept`,
        };
      if (ev.nchw) return { name: v.name, layout: 'nhwc', reason: `NCHW (${ev.nchw}) moved channels-last` };
      return {
        name: v.name,
        layout: 'nhwc',
        reason: 'no channels-last evidence in the graph: treated as NCHW and moved channels-last',
      };
    });
}
