/**
 * The remaining option-carrying ops, run by the TFLite runtime. TFLite reads options through the
 * union tag; a wrong tag or field id silently yields default options, so matching the
 * hand-computed results below checks our schema's union values and field ids too.
 */
import { TfliteBuilder, options } from '../../src/tflite/builder';
import {
  DepthwiseConv2DOptionsT,
  Pool2DOptionsT,
  ConcatenationOptionsT,
  SubOptionsT,
  MulOptionsT,
  DivOptionsT,
  LeakyReluOptionsT,
  PadOptionsT,
  TransposeOptionsT,
  HardSwishOptionsT,
  MaximumMinimumOptionsT,
  QuantizeOptionsT,
  DequantizeOptionsT,
  Padding,
  TensorType,
} from '../../src/tflite/generated';
import { TFLITE_OPS } from '../../src/tflite/builtins';
import { runTflite } from '../../src/tflite/oracle';
import { rng, uniform, maxAbsDiff, quantize } from './helpers';

const [H, W, C] = [4, 4, 2];
const at = (h: number, w: number, c: number, width = W, ch = C) => (h * width + w) * ch + c;

test('depthwise conv, pools, concat, sub, mul, div, leaky relu, pad, transpose, hard swish, max/min, logistic, tanh', async () => {
  const r = rng(11);
  const x = uniform(H * W * C, -3, 3, r);
  const mult = 2;
  const dwF = uniform(3 * 3 * C * mult, -1, 1, r);
  const dwB = uniform(C * mult, -0.2, 0.2, r);
  const k = uniform(H * W * C, 0.5, 2, r);

  const b = new TfliteBuilder();
  const f32 = (name: string, shape: number[]) => b.addTensor({ name, shape, dtype: 'float32' });
  const xi = f32('x', [1, H, W, C]);
  const ki = b.addConstTensor({ name: 'k', shape: [1, H, W, C], dtype: 'float32', data: k });
  const dwFi = b.addConstTensor({ name: 'dw/f', shape: [1, 3, 3, C * mult], dtype: 'float32', data: dwF });
  const dwBi = b.addConstTensor({ name: 'dw/b', shape: [C * mult], dtype: 'float32', data: dwB });
  const dw = f32('dw', [1, 2, 2, C * mult]);
  const mp = f32('maxpool', [1, 2, 2, C]);
  const ap = f32('avgpool', [1, 2, 2, C]);
  const cat = f32('concat', [1, 2, 2, 2 * C]);
  const sub = f32('sub', [1, 2, 2, 2 * C]);
  const mul = f32('mul', [1, 2, 2, 2 * C]);
  const leaky = f32('leaky', [1, 2, 2, 2 * C]);
  const div = f32('div', [1, H, W, C]);
  const padsI = b.addConstTensor({
    name: 'pads',
    shape: [4, 2],
    dtype: 'int32',
    data: Int32Array.from([0, 0, 1, 0, 0, 2, 0, 0]),
  });
  const pad = f32('pad', [1, H + 1, W + 2, C]);
  const permI = b.addConstTensor({ name: 'perm', shape: [4], dtype: 'int32', data: Int32Array.from([0, 3, 1, 2]) });
  const tr = f32('transpose', [1, C, H, W]);
  const hs = f32('hardswish', [1, H, W, C]);
  const mx = f32('max', [1, H, W, C]);
  const mn = f32('min', [1, H, W, C]);
  const lg = f32('logistic', [1, H, W, C]);
  const th = f32('tanh', [1, H, W, C]);

  const F = TensorType.FLOAT32;
  const v = (op: keyof typeof TFLITE_OPS) =>
    TFLITE_OPS[op].version({ inputTypes: [F, F], outputTypes: [F], maxInputRank: 4 });
  b.addOperator({
    op: 'DEPTHWISE_CONV_2D',
    version: v('DEPTHWISE_CONV_2D'),
    inputs: [xi, dwFi, dwBi],
    outputs: [dw],
    options: options(DepthwiseConv2DOptionsT, {
      padding: Padding.VALID,
      strideW: 1,
      strideH: 1,
      depthMultiplier: mult,
    }),
  });
  const pool = { padding: Padding.VALID, strideW: 2, strideH: 2, filterWidth: 2, filterHeight: 2 };
  b.addOperator({
    op: 'MAX_POOL_2D',
    version: v('MAX_POOL_2D'),
    inputs: [xi],
    outputs: [mp],
    options: options(Pool2DOptionsT, pool),
  });
  b.addOperator({
    op: 'AVERAGE_POOL_2D',
    version: v('AVERAGE_POOL_2D'),
    inputs: [xi],
    outputs: [ap],
    options: options(Pool2DOptionsT, pool),
  });
  b.addOperator({
    op: 'CONCATENATION',
    version: v('CONCATENATION'),
    inputs: [mp, ap],
    outputs: [cat],
    options: options(ConcatenationOptionsT, { axis: 3 }),
  });
  b.addOperator({ op: 'SUB', version: v('SUB'), inputs: [dw, cat], outputs: [sub], options: options(SubOptionsT) });
  b.addOperator({ op: 'MUL', version: v('MUL'), inputs: [sub, sub], outputs: [mul], options: options(MulOptionsT) });
  b.addOperator({
    op: 'LEAKY_RELU',
    version: v('LEAKY_RELU'),
    inputs: [sub],
    outputs: [leaky],
    options: options(LeakyReluOptionsT, { alpha: 0.2 }),
  });
  b.addOperator({ op: 'DIV', version: v('DIV'), inputs: [xi, ki], outputs: [div], options: options(DivOptionsT) });
  b.addOperator({ op: 'PAD', version: v('PAD'), inputs: [xi, padsI], outputs: [pad], options: options(PadOptionsT) });
  b.addOperator({
    op: 'TRANSPOSE',
    version: v('TRANSPOSE'),
    inputs: [xi, permI],
    outputs: [tr],
    options: options(TransposeOptionsT),
  });
  b.addOperator({
    op: 'HARD_SWISH',
    version: v('HARD_SWISH'),
    inputs: [xi],
    outputs: [hs],
    options: options(HardSwishOptionsT),
  });
  b.addOperator({
    op: 'MAXIMUM',
    version: v('MAXIMUM'),
    inputs: [xi, ki],
    outputs: [mx],
    options: options(MaximumMinimumOptionsT),
  });
  b.addOperator({
    op: 'MINIMUM',
    version: v('MINIMUM'),
    inputs: [xi, ki],
    outputs: [mn],
    options: options(MaximumMinimumOptionsT),
  });
  b.addOperator({ op: 'LOGISTIC', version: v('LOGISTIC'), inputs: [xi], outputs: [lg] });
  b.addOperator({ op: 'TANH', version: v('TANH'), inputs: [xi], outputs: [th] });
  const outs = [dw, cat, mul, leaky, div, pad, tr, hs, mx, mn, lg, th];
  b.setInputs([xi]).setOutputs(outs);
  const got = await runTflite(b.finish(), [{ data: x, shape: [1, H, W, C] }]);

  // References, from the op definitions.
  const dwRef: number[] = [];
  for (let oh = 0; oh < 2; oh++)
    for (let ow = 0; ow < 2; ow++)
      for (let c = 0; c < C; c++)
        for (let m = 0; m < mult; m++) {
          const oc = c * mult + m;
          let s = dwB[oc];
          for (let kh = 0; kh < 3; kh++)
            for (let kw = 0; kw < 3; kw++) s += x[at(oh + kh, ow + kw, c)] * dwF[(kh * 3 + kw) * C * mult + oc];
          dwRef[(oh * 2 + ow) * C * mult + oc] = s;
        }
  const catRef: number[] = [];
  for (let oh = 0; oh < 2; oh++)
    for (let ow = 0; ow < 2; ow++) {
      const win = (c: number) => [
        x[at(2 * oh, 2 * ow, c)],
        x[at(2 * oh, 2 * ow + 1, c)],
        x[at(2 * oh + 1, 2 * ow, c)],
        x[at(2 * oh + 1, 2 * ow + 1, c)],
      ];
      for (let c = 0; c < C; c++) catRef.push(Math.max(...win(c)));
      for (let c = 0; c < C; c++) catRef.push(win(c).reduce((p, q) => p + q, 0) / 4);
    }
  const subRef = dwRef.map((d, i) => d - catRef[i]);
  const padRef: number[] = [];
  for (let h = 0; h < H + 1; h++)
    for (let w = 0; w < W + 2; w++) for (let c = 0; c < C; c++) padRef.push(h >= 1 && w < W ? x[at(h - 1, w, c)] : 0);
  const trRef: number[] = [];
  for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) trRef.push(x[at(h, w, c)]);
  const xs = Array.from(x);
  const refs = [
    dwRef,
    catRef,
    subRef.map((s) => s * s),
    subRef.map((s) => (s >= 0 ? s : 0.2 * s)),
    xs.map((a, i) => a / k[i]),
    padRef,
    trRef,
    xs.map((a) => (a * Math.min(6, Math.max(0, a + 3))) / 6),
    xs.map((a, i) => Math.max(a, k[i])),
    xs.map((a, i) => Math.min(a, k[i])),
    xs.map((a) => 1 / (1 + Math.exp(-a))),
    xs.map(Math.tanh),
  ];
  expect(got.map((g) => g.shape)).toEqual([
    [1, 2, 2, 4],
    [1, 2, 2, 4],
    [1, 2, 2, 4],
    [1, 2, 2, 4],
    [1, H, W, C],
    [1, H + 1, W + 2, C],
    [1, C, H, W],
    [1, H, W, C],
    [1, H, W, C],
    [1, H, W, C],
    [1, H, W, C],
    [1, H, W, C],
  ]);
  refs.forEach((ref, i) => expect([i, maxAbsDiff(got[i].data, ref) < 1e-5]).toEqual([i, true]));
});

test('QUANTIZE then DEQUANTIZE (float → int8 → float)', async () => {
  const r = rng(12);
  const n = 64;
  const [s, z] = [0.03, -5];
  const x = uniform(n, -4.5, 4.5, r);
  const b = new TfliteBuilder();
  const xi = b.addTensor({ name: 'x', shape: [1, n], dtype: 'float32' });
  const q = b.addTensor({ name: 'q', shape: [1, n], dtype: 'int8', quantization: { scale: [s], zeroPoint: [z] } });
  const y = b.addTensor({ name: 'y', shape: [1, n], dtype: 'float32' });
  const I8 = TensorType.INT8,
    F = TensorType.FLOAT32;
  b.addOperator({
    op: 'QUANTIZE',
    version: TFLITE_OPS.QUANTIZE.version({ inputTypes: [F], outputTypes: [I8] }),
    inputs: [xi],
    outputs: [q],
    options: options(QuantizeOptionsT),
  });
  b.addOperator({
    op: 'DEQUANTIZE',
    version: TFLITE_OPS.DEQUANTIZE.version({ inputTypes: [I8], outputTypes: [F] }),
    inputs: [q],
    outputs: [y],
    options: options(DequantizeOptionsT),
  });
  b.setInputs([xi]).setOutputs([q, y]);
  const [qo, yo] = await runTflite(b.finish(), [{ data: x, shape: [1, n] }]);
  const qRef = Array.from(x, (v) => quantize(v, s, z));
  expect(maxAbsDiff(qo.data, qRef)).toBeLessThanOrEqual(1);
  expect(
    maxAbsDiff(
      yo.data,
      Array.from(qo.data, (v) => s * (v - z)),
    ),
  ).toBeLessThan(1e-6);
});

test('an op version the runtime has no kernel for is rejected', async () => {
  const b = new TfliteBuilder();
  const x = b.addTensor({ name: 'x', shape: [1, 2], dtype: 'float32' });
  const y = b.addTensor({ name: 'y', shape: [1, 2], dtype: 'float32' });
  b.addOperator({ op: 'RELU', version: 99, inputs: [x], outputs: [y] });
  b.setInputs([x]).setOutputs([y]);
  await expect(runTflite(b.finish(), [{ data: new Float32Array(2), shape: [1, 2] }])).rejects.toMatchObject({
    code: 'E_RUNTIME',
    message: expect.stringContaining("Didn't find op for builtin opcode 'RELU' version '99'"),
  });
});
