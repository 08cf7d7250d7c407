/**
 * A compiled chain model (CONV_2D, DEPTHWISE_CONV_2D, MAX_POOL_2D, AVERAGE_POOL_2D, MEAN over H and W,
 * FULLY_CONNECTED, RESHAPE; RELU and RELU6, fused or not; a trailing SOFTMAX, which the network stops before; residual
 * joins, an ADD of two branches from one tensor, src/trace/graph-items.ts; a float input's QUANTIZE and a float
 * output's DEQUANTIZE, compile --io float) as a float network of the trainer (src/train), with its
 * weights dequantised: what black-box tracing differentiates (the outputs' change per weight step,
 * src/trace/blackbox.ts) and what the tracing attacks fine-tune. `writeWeights` puts float weights back into the file
 * with fresh per-channel int8 scales (the int8 re-quantisation an attacker's converter does).
 */
import { Param } from '../train/layer';
import { LayerSpec, buildNetwork } from '../train/layers';
import { Sequential } from '../train/network';
import { TfliteModelInfo, TfliteOperatorInfo, TfliteTensorInfo, readTflite, tfliteScaleOffset } from '../tflite/reader';
import { GraphItem, graphItems, refuse as unsupported } from './graph-items';
import { weightTensors } from './weight-tensors';

export interface FloatBinding {
  /** index into weightTensors(info) */
  w: number;
  weight: Param;
  bias: Param;
  /** the trainer's index of tflite filter element i */
  toParam: (i: number) => number;
  outChannels: number;
}

export interface FloatNet {
  net: Sequential;
  /** the trainer's input shape [C, H, W] (or [n]) */
  inputShape: number[];
  /** the model's input shape without the batch (NHWC) */
  modelInputShape: number[];
  bindings: FloatBinding[];
  /** the model ends in a SOFTMAX: the network computes the logits before it, the model answers probabilities */
  softmax: boolean;
}

function constData(bytes: Uint8Array, info: TfliteModelInfo, t: TfliteTensorInfo): Float64Array {
  const b = info.buffers[t.buffer];
  const n = t.shape.reduce((a, c) => a * c, 1);
  if (!b || b.dataOffset === null) unsupported(`tensor ${t.index} has no data`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset + b.dataOffset, b.size);
  const out = new Float64Array(n);
  const q = t.quantization?.scale ?? [];
  const dim = t.quantization?.quantizedDimension ?? 0;
  const inner = t.shape.slice(dim + 1).reduce((a, c) => a * c, 1);
  const sc = (i: number) => (q.length > 1 ? q[Math.floor(i / inner) % t.shape[dim]] : (q[0] ?? 1));
  for (let i = 0; i < n; i++) {
    if (t.dtype === 'int8') out[i] = dv.getInt8(i) * sc(i);
    else if (t.dtype === 'float32') out[i] = dv.getFloat32(i * 4, true);
    else unsupported(`tensor ${t.index} is ${t.dtype}`);
  }
  return out;
}

/** The values of a constant int32 tensor (a PAD's paddings, a MEAN's axes), or null when it holds none. */
function int32Constant(bytes: Uint8Array, info: TfliteModelInfo, t: TfliteTensorInfo | undefined): number[] | null {
  const b = t && info.buffers[t.buffer];
  if (!t || !b || b.dataOffset === null || t.dtype !== 'int32') return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset + b.dataOffset, b.size);
  return Array.from({ length: b.size / 4 }, (_, k) => dv.getInt32(4 * k, true));
}

function samePads(inSize: number, k: number, s: number): [number, number] {
  const out = Math.ceil(inSize / s);
  const total = Math.max((out - 1) * s + k - inSize, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

const isOp = (item: GraphItem | undefined, op: string) => !!item && 'op' in item && item.op.op === op;

/** Builds the float network of a plain (unsealed) compiled model. */
export function floatNetFromTflite(bytes: Uint8Array): FloatNet {
  const info = readTflite(bytes);
  const sg = info.subgraphs[0];
  const wts = weightTensors(info);
  const input = sg.tensors[sg.inputs[0]];
  const modelInputShape = input.shape.slice(1);
  // current activation shape, NHWC without batch
  let shape = modelInputShape.slice();
  let specs: LayerSpec[] = [];
  const pending: Array<{ w: number; toParam: (i: number) => number; bias: Float64Array; outChannels: number }> = [];
  const weightValues: Float64Array[] = [];
  let flattenedFrom: number[] | null = shape.length === 3 ? null : shape;
  const act = (o: { options: { fields: Record<string, unknown> } | null }) => {
    const f = o.options?.fields.fusedActivationFunction ?? 'NONE';
    if (f === 'RELU') specs.push({ kind: 'relu' });
    else if (f === 'RELU6') specs.push({ kind: 'relu6' });
    else if (f !== 'NONE') unsupported(`fused activation ${String(f)}`);
  };
  const biasOf = (op: { inputs: number[] }, outC: number): Float64Array => {
    const bt = op.inputs[2] !== undefined && op.inputs[2] >= 0 ? sg.tensors[op.inputs[2]] : undefined;
    if (!bt) return new Float64Array(outC);
    const b = info.buffers[bt.buffer];
    const dv = new DataView(bytes.buffer, bytes.byteOffset + b.dataOffset!, b.size);
    const out = new Float64Array(outC);
    const inScale = sg.tensors[op.inputs[0]].quantization?.scale[0] ?? 1;
    const ws = sg.tensors[op.inputs[1]].quantization?.scale ?? [1];
    for (let c = 0; c < outC; c++)
      out[c] =
        bt.dtype === 'int32'
          ? dv.getInt32(c * 4, true) * inScale * ws[ws.length > 1 ? c : 0]
          : dv.getFloat32(c * 4, true);
    return out;
  };
  let softmax = false;
  // a PAD before a convolution (an ONNX Conv whose pads SAME cannot express): [top, bottom, left, right], added to
  // the next convolution's own
  let padded: [number, number, number, number] | null = null;
  const takePads = (pads: [number, number, number, number]): [number, number, number, number] => {
    const p = padded;
    padded = null;
    if (!p) return pads;
    if (pads.some((v) => v !== 0)) unsupported('a PAD before a convolution that pads again');
    return p;
  };
  /** a convolution's strides, pads (the trainer's order: top, left, bottom, right) and output size, from its options */
  const convWindow = (fields: Record<string, unknown>, KH: number, KW: number) => {
    const [H, W] = shape;
    const [sH, sW] = [Number(fields.strideH ?? 1), Number(fields.strideW ?? 1)];
    if (Number(fields.dilationHFactor ?? 1) !== 1 || Number(fields.dilationWFactor ?? 1) !== 1)
      unsupported('dilated convolution');
    const same = fields.padding === 'SAME';
    const [pt, pb, pl, pr] = takePads([
      ...(same ? samePads(H, KH, sH) : [0, 0]),
      ...(same ? samePads(W, KW, sW) : [0, 0]),
    ] as [number, number, number, number]);
    return {
      strides: [sH, sW] as [number, number],
      pads: [pt, pl, pb, pr] as [number, number, number, number],
      out: [Math.floor((H + pt + pb - KH) / sH) + 1, Math.floor((W + pl + pr - KW) / sW) + 1],
    };
  };
  const parseOp = (op: TfliteOperatorInfo, next: TfliteOperatorInfo | undefined, at: 'first' | 'last' | null) => {
    const fields = op.options?.fields ?? {};
    if (op.op === 'QUANTIZE' && at === 'first') {
      // a float input quantised (compile --io float): the network takes the floats, as the int8 input's scale reads them
    } else if (op.op === 'DEQUANTIZE' && at === 'last') {
      // float outputs: the network's are
    } else if (op.op === 'RELU' || op.op === 'RELU6') {
      specs.push({ kind: op.op === 'RELU' ? 'relu' : 'relu6' });
    } else if (op.op === 'SOFTMAX' && at === 'last' && shape.length === 1 && Number(fields.beta ?? 1) === 1) {
      // a trailing softmax (Keras' last Dense): the network stops at the logits
      softmax = true;
    } else if (op.op === 'CONV_2D') {
      if (shape.length !== 3) unsupported('a conv after a flatten');
      const t = sg.tensors[op.inputs[1]];
      const [O, KH, KW, I] = t.shape;
      const win = convWindow(fields, KH, KW);
      specs.push({ kind: 'conv2d', filters: O, kernel: [KH, KW], strides: win.strides, pads: win.pads, bias: true });
      const w = wts.findIndex((x) => x.tensor === op.inputs[1]);
      weightValues.push(constData(bytes, info, t));
      pending.push({
        w,
        outChannels: O,
        bias: biasOf(op, O),
        toParam: (i) => {
          const o = Math.floor(i / (KH * KW * I));
          let r = i % (KH * KW * I);
          const kh = Math.floor(r / (KW * I));
          r %= KW * I;
          const kw = Math.floor(r / I);
          const ci = r % I;
          return ((o * I + ci) * KH + kh) * KW + kw;
        },
      });
      act(op);
      shape = [...win.out, O];
    } else if (op.op === 'PAD') {
      // zeros (the zero point) around H and W, read by the next convolution as padding of its own
      const p = int32Constant(bytes, info, sg.tensors[op.inputs[1]]);
      if (!p || p.length !== 8 || shape.length !== 3 || padded) unsupported('a PAD the float network cannot read');
      if (next?.op !== 'CONV_2D' && next?.op !== 'DEPTHWISE_CONV_2D')
        unsupported('a PAD before anything but a convolution');
      if (p[0] || p[1] || p[6] || p[7] || p.some((v) => v < 0)) unsupported('a PAD of the batch or channel axes');
      padded = [p[2], p[3], p[4], p[5]];
    } else if (op.op === 'DEPTHWISE_CONV_2D') {
      // weights [1, KH, KW, C·M]: output channel o reads input channel floor(o / M), the trainer's conv with C groups
      if (shape.length !== 3) unsupported('a conv after a flatten');
      const t = sg.tensors[op.inputs[1]];
      const [, KH, KW, O] = t.shape;
      const C = shape[2];
      if (O !== C * Number(fields.depthMultiplier ?? 1)) unsupported('a depthwise convolution of another width');
      const win = convWindow(fields, KH, KW);
      const { strides, pads } = win;
      specs.push({ kind: 'conv2d', filters: O, kernel: [KH, KW], strides, pads, bias: true, group: C });
      weightValues.push(constData(bytes, info, t));
      pending.push({
        w: wts.findIndex((x) => x.tensor === op.inputs[1]),
        outChannels: O,
        bias: biasOf(op, O),
        toParam: (i) => {
          const o = i % O;
          const r = Math.floor(i / O);
          return (o * KH + Math.floor(r / KW)) * KW + (r % KW);
        },
      });
      act(op);
      shape = [...win.out, O];
    } else if (op.op === 'MEAN') {
      // a global average pool: the mean over both spatial axes
      const axes = int32Constant(bytes, info, sg.tensors[op.inputs[1]]) ?? [];
      if (shape.length !== 3 || axes.sort().join(',') !== '1,2') unsupported('a mean over other axes than H and W');
      specs.push({ kind: 'globalavgpool' });
      const C = shape[2];
      shape = fields.keepDims === true ? [1, 1, C] : [C];
      if (shape.length === 1) flattenedFrom = [1, 1, C];
    } else if (op.op === 'MAX_POOL_2D' || op.op === 'AVERAGE_POOL_2D') {
      // an average counts only the cells inside the input, in TFLite as in the trainer's pool
      const kH = Number(fields.filterHeight);
      const kW = Number(fields.filterWidth);
      const sH = Number(fields.strideH ?? 1);
      const sW = Number(fields.strideW ?? 1);
      const [H, W, C] = shape;
      const [pt, pb] = fields.padding === 'SAME' ? samePads(H, kH, sH) : [0, 0];
      const [pl, pr] = fields.padding === 'SAME' ? samePads(W, kW, sW) : [0, 0];
      const kind = op.op === 'MAX_POOL_2D' ? 'maxpool' : 'avgpool';
      specs.push({ kind, kernel: [kH, kW], strides: [sH, sW], pads: [pt, pl, pb, pr] });
      act(op);
      shape = [Math.floor((H + pt + pb - kH) / sH) + 1, Math.floor((W + pl + pr - kW) / sW) + 1, C];
    } else if (op.op === 'RESHAPE') {
      if (shape.length === 3) flattenedFrom = shape;
      shape = [shape.reduce((a, c) => a * c, 1)];
    } else if (op.op === 'FULLY_CONNECTED') {
      const t = sg.tensors[op.inputs[1]];
      const [O, In] = t.shape;
      let from: number[] | null = null;
      if (shape.length === 3) {
        from = shape;
        specs.push({ kind: 'flatten' });
      } else if (flattenedFrom && flattenedFrom.length === 3) {
        from = flattenedFrom;
      }
      flattenedFrom = null;
      const w = wts.findIndex((x) => x.tensor === op.inputs[1]);
      weightValues.push(constData(bytes, info, t));
      const [H, W, C] = from ?? [1, 1, In];
      pending.push({
        w,
        outChannels: O,
        bias: biasOf(op, O),
        toParam: (i) => {
          const o = Math.floor(i / In);
          const col = i % In;
          const h = Math.floor(col / (W * C));
          const wq = Math.floor((col % (W * C)) / C);
          const c = col % C;
          return o * In + (c * H + h) * W + wq;
        },
      });
      specs.push({ kind: 'dense', units: O });
      act(op);
      shape = [O];
    } else {
      unsupported(`operator ${op.op}`);
    }
  };
  /** a chain of items in order; a residual join parses each branch from the fork's shape, then adds them */
  const parseItems = (items: GraphItem[], top: boolean) => {
    // the last operator that computes: a float output's DEQUANTIZE follows it
    const final = items.length - (top && items.length > 1 && isOp(items[items.length - 1], 'DEQUANTIZE') ? 2 : 1);
    items.forEach((item, k) => {
      const next = items[k + 1];
      const at = !top ? null : k === 0 ? 'first' : k === final || k === items.length - 1 ? 'last' : null;
      if ('op' in item) return parseOp(item.op, next && 'op' in next ? next.op : undefined, at);
      if (shape.length !== 3 || padded) unsupported('a residual join after a flatten or a PAD');
      const start = shape;
      const outer = specs;
      const ends = item.branches.map((ops) => {
        specs = [];
        shape = start.slice();
        parseItems(
          ops.map((op) => ({ op })),
          false,
        );
        if (padded) unsupported('a PAD at the end of a residual branch');
        return { specs, shape };
      });
      specs = outer;
      if (ends[0].shape.join(',') !== ends[1].shape.join(','))
        unsupported(`residual branches of shapes [${ends[0].shape.join(',')}] and [${ends[1].shape.join(',')}]`);
      specs.push({ kind: 'residual', branches: [ends[0].specs, ends[1].specs] });
      act(item.add);
      shape = ends[0].shape;
    });
  };
  parseItems(graphItems(sg), true);
  const inputShape =
    modelInputShape.length === 3 ? [modelInputShape[2], modelInputShape[0], modelInputShape[1]] : modelInputShape;
  const net = buildNetwork(inputShape, specs, 1);
  const params = net.params;
  const bindings: FloatBinding[] = [];
  let p = 0;
  pending.forEach((pd, k) => {
    const weight = params[p++];
    const bias = params[p++];
    const vals = weightValues[k];
    for (let i = 0; i < vals.length; i++) weight.value[pd.toParam(i)] = vals[i];
    bias.value.set(Float32Array.from(pd.bias));
    bindings.push({ w: pd.w, weight, bias, toParam: pd.toParam, outChannels: pd.outChannels });
  });
  return { net, inputShape, modelInputShape, bindings, softmax };
}

/**
 * Whether a compiled model answers probabilities: its last operator is a SOFTMAX (the float network stops before it,
 * `softmax`), a float output's DEQUANTIZE aside. Reads the operator list only, for callers that need no network.
 */
export function endsInSoftmax(bytes: Uint8Array): boolean {
  const ops = readTflite(bytes).subgraphs[0].operators.filter((o) => o.op !== 'DEQUANTIZE');
  return ops[ops.length - 1]?.op === 'SOFTMAX';
}

/** NHWC model-layout samples → the trainer's NCHW layout. */
export function toNetLayout(x: Float32Array, count: number, modelShape: number[]): Float32Array {
  if (modelShape.length !== 3) return x;
  const [H, W, C] = modelShape;
  const out = new Float32Array(x.length);
  const n = H * W * C;
  for (let s = 0; s < count; s++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++)
        for (let c = 0; c < C; c++) out[s * n + (c * H + h) * W + w] = x[s * n + (h * W + w) * C + c];
  return out;
}

/**
 * Writes the network's weights and biases into a copy of `bytes` (int8 filters, int32 biases), with fresh
 * per-channel weight scales max|w|/127; activation scales are kept. The scales are written where the flatbuffer
 * says each tensor's are; where the file shares one vector between tensors (identical filters, written once), they
 * get one scale per channel, and a vector that would need two different contents is refused (E_TRACE_MODEL) instead
 * of giving one tensor the other's scales (before 2026-12-07, two identity layers a thief added after neighbouring
 * filters read each other's scales once re-scaled, and the copy's scores moved by 47% rms).
 */
export function writeWeights(bytes: Uint8Array, fn: FloatNet): Uint8Array {
  const out = new Uint8Array(bytes);
  const info = readTflite(out);
  const sg = info.subgraphs[0];
  const wts = weightTensors(info);
  const plans = fn.bindings.map((b) => {
    const wt = wts[b.w];
    const t = sg.tensors[wt.tensor];
    const op = sg.operators.find((o) => o.inputs[1] === wt.tensor)!;
    if (t.dtype !== 'int8' || !t.quantization || t.quantization.scale.length !== b.outChannels)
      unsupported('re-quantisation needs per-channel int8 filters');
    // each output channel's largest weight (the quantised dimension: the first for CONV_2D and FULLY_CONNECTED, the
    // last for DEPTHWISE_CONV_2D)
    const largest = new Float64Array(b.outChannels);
    for (let i = 0; i < wt.count; i++)
      largest[wt.channelOf(i)] = Math.max(largest[wt.channelOf(i)], Math.abs(b.weight.value[b.toParam(i)]));
    return { b, wt, t, op, scales: Array.from(largest, (m) => (m > 0 ? m / 127 : 1)) };
  });
  // filters whose scale vectors the file shares (src/tflite/builder.ts writes identical vectors once: two identity
  // layers a thief added, for one) take one scale per channel, the larger, so that neither saturates
  const at = (t: TfliteTensorInfo) => tfliteScaleOffset(out, t.index);
  const byVector = new Map<number | null, typeof plans>();
  for (const p of plans) {
    const offset = at(p.t);
    byVector.set(offset, [...(byVector.get(offset) ?? []), p]);
  }
  for (const [offset, group] of byVector)
    if (offset !== null && group.length > 1) {
      const common = group[0].scales.map((_, c) => Math.max(...group.map((p) => p.scales[c])));
      for (const p of group) p.scales = common;
    }
  const writes = new Map<number, { values: number[]; tensors: number[] }>();
  const plan = (t: TfliteTensorInfo, values: number[]) => {
    const offset = at(t);
    if (offset === null || values.length !== t.quantization!.scale.length)
      unsupported(`tensor ${t.index} has no scale vector of ${values.length} scales`);
    const f32 = Array.from(Float32Array.from(values));
    const known = writes.get(offset);
    if (known && known.values.some((v, i) => v !== f32[i]))
      unsupported(
        `tensors ${known.tensors.join(', ')} and ${t.index} share one scale vector but need different scales`,
      );
    writes.set(offset, { values: f32, tensors: [...(known?.tensors ?? []), t.index] });
  };
  for (const { b, wt, t, op, scales } of plans) {
    const v = new Int8Array(out.buffer, out.byteOffset + wt.at, wt.count);
    for (let i = 0; i < wt.count; i++)
      v[i] = Math.max(-127, Math.min(127, Math.round(b.weight.value[b.toParam(i)] / scales[wt.channelOf(i)])));
    plan(t, scales);
    const bt = sg.tensors[op.inputs[2]];
    const inScale = sg.tensors[op.inputs[0]].quantization!.scale[0];
    const bb = info.buffers[bt.buffer];
    const dv = new DataView(out.buffer, out.byteOffset + bb.dataOffset!, bb.size);
    for (let c = 0; c < b.outChannels; c++)
      dv.setInt32(c * 4, Math.round(b.bias.value[c] / (inScale * scales[c])), true);
    plan(
      bt,
      scales.map((s) => s * inScale),
    );
  }
  // a vector some other tensor also reads (an activation's single scale, say) may only be written with what it holds
  sg.tensors.forEach((t) => {
    const offset = at(t);
    const w = offset === null ? undefined : writes.get(offset);
    if (w && !w.tensors.includes(t.index) && t.quantization!.scale.some((v, i) => Math.fround(v) !== w.values[i]))
      unsupported(`tensor ${t.index} shares its scale vector with tensor ${w.tensors[0]}, whose scales change`);
  });
  for (const [offset, { values }] of writes) {
    const view = new DataView(out.buffer, out.byteOffset + offset, 4 * values.length);
    values.forEach((s, i) => view.setFloat32(4 * i, s, true));
  }
  return out;
}
