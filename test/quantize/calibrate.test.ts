/**
 * Calibration against onnxruntime itself: the ranges of the graph output must equal the extremes
 * of what onnxruntime computes for the unmodified model; batched (symbolic batch) and one-by-one
 * runs agree; percentile clips outliers; MSE ranges lie inside min/max; data mismatches are
 * E_CALIB_DATA.
 */
import * as ort from 'onnxruntime-node';
import { calibrate, pickSamples } from '../../src/compiler/calibrate';
import { StreamingHistogram } from '../../src/compiler/quantize/histogram';
import { RANGE_METHODS, histogramQuantile } from '../../src/compiler/quantize/range-methods';
import { dequantizeValue, quantizeValue } from '../../src/compiler/quantize/fixed-point';
import { activationParams } from '../../src/compiler/quantize/params';
import { EdgelockError } from '../../src/errors';
import { makeTensor } from '../../src/ir/tensor';
import { Dim, Model } from '../../src/ir/types';
import { writeOnnx } from '../../src/onnx';
import { rng } from '../helpers/rng';

const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

/** x[N,6] → MatMul → Add → Relu → MatMul → Softmax; batch dimension `batch`. */
function mlp(batch: Dim): Model {
  const r = rng(5);
  const w1 = Array.from({ length: 6 * 8 }, () => gauss(r) * 0.7);
  const b1 = Array.from({ length: 8 }, () => gauss(r) * 0.1);
  const w2 = Array.from({ length: 8 * 3 }, () => gauss(r) * 0.7);
  return {
    irVersion: 8,
    producerName: 'test',
    producerVersion: '',
    domain: '',
    modelVersion: 1,
    docString: '',
    opsetImports: [{ domain: '', version: 13 }],
    metadata: {},
    graph: {
      name: 'mlp',
      nodes: [
        { name: 'mm1', opType: 'MatMul', domain: '', inputs: ['x', 'w1'], outputs: ['h'], attrs: {} },
        { name: 'add1', opType: 'Add', domain: '', inputs: ['h', 'b1'], outputs: ['hb'], attrs: {} },
        { name: 'relu1', opType: 'Relu', domain: '', inputs: ['hb'], outputs: ['hr'], attrs: {} },
        { name: 'mm2', opType: 'MatMul', domain: '', inputs: ['hr', 'w2'], outputs: ['logits'], attrs: {} },
        {
          name: 'sm',
          opType: 'Softmax',
          domain: '',
          inputs: ['logits'],
          outputs: ['probs'],
          attrs: { axis: { kind: 'int', value: -1 } },
        },
      ],
      inputs: [{ name: 'x', dtype: 'float32', shape: [batch, 6] }],
      outputs: [{ name: 'probs', dtype: 'float32', shape: [batch, 3] }],
      initializers: new Map([
        ['w1', makeTensor('float32', [6, 8], w1)],
        ['b1', makeTensor('float32', [8], b1)],
        ['w2', makeTensor('float32', [8, 3], w2)],
      ]),
      valueInfo: new Map(),
    },
  };
}

function samples(count: number, seed: number, shape = [6]) {
  const r = rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: count * size }, () => gauss(r)), count, sampleShape: shape };
}

/** Extremes of `value` as onnxruntime computes them on the model exposing it as its output. */
async function ortExtremes(
  model: Model,
  value: string,
  data: Float32Array,
  count: number,
): Promise<{ min: number; max: number }> {
  const m: Model = { ...model, graph: { ...model.graph, outputs: [{ name: value, dtype: 'float32', shape: null }] } };
  const s = await ort.InferenceSession.create(writeOnnx(m));
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < count; i++) {
    const out = await s.run({ x: new ort.Tensor('float32', data.slice(i * 6, i * 6 + 6), [1, 6]) });
    for (const v of out[value].data as Float32Array) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  await s.release();
  return { min: Math.min(0, min), max: Math.max(0, max) };
}

describe('calibrate', () => {
  test('minmax ranges equal onnxruntime’s extremes for every value; batched equals one-by-one', async () => {
    const set = samples(300, 1);
    const batched = await calibrate(mlp('N'), set, { method: 'minmax' });
    const single = await calibrate(mlp(1), set, { method: 'minmax' });
    expect([...batched.keys()].sort()).toEqual(['h', 'hb', 'hr', 'logits', 'probs', 'x']);
    for (const value of ['h', 'hb', 'hr', 'logits', 'probs']) {
      const ref = await ortExtremes(mlp(1), value, set.data, set.count);
      expect(batched.get(value)!.min).toBeCloseTo(ref.min, 5);
      expect(batched.get(value)!.max).toBeCloseTo(ref.max, 5);
      expect(single.get(value)).toEqual(batched.get(value));
    }
    let xmin = 0;
    let xmax = 0;
    for (const v of set.data) {
      xmin = Math.min(xmin, v);
      xmax = Math.max(xmax, v);
    }
    expect(batched.get('x')).toEqual({ min: xmin, max: xmax, observed: { min: xmin, max: xmax } });
    // ReLU output starts at 0; softmax output lies in [0, 1]; every range contains 0
    expect(batched.get('hr')!.min).toBe(0);
    for (const r of batched.values()) expect(r.min <= 0 && r.max >= 0).toBe(true);
    expect(batched.get('probs')!.max).toBeLessThanOrEqual(1);
  });

  test('percentile clips a rare outlier that minmax keeps; MSE stays inside minmax', async () => {
    const set = samples(400, 2);
    set.data[123] = 60; // one outlier among 2400 values
    const mm = await calibrate(mlp('N'), set, { method: 'minmax' });
    const pc = await calibrate(mlp('N'), set, { method: 'percentile', percentile: 99.9 });
    const mse = await calibrate(mlp('N'), set, { method: 'mse' });
    expect(mm.get('x')!.max).toBe(60);
    expect(pc.get('x')!.max).toBeLessThan(6);
    expect(pc.get('x')!.max).toBeGreaterThan(2);
    for (const [name, r] of mm) {
      for (const other of [pc, mse]) {
        const o = other.get(name)!;
        expect(o.min).toBeGreaterThanOrEqual(r.min - 1e-6);
        expect(o.max).toBeLessThanOrEqual(r.max + 1e-6);
        expect(o.min <= 0 && o.max >= 0).toBe(true);
      }
    }
  });

  test('maxSamples spreads the picked samples over the whole set', async () => {
    expect(pickSamples(10, 5)).toEqual([0, 2, 4, 6, 8]);
    expect(pickSamples(3, 1000)).toEqual([0, 1, 2]);
    const set = samples(100, 3);
    // the largest |x| sits in sample 99: only seen when the pick reaches the end of the set
    set.data[99 * 6] = 40;
    const few = await calibrate(mlp('N'), set, { method: 'minmax', maxSamples: 10 });
    expect(few.get('x')!.max).toBeLessThan(40);
    const all = await calibrate(mlp('N'), set, { method: 'minmax', maxSamples: 100 });
    expect(all.get('x')!.max).toBe(40);
  });

  test('accepts samples with or without the batch dimension', async () => {
    const set = samples(20, 4);
    const withBatch = { ...set, sampleShape: [1, 6] };
    expect(await calibrate(mlp(1), withBatch, { method: 'minmax' })).toEqual(
      await calibrate(mlp(1), set, { method: 'minmax' }),
    );
  });

  test('shape or size mismatches are E_CALIB_DATA', async () => {
    const wrongShape = samples(10, 5, [7]);
    await expect(calibrate(mlp('N'), wrongShape, { method: 'minmax' })).rejects.toMatchObject({ code: 'E_CALIB_DATA' });
    const short = { ...samples(10, 5), count: 11 };
    await expect(calibrate(mlp('N'), short, { method: 'minmax' })).rejects.toMatchObject({ code: 'E_CALIB_DATA' });
    const none = { data: new Float32Array(0), count: 0, sampleShape: [6] };
    await expect(calibrate(mlp('N'), none, { method: 'minmax' })).rejects.toBeInstanceOf(EdgelockError);
  });
});

describe('histogram statistics', () => {
  test('a growing histogram keeps every count and brackets its quantiles', () => {
    const r = rng(9);
    const h = new StreamingHistogram(256);
    const all: number[] = [];
    for (let k = 0; k < 20; k++) {
      const batch = Array.from({ length: 500 }, () => gauss(r) * (1 + k));
      h.add(batch);
      all.push(...batch);
    }
    const total = h.counts.reduce((a, b) => a + b, 0);
    expect(total).toBe(10000);
    all.sort((a, b) => a - b);
    for (const q of [0.01, 0.25, 0.5, 0.9, 0.999]) {
      const exact = all[Math.floor(q * all.length)];
      expect(Math.abs(histogramQuantile(h, q) - exact)).toBeLessThanOrEqual(h.width * 1.01);
    }
  });

  test('all-zero data give the range [0, 0]', () => {
    const h = new StreamingHistogram(64);
    h.add(new Float32Array(100));
    for (const method of ['minmax', 'percentile', 'mse'] as const)
      expect(RANGE_METHODS[method](h, {})).toEqual({ min: 0, max: 0 });
    h.add([0, 0, 2]);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(103);
  });

  test('MSE range beats minmax on a long-tailed (Laplace) distribution, measured by real int8 quantisation', () => {
    const r = rng(10);
    const data = Float32Array.from({ length: 100000 }, () => {
      const u = r() - 0.5;
      return -Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
    });
    const h = new StreamingHistogram();
    h.add(data);
    const mm = RANGE_METHODS.minmax(h, {});
    const mse = RANGE_METHODS.mse(h, {});
    expect(mse.max).toBeLessThan(mm.max);
    expect(mse.min).toBeGreaterThan(mm.min);
    const quantError = (range: { min: number; max: number }) => {
      const p = activationParams(range);
      let e = 0;
      for (const v of data)
        e += (dequantizeValue(quantizeValue(v, p.scale, p.zeroPoint), p.scale, p.zeroPoint) - v) ** 2;
      return e;
    };
    expect(quantError(mse)).toBeLessThan(quantError(mm));
  });
});
