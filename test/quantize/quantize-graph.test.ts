/**
 * quantizeGraph on hand-built float TflGraphs: every rule of the int8 spec is checked on the
 * graph and, after serialisation, on the flatbuffer as src/tflite/reader.ts reads it back; the
 * official TFLite runtime must accept both I/O modes.
 */
import { quantizeGraph } from '../../src/compiler/quantize';
import { serialize } from '../../src/compiler/serialize';
import { TflGraph, TflOp, addTensor, emptyGraph } from '../../src/compiler/tfl-graph';
import { EdgelockError } from '../../src/errors';
import { readTflite } from '../../src/tflite/reader';
import { TfliteOracle } from '../../src/tflite/oracle';
import { rng } from '../helpers/rng';

const rand = (n: number, scale: number, r: () => number) =>
  Float32Array.from({ length: n }, () => (r() - 0.5) * 2 * scale);

/** x[1,6,6,2] → CONV_2D 3×3 (RELU) → DEPTHWISE 3×3 (RELU6) → MAX_POOL 2×2 → RESHAPE → FC → SOFTMAX, plus ADD/MAXIMUM with constants. */
function floatGraph(): TflGraph {
  const r = rng(3);
  const g = emptyGraph();
  const x = addTensor(g, { name: 'x', shape: [1, 6, 6, 2], dtype: 'float32', source: 'x' });
  const w1 = addTensor(g, {
    name: 'w1',
    shape: [4, 3, 3, 2],
    dtype: 'float32',
    data: rand(72, 0.5, r),
    role: 'conv-weight',
  });
  const b1 = addTensor(g, { name: 'b1', shape: [4], dtype: 'float32', data: rand(4, 0.2, r), role: 'bias' });
  const c1 = addTensor(g, { name: 'c1', shape: [1, 4, 4, 4], dtype: 'float32', source: 'relu1' });
  const w2 = addTensor(g, {
    name: 'w2',
    shape: [1, 3, 3, 4],
    dtype: 'float32',
    data: rand(36, 0.5, r),
    role: 'depthwise-weight',
  });
  const b2 = addTensor(g, { name: 'b2', shape: [4], dtype: 'float32', data: rand(4, 0.2, r), role: 'bias' });
  const c2 = addTensor(g, { name: 'c2', shape: [1, 4, 4, 4], dtype: 'float32', source: 'clip2' });
  const k = addTensor(g, {
    name: 'k',
    shape: [4],
    dtype: 'float32',
    data: Float32Array.from([0.5, -0.25, 1, 0]),
    role: 'const-operand',
  });
  const a = addTensor(g, { name: 'a', shape: [1, 4, 4, 4], dtype: 'float32', source: 'add' });
  const zero = addTensor(g, {
    name: 'zero',
    shape: [],
    dtype: 'float32',
    data: Float32Array.from([0]),
    role: 'const-operand',
  });
  const m = addTensor(g, { name: 'm', shape: [1, 4, 4, 4], dtype: 'float32', source: 'max' });
  const p = addTensor(g, { name: 'p', shape: [1, 2, 2, 4], dtype: 'float32', source: 'pool' });
  const shape = addTensor(g, {
    name: 'shape',
    shape: [2],
    dtype: 'int32',
    data: Int32Array.from([1, 16]),
    role: 'shape',
  });
  const f = addTensor(g, { name: 'f', shape: [1, 16], dtype: 'float32', source: 'flat' });
  const w3 = addTensor(g, { name: 'w3', shape: [5, 16], dtype: 'float32', data: rand(80, 0.5, r), role: 'fc-weight' });
  const b3 = addTensor(g, { name: 'b3', shape: [5], dtype: 'float32', data: rand(5, 0.2, r), role: 'bias' });
  const l = addTensor(g, { name: 'l', shape: [1, 5], dtype: 'float32', source: 'logits' });
  const y = addTensor(g, { name: 'y', shape: [1, 5], dtype: 'float32', source: 'probs' });
  const op = (o: Omit<TflOp, 'onnxNode'>, node: string) => g.ops.push({ ...o, onnxNode: node });
  op(
    {
      op: 'CONV_2D',
      inputs: [x, w1, b1],
      outputs: [c1],
      options: {
        kind: 'Conv2D',
        padding: 'VALID',
        strideW: 1,
        strideH: 1,
        dilationW: 1,
        dilationH: 1,
        fusedActivation: 'RELU',
      },
    },
    'conv1',
  );
  op(
    {
      op: 'DEPTHWISE_CONV_2D',
      inputs: [c1, w2, b2],
      outputs: [c2],
      options: {
        kind: 'DepthwiseConv2D',
        padding: 'SAME',
        strideW: 1,
        strideH: 1,
        depthMultiplier: 1,
        dilationW: 1,
        dilationH: 1,
        fusedActivation: 'RELU6',
      },
    },
    'dw2',
  );
  op({ op: 'ADD', inputs: [c2, k], outputs: [a], options: { kind: 'Add', fusedActivation: 'NONE' } }, 'add');
  op({ op: 'MAXIMUM', inputs: [a, zero], outputs: [m], options: { kind: 'MaximumMinimum' } }, 'max');
  op(
    {
      op: 'MAX_POOL_2D',
      inputs: [m],
      outputs: [p],
      options: {
        kind: 'Pool2D',
        padding: 'VALID',
        strideW: 2,
        strideH: 2,
        filterW: 2,
        filterH: 2,
        fusedActivation: 'NONE',
      },
    },
    'pool',
  );
  op({ op: 'RESHAPE', inputs: [p, shape], outputs: [f], options: { kind: 'Reshape', newShape: [1, 16] } }, 'flat');
  op(
    {
      op: 'FULLY_CONNECTED',
      inputs: [f, w3, b3],
      outputs: [l],
      options: { kind: 'FullyConnected', fusedActivation: 'NONE', keepNumDims: false },
    },
    'fc',
  );
  op({ op: 'SOFTMAX', inputs: [l], outputs: [y], options: { kind: 'Softmax', beta: 1 } }, 'softmax');
  g.inputs = [x];
  g.outputs = [y];
  g.inputLayouts = ['nhwc'];
  return g;
}

const RANGES = new Map(
  Object.entries({
    x: { min: -1, max: 1 },
    relu1: { min: -0.3, max: 2.5 }, // a pre-activation minimum: the fused RELU folds it to 0
    clip2: { min: 0, max: 9 }, // beyond the fused RELU6: folded to 6
    add: { min: -0.25, max: 7 },
    max: { min: 0, max: 7 },
    pool: { min: 0, max: 6.5 },
    flat: { min: 0, max: 6.5 },
    logits: { min: -4, max: 5 },
    probs: { min: 0, max: 1 },
  }),
);

const byName = (g: TflGraph, name: string) => g.tensors.find((t) => t.name === name)!;

describe('quantizeGraph', () => {
  const q = quantizeGraph(floatGraph(), RANGES, { io: 'int8' });

  test('weights: int8 symmetric per output channel on the TFLite axis, zp 0', () => {
    for (const [name, axis, channels] of [
      ['w1', 0, 4],
      ['w2', 3, 4],
      ['w3', 0, 5],
    ] as const) {
      const t = byName(q, name);
      expect(t.dtype).toBe('int8');
      expect(t.quant!.axis).toBe(axis);
      expect(t.quant!.scale).toHaveLength(channels);
      expect(t.quant!.zeroPoint).toEqual(new Array(channels).fill(0));
      expect(Math.min(...(t.data as Int8Array))).toBeGreaterThanOrEqual(-127);
    }
  });

  test('bias: int32, scale = input scale × weight scale[c], zp 0', () => {
    for (const [bias, weight, input] of [
      ['b1', 'w1', 'x'],
      ['b2', 'w2', 'c1'],
      ['b3', 'w3', 'f'],
    ]) {
      const b = byName(q, bias);
      const w = byName(q, weight);
      const inScale = byName(q, input).quant!.scale[0];
      expect(b.dtype).toBe('int32');
      expect(b.quant!.scale).toEqual(w.quant!.scale.map((s) => Math.fround(inScale * s)));
      expect(b.quant!.zeroPoint.every((z) => z === 0)).toBe(true);
    }
  });

  test('fused activations fold into ranges; softmax output is 1/256, −128', () => {
    expect(byName(q, 'c1').quant).toEqual({ scale: [Math.fround(2.5 / 255)], zeroPoint: [-128] });
    expect(byName(q, 'c2').quant).toEqual({ scale: [Math.fround(6 / 255)], zeroPoint: [-128] });
    expect(byName(q, 'y').quant).toEqual({ scale: [1 / 256], zeroPoint: [-128] });
  });

  test('MAXIMUM, MAX_POOL_2D and RESHAPE share one parameter set (the union of their ranges)', () => {
    const shared = ['a', 'm', 'p', 'f'].map((n) => byName(q, n).quant);
    for (const s of shared) expect(s).toEqual(shared[0]);
    // union of add [-0.25, 7], max [0, 7], pool [0, 6.5], flat [0, 6.5]
    expect(shared[0]!.scale[0]).toBe(Math.fround(7.25 / 255));
    // the MAXIMUM's constant 0 takes those parameters: it encodes as the zero point
    expect(byName(q, 'zero').quant).toEqual(shared[0]);
    expect(Array.from(byName(q, 'zero').data as Int8Array)).toEqual([shared[0]!.zeroPoint[0]]);
  });

  test('the ADD constant is int8 per tensor from its own values; shape operands stay int32', () => {
    const k = byName(q, 'k');
    expect(k.dtype).toBe('int8');
    expect(k.quant!.scale).toEqual([Math.fround(1.25 / 255)]);
    expect(byName(q, 'shape').dtype).toBe('int32');
    expect(byName(q, 'shape').quant).toBeUndefined();
  });

  test('does not modify its input', () => {
    const g = floatGraph();
    const before = JSON.stringify(g, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v));
    quantizeGraph(g, RANGES, { io: 'float' });
    expect(JSON.stringify(g, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v))).toBe(before);
  });

  test('io float: QUANTIZE after the input, DEQUANTIZE before the output, float32 names kept', () => {
    const f = quantizeGraph(floatGraph(), RANGES, { io: 'float' });
    expect(f.ops[0].op).toBe('QUANTIZE');
    expect(f.ops[f.ops.length - 1].op).toBe('DEQUANTIZE');
    expect(f.tensors[f.inputs[0]]).toMatchObject({ name: 'x', dtype: 'float32' });
    expect(f.tensors[f.outputs[0]]).toMatchObject({ name: 'y', dtype: 'float32' });
    expect(f.tensors[f.ops[0].outputs[0]]).toMatchObject({ name: 'x_int8', dtype: 'int8' });
  });

  test('errors: missing range, op without an int8 kernel, fused TANH', () => {
    const missing = new Map(RANGES);
    missing.delete('logits');
    expect(() => quantizeGraph(floatGraph(), missing, { io: 'int8' })).toThrow(
      expect.objectContaining({ code: 'E_QUANT_RANGE' }),
    );
    const div = floatGraph();
    div.ops[2] = { ...div.ops[2], op: 'DIV', options: { kind: 'Div', fusedActivation: 'NONE' } };
    expect(() => quantizeGraph(div, RANGES, { io: 'int8' })).toThrow(
      expect.objectContaining({ code: 'E_TFLITE_UNSUPPORTED', location: { node: 'add', op: 'DIV' } }),
    );
    const tanh = floatGraph();
    tanh.ops[2] = { ...tanh.ops[2], options: { kind: 'Add', fusedActivation: 'TANH' } };
    expect(() => quantizeGraph(tanh, RANGES, { io: 'int8' })).toThrow(EdgelockError);
  });

  test('the flatbuffer carries the parameters; the TFLite runtime runs both I/O modes and they agree within one step', async () => {
    const int8Bytes = serialize(q);
    const floatBytes = serialize(quantizeGraph(floatGraph(), RANGES, { io: 'float' }));
    const info = readTflite(int8Bytes);
    const sg = info.subgraphs[0];
    // the file keeps the graph's tensor indices (internal tensors are written without names)
    const w1 = sg.tensors[q.tensors.indexOf(byName(q, 'w1'))];
    expect(w1.dtype).toBe('int8');
    expect(w1.quantization!.quantizedDimension).toBe(0);
    const b3 = sg.tensors[q.tensors.indexOf(byName(q, 'b3'))];
    expect(b3.dtype).toBe('int32');
    const inT = sg.tensors[sg.inputs[0]];
    const outT = sg.tensors[sg.outputs[0]];
    expect(inT.dtype).toBe('int8');
    const [sIn, zIn] = [inT.quantization!.scale[0], Number(inT.quantization!.zeroPoint[0])];
    const [sOut, zOut] = [outT.quantization!.scale[0], Number(outT.quantization!.zeroPoint[0])];

    const i8 = await TfliteOracle.load(int8Bytes);
    const f32 = await TfliteOracle.load(floatBytes);
    try {
      const r = rng(9);
      for (let s = 0; s < 20; s++) {
        const x = rand(72, 1, r);
        const xq = Int32Array.from(x, (v) => Math.max(-128, Math.min(127, Math.round(v / sIn) + zIn)));
        const [yq] = i8.run([{ data: xq, shape: [1, 6, 6, 2] }]);
        const [yf] = f32.run([{ data: x, shape: [1, 6, 6, 2] }]);
        for (let i = 0; i < 5; i++) {
          expect(Math.abs((yq.data[i] - zOut) * sOut - yf.data[i])).toBeLessThanOrEqual(sOut + 1e-6);
        }
      }
    } finally {
      i8.dispose();
      f32.dispose();
    }
  });
});
