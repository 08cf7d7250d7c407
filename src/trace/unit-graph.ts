/**
 * The hidden units of a model and how they connect, for the free symmetries a thief can apply to a leaked copy
 * (src/trace/attacks.ts does them) and white-box tracing has to undo (src/trace/align.ts).
 *
 * A *space* is a set of channels that must move together: the output channels of a filter (CONV_2D,
 * DEPTHWISE_CONV_2D, FULLY_CONNECTED), carried through operators that keep each channel apart (activations, pooling,
 * padding, a global mean, a channels-last flatten), and joined with another space by an ADD (a residual join: both
 * inputs and the output are one space, so the shortcut's channels and the branch's are the same ones). The model's
 * input and output are *pinned* spaces: their channels cannot move. Each filter is a *link* from the space its input
 * lies in to the space of its output: unit u of the link is row u of its weights (TFLite's OHWI convolution and
 * dense weights: element u·R + r, whose input channel is r mod (input channels), a dense layer over a channels-last
 * flatten reading channel c at every column ≡ c), or for a depthwise convolution ([1, kh, kw, C], multiplier 1)
 * channel u, whose weights are elements r·C + u and whose input channel is u itself — so a depthwise output's
 * channels stay in the order of its input's (the space *follows* that one).
 *
 * Re-ordering the channels of a space that is not pinned — the rows, biases and scales of every filter writing it,
 * and the input channels of every filter reading it, all the same way — leaves the network's function unchanged.
 * So does scaling each channel by a > 0 when every operator writing the space is positively homogeneous (a filter
 * whose fused activation is RELU or none, an ADD likewise, pooling, padding with zeros, a mean, a reshape): its
 * writers' rows × a, its readers' input channels × 1/a.
 */
import { TfliteModelInfo, TfliteOperatorInfo } from '../tflite/reader';
import { weightTensors } from './weight-tensors';

export interface UnitSpace {
  /** channels */
  units: number;
  /** the model's input or output channels, which cannot move or scale */
  pinned: boolean;
  /** whether a positive scale of its channels passes through to the filters that read them */
  scalable: boolean;
  /** a depthwise convolution's output: its channels are in the order of this space's (-1: its own order) */
  follows: number;
}

export interface UnitLink {
  /** index into weightTensors(info) */
  w: number;
  /** output units (spaces[to].units) */
  units: number;
  /** weights per unit */
  rowLength: number;
  /** the space of the filter's input channels */
  from: number;
  /** the space of its output units */
  to: number;
  /** the input channel of row element r is r mod inChannels (1 for a depthwise convolution: unit u reads channel u) */
  inChannels: number;
  depthwise: boolean;
  /** in a leaked graph with layers added (src/trace/added-layers.ts): the added filters it reads `from` through */
  through?: UnitLink[];
}

export interface UnitGraph {
  /** in order of first appearance; 0 is the model's input */
  spaces: UnitSpace[];
  /** in operator order */
  links: UnitLink[];
}

/** The element of the weight tensor of `link` at row element r of unit u. */
export const elementOf = (link: UnitLink, u: number, r: number): number =>
  link.depthwise ? r * link.units + u : u * link.rowLength + r;

/** The element of a row of `link` that reads input channel `c` at the spatial position of row element r. */
export const sameSlotChannel = (link: UnitLink, r: number, c: number): number => r - (r % link.inChannels) + c;

/** Operators that keep each channel apart and commute with a positive scale of it. */
const POSITIVE_HOMOGENEOUS = new Set(['MAX_POOL_2D', 'AVERAGE_POOL_2D', 'RESHAPE', 'RELU', 'PAD', 'MEAN']);
/** Operators that keep each channel apart (channel c in, channel c out) or treat every channel alike. */
const CHANNEL_WISE = new Set([
  ...POSITIVE_HOMOGENEOUS,
  'RELU6',
  'LOGISTIC',
  'TANH',
  'SOFTMAX',
  'QUANTIZE',
  'DEQUANTIZE',
]);
const FILTERS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']);

const homogeneousActivation = (op: TfliteOperatorInfo) => {
  const act = String(op.options?.fields.fusedActivationFunction ?? 'NONE');
  return act === 'NONE' || act === 'RELU';
};

/**
 * The unit graph of a model of one input and one output built from filters, channel-wise operators and ADDs of two
 * activations of one shape, or null for anything else (another operator, an ADD of a constant, a depthwise
 * multiplier above 1, a reshape that mixes channels, a space written by filters of different widths, a depthwise
 * output joined with another filter's).
 */
export function unitGraph(info: TfliteModelInfo): UnitGraph | null {
  const sg = info.subgraphs[0];
  if (!sg || sg.inputs.length !== 1 || sg.outputs.length !== 1) return null;
  const wts = weightTensors(info);
  const parent = new Map<number, number>();
  const find = (t: number): number => {
    let r = t;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(t, r);
    return r;
  };
  const union = (a: number, b: number) => parent.set(find(b), find(a));
  /** tensors written by an operator that does not commute with a positive scale */
  const fixedScale = new Set<number>();
  /** the channels of each activation tensor's space (a flatten's output keeps its input's) */
  const channels = new Map<number, number>([[sg.inputs[0], sg.tensors[sg.inputs[0]].shape.at(-1) ?? 1]]);
  const filters: { op: TfliteOperatorInfo; w: number; inChannels: number; units: number; depthwise: boolean }[] = [];
  for (const op of sg.operators) {
    if (op.outputs.length !== 1) return null;
    const input = op.inputs[0];
    const out = op.outputs[0];
    const c = channels.get(input);
    if (c === undefined) return null; // reads a constant, or a tensor no operator wrote before
    const outShape = sg.tensors[out].shape;
    if (FILTERS.has(op.op)) {
      const w = wts.findIndex((t) => t.tensor === op.inputs[1]);
      if (w < 0) return null;
      const shape = wts[w].shape;
      const depthwise = op.op === 'DEPTHWISE_CONV_2D';
      const units = depthwise ? shape[shape.length - 1] : shape[0];
      const inChannels = op.op === 'CONV_2D' ? shape[3] : depthwise ? 1 : c;
      const rowLength = wts[w].count / units;
      if (depthwise ? units !== c : inChannels !== c || rowLength % inChannels !== 0) return null;
      if (!homogeneousActivation(op)) fixedScale.add(out);
      channels.set(out, units);
      filters.push({ op, w, inChannels, units, depthwise });
    } else if (op.op === 'ADD') {
      const other = op.inputs[1];
      if (channels.get(other) !== c) return null;
      const [sa, sb] = [sg.tensors[input].shape, sg.tensors[other].shape];
      if (sa.length !== sb.length || sa.some((d, i) => d !== sb[i])) return null;
      if (!homogeneousActivation(op)) fixedScale.add(out);
      union(input, other);
      union(input, out);
      channels.set(out, c);
    } else if (CHANNEL_WISE.has(op.op)) {
      // a flatten of channels-last data keeps the channel as the fastest index; other reshapes may mix them, and
      // a pad or mean must leave the channel axis alone
      const keepsLast = outShape.at(-1) === c || (op.op === 'RESHAPE' && outShape.length <= 2);
      if (!keepsLast) return null;
      if (!POSITIVE_HOMOGENEOUS.has(op.op)) fixedScale.add(out);
      union(input, out);
      channels.set(out, c);
    } else {
      return null;
    }
  }
  if (!channels.has(sg.outputs[0])) return null;
  // spaces numbered by first appearance: the input, then each filter's output in operator order
  const index = new Map<number, number>();
  const spaces: UnitSpace[] = [];
  const spaceOf = (t: number, units: number): number => {
    const root = find(t);
    if (!index.has(root)) {
      index.set(root, spaces.length);
      spaces.push({ units, pinned: false, scalable: true, follows: -1 });
    }
    return index.get(root)!;
  };
  spaceOf(sg.inputs[0], channels.get(sg.inputs[0])!);
  const links: UnitLink[] = [];
  for (const f of filters) {
    const from = spaceOf(f.op.inputs[0], channels.get(f.op.inputs[0])!);
    const to = spaceOf(f.op.outputs[0], f.units);
    if (spaces[to].units !== f.units) return null;
    links.push({
      w: f.w,
      units: f.units,
      rowLength: wts[f.w].count / f.units,
      from,
      to,
      inChannels: f.inChannels,
      depthwise: f.depthwise,
    });
  }
  if (links.length === 0) return null;
  spaces[0].pinned = true;
  spaces[spaceOf(sg.outputs[0], channels.get(sg.outputs[0])!)].pinned = true;
  for (const t of fixedScale) spaces[spaceOf(t, channels.get(t)!)].scalable = false;
  for (const s of spaces) s.scalable &&= !s.pinned;
  // a depthwise output follows its input's order, and no other filter may write that space
  for (const l of links) {
    if (!l.depthwise) continue;
    const writers = links.filter((k) => k.to === l.to);
    if (writers.length !== 1 || l.from === l.to) return null;
    spaces[l.to].follows = l.from;
  }
  return { spaces, links };
}

/** The links that write space s. */
export const writersOf = (g: UnitGraph, s: number): UnitLink[] => g.links.filter((l) => l.to === s);
