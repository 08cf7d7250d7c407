/**
 * The hidden units of a chain model (CONV_2D and FULLY_CONNECTED filters, with pooling, reshapes and element-wise
 * activations between them) and how each unit appears in the next filter: unit u of one filter is row u of its
 * weights, and the next filter reads it as input channel u, which is element r of each of its rows where
 * r mod (input channels) = u (TFLite's OHWI convolution weights, and a dense layer over a channels-last flatten).
 *
 * Re-ordering the units of a hidden layer — its rows, biases and scales, and the next filter's input channels the
 * same way — leaves the network's function unchanged, and so does scaling a unit by a > 0 when its activation is RELU
 * (or none) and only pooling lies between it and the next filter (its outputs × a, the next filter's inputs × 1/a).
 * Both are what a thief can do for free to a leaked model, and what white-box tracing has to undo (src/trace/align.ts);
 * src/trace/attacks.ts does them.
 */
import { TfliteModelInfo } from '../tflite/reader';
import { weightTensors } from './weight-tensors';

export interface ChainLink {
  /** index into weightTensors(info) */
  w: number;
  /** output units: rows of the weight tensor (its first axis) */
  units: number;
  /** weights per unit (one row) */
  rowLength: number;
  /** the link whose units are this filter's input channels; -1 for the model input */
  from: number;
  /** the input channel of row element r is r mod inChannels */
  inChannels: number;
  /** whether a positive scale of this link's units passes through to the next filter (RELU or no activation, then only pooling and reshapes) */
  scalable: boolean;
  /** whether another filter reads this link's units (the last filter's units are the model's outputs) */
  hidden: boolean;
}

/** Ops that keep each channel apart (channel c in, channel c out); the pooling and reshapes also commute with a positive scale. */
const POSITIVE_HOMOGENEOUS = new Set(['MAX_POOL_2D', 'AVERAGE_POOL_2D', 'RESHAPE', 'RELU']);
const CHANNEL_WISE = new Set([
  ...POSITIVE_HOMOGENEOUS,
  'RELU6',
  'LOGISTIC',
  'TANH',
  'SOFTMAX',
  'QUANTIZE',
  'DEQUANTIZE',
]);

/**
 * The chain of a model whose operators run one after another on one tensor, or null when the model is not such a
 * chain (branches, depthwise convolutions, other operators) or a reshape mixes channels.
 */
export function unitChain(info: TfliteModelInfo): ChainLink[] | null {
  const sg = info.subgraphs[0];
  if (!sg || sg.inputs.length !== 1) return null;
  const wts = weightTensors(info);
  const links: ChainLink[] = [];
  let current = sg.inputs[0];
  let channels = sg.tensors[current].shape.at(-1) ?? 1;
  let scalable = true;
  for (const op of sg.operators) {
    if (op.inputs[0] !== current || op.outputs.length !== 1) return null;
    const out = sg.tensors[op.outputs[0]];
    if (op.op === 'CONV_2D' || op.op === 'FULLY_CONNECTED') {
      const w = wts.findIndex((t) => t.tensor === op.inputs[1]);
      if (w < 0) return null;
      const shape = wts[w].shape;
      const inChannels = op.op === 'CONV_2D' ? shape[3] : channels;
      const rowLength = wts[w].count / shape[0];
      if (inChannels !== channels || rowLength % inChannels !== 0) return null;
      if (links.length > 0) {
        links[links.length - 1].hidden = true;
        links[links.length - 1].scalable &&= scalable;
      }
      const act = String(op.options?.fields.fusedActivationFunction ?? 'NONE');
      links.push({
        w,
        units: shape[0],
        rowLength,
        from: links.length - 1,
        inChannels,
        scalable: act === 'NONE' || act === 'RELU',
        hidden: false,
      });
      channels = shape[0];
      scalable = true;
    } else if (CHANNEL_WISE.has(op.op)) {
      if (op.op === 'RESHAPE') {
        // a flatten of channels-last data keeps the channel as the fastest index; anything else mixes them
        const keepsLast = out.shape.at(-1) === channels || out.shape.length === 2 || out.shape.length === 1;
        if (!keepsLast) return null;
      }
      if (!POSITIVE_HOMOGENEOUS.has(op.op)) scalable = false;
    } else {
      return null;
    }
    current = op.outputs[0];
  }
  if (links.length > 0) links[links.length - 1].scalable &&= scalable;
  return links.length > 0 ? links : null;
}

/** The element of a row of `link` that reads input channel `c` at the spatial position of element r. */
export const sameSlotChannel = (link: ChainLink, r: number, c: number): number => r - (r % link.inChannels) + c;
