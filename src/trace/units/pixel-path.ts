/**
 * A detector path from the pixels for a CNN (docs/security.md, "A path from the pixels"), made with
 * no training. A path that reads the model's own features dies when a fine-tune moves them (natural images start to
 * fire its units, and the board's classes then teach the convolutions to silence it); this one reads nothing a
 * fine-tune moves:
 *   - the first convolution gets one more filter, an exact matched filter for a keyed binary pattern (pattern.ts):
 *     +a on its ones and −a on its zeros over every channel, the bias halfway between the largest response of any
 *     natural patch and the pattern's own, so it fires only where the pattern is written;
 *   - every later convolution gets one more filter that reads only that channel (one centre tap), and no old filter
 *     reads the new channel;
 *   - after the flatten, each hidden dense layer gets one unit per stamp: unit k of the first reads one cell of the
 *     path channel's map, unit k of the next reads unit k before it; the last layer reads the new units with weight
 *     0 (a board writes its classes there, board.ts);
 *   - stamp k is the pattern written at an origin found to fire cell k alone (on a blank input and on natural ones),
 *     the cells a keyed choice; asked for more units than there are cells, unit k reads two cells and fires only when
 *     both do, and its stamp writes the pattern at both origins.
 * Every new filter and unit has a negative bias and reads 0 on natural inputs, so it is off on them and gets no
 * gradient from them: the model's answers do not change, and a fine-tune on natural data cannot move the path. Each
 * layer fires where the trained path's units aim (PATH_LEVELS, params.ts).
 */
import { EdgelockError } from '../../errors';
import { Model, Node, Tensor } from '../../ir/types';
import { LabelledData } from '../../train/fit';
import { trainableFromModel } from '../../train/from-model';
import { Param } from '../../train/layer';
import { Sha256Stream, distinctDraws } from '../../watermark/drbg';
import { patternDraw } from './pattern';
import { Stamp, applyStamp, patternStamps } from './stamps';
import { gemmOf, grow } from './widen';
import { PATH_LEVELS } from './params';
import { naturalMax } from './train';

/** the pattern's natural maximum is measured over this many samples of the owner's data */
const PATTERN_SAMPLES = 10000;
/** a pattern is kept only if its own response exceeds every natural patch's by this many pixels' worth (a pixel's
 * worth: the step from the off level to the on level) */
const MIN_MARGIN = 2;
/** keyed pattern draws tried before giving up */
const MAX_DRAWS = 256;
/** natural images an origin is checked on: the stamp there must fire its cell alone on each */
const ORIGIN_CHECKS = 50;

export interface PixelPathInput {
  model: Model;
  traceKey: Uint8Array;
  /** the owner's inputs, in the model's layout (N, C, H, W) (no labels: nothing is trained) */
  data: Pick<LabelledData, 'x' | 'count'>;
  units: number;
  /** the penultimate layer's range widening (compile) */
  widen: number;
}

export interface PixelPath {
  model: Model;
  /** the penultimate layer's new units, in stamp order */
  units: number[];
  patch: [number, number];
  draw: number;
  /** where each unit's stamp writes the pattern (one origin, or two when there are more units than cells) */
  origins: number[][];
  /** the values a stamp writes on the pattern's zeros and ones: the owner data's smallest and largest */
  levels: [number, number];
  /** the penultimate Gemm's weight initializer */
  penultimate: string;
}

/** why a model that pools its last convolution into its only dense layer takes no units */
export const ONE_DENSE_LAYER =
  'the units need two dense layers at the end, and a model with one (a DS-CNN or a ResNet after its global pool) ' +
  'is traced by its trace code alone';

function unfit(why: string): never {
  throw new EdgelockError('E_UNITS_MODEL', `a pixel path ${why}`);
}

function ints(node: Node, name: string, fallback: number[]): number[] {
  const a = node.attrs[name];
  return a && a.kind === 'ints' ? a.value : fallback;
}

/** The chain's layers: convolutions (each followed by a ReLU), max-pools, one flatten, then dense layers joined by
 * ReLUs; anything else is not fit for a pixel path. */
function chainOf(model: Model) {
  const t = trainableFromModel(model);
  const layers = t.net.layers;
  const weightOf = (p: Param) => t.bindings.find((b) => b.param === p)!.initializer;
  const flat = layers.findIndex((l) => l.kind === 'flatten');
  if (flat < 1 || layers[0].kind !== 'conv2d') unfit('needs a model that starts with a convolution and flattens');
  const convs: number[] = [];
  layers.slice(0, flat).forEach((l, i) => {
    if (l.kind === 'conv2d') {
      if (layers[i + 1]?.kind !== 'relu') unfit('needs a ReLU after every convolution');
      convs.push(i);
    } else if (t.specs[i].kind === 'globalavgpool') unfit(`cannot pass a global average pool: ${ONE_DENSE_LAYER}`);
    else if (l.kind !== 'relu' && l.kind !== 'maxpool') unfit(`cannot pass a ${l.kind} layer`);
  });
  const dense: number[] = [];
  layers.slice(flat + 1).forEach((l, j) => {
    const i = flat + 1 + j;
    const want = j % 2 === 0 ? 'dense' : 'relu';
    if (l.kind !== want) unfit('needs dense layers joined by ReLUs after the flatten');
    if (l.kind === 'dense') dense.push(i);
  });
  if (dense.length < 2 || dense[dense.length - 1] !== layers.length - 1) unfit('needs a hidden dense layer');
  const convNodes = convs.map((i) => {
    const name = weightOf(layers[i].params[0]);
    const node = model.graph.nodes.find((n) => n.opType === 'Conv' && n.inputs[1] === name)!;
    const group = node.attrs.group;
    if ((group && group.kind === 'int' && group.value !== 1) || ints(node, 'dilations', [1, 1]).some((d) => d !== 1))
      unfit('needs plain convolutions (no groups, no dilation)');
    if (node.inputs.length < 3 || node.inputs[2] === '') unfit('needs convolutions with a bias');
    return node;
  });
  return { net: t.net, convs, dense, flat, convNodes, denseWeights: dense.map((i) => weightOf(layers[i].params[0])) };
}

/** The largest Σ_ones x − Σ_zeros x over every window the first convolution sees (its pads read 0) of natural data;
 * the first value above `enough` as soon as one is found (the draw is refused then, whatever the rest). */
function naturalPatternMax(
  bits: Uint8Array,
  conv: Node,
  shape: readonly number[],
  data: Pick<LabelledData, 'x' | 'count'>,
  patch: readonly [number, number],
  enough: number,
): number {
  const [C, H, W] = shape;
  const [kh, kw] = patch;
  const [sy, sx] = ints(conv, 'strides', [1, 1]);
  const [pt, pl, pb, pr] = ints(conv, 'pads', [0, 0, 0, 0]);
  const oh = Math.floor((H + pt + pb - kh) / sy) + 1;
  const ow = Math.floor((W + pl + pr - kw) / sx) + 1;
  const n = Math.min(PATTERN_SAMPLES, data.count);
  const size = C * H * W;
  let best = -Infinity;
  for (let s = 0; s < n; s++) {
    const x = data.x.subarray(s * size, (s + 1) * size);
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++) {
        let v = 0;
        for (let dy = 0; dy < kh; dy++) {
          const y = oy * sy - pt + dy;
          if (y < 0 || y >= H) continue;
          for (let dx = 0; dx < kw; dx++) {
            const xx = ox * sx - pl + dx;
            if (xx < 0 || xx >= W) continue;
            const sign = bits[dy * kw + dx] ? 1 : -1;
            for (let c = 0; c < C; c++) v += sign * x[c * H * W + y * W + xx];
          }
        }
        if (v > best) best = v;
        if (best > enough) return best;
      }
  }
  return best;
}

/** A conv weight [O, I, kh, kw] grown by `addOut` filters and `addIn` input channels; `fill(o, i, k)` gives the new
 * entries (k = the kernel position). */
function growConv(w: Tensor, addOut: number, addIn: number, fill: (o: number, i: number, k: number) => number): Tensor {
  const [O, I, kh, kw] = w.shape;
  const K = kh * kw;
  const [O2, I2] = [O + addOut, I + addIn];
  const from = w.data as Float32Array;
  const data = new Float32Array(O2 * I2 * K);
  for (let o = 0; o < O2; o++)
    for (let i = 0; i < I2; i++)
      for (let k = 0; k < K; k++)
        data[(o * I2 + i) * K + k] = o < O && i < I ? from[(o * I + i) * K + k] : fill(o, i, k);
  return { dtype: 'float32', shape: [O2, I2, kh, kw], data };
}

function withBias(b: Tensor, extra: readonly number[]): Tensor {
  const data = new Float32Array(b.data.length + extra.length);
  data.set(b.data as Float32Array);
  data.set(extra, b.data.length);
  return { dtype: 'float32', shape: [data.length], data };
}

export function addPixelPath(i: PixelPathInput): PixelPath {
  const chain = chainOf(i.model);
  const { net, convs, dense, flat, convNodes, denseWeights } = chain;
  const K = i.units;
  const shape = net.inputShape;
  if (shape.length !== 3) unfit('needs an image input (C, H, W)');
  const [C, H, W] = shape;
  const g0 = i.model.graph.initializers.get(convNodes[0].inputs[1])!;
  const patch: [number, number] = [g0.shape[2], g0.shape[3]];
  if (patch[0] > H || patch[1] > W) unfit('needs a first kernel no larger than the input');
  // a stamp writes the data's extremes: 0 and 1 for pixels in [0, 1], its own for standardised or [−1, 1] inputs
  let off = Infinity;
  let on = -Infinity;
  for (const v of i.data.x) {
    if (v < off) off = v;
    if (v > on) on = v;
  }
  if (!(on > off)) unfit('needs owner data whose inputs are not all one value');
  const levels: [number, number] = [off, on];

  // the keyed pattern: the first draw that every natural window stays MIN_MARGIN pixels short of
  // the pattern's own response: Σ_ones on − Σ_zeros off, over every channel
  const ownResponse = (b: Uint8Array) => C * b.reduce((a, bit) => a + (bit ? on : -off), 0);
  let draw = 0;
  let bits: Uint8Array | null = null;
  let natural = 0;
  for (; draw < MAX_DRAWS; draw++) {
    bits = patternDraw(i.traceKey, patch[0], patch[1], draw);
    if (!bits) continue;
    const allowed = ownResponse(bits) - MIN_MARGIN * (on - off);
    natural = naturalPatternMax(bits, convNodes[0], shape, i.data, patch, allowed);
    if (natural <= allowed) break;
  }
  if (draw === MAX_DRAWS || !bits)
    unfit(`found no keyed pattern that natural inputs stay ${MIN_MARGIN} pixels short of (${MAX_DRAWS} draws)`);
  const own = ownResponse(bits);
  const threshold = (own + natural) / 2;

  // each layer's firing value
  const hidden = dense.slice(0, -1);
  const maxima = [...convs, ...hidden].map((l) => naturalMax(net, l, i.data));
  const fires = maxima.map(
    (m, j) => (j === maxima.length - 1 ? i.widen + PATH_LEVELS.overRange : PATH_LEVELS.inner) * m,
  );
  if (maxima.some((m) => !(m > 0))) unfit('needs layers with positive natural outputs');
  // the cells of the last convolution's map, one per position of a channel the flatten reads
  const cellCount = net.layers[flat].outShape[0] / net.layers[convs[convs.length - 1]].outShape[0];

  const build = (cells: readonly (readonly number[])[]): Model => {
    const inits = new Map(i.model.graph.initializers);
    convNodes.forEach((node, j) => {
      const w = inits.get(node.inputs[1])!;
      const b = inits.get(node.inputs[2])!;
      const [kh, kw] = [w.shape[2], w.shape[3]];
      const centre = Math.floor(kh / 2) * kw + Math.floor(kw / 2);
      if (j === 0) {
        const a = fires[0] / (own - threshold);
        inits.set(
          node.inputs[1],
          growConv(w, 1, 0, (_o, _c, k) => (bits![k] ? a : -a)),
        );
        inits.set(node.inputs[2], withBias(b, [-threshold * a]));
      } else {
        const c = (2 * fires[j]) / fires[j - 1];
        const I = w.shape[1];
        inits.set(
          node.inputs[1],
          growConv(w, 1, 1, (o, ch, k) => (o === w.shape[0] && ch === I && k === centre ? c : 0)),
        );
        inits.set(node.inputs[2], withBias(b, [-fires[j]]));
      }
    });
    const model: Model = { ...i.model, graph: { ...i.model.graph, initializers: inits } };
    hidden.forEach((_, j) => {
      const gm = gemmOf(model, denseWeights[j]);
      const outs = gm.b.data.length;
      const ins = gm.w.data.length / outs;
      const f = fires[convs.length + j];
      const fPrev = fires[convs.length + j - 1];
      const weight = (2 * f) / fPrev;
      // the first reads its cells of the path channel (the flatten puts it last): it fires only when all of them do
      // (m cells at fPrev: m·weight·fPrev − (m − ½)·weight·fPrev = f; one fewer: −f); the others, the unit before
      const reads = (k: number): number[] => (j === 0 ? (cells[k] ?? []).map((c) => ins + c) : [ins + k]);
      const addIn = j === 0 ? cellCount : K;
      inits.set(
        denseWeights[j],
        grow(gm, K, addIn, (o, n) => (o >= outs && reads(o - outs).includes(n) ? weight : 0)),
      );
      const bias = (k: number) => -(reads(k).length - 0.5) * weight * fPrev;
      inits.set(
        gm.node.inputs[2],
        withBias(
          gm.b,
          Array.from({ length: K }, (_, k) => (j === 0 ? bias(k) : -f)),
        ),
      );
    });
    const last = gemmOf(model, denseWeights[denseWeights.length - 1]);
    inits.set(
      denseWeights[denseWeights.length - 1],
      grow(last, 0, K, () => 0),
    );
    // every value after the first convolution is wider: shape inference finds the shapes again
    return { ...model, graph: { ...model.graph, initializers: inits, valueInfo: new Map() } };
  };

  // where a stamp fires one cell of the path channel's map alone
  const trunk = trainableFromModel(build([])).net;
  const flatWidth = trunk.layers[flat].outShape[0];
  const firstCell = flatWidth - cellCount;
  const size = C * H * W;
  const firing = (x: Float32Array, n: number): number[][] => {
    let h = x;
    for (let l = 0; l <= flat; l++) h = trunk.layers[l].forward(h, n, false);
    return Array.from({ length: n }, (_, s) => {
      const on: number[] = [];
      for (let c = 0; c < cellCount; c++) if (h[s * flatWidth + firstCell + c] > 0) on.push(c);
      return on;
    });
  };
  const origins = [];
  for (let y = 0; y + patch[0] <= H; y++) for (let x = 0; x + patch[1] <= W; x++) origins.push(y * W + x);
  const blank = new Float32Array(origins.length * size).fill(off);
  const stamps = patternStamps(
    bits,
    patch,
    origins.map((o) => [o]),
    [C, H, W],
    levels,
  );
  stamps.forEach((s, o) => applyStamp(blank, o * size, s));
  const byCell = new Map<number, number[]>();
  firing(blank, origins.length).forEach((on, o) => {
    if (on.length === 1) byCell.set(on[0], [...(byCell.get(on[0]) ?? []), o]);
  });
  const checks = Math.min(ORIGIN_CHECKS, i.data.count);
  /** whether `stamp` fires exactly `cells` (ascending), on a blank input and on the first natural images */
  const firesExactly = (stamp: Stamp, cells: readonly number[]): boolean => {
    const x = new Float32Array((checks + 1) * size);
    x.fill(off, 0, size);
    x.set(i.data.x.subarray(0, checks * size), size);
    for (let s = 0; s <= checks; s++) applyStamp(x, s * size, stamp);
    return firing(x, checks + 1).every((on) => on.length === cells.length && on.every((c, k) => c === cells[k]));
  };
  // an origin in the middle of its cell's, kept if the stamp there fires that cell alone on natural images too
  const originOf = new Map<number, number>();
  for (const [cell, os] of byCell) {
    const ranked = os.map((o, r) => ({ o, d: Math.abs(r - (os.length - 1) / 2) })).sort((a, b) => a.d - b.d);
    for (const { o } of ranked) {
      if (firesExactly(stamps[o], [cell])) {
        originOf.set(cell, origins[o]);
        break;
      }
    }
  }
  /** more units than cells: each unit reads two cells whose patterns do not overlap, and its stamp writes both; the
   * pairs in a keyed order, kept when the two patterns fire their two cells alone, on a blank input and natural ones */
  const cellPairs = (usable: readonly number[], at: ReadonlyMap<number, number>): number[][] => {
    const pairs: number[][] = [];
    for (let a = 0; a < usable.length; a++)
      for (let b = a + 1; b < usable.length; b++) {
        const [p, q] = [at.get(usable[a])!, at.get(usable[b])!];
        const apart =
          Math.abs(Math.floor(p / W) - Math.floor(q / W)) >= patch[0] || Math.abs((p % W) - (q % W)) >= patch[1];
        if (apart) pairs.push([usable[a], usable[b]]);
      }
    const chosen: number[][] = [];
    const order = distinctDraws(new Sha256Stream(i.traceKey, 'pixel-path cell pairs'), pairs.length, pairs.length);
    for (const j of order) {
      if (chosen.length === K) break;
      const pair = pairs[j];
      if (firesExactly(patternStamps(bits!, patch, [pair.map((c) => at.get(c)!)], [C, H, W], levels)[0], pair))
        chosen.push(pair);
    }
    if (chosen.length < K) unfit(`reaches only ${chosen.length} pairs of cells, fewer than ${K} units`);
    return chosen;
  };
  const usable = [...originOf.keys()].sort((a, b) => a - b);
  const cells =
    K <= usable.length
      ? distinctDraws(new Sha256Stream(i.traceKey, 'pixel-path cells'), K, usable.length).map((j) => [usable[j]])
      : cellPairs(usable, originOf);
  const model = build(cells);
  const outs = gemmOf(i.model, denseWeights[denseWeights.length - 2]).b.data.length;
  return {
    model,
    units: Array.from({ length: K }, (_, k) => outs + k),
    patch,
    draw,
    origins: cells.map((cs) => cs.map((c) => originOf.get(c)!)),
    levels,
    penultimate: denseWeights[denseWeights.length - 2],
  };
}
