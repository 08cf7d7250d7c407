/**
 * Units added to every free channel space of a leaked model (Net2Net widening; every space but the input and the
 * output), on any model the float network reads — residual joins and depthwise convolutions included, which
 * widenHidden (attacks.ts) cannot, since it edits the owner's ONNX chain. An ADD's space grows in every filter
 * writing it and every filter reading it at once, an identity shortcut carrying the new channels along; a depthwise
 * convolution's output grows with its input, each new channel a filter of its own that reads the new input channel.
 * Two ways, as widenHidden:
 *   - new units (default): incoming weights drawn with the spread of each writer's own, its mean bias, and zero
 *     weights out of them, so nothing the model computes changes;
 *   - `split`: each new channel copies a distinct existing one in every writer (weights and bias; a depthwise
 *     convolution's copy reads the copy of its source's input), so it computes the same activation, and every reader
 *     shares that channel's weights α and 1 − α between the two (α uniform in [0.3, 0.7]).
 * The widened network is written out as ONNX (net-onnx.ts) and compiled again to int8 on `calibration`.
 */
import { compileModel } from '../compiler/compile';
import { EdgelockError } from '../errors';
import { writeOnnx } from '../onnx/writer';
import { readTflite } from '../tflite/reader';
import { LayerSpec, buildNetwork, specsOf } from '../train/layers';
import { Rng } from '../train/rng';
import { floatNetFromTflite } from './float-net';
import { onnxOfFloatNet } from './net-onnx';
import { unitGraph } from './unit-graph';

export interface SpaceWidening {
  /** channels added to each space that can grow */
  extra: number;
  split?: boolean;
  seed: number;
}

export async function widenSpaces(
  leaked: Uint8Array,
  o: SpaceWidening,
  calibration: { data: Float32Array; count: number; sampleShape: number[] },
): Promise<Uint8Array> {
  const graph = unitGraph(readTflite(leaked));
  const fn = floatNetFromTflite(leaked);
  if (!graph || graph.links.length !== fn.bindings.length)
    throw new EdgelockError('E_TRACE_MODEL', 'the model is not built of filters, channel-wise operators and ADDs');
  const rng = new Rng(o.seed);
  // a depthwise output grows with its input (one channel per input channel), with the same sources
  const grows = graph.spaces.map((sp) => !sp.pinned);
  const sources: number[][] = [];
  graph.spaces.forEach((sp, s) => {
    if (sp.follows >= 0) sources[s] = sources[sp.follows];
    else if (!grows[s] || !o.split) sources[s] = [];
    else if (o.extra > sp.units)
      throw new EdgelockError('E_USAGE', `cannot split ${o.extra} of a space's ${sp.units} channels`);
    else sources[s] = Array.from(rng.shuffle(Int32Array.from({ length: sp.units }, (_, u) => u))).slice(0, o.extra);
  });
  // per space: the share α each new channel's source keeps in the filters that read it
  const alpha = sources.map((list) => list.map(() => rng.range(0.3, 0.7)));
  const added = (s: number) => (grows[s] ? o.extra : 0);
  // the new parameters of each filter, trainer layout: [O, C, K] (a convolution's kernel taps, or a dense layer's
  // features per channel after a channel-major flatten); a depthwise convolution's [O, 1, K]
  const params = fn.bindings.map((b) => {
    const link = graph.links.find((l) => l.w === b.w)!;
    const [w, bias] = [b.weight.value, b.bias.value];
    const O = b.outChannels;
    const O2 = O + added(link.to);
    const std = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    const meanBias = bias.reduce((a, v) => a + v, 0) / bias.length;
    /** the old unit new unit u computes (its source when split), or -1 for a new unit of its own */
    const rowOf = (u: number) => (u < O ? u : o.split ? sources[link.to][u - O] : -1);
    const outBias = Float32Array.from({ length: O2 }, (_, u) => (rowOf(u) >= 0 ? bias[rowOf(u)] : meanBias));
    if (link.depthwise) {
      // channel u reads input channel u alone: a new channel copies its source's filter whole (it reads the copy of
      // its source's input), or is a new filter of its own
      const K = w.length / O;
      const weight = Float32Array.from({ length: O2 * K }, (_, i) => {
        const row = rowOf(Math.floor(i / K));
        return row >= 0 ? w[row * K + (i % K)] : std * rng.normal();
      });
      return { filters: O2, weight, bias: outBias };
    }
    const C = graph.spaces[link.from].units;
    const K = w.length / (O * C);
    const C2 = C + added(link.from);
    const inShare = new Float64Array(C).fill(1);
    sources[link.from].forEach((c, q) => (inShare[c] = alpha[link.from][q]));
    const weight = new Float32Array(O2 * C2 * K);
    for (let u = 0; u < O2; u++) {
      const row = rowOf(u);
      for (let c = 0; c < C2; c++)
        for (let t = 0; t < K; t++) {
          let v: number;
          if (row < 0) v = std * rng.normal();
          else if (c < C) v = w[(row * C + c) * K + t] * inShare[c];
          else if (o.split) v = (1 - alpha[link.from][c - C]) * w[(row * C + sources[link.from][c - C]) * K + t];
          else v = 0;
          weight[(u * C2 + c) * K + t] = v;
        }
    }
    return { filters: O2, weight, bias: outBias };
  });
  // the network's specs with the filters' new widths, in parameter order (a residual block's branches in turn)
  let next = 0;
  const widen = (list: LayerSpec[]): LayerSpec[] =>
    list.map((s) => {
      if (s.kind === 'conv2d') {
        const filters = params[next++].filters;
        return { ...s, filters, ...(s.group && s.group > 1 ? { group: filters } : {}) };
      }
      if (s.kind === 'dense') return { ...s, units: params[next++].filters };
      if (s.kind === 'residual') return { ...s, branches: [widen(s.branches[0]), widen(s.branches[1])] };
      return s;
    });
  const net = buildNetwork(fn.inputShape, widen(specsOf(fn.net)!), 1);
  net.params.forEach((p, i) => p.value.set(i % 2 === 0 ? params[i >> 1].weight : params[i >> 1].bias));
  const model = onnxOfFloatNet({ net, inputShape: fn.inputShape, softmax: fn.softmax });
  return (await compileModel(writeOnnx(model), { precision: 'int8', calibration })).bytes;
}
