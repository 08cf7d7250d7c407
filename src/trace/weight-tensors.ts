/**
 * The int8 filter tensors a trace code can live in (CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED weights), and a
 * set of carrier positions in them: the data every trace module shares (carrier choice, embedding, the float
 * network used for black-box estimation, white-box decoding), below all of them.
 */
import { TfliteModelInfo, TfliteTensorInfo } from '../tflite/reader';

const FILTER_OPS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']);

export interface WeightTensor {
  /** tensor index in subgraph 0 */
  tensor: number;
  op: string;
  shape: number[];
  /** byte offset of the data in the file */
  at: number;
  count: number;
  /** per-element scale index: the quantised dimension's channel of each element */
  channelOf: (i: number) => number;
  scales: number[];
}

function channelIndexer(t: TfliteTensorInfo): (i: number) => number {
  const q = t.quantization;
  if (!q || q.scale.length <= 1) return () => 0;
  const dim = q.quantizedDimension;
  const inner = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
  const n = t.shape[dim];
  return (i) => Math.floor(i / inner) % n;
}

/** The filter tensors of a model, in operator order (float32 or int8), with where their data is. */
export function weightTensors(info: TfliteModelInfo): WeightTensor[] {
  const sg = info.subgraphs[0];
  if (!sg) return [];
  const out: WeightTensor[] = [];
  const seen = new Set<number>();
  for (const op of sg.operators) {
    if (!FILTER_OPS.has(op.op)) continue;
    const ti = op.inputs[1];
    const t = sg.tensors[ti];
    if (!t || seen.has(ti)) continue;
    const b = info.buffers[t.buffer];
    if (!b || b.dataOffset === null || b.size === 0) continue;
    seen.add(ti);
    const count = t.shape.reduce((a, c) => a * c, 1);
    out.push({
      tensor: ti,
      op: op.op,
      shape: t.shape,
      at: b.dataOffset,
      count,
      channelOf: channelIndexer(t),
      scales: t.quantization?.scale ?? [],
    });
  }
  return out;
}

/** The quantisation scale of element i of a weight tensor (its channel's, or the tensor's one scale). */
export const scaleOf = (t: WeightTensor, i: number): number => t.scales[t.scales.length === 1 ? 0 : t.channelOf(i)];

export interface Carrier {
  /** index into the weight tensor list */
  w: number;
  /** element index inside that tensor */
  i: number;
}

export interface CarrierSet {
  tensors: WeightTensor[];
  carriers: Carrier[];
  /** each carrier's code amplitude in quantisation steps (absent: 1 step everywhere) */
  amplitude?: Uint8Array;
}
