/**
 * The form trigger units are made in, for a model as exporters write it (docs/security.md, "Exports as users bring
 * them"): the trainer and the pixel path read a chain of Conv, Relu, MaxPool, Flatten and Gemm on an NCHW input that
 * ends in logits. PyTorch, tf2onnx and paddle2onnx write the same network otherwise:
 *   - a symbolic batch, BatchNormalization nodes, `x.view(x.size(0), -1)` as a Shape→Gather→Concat→Reshape chain,
 *     Keras' Dense as MatMul + Add: the compiler's own 'optimize' passes (src/passes) fold them;
 *   - a Keras model takes NHWC and transposes it to NCHW first: the form takes NCHW and drops that Transpose;
 *   - Keras flattens channels last (a Transpose [0,2,3,1] before its Flatten or Reshape): the form flattens the NCHW
 *     map and the next dense layer's columns are permuted to match, the same function;
 *   - a Reshape of a map to one row per sample is a Flatten;
 *   - a trailing Softmax (Keras' `activation='softmax'`): the form ends in the logits.
 * `restore` puts the exporter's interface back around the owner model: its input (NHWC, symbolic batch; other
 * symbolic dimensions pinned as the units were made) with the Transpose, and its Softmax; the model inside stays in
 * the form, which computes the same function.
 */
import { EdgelockError } from '../../errors';
import { consumerMap } from '../../ir/graph-utils';
import { InputShapes, hasSymbolicBatch, pinBatch, pinInputShapes } from '../../ir/pin-inputs';
import { Model, Node, Tensor, ValueInfo } from '../../ir/types';
import { runPipeline } from '../../passes/pipeline';
import { toNetLayout } from '../float-net';
import { valueTypes } from '../../passes/value-types';

export interface TrainerForm {
  model: Model;
  /** the owner model made from `model`, in the interface of the model the form was made from */
  restore(owner: Model): Model;
  /** the owner's inputs in the form's (NCHW) layout: given in the layout of the model the form was made from, or
   * already in the form's (a named data set is (C, H, W)); `sampleShape` says which when it is known */
  inputs(x: Float32Array, count: number, sampleShape?: readonly number[]): Float32Array;
  /** what the form changed, in words */
  changes: string[];
}

const perm = (n: Node): string => {
  const a = n.attrs.perm;
  return a && a.kind === 'ints' ? a.value.join(',') : '';
};

const rename = (nodes: Node[], from: string, to: string): Node[] =>
  nodes.map((n) => (n.inputs.includes(from) ? { ...n, inputs: n.inputs.map((i) => (i === from ? to : i)) } : n));

/** Dense columns read from an (H, W, C) flatten, re-ordered to read the (C, H, W) one: B [out, C·H·W]. */
function columnsChannelsFirst(b: Tensor, [C, H, W]: readonly number[]): Tensor {
  const [out, inn] = b.shape;
  const from = b.data as Float32Array;
  const data = new Float32Array(from.length);
  for (let o = 0; o < out; o++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) data[o * inn + (c * H + h) * W + w] = from[o * inn + (h * W + w) * C + c];
  return { dtype: 'float32', shape: [out, inn], data };
}

function fixedShape(v: ValueInfo | undefined): number[] | null {
  return v?.shape && v.shape.every((d) => typeof d === 'number') ? (v.shape as number[]) : null;
}

/**
 * The trainer's form of `original`, its symbolic input dimensions first pinned by `shapes` (`--input-shape`, as for
 * compile: a paddle2onnx export's symbolic H and W) and its batch to 1.
 */
/** The output's batch dimension as the input's was pinned, when the export named both alike. */
function withBatch(output: ValueInfo, input: ValueInfo, pinned: ValueInfo): ValueInfo {
  const [o, i, p] = [output.shape?.[0], input.shape?.[0], pinned.shape?.[0]];
  return typeof o === 'string' && o === i && typeof p === 'number'
    ? { ...output, shape: [p, ...output.shape!.slice(1)] }
    : output;
}

export function trainerForm(original: Model, shapes: InputShapes = new Map()): TrainerForm {
  const changes: string[] = [];
  if (original.graph.inputs.length !== 1 || original.graph.outputs.length !== 1)
    throw new EdgelockError('E_UNITS_MODEL', 'trigger units need a model with one input and one output');
  const pinned = pinInputShapes(original, shapes);
  const given = pinned.graph.inputs[0];
  if (!given.shape || given.shape.slice(1).some((d) => typeof d !== 'number'))
    throw new EdgelockError(
      'E_USAGE',
      `input '${given.name}' has symbolic dimensions (shape [${(given.shape ?? []).map((d) => d ?? '?').join(',')}]):` +
        ` pin them with --input-shape ${given.name}:<dims>, as for compile`,
    );
  let m = hasSymbolicBatch(pinned) ? pinBatch(pinned) : pinned;
  m = runPipeline(m).model;
  const g = m.graph;
  let nodes = g.nodes.slice();
  const inits = new Map(g.initializers);
  const types = valueTypes(m);
  let input = g.inputs[0];
  let output = g.outputs[0];
  const consumers = () => consumerMap({ ...g, nodes });

  // a channels-last input transposed to NCHW: take NCHW
  let nhwc: { transpose: Node; original: ValueInfo } | null = null;
  const readers = consumers().get(input.name) ?? [];
  if (input.shape?.length === 4 && readers.length === 1 && readers[0].opType === 'Transpose') {
    const t = readers[0];
    if (perm(t) === '0,3,1,2') {
      const [n, h, w, c] = input.shape;
      nhwc = { transpose: t, original: input };
      nodes = rename(
        nodes.filter((x) => x !== t),
        t.outputs[0],
        input.name,
      );
      input = { ...input, shape: [n, c, h, w] };
      changes.push(`the channels-last input's Transpose '${t.name}' (the form takes NCHW)`);
    }
  }

  // a Transpose [0,2,3,1] of a map, flattened into a dense layer: flatten the map and permute the layer's columns
  for (const t of nodes.filter((x) => x.opType === 'Transpose' && perm(x) === '0,2,3,1')) {
    const shape = fixedShape(types.get(t.inputs[0]));
    const flat = consumers().get(t.outputs[0]) ?? [];
    if (!shape || shape.length !== 4 || flat.length !== 1 || !['Flatten', 'Reshape'].includes(flat[0].opType)) continue;
    const dense = consumers().get(flat[0].outputs[0]) ?? [];
    const b = dense.length === 1 && dense[0].opType === 'Gemm' ? inits.get(dense[0].inputs[1]) : undefined;
    if (!b || b.dtype !== 'float32' || b.shape.length !== 2 || b.shape[1] !== shape[1] * shape[2] * shape[3]) continue;
    inits.set(dense[0].inputs[1], columnsChannelsFirst(b, shape.slice(1)));
    nodes = rename(
      nodes.filter((x) => x !== t),
      t.outputs[0],
      t.inputs[0],
    );
    changes.push(`the Transpose '${t.name}' before a channels-last flatten (the next dense layer's columns permuted)`);
  }

  // a Reshape of a map to one row per sample is a Flatten
  nodes = nodes.map((n) => {
    if (n.opType !== 'Reshape') return n;
    const from = types.get(n.inputs[0])?.shape;
    const to = fixedShape(types.get(n.outputs[0]));
    if (!from || from.length < 3 || !to || to.length !== 2 || to[0] !== from[0]) return n;
    changes.push(`the Reshape '${n.name}' to one row per sample (a Flatten)`);
    return { ...n, opType: 'Flatten', inputs: [n.inputs[0]], attrs: { axis: { kind: 'int', value: 1 } } };
  });

  // a trailing Softmax: the form ends in the logits
  let softmax: Node | null = null;
  const last = nodes.find((n) => n.outputs.includes(output.name));
  if (last?.opType === 'Softmax' && types.get(last.inputs[0])?.shape?.length === 2) {
    const axis = last.attrs.axis;
    if (!axis || (axis.kind === 'int' && (axis.value === 1 || axis.value === -1))) {
      softmax = last;
      nodes = nodes.filter((x) => x !== last);
      output = { ...output, name: last.inputs[0] };
      changes.push(`the trailing Softmax '${last.name}' (the form ends in the logits)`);
    }
  }
  const used = new Set(nodes.flatMap((n) => n.inputs));
  for (const k of [...inits.keys()]) if (!used.has(k)) inits.delete(k);
  const model: Model = {
    ...m,
    graph: { ...g, nodes, inputs: [input], outputs: [output], initializers: inits, valueInfo: new Map() },
  };
  const formInput = input.name;
  return {
    model,
    changes,
    inputs(x, count, sampleShape) {
      if (!nhwc) return x;
      const [, C, H, W] = input.shape as number[];
      const given = sampleShape?.join(',');
      if (given === [C, H, W].join(',')) return x;
      if (given !== undefined && given !== [H, W, C].join(','))
        throw new EdgelockError(
          'E_USAGE',
          `the model takes samples of shape (${H}, ${W}, ${C}); the data's are (${sampleShape!.join(', ')})`,
        );
      return toNetLayout(x, count, [H, W, C]);
    },
    restore(owner) {
      let on = owner.graph.nodes;
      if (nhwc) on = [{ ...nhwc.transpose }, ...rename(on, formInput, nhwc.transpose.outputs[0])];
      if (softmax) on = [...on, { ...softmax }];
      return {
        ...owner,
        graph: {
          ...owner.graph,
          nodes: on,
          // the export's input, its batch as the export has it, its other dimensions as the units were made for
          inputs: [given],
          outputs: [withBatch(original.graph.outputs[0], original.graph.inputs[0], given)],
          valueInfo: new Map(),
        },
      };
    },
  };
}
