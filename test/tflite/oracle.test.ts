/**
 * Models built with builder.ts, run by the official TFLite runtime (the oracle), compared with
 * arithmetic computed here from the op definitions. int8 references use a float requantisation
 * multiplier with round-half-away-from-zero; TFLite's kernels use a fixed-point multiplier, so
 * int8 outputs may differ by one quantisation step (tolerance 1).
 */
import { TfliteBuilder, options } from '../../src/tflite/builder';
import {
  AddOptionsT,
  Conv2DOptionsT,
  FullyConnectedOptionsT,
  ReshapeOptionsT,
  SoftmaxOptionsT,
  ReducerOptionsT,
  ActivationFunctionType,
  Padding,
  TensorType,
} from '../../src/tflite/generated';
import { TFLITE_OPS } from '../../src/tflite/builtins';
import { TfliteOracle, runTflite } from '../../src/tflite/oracle';
import { EdgelockError } from '../../src/errors';
import {
  rng,
  uniform,
  randInt,
  roundHalfAway,
  clampInt8,
  quantize,
  maxAbsDiff,
  conv2dAccumulate,
  Conv2DParams,
} from './helpers';

const F = TensorType.FLOAT32;
const I8 = TensorType.INT8;
const I32 = TensorType.INT32;

describe('float models match hand-computed results', () => {
  test('FULLY_CONNECTED with fused RELU', async () => {
    const r = rng(1);
    const [inN, outN] = [7, 5];
    const w = uniform(outN * inN, -1, 1, r);
    const bias = uniform(outN, -0.5, 0.5, r);
    const b = new TfliteBuilder();
    const x = b.addTensor({ name: 'x', shape: [1, inN], dtype: 'float32' });
    const wt = b.addConstTensor({ name: 'w', shape: [outN, inN], dtype: 'float32', data: w });
    const bt = b.addConstTensor({ name: 'b', shape: [outN], dtype: 'float32', data: bias });
    const y = b.addTensor({ name: 'y', shape: [1, outN], dtype: 'float32' });
    const version = TFLITE_OPS.FULLY_CONNECTED.version({ inputTypes: [F, F, F], outputTypes: [F] });
    expect(version).toBe(1);
    b.addOperator({
      op: 'FULLY_CONNECTED',
      version,
      inputs: [x, wt, bt],
      outputs: [y],
      options: options(FullyConnectedOptionsT, { fusedActivationFunction: ActivationFunctionType.RELU }),
    });
    b.setInputs([x]).setOutputs([y]);
    const input = uniform(inN, -2, 2, r);
    const [out] = await runTflite(b.finish(), [{ data: input, shape: [1, inN] }]);
    const expected = Array.from({ length: outN }, (_, o) => {
      let s = bias[o];
      for (let i = 0; i < inN; i++) s += w[o * inN + i] * input[i];
      return Math.max(0, s);
    });
    expect(out.shape).toEqual([1, outN]);
    expect(out.dtype).toBe('float32');
    expect(maxAbsDiff(out.data, expected)).toBeLessThan(1e-5);
  });

  test('CONV_2D SAME stride 2 with RELU6, then RESHAPE', async () => {
    const r = rng(2);
    const p: Conv2DParams = { inH: 7, inW: 6, inC: 3, outC: 4, kH: 3, kW: 3, strideH: 2, strideW: 2, padding: 'SAME' };
    const filter = uniform(p.outC * p.kH * p.kW * p.inC, -1, 1, r);
    const bias = uniform(p.outC, -0.3, 0.3, r);
    const input = uniform(p.inH * p.inW * p.inC, -1, 1, r);
    const { acc, outH, outW } = conv2dAccumulate(
      p,
      (h, w, c) => input[(h * p.inW + w) * p.inC + c],
      (o, kh, kw, i) => filter[((o * p.kH + kh) * p.kW + kw) * p.inC + i],
    );
    const expected = Array.from(acc, (v, k) => Math.min(6, Math.max(0, v + bias[k % p.outC])));

    const b = new TfliteBuilder();
    const x = b.addTensor({ name: 'x', shape: [1, p.inH, p.inW, p.inC], dtype: 'float32' });
    const ft = b.addConstTensor({ name: 'f', shape: [p.outC, p.kH, p.kW, p.inC], dtype: 'float32', data: filter });
    const bt = b.addConstTensor({ name: 'b', shape: [p.outC], dtype: 'float32', data: bias });
    const c = b.addTensor({ name: 'conv', shape: [1, outH, outW, p.outC], dtype: 'float32' });
    const flatShape = new Int32Array([1, outH * outW * p.outC]);
    const st = b.addConstTensor({ name: 'shape', shape: [2], dtype: 'int32', data: flatShape });
    const y = b.addTensor({ name: 'y', shape: [1, outH * outW * p.outC], dtype: 'float32' });
    b.addOperator({
      op: 'CONV_2D',
      version: TFLITE_OPS.CONV_2D.version({ inputTypes: [F, F, F], outputTypes: [F] }),
      inputs: [x, ft, bt],
      outputs: [c],
      options: options(Conv2DOptionsT, {
        padding: Padding.SAME,
        strideW: 2,
        strideH: 2,
        fusedActivationFunction: ActivationFunctionType.RELU6,
      }),
    });
    b.addOperator({
      op: 'RESHAPE',
      version: 1,
      inputs: [c, st],
      outputs: [y],
      options: options(ReshapeOptionsT, { newShape: Array.from(flatShape) }),
    });
    b.setInputs([x]).setOutputs([y]);
    const [out] = await runTflite(b.finish(), [{ data: input, shape: [1, p.inH, p.inW, p.inC] }]);
    expect(out.shape).toEqual([1, outH * outW * p.outC]);
    expect(maxAbsDiff(out.data, expected)).toBeLessThan(1e-5);
  });

  test('ADD, MEAN over H,W and SOFTMAX', async () => {
    const r = rng(3);
    const [H, W, C] = [3, 4, 5];
    const a = uniform(H * W * C, -1, 1, r);
    const k = uniform(H * W * C, -1, 1, r);
    const b = new TfliteBuilder();
    const x = b.addTensor({ name: 'x', shape: [1, H, W, C], dtype: 'float32' });
    const kt = b.addConstTensor({ name: 'k', shape: [1, H, W, C], dtype: 'float32', data: k });
    const s = b.addTensor({ name: 'sum', shape: [1, H, W, C], dtype: 'float32' });
    const axes = b.addConstTensor({ name: 'axes', shape: [2], dtype: 'int32', data: new Int32Array([1, 2]) });
    const m = b.addTensor({ name: 'mean', shape: [1, C], dtype: 'float32' });
    const y = b.addTensor({ name: 'probs', shape: [1, C], dtype: 'float32' });
    b.addOperator({ op: 'ADD', version: 1, inputs: [x, kt], outputs: [s], options: options(AddOptionsT) });
    b.addOperator({
      op: 'MEAN',
      version: 1,
      inputs: [s, axes],
      outputs: [m],
      options: options(ReducerOptionsT, { keepDims: false }),
    });
    b.addOperator({
      op: 'SOFTMAX',
      version: 1,
      inputs: [m],
      outputs: [y],
      options: options(SoftmaxOptionsT, { beta: 1 }),
    });
    b.setInputs([x]).setOutputs([y]);
    const [out] = await runTflite(b.finish(), [{ data: a, shape: [1, H, W, C] }]);
    const mean = Array.from({ length: C }, (_, c) => {
      let t = 0;
      for (let i = 0; i < H * W; i++) t += a[i * C + c] + k[i * C + c];
      return t / (H * W);
    });
    const mx = Math.max(...mean);
    const e = mean.map((v) => Math.exp(v - mx));
    const z = e.reduce((p, q) => p + q, 0);
    expect(
      maxAbsDiff(
        out.data,
        e.map((v) => v / z),
      ),
    ).toBeLessThan(1e-5);
  });
});

describe('int8 models match TFLite requantisation (within one step)', () => {
  function int8FullyConnected(seed: number) {
    const r = rng(seed);
    const [inN, outN] = [16, 6];
    const sx = 0.05,
      zx = -3;
    const sw = Array.from({ length: outN }, () => 0.005 + 0.02 * r());
    const wq = randInt(outN * inN, -127, 127, r);
    const bq = randInt(outN, -400, 400, r);
    const so = 0.08,
      zo = 5;
    const b = new TfliteBuilder().setDescription('int8 FC test');
    const x = b.addTensor({
      name: 'x',
      shape: [1, inN],
      dtype: 'int8',
      quantization: { scale: [sx], zeroPoint: [zx] },
    });
    const wt = b.addConstTensor({
      name: 'w',
      shape: [outN, inN],
      dtype: 'int8',
      data: Int8Array.from(wq),
      quantization: { scale: sw, zeroPoint: sw.map(() => 0), quantizedDimension: 0 },
    });
    const bt = b.addConstTensor({
      name: 'b',
      shape: [outN],
      dtype: 'int32',
      data: Int32Array.from(bq),
      quantization: { scale: sw.map((s) => s * sx), zeroPoint: sw.map(() => 0), quantizedDimension: 0 },
    });
    const y = b.addTensor({
      name: 'y',
      shape: [1, outN],
      dtype: 'int8',
      quantization: { scale: [so], zeroPoint: [zo] },
    });
    const version = TFLITE_OPS.FULLY_CONNECTED.version({ inputTypes: [I8, I8, I32], outputTypes: [I8] });
    expect(version).toBe(4);
    b.addOperator({
      op: 'FULLY_CONNECTED',
      version,
      inputs: [x, wt, bt],
      outputs: [y],
      options: options(FullyConnectedOptionsT),
    });
    b.setInputs([x]).setOutputs([y]);
    const reference = (xq: Int32Array) =>
      Array.from({ length: outN }, (_, o) => {
        let acc = bq[o];
        for (let i = 0; i < inN; i++) acc += (xq[i] - zx) * wq[o * inN + i];
        return clampInt8(zo + roundHalfAway((acc * sx * sw[o]) / so));
      });
    return { bytes: b.finish(), inN, outN, reference, r };
  }

  test('FULLY_CONNECTED with per-channel weights, reused over 32 inputs', async () => {
    const { bytes, inN, outN, reference, r } = int8FullyConnected(4);
    const oracle = await TfliteOracle.load(bytes);
    try {
      expect(oracle.inputDtypes).toEqual(['int8']);
      expect(oracle.outputDtypes).toEqual(['int8']);
      let exact = 0;
      for (let n = 0; n < 32; n++) {
        const xq = randInt(inN, -128, 127, r);
        const [out] = oracle.run([{ data: xq, shape: [1, inN] }]);
        expect(out.data).toBeInstanceOf(Int32Array);
        const ref = reference(xq);
        expect(maxAbsDiff(out.data, ref)).toBeLessThanOrEqual(1);
        if (maxAbsDiff(out.data, ref) === 0) exact++;
        expect(out.data.length).toBe(outN);
      }
      expect(exact).toBeGreaterThan(16); // mostly bit-exact; off-by-one only at rounding ties
    } finally {
      oracle.dispose();
    }
  });

  test('CONV_2D with per-channel weights and a non-zero input zero point', async () => {
    const r = rng(5);
    const p: Conv2DParams = { inH: 6, inW: 5, inC: 3, outC: 4, kH: 3, kW: 3, strideH: 1, strideW: 1, padding: 'SAME' };
    const sx = 0.04,
      zx = 7,
      so = 0.1,
      zo = -10;
    const sw = Array.from({ length: p.outC }, () => 0.003 + 0.01 * r());
    const wq = randInt(p.outC * p.kH * p.kW * p.inC, -127, 127, r);
    const bq = randInt(p.outC, -1000, 1000, r);
    const xq = randInt(p.inH * p.inW * p.inC, -128, 127, r);
    const { acc, outH, outW } = conv2dAccumulate(
      p,
      (h, w, c) => xq[(h * p.inW + w) * p.inC + c] - zx,
      (o, kh, kw, i) => wq[((o * p.kH + kh) * p.kW + kw) * p.inC + i],
    );
    const expected = Array.from(acc, (v, k) => {
      const o = k % p.outC;
      return clampInt8(zo + roundHalfAway(((v + bq[o]) * sx * sw[o]) / so));
    });

    const b = new TfliteBuilder();
    const x = b.addTensor({
      name: 'x',
      shape: [1, p.inH, p.inW, p.inC],
      dtype: 'int8',
      quantization: { scale: [sx], zeroPoint: [zx] },
    });
    const ft = b.addConstTensor({
      name: 'f',
      shape: [p.outC, p.kH, p.kW, p.inC],
      dtype: 'int8',
      data: Int8Array.from(wq),
      quantization: { scale: sw, zeroPoint: sw.map(() => 0), quantizedDimension: 0 },
    });
    const bt = b.addConstTensor({
      name: 'b',
      shape: [p.outC],
      dtype: 'int32',
      data: Int32Array.from(bq),
      quantization: { scale: sw.map((s) => s * sx), zeroPoint: sw.map(() => 0), quantizedDimension: 0 },
    });
    const y = b.addTensor({
      name: 'y',
      shape: [1, outH, outW, p.outC],
      dtype: 'int8',
      quantization: { scale: [so], zeroPoint: [zo] },
    });
    const version = TFLITE_OPS.CONV_2D.version({ inputTypes: [I8, I8, I32], outputTypes: [I8] });
    expect(version).toBe(3);
    b.addOperator({
      op: 'CONV_2D',
      version,
      inputs: [x, ft, bt],
      outputs: [y],
      options: options(Conv2DOptionsT, { padding: Padding.SAME, strideW: 1, strideH: 1 }),
    });
    b.setInputs([x]).setOutputs([y]);
    const [out] = await runTflite(b.finish(), [{ data: xq, shape: [1, p.inH, p.inW, p.inC] }]);
    expect(out.shape).toEqual([1, outH, outW, p.outC]);
    expect(maxAbsDiff(out.data, expected)).toBeLessThanOrEqual(1);
  });

  test('ADD of two differently scaled int8 tensors, then SOFTMAX with the fixed int8 output params', async () => {
    const r = rng(6);
    const n = 10;
    const [sa, za, sb, zb, ss, zs] = [0.02, 3, 0.05, -7, 0.06, 1];
    const aq = randInt(n, -128, 127, r);
    const bq = randInt(n, -128, 127, r);
    const b = new TfliteBuilder();
    const a = b.addTensor({ name: 'a', shape: [1, n], dtype: 'int8', quantization: { scale: [sa], zeroPoint: [za] } });
    const c = b.addTensor({ name: 'b', shape: [1, n], dtype: 'int8', quantization: { scale: [sb], zeroPoint: [zb] } });
    const s = b.addTensor({
      name: 'sum',
      shape: [1, n],
      dtype: 'int8',
      quantization: { scale: [ss], zeroPoint: [zs] },
    });
    const y = b.addTensor({
      name: 'probs',
      shape: [1, n],
      dtype: 'int8',
      quantization: { scale: [1 / 256], zeroPoint: [-128] },
    });
    const sig = { inputTypes: [I8, I8], outputTypes: [I8] };
    b.addOperator({
      op: 'ADD',
      version: TFLITE_OPS.ADD.version(sig),
      inputs: [a, c],
      outputs: [s],
      options: options(AddOptionsT),
    });
    b.addOperator({
      op: 'SOFTMAX',
      version: TFLITE_OPS.SOFTMAX.version(sig),
      inputs: [s],
      outputs: [y],
      options: options(SoftmaxOptionsT, { beta: 1 }),
    });
    b.setInputs([a, c]).setOutputs([s, y]);
    const [sum, probs] = await runTflite(b.finish(), [
      { data: aq, shape: [1, n] },
      { data: bq, shape: [1, n] },
    ]);
    const sumRef = Array.from({ length: n }, (_, i) => quantize(sa * (aq[i] - za) + sb * (bq[i] - zb), ss, zs));
    expect(maxAbsDiff(sum.data, sumRef)).toBeLessThanOrEqual(1);
    // Softmax of what the int8 ADD actually produced (its dequantised output).
    const logits = Array.from(sum.data, (q) => ss * (q - zs));
    const mx = Math.max(...logits);
    const e = logits.map((v) => Math.exp(v - mx));
    const z = e.reduce((p, q) => p + q, 0);
    const probsRef = e.map((v) => quantize(v / z, 1 / 256, -128));
    expect(maxAbsDiff(probs.data, probsRef)).toBeLessThanOrEqual(1);
  });
});

describe('runtime failures become E_RUNTIME', () => {
  test('a model the runtime rejects (ADD with one input)', async () => {
    const b = new TfliteBuilder();
    const x = b.addTensor({ name: 'x', shape: [1, 4], dtype: 'float32' });
    const y = b.addTensor({ name: 'y', shape: [1, 4], dtype: 'float32' });
    b.addOperator({ op: 'ADD', version: 1, inputs: [x], outputs: [y], options: options(AddOptionsT) });
    b.setInputs([x]).setOutputs([y]);
    const err = await runTflite(b.finish(), [{ data: new Float32Array(4), shape: [1, 4] }]).catch((e) => e);
    expect(err).toBeInstanceOf(EdgelockError);
    expect(err.code).toBe('E_RUNTIME');
    expect(err.message).toMatch(/TFLite runtime/);
  });

  test('bytes that are not a model', async () => {
    const err = await runTflite(new Uint8Array(64).fill(7), []).catch((e) => e);
    expect(err).toBeInstanceOf(EdgelockError);
    expect(err.code).toBe('E_RUNTIME');
  });

  test('wrong input count and wrong input element type', async () => {
    const { bytes } = (() => {
      const b = new TfliteBuilder();
      const x = b.addTensor({ name: 'x', shape: [1, 2], dtype: 'float32' });
      const y = b.addTensor({ name: 'y', shape: [1, 2], dtype: 'float32' });
      b.addOperator({ op: 'RELU', version: 1, inputs: [x], outputs: [y] });
      b.setInputs([x]).setOutputs([y]);
      return { bytes: b.finish() };
    })();
    const oracle = await TfliteOracle.load(bytes);
    try {
      const [out] = oracle.run([{ data: new Float32Array([-1, 2]), shape: [1, 2] }]);
      expect(Array.from(out.data)).toEqual([0, 2]);
      expect(() => oracle.run([])).toThrow(expect.objectContaining({ code: 'E_RUNTIME' }));
      expect(() => oracle.run([{ data: new Int32Array([1, 2]), shape: [1, 2] }])).toThrow(
        expect.objectContaining({ code: 'E_RUNTIME' }),
      );
    } finally {
      oracle.dispose();
    }
  });
});
