/**
 * `hpnn`, the baseline (Chakraborty et al., DAC 2020): one key bit per hidden unit; a bit of 1
 * negates that unit's pre-activation, i.e. its weight row (output slice) and bias. Applied here as
 * a rewrite of an already-trained model. Weak by design (see docs/security.md): a few hundred
 * bits, each recoverable by greedy search or gradient relaxation.
 */
import { EdgelockError } from '../../errors';
import { Model, Node, Tensor } from '../../ir/types';
import { cloneTensor } from '../../ir/tensor';
import { TflGraph } from '../../compiler/tfl-graph';
import { TfliteModelInfo } from '../../tflite/reader';
import { HpnnEntry, LockDescriptor } from '../descriptor';
import { keyBits } from '../keystream';
import { negateUnits } from '../negate-units';
import { ENTRY_KINDS, TfliteLockEntry } from '../tflite-descriptor';
import { LockScheme } from './scheme';

const ONNX_LAYERS = new Set(['Gemm', 'Conv']);
/** TFLite weight ops and the axis of their filter that indexes output units. */
const TFLITE_LAYERS: Record<string, number> = { FULLY_CONNECTED: 0, CONV_2D: 0, DEPTHWISE_CONV_2D: 3 };

type Signed = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array;

function intAttr(n: Node, name: string, fallback: number): number {
  const a = n.attrs[name];
  return a && a.kind === 'int' ? a.value : fallback;
}

/** Weight layers whose output reaches a graph output without passing another weight layer. */
function outputLayers<N>(
  outputs: string[],
  producer: (v: string) => N | undefined,
  isLayer: (n: N) => boolean,
  inputsOf: (n: N) => string[],
): Set<N> {
  const found = new Set<N>();
  const seen = new Set<string>();
  const stack = [...outputs];
  while (stack.length) {
    const v = stack.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    const n = producer(v);
    if (n === undefined) continue;
    if (isLayer(n)) found.add(n);
    else stack.push(...inputsOf(n));
  }
  return found;
}

function onnxEntries(model: Model): HpnnEntry[] {
  const g = model.graph;
  const producer = new Map<string, Node>();
  for (const n of g.nodes) for (const o of n.outputs) producer.set(o, n);
  const uses = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  const isLayer = (n: Node) => ONNX_LAYERS.has(n.opType) && n.domain === '' && g.initializers.has(n.inputs[1]);
  const last = outputLayers(
    g.outputs.map((o) => o.name),
    (v) => producer.get(v),
    isLayer,
    (n) => n.inputs.filter((i) => i && !g.initializers.has(i)),
  );
  const entries: HpnnEntry[] = [];
  let bitOffset = 0;
  for (const n of g.nodes) {
    if (!isLayer(n) || last.has(n)) continue;
    const w = g.initializers.get(n.inputs[1])!;
    if (uses.get(n.inputs[1]) !== 1) continue; // a shared weight cannot carry one layer's key
    const axis = n.opType === 'Gemm' && intAttr(n, 'transB', 0) === 0 ? 1 : 0;
    const units = w.shape[axis];
    const biasName = n.inputs.length > 2 && n.inputs[2] ? n.inputs[2] : null;
    const bias = biasName ? g.initializers.get(biasName) : undefined;
    if (biasName && (!bias || bias.data.length !== units || uses.get(biasName) !== 1)) continue;
    entries.push({ weight: n.inputs[1], bias: biasName, axis, units, bitOffset });
    bitOffset += units;
  }
  if (!entries.length)
    throw new EdgelockError(
      'E_LOCK_UNSUPPORTED',
      'hpnn needs hidden Gemm/Conv layers with their own weight initializers; the model has none',
    );
  return entries;
}

function entriesOf(d: LockDescriptor): HpnnEntry[] {
  return d.entries as HpnnEntry[];
}

function bitCount(entries: HpnnEntry[]): number {
  return entries.reduce((n, e) => Math.max(n, e.bitOffset + e.units), 0);
}

function negated(t: Tensor, axis: number, bits: ArrayLike<number>, offset: number): Tensor {
  const c = cloneTensor(t);
  negateUnits(c.data as Signed, c.shape, axis, bits, offset);
  return c;
}

function applyBits(model: Model, entries: HpnnEntry[], bits: ArrayLike<number>): Model {
  const initializers = new Map(model.graph.initializers);
  for (const e of entries) {
    const w = initializers.get(e.weight);
    if (!w) throw new EdgelockError('E_LOCK_DESCRIPTOR', `hpnn weight '${e.weight}' is not in the model`);
    initializers.set(e.weight, negated(w, e.axis, bits, e.bitOffset));
    if (e.bias) {
      const b = initializers.get(e.bias);
      if (!b) throw new EdgelockError('E_LOCK_DESCRIPTOR', `hpnn bias '${e.bias}' is not in the model`);
      // a bias may be stored as [units] or broadcast-shaped ([1, units]); its units are its elements
      const flipped = negated({ ...b, shape: [b.data.length] }, 0, bits, e.bitOffset);
      initializers.set(e.bias, { ...flipped, shape: [...b.shape] });
    }
  }
  return { ...model, graph: { ...model.graph, initializers } };
}

function checkNegatable(data: Signed, what: string): void {
  const min =
    data instanceof Int8Array
      ? -128
      : data instanceof Int32Array
        ? -2147483648
        : data instanceof Int16Array
          ? -32768
          : null;
  if (min !== null && data.some((v) => v === min))
    throw new EdgelockError('E_LOCK_UNSUPPORTED', `${what} holds ${min}, which has no negation in its type`);
}

export const hpnn: LockScheme = {
  name: 'hpnn',
  summary: 'baseline (DAC 2020): one key bit per hidden unit negates its weights and bias; weak, for comparison',
  relaxation: 'unit-signs',

  lockOnnx(model, { key, salt }) {
    const entries = onnxEntries(model);
    const bits = keyBits(key, salt, bitCount(entries));
    return { model: applyBits(model, entries, bits), entries };
  },

  unlockOnnx(locked, d, key) {
    const entries = entriesOf(d);
    return applyBits(locked, entries, keyBits(key, Buffer.from(d.salt, 'hex'), bitCount(entries)));
  },

  lockTflite(graph: TflGraph, { key, salt }) {
    const producer = new Map<number, (typeof graph.ops)[number]>();
    for (const op of graph.ops) for (const o of op.outputs) producer.set(o, op);
    const isLayer = (op: (typeof graph.ops)[number]) => op.op in TFLITE_LAYERS && !!graph.tensors[op.inputs[1]]?.data;
    const last = outputLayers(
      graph.outputs.map(String),
      (v) => producer.get(Number(v)),
      isLayer,
      (op) => op.inputs.filter((i) => i >= 0 && !graph.tensors[i].data).map(String),
    );
    const layers = graph.ops.filter((op) => isLayer(op) && !last.has(op));
    if (!layers.length)
      throw new EdgelockError(
        'E_LOCK_UNSUPPORTED',
        'hpnn needs hidden FULLY_CONNECTED / CONV_2D layers; the compiled model has none',
      );
    const total = layers.reduce((n, op) => n + graph.tensors[op.inputs[1]].shape[TFLITE_LAYERS[op.op]], 0);
    const bits = keyBits(key, salt, total);
    const entries: TfliteLockEntry[] = [];
    let offset = 0;
    for (const op of layers) {
      const axis = TFLITE_LAYERS[op.op];
      const w = graph.tensors[op.inputs[1]];
      const units = w.shape[axis];
      checkNegatable(w.data as Signed, `weight '${w.name}'`);
      negateUnits(w.data as Signed, w.shape, axis, bits, offset);
      entries.push({ tensor: w.id, kind: ENTRY_KINDS.hpnnWeight, axis, a: offset, b: units });
      const b = op.inputs.length > 2 && op.inputs[2] >= 0 ? graph.tensors[op.inputs[2]] : undefined;
      if (b?.data) {
        checkNegatable(b.data as Signed, `bias '${b.name}'`);
        negateUnits(b.data as Signed, [b.data.length], 0, bits, offset);
        entries.push({ tensor: b.id, kind: ENTRY_KINDS.hpnnBias, axis: 0, a: offset, b: units });
      }
      offset += units;
    }
    return entries;
  },

  unlockTflite(bytes, info: TfliteModelInfo, entries, { key, salt }) {
    const total = entries.reduce((n, e) => Math.max(n, e.a + e.b), 0);
    const bits = keyBits(key, salt, total);
    const tensors = info.subgraphs[0].tensors;
    for (const e of entries) {
      const t = tensors[e.tensor];
      const buf = t ? info.buffers[t.buffer] : undefined;
      if (!t || !buf || buf.dataOffset === null)
        throw new EdgelockError('E_LOCK_DESCRIPTOR', `hpnn tensor ${e.tensor} is not a constant of the model`);
      const raw = bytes.subarray(buf.dataOffset, buf.dataOffset + buf.size);
      const copy = raw.slice();
      const data =
        t.dtype === 'int8'
          ? new Int8Array(copy.buffer)
          : t.dtype === 'int32'
            ? new Int32Array(copy.buffer)
            : t.dtype === 'float32'
              ? new Float32Array(copy.buffer)
              : null;
      if (!data) throw new EdgelockError('E_LOCK_DESCRIPTOR', `hpnn tensor ${e.tensor} has type ${t.dtype}`);
      const shape = e.kind === ENTRY_KINDS.hpnnBias ? [data.length] : t.shape;
      if (shape[e.axis] !== e.b)
        throw new EdgelockError(
          'E_LOCK_DESCRIPTOR',
          `hpnn tensor ${e.tensor} has ${shape[e.axis]} units on axis ${e.axis}, the descriptor says ${e.b}`,
        );
      negateUnits(data, shape, e.axis, bits, e.a);
      raw.set(copy);
    }
  },

  keyBitCount: (d) => bitCount(entriesOf(d)),

  withKeyBits: (locked, d, bits) => applyBits(locked, entriesOf(d), bits),

  unknownInitializers: () => [],
};
