/**
 * What a thief does to a leaked model before using it, as functions (the tests and scripts/trace-measure.ts run
 * them): re-quantise it (dequantise, fresh per-channel int8 scales), re-order and re-scale its hidden units, fine-tune
 * it on a fraction of the data, add units to its hidden layers or split them, average the weights of several leaked copies
 * (collusion), or distil a fresh network from its answers. Pruning its smallest weights is prune.ts (black-box tracing
 * uses it too: reference.ts).
 */
import { compileModel } from '../compiler/compile';
import { EdgelockError } from '../errors';
import { Model, Node, Tensor } from '../ir/types';
import { writeOnnx } from '../onnx/writer';
import { readTflite } from '../tflite/reader';
import { LabelledData, fit } from '../train/fit';
import { trainableFromModel, writeBackWeights } from '../train/from-model';
import { Rng } from '../train/rng';
import { buildNetwork, specsOf } from '../train/layers';
import { Layer } from '../train/layer';
import { Residual } from '../train/layers/residual';
import { Sgd } from '../train/optim/sgd';
import { floatNetFromTflite, toNetLayout, writeWeights, FloatNet } from './float-net';
import { onnxOfFloatNet } from './net-onnx';
import { elementOf, sameSlotChannel, unitGraph } from './unit-graph';
import { ScoreQuery } from './victims';

/** Dequantise and re-quantise every filter with fresh per-channel scales. */
export function requantize(model: Uint8Array): Uint8Array {
  return writeWeights(model, floatNetFromTflite(model));
}

export interface UnitShuffle {
  seed: number;
  /** each hidden unit that can be scaled is scaled by a factor drawn uniformly from [lo, hi] (default: none) */
  scale?: [number, number];
}

/**
 * The free symmetries of the network (src/trace/unit-graph.ts): the channels of every space that is not the input or
 * the output in a random order (a depthwise convolution's output in its input's), each (where the space allows)
 * scaled by a random positive factor with the readers' input channels scaled back, then re-quantised with fresh
 * per-channel scales. Re-ordering alone computes exactly what the model did; scaling changes only rounding (the
 * activations keep their quantisation, so factors above 1 could saturate them: keep hi ≤ 1).
 */
export function shuffleUnits(model: Uint8Array, o: UnitShuffle): Uint8Array {
  const graph = unitGraph(readTflite(model));
  if (!graph)
    throw new EdgelockError('E_TRACE_MODEL', 'the model is not built of filters, channel-wise operators and ADDs');
  const fn = floatNetFromTflite(model);
  const rng = new Rng(o.seed);
  const [lo, hi] = o.scale ?? [1, 1];
  const bindings = graph.links.map((link) => fn.bindings.find((b) => b.w === link.w)!);
  const old = graph.links.map((link, k) =>
    Float64Array.from(
      { length: link.units * link.rowLength },
      (_, i) => bindings[k].weight.value[bindings[k].toParam(i)],
    ),
  );
  // new channel v of space s is old channel order[s][v], scaled by factor[s][old channel]
  const order: Int32Array[] = [];
  graph.spaces.forEach((space, s) => {
    const q = Int32Array.from({ length: space.units }, (_, u) => u);
    order[s] = space.pinned ? q : space.follows >= 0 ? order[space.follows] : rng.shuffle(q);
  });
  const factor = graph.spaces.map((space) =>
    Float64Array.from({ length: space.units }, () => (space.scalable ? rng.range(lo, hi) : 1)),
  );
  graph.links.forEach((link, k) => {
    const b = bindings[k];
    const R = link.rowLength;
    const bias = Float64Array.from(b.bias.value);
    const [into, from] = [order[link.to], order[link.from]];
    for (let v = 0; v < link.units; v++) {
      const u = into[v];
      const a = factor[link.to][u];
      for (let r = 0; r < R; r++) {
        // the old weight that new row element r of unit v holds: its input channel re-ordered the same way
        const x = link.depthwise
          ? old[k][elementOf(link, u, r)] / factor[link.from][u]
          : old[k][u * R + sameSlotChannel(link, r, from[r % link.inChannels])] /
            factor[link.from][from[r % link.inChannels]];
        b.weight.value[b.toParam(elementOf(link, v, r))] = x * a;
      }
      b.bias.value[v] = bias[u] * a;
    }
  });
  return writeWeights(model, fn);
}

/** The owner's ONNX `architecture` with a leaked model's float weights written into it. */
function withLeakedWeights(leaked: Uint8Array, architecture: Model): Model {
  const fn = floatNetFromTflite(leaked);
  const t = trainableFromModel(architecture);
  const from = fn.net.params;
  const to = t.net.params;
  if (from.length !== to.length || from.some((p, k) => p.value.length !== to[k].value.length))
    throw new EdgelockError('E_TRACE_MODEL', 'the leaked model does not have the architecture given');
  to.forEach((p, k) => p.value.set(from[k].value));
  return writeBackWeights(architecture, t);
}

/**
 * Units added to the hidden layers of a leaked model: its weights written into the owner's ONNX `architecture`, and
 * `extra.dense` new units per hidden dense layer (ONNX Gemm) and `extra.conv` new output channels per convolution
 * (ONNX Conv; every convolution feeds another weight layer, so all are hidden), so the function is unchanged, then
 * compiled again to int8 on `calibration`. The copy no longer has the base's shapes. Two ways:
 *   - new units (default): incoming weights drawn with the spread of the layer's own, the mean bias, and zero outgoing
 *     weights;
 *   - `extra.split`: units split in two (as Net2Net widens a network): each new unit copies the incoming weights and
 *     bias of a distinct existing unit drawn at random, and the two share its outgoing weights, α and 1 − α of them
 *     (α uniform in [0.3, 0.7]): both compute the same activation, so their sum is the original's.
 * A convolution's new channels enter the next convolution as new input channels, or a dense layer after a flatten as
 * new features at the end (NCHW: channel-major).
 */
export async function widenHidden(
  leaked: Uint8Array,
  architecture: Model,
  extra: { dense: number; conv?: number; split?: boolean },
  seed: number,
  calibration: { data: Float32Array; count: number; sampleShape: number[] },
): Promise<Uint8Array> {
  const m = withLeakedWeights(leaked, architecture);
  const init = new Map(m.graph.initializers);
  const rng = new Rng(seed);
  const layers = m.graph.nodes.filter((n) => n.opType === 'Gemm' || n.opType === 'Conv');
  const transB = (n: (typeof layers)[number]) => n.attrs.transB?.kind === 'int' && n.attrs.transB.value === 1;
  /**
   * A tensor grown along `axis` by `add` slices appended after the existing ones: element j of slice q (within
   * block o of the dimensions before `axis`) is fill(o, q, j); `share` scales existing slices (by index) in place.
   */
  const grow = (
    t0: Tensor,
    axis: number,
    add: number,
    fill: (o: number, q: number, j: number) => number,
    share: Map<number, number> = new Map(),
  ): Tensor => {
    const shape = [...t0.shape];
    const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const src = t0.data as Float32Array;
    const n = shape[axis];
    shape[axis] = n + add;
    const data = new Float32Array(outer * (n + add) * inner);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < n + add; i++)
        for (let j = 0; j < inner; j++)
          data[(o * (n + add) + i) * inner + j] =
            i < n ? src[(o * n + i) * inner + j] * (share.get(i) ?? 1) : fill(o, i - n, j);
    return { dtype: 'float32', shape, data };
  };
  /** element j of slice i (in block o) of a tensor's data laid out with n slices along the axis */
  const at = (t0: Tensor, n: number, inner: number) => (o: number, i: number, j: number) =>
    (t0.data as Float32Array)[(o * n + i) * inner + j];
  const innerOf = (t0: Tensor, axis: number) => t0.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  layers.slice(0, -1).forEach((layer, k) => {
    const conv = layer.opType === 'Conv';
    const add = conv ? (extra.conv ?? 0) : extra.dense;
    if (add === 0) return;
    const w = init.get(layer.inputs[1])!;
    const wd = w.data as Float32Array;
    const std = Math.sqrt(wd.reduce((a, v) => a + v * v, 0) / wd.length);
    // output units: Conv [O, I, kh, kw] and Gemm with transB [O, I] on axis 0, Gemm [I, O] on axis 1
    const axis = conv || transB(layer) ? 0 : 1;
    const units = w.shape[axis];
    if (extra.split && add > units)
      throw new EdgelockError('E_USAGE', `cannot split ${add} of a layer's ${units} units`);
    const sources = extra.split
      ? Array.from(rng.shuffle(Int32Array.from({ length: units }, (_, u) => u))).slice(0, add)
      : [];
    const alpha = sources.map(() => rng.range(0.3, 0.7));
    const weightOf = at(w, units, innerOf(w, axis));
    init.set(
      layer.inputs[1],
      grow(w, axis, add, extra.split ? (o, q, j) => weightOf(o, sources[q], j) : () => std * rng.normal()),
    );
    const b = init.get(layer.inputs[2])!;
    const bd = b.data as Float32Array;
    const mean = bd.reduce((a, v) => a + v, 0) / bd.length;
    init.set(layer.inputs[2], grow(b, 0, add, extra.split ? (_o, q) => bd[sources[q]] : () => mean));
    const next = layers[k + 1];
    const nw = init.get(next.inputs[1])!;
    // the next layer's inputs: a convolution's input channels (axis 1), or a dense layer's `units` channels of
    // `spatial` features each, channel-major, new ones at the end
    const inAxis = next.opType === 'Conv' ? 1 : transB(next) ? 1 : 0;
    const inputs = nw.shape[inAxis];
    const spatial = next.opType === 'Conv' ? 1 : inputs / units;
    const inner = innerOf(nw, inAxis);
    const inputOf = at(nw, inputs, inner);
    // a split unit's outgoing weights: α stays with the source, 1 − α goes to the new unit
    const share = new Map<number, number>();
    sources.forEach((u, q) => {
      for (let f = 0; f < spatial; f++) share.set(u * spatial + f, alpha[q]);
    });
    const sourceFeature = (q: number) => sources[Math.floor(q / spatial)] * spatial + (q % spatial);
    init.set(
      next.inputs[1],
      grow(
        nw,
        inAxis,
        add * spatial,
        extra.split ? (o, q, j) => (1 - alpha[Math.floor(q / spatial)]) * inputOf(o, sourceFeature(q), j) : () => 0,
        share,
      ),
    );
  });
  const wide: Model = { ...m, graph: { ...m.graph, initializers: init, valueInfo: new Map() } };
  return (await compileModel(writeOnnx(wide), { precision: 'int8', calibration })).bytes;
}

/**
 * Layers added to a leaked model (Net2Net deepening): after the ReLU of each listed hidden filter (`after`: indices
 * among the ONNX Conv and Gemm nodes of the owner's `architecture`, not the last), a new layer of the same width that
 * computes the identity — a 3×3 convolution (pads 1) whose centre tap passes channel c to channel c, or a dense layer
 * with the identity matrix — and a ReLU (its input is already ≥ 0, so nothing changes), with the leaked weights
 * written into the architecture (or, with none, into the leak's own float network written out as ONNX, net-onnx.ts:
 * residual and depthwise models, whose ONNX the trainer cannot read) and compiled to int8 on `calibration`. Indices
 * count the filters in the float network's order (a residual block's branch before its shortcut). The copy computes what the leak did up to the
 * new activations' rounding, and has more filters than the base.
 */
export async function deepenHidden(
  leaked: Uint8Array,
  architecture: Model | null,
  after: readonly number[],
  calibration: { data: Float32Array; count: number; sampleShape: number[] },
): Promise<Uint8Array> {
  const m = architecture ? withLeakedWeights(leaked, architecture) : onnxOfFloatNet(floatNetFromTflite(leaked));
  const init = new Map(m.graph.initializers);
  let nodes = m.graph.nodes.map((n) => ({ ...n, inputs: [...n.inputs] }));
  const layers = nodes.filter((n) => n.opType === 'Gemm' || n.opType === 'Conv');
  after.forEach((k, i) => {
    const layer = layers[k];
    const relu = layer && nodes.find((n) => n.opType === 'Relu' && n.inputs[0] === layer.outputs[0]);
    if (!relu || k === layers.length - 1)
      throw new EdgelockError('E_USAGE', `layer ${k} is not a hidden Conv or Gemm that a ReLU follows`);
    const conv = layer.opType === 'Conv';
    const w = init.get(layer.inputs[1])!;
    const transB = layer.attrs.transB?.kind === 'int' && layer.attrs.transB.value === 1;
    const C = conv || transB ? w.shape[0] : w.shape[1];
    const name = `deepen${i}`;
    const data = new Float32Array(conv ? C * C * 9 : C * C);
    for (let c = 0; c < C; c++) data[conv ? (c * C + c) * 9 + 4 : c * C + c] = 1;
    init.set(`${name}.weight`, { dtype: 'float32', shape: conv ? [C, C, 3, 3] : [C, C], data });
    init.set(`${name}.bias`, { dtype: 'float32', shape: [C], data: new Float32Array(C) });
    const x = relu.outputs[0];
    const y = `${name}_relu`;
    for (const n of nodes) n.inputs = n.inputs.map((v) => (v === x ? y : v));
    const attrs: Node['attrs'] = conv
      ? {
          kernel_shape: { kind: 'ints', value: [3, 3] },
          strides: { kind: 'ints', value: [1, 1] },
          pads: { kind: 'ints', value: [1, 1, 1, 1] },
          dilations: { kind: 'ints', value: [1, 1] },
          group: { kind: 'int', value: 1 },
        }
      : { transB: { kind: 'int', value: 1 } };
    const added: Node[] = [
      {
        name,
        opType: conv ? 'Conv' : 'Gemm',
        domain: '',
        inputs: [x, `${name}.weight`, `${name}.bias`],
        outputs: [`${name}_out`],
        attrs,
      },
      { name: `${name}_relu`, opType: 'Relu', domain: '', inputs: [`${name}_out`], outputs: [y], attrs: {} },
    ];
    const at = nodes.indexOf(relu) + 1;
    nodes = [...nodes.slice(0, at), ...added, ...nodes.slice(at)];
  });
  const deep: Model = { ...m, graph: { ...m.graph, nodes, initializers: init, valueInfo: new Map() } };
  return (await compileModel(writeOnnx(deep), { precision: 'int8', calibration })).bytes;
}

export interface FineTuneOptions {
  epochs: number;
  lr: number;
  seed: number;
  batchSize?: number;
}

/** Fine-tunes every weight of the dequantised model on `data` (NCHW samples) and re-quantises the result. */
export function fineTune(model: Uint8Array, data: LabelledData, o: FineTuneOptions): Uint8Array {
  const fn = floatNetFromTflite(model);
  fit(fn.net, data, {
    epochs: o.epochs,
    batchSize: o.batchSize ?? 32,
    optimizer: new Sgd({ lr: o.lr, momentum: 0.9, weightDecay: 1e-4 }),
    seed: o.seed,
  });
  return writeWeights(model, fn);
}

/** The float weights of several leaked copies averaged, re-quantised into the first copy's file. */
export function averageCopies(models: readonly Uint8Array[]): Uint8Array {
  const nets = models.map((m) => floatNetFromTflite(m));
  const target = nets[0];
  target.net.params.forEach((p, k) => {
    for (let i = 0; i < p.value.length; i++) {
      let s = 0;
      for (const n of nets) s += n.net.params[k].value[i];
      p.value[i] = s / nets.length;
    }
  });
  return writeWeights(models[0], target);
}

/**
 * Distillation: a fresh network of the leaked model's architecture trained on the victim's arg-max answers for
 * `data`'s first `queries` samples (the labels of `data` are not used). Returns the copy as a float network.
 */
export async function distil(
  model: Uint8Array,
  victim: ScoreQuery,
  probes: Float32Array,
  queries: number,
  o: FineTuneOptions,
): Promise<FloatNet> {
  const fn = floatNetFromTflite(model);
  const size = fn.modelInputShape.reduce((a, b) => a * b, 1);
  const x = probes.subarray(0, queries * size);
  const scores = await victim(x, queries);
  const classes = scores.length / queries;
  const labels = new Uint8Array(queries);
  for (let s = 0; s < queries; s++) {
    let b = 0;
    for (let k = 1; k < classes; k++) if (scores[s * classes + k] > scores[s * classes + b]) b = k;
    labels[s] = b;
  }
  const fresh = buildNetwork(fn.inputShape, specsOf(fn.net)!, o.seed);
  fn.net.params.forEach((p, i) => p.value.set(fresh.params[i].value));
  fit(
    fn.net,
    { x: toNetLayout(x, queries, fn.modelInputShape), labels, count: queries },
    {
      epochs: o.epochs,
      batchSize: o.batchSize ?? 32,
      optimizer: new Sgd({ lr: o.lr, momentum: 0.9, weightDecay: 1e-4 }),
      seed: o.seed + 1,
    },
  );
  return fn;
}

/** A float network answering as a black box (its logits). */
export function netVictim(fn: FloatNet): ScoreQuery {
  return async (x, count) => fn.net.forward(toNetLayout(x, count, fn.modelInputShape), count, false).slice();
}

/**
 * The scheme-aware thief's pruning: every convolution filter and hidden dense unit (one a ReLU or ReLU6 follows,
 * inside a residual branch too) whose pre-activation never exceeds 0 on his data is removed — its incoming weights
 * and bias set to 0, so it outputs 0 everywhere. On his data the model answers exactly as before; a detector path
 * that is off on natural inputs by design (trigger units, src/trace/units/) goes with it. A filter whose output is
 * added to a shortcut before the activation is kept: its own sign says nothing. Returns the pruned model and how many
 * outputs were removed.
 */
export function pruneDeadUnits(model: Uint8Array, data: LabelledData): { model: Uint8Array; removed: number } {
  const fn = floatNetFromTflite(model);
  const size = data.x.length / data.count;
  const BATCH = 500;
  /** per filter a ReLU follows in its chain, the largest pre-activation of each output channel */
  const max = new Map<Layer, Float64Array>();
  const gated = (layers: readonly Layer[]) =>
    layers.forEach((l, i) => {
      if (l instanceof Residual) l.branches.forEach(gated);
      const next = layers[i + 1]?.kind;
      if ((l.kind === 'conv2d' || l.kind === 'dense') && (next === 'relu' || next === 'relu6'))
        max.set(l, new Float64Array(l.params[1].value.length).fill(-Infinity));
    });
  gated(fn.net.layers);
  /** runs a chain on h, noting each gated filter's largest outputs; a residual join's branches walked the same way */
  const walk = (layers: readonly Layer[], h: Float32Array, n: number): Float32Array =>
    layers.reduce((x, l) => {
      let y: Float32Array;
      if (l instanceof Residual) {
        const [a, b] = l.branches.map((branch) => Float32Array.from(walk(branch, x, n)));
        y = a.map((v, i) => v + b[i]);
      } else y = l.forward(x, n, false);
      const m = max.get(l);
      if (m) {
        const width = y.length / n;
        const per = width / m.length;
        for (let k = 0; k < n; k++)
          for (let o = 0; o < m.length; o++)
            for (let p = 0; p < per; p++) m[o] = Math.max(m[o], y[k * width + o * per + p]);
      }
      return y;
    }, h);
  for (let s = 0; s < data.count; s += BATCH) {
    const n = Math.min(BATCH, data.count - s);
    walk(fn.net.layers, data.x.subarray(s * size, (s + n) * size), n);
  }
  let removed = 0;
  for (const [l, m] of max) {
    const [w, b] = l.params;
    const row = w.value.length / b.value.length;
    m.forEach((v, o) => {
      if (v > 0) return;
      w.value.fill(0, o * row, (o + 1) * row);
      b.value[o] = 0;
      removed++;
    });
  }
  return { model: writeWeights(model, fn), removed };
}
