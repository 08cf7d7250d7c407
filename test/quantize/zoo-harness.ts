/**
 * End to end for every zoo model: compileFloat → calibrate (onnxruntime) → quantizeGraph →
 * serialize, then
 * - the int8 model (--io float) runs in the official TFLite runtime and its top-1 agrees with
 *   the float ONNX model run by onnxruntime: ≥99.5% on all 10,000 MNIST test images for the
 *   MNIST classifiers (calibrated on 500 MNIST training images), ≥99% on 1,000 held-back
 *   samples of the synthetic task the others were trained on (calibrated on 300 samples of
 *   its 'calib' split; src/zoo/synthetic-task.ts);
 * - the --io int8 variant loads, and its dequantised outputs equal the --io float variant's
 *   within one output quantisation step (the int8 input codes are produced by the runtime's
 *   own QUANTIZE kernel in a one-op model, so both variants see identical codes; the step of
 *   tolerance covers XNNPACK's int8 kernels rounding differently from the reference kernels);
 * - the emitted flatbuffer, read back through src/tflite/reader.ts, has every CONV_2D /
 *   DEPTHWISE_CONV_2D / FULLY_CONNECTED weight int8 in [−127, 127] with zero point 0 on the
 *   right axis, and every bias int32 with scale = input scale × weight scale[c] (within the
 *   1e-6 relative tolerance TFLite's kernels check) and zero point 0.
 */
import * as fs from 'fs';
import * as ort from 'onnxruntime-node';
import * as path from 'path';
import { calibrate } from '../../src/compiler/calibrate';
import { compileFloat } from '../../src/compiler/compile-float';
import { quantizeGraph } from '../../src/compiler/quantize';
import { serialize } from '../../src/compiler/serialize';
import { TflGraph } from '../../src/compiler/tfl-graph';
import { loadMnist } from '../../src/data/mnist';
import { readTflite, tfliteBufferData } from '../../src/tflite/reader';
import { TfliteBuilder } from '../../src/tflite/builder';
import { TfliteOracle, runTflite } from '../../src/tflite/oracle';
import { syntheticTask, TaskSplit } from '../../src/zoo/synthetic-task';

// EDGELOCK_ZOO_DIR points the test at another build of the zoo (e.g. a fresh `npm run models -- --out dir`).
const MODELS = process.env.EDGELOCK_ZOO_DIR ?? path.resolve(__dirname, '..', '..', 'models');

interface SampleSet {
  data: Float32Array;
  count: number;
  /** One sample in ONNX order, without batch: [C, H, W]. */
  sampleShape: number[];
  labelsFrom?: 'mnist';
}

/** The model's synthetic task (src/zoo/synthetic-task.ts): 'calib' and the held-back 'test' split. */
function synthetic(name: string, split: TaskSplit, count: number): SampleSet {
  const set = syntheticTask(name, split, count);
  return { data: set.data, count: set.count, sampleShape: set.sampleShape };
}

function mnist(split: 'train' | 'test', count: number): SampleSet {
  const m = loadMnist(split);
  const n = Math.min(count, m.count);
  return { data: m.images.subarray(0, n * 784), count: n, sampleShape: [1, 28, 28] };
}

interface Case {
  name: string;
  calib: () => SampleSet;
  evaluation: () => SampleSet;
  minAgreement: number;
}

// kws-dscnn and cifar-resnet8 are trained on synthetic tasks: calibrated on the task's 'calib'
// split and evaluated on its held-back 'test' split (neither is used for training).
const CASES: Case[] = [
  { name: 'mnist-mlp', calib: () => mnist('train', 500), evaluation: () => mnist('test', 10000), minAgreement: 0.995 },
  {
    name: 'mnist-lenet',
    calib: () => mnist('train', 500),
    evaluation: () => mnist('test', 10000),
    minAgreement: 0.995,
  },
  {
    name: 'kws-dscnn',
    calib: () => synthetic('kws-dscnn', 'calib', 300),
    evaluation: () => synthetic('kws-dscnn', 'test', 1000),
    minAgreement: 0.99,
  },
  {
    name: 'cifar-resnet8',
    calib: () => synthetic('cifar-resnet8', 'calib', 300),
    evaluation: () => synthetic('cifar-resnet8', 'test', 1000),
    minAgreement: 0.99,
  },
];

const argmax = (a: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
  return best;
};

/** A [C, H, W] sample in the layout the TFLite input expects. */
function toLayout(sample: Float32Array, chw: number[], layout: string): Float32Array {
  if (layout !== 'nhwc' || chw.length !== 3 || chw[0] === 1) return sample;
  const [c, h, w] = chw;
  const out = new Float32Array(sample.length);
  for (let ch = 0; ch < c; ch++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(y * w + x) * c + ch] = sample[(ch * h + y) * w + x];
  return out;
}

const WEIGHT_AXIS: Record<string, number> = { CONV_2D: 0, DEPTHWISE_CONV_2D: 3, FULLY_CONNECTED: 0 };

function checkFlatbuffer(bytes: Uint8Array): { weights: number; biases: number } {
  const info = readTflite(bytes);
  const sg = info.subgraphs[0];
  let weights = 0;
  let biases = 0;
  for (const op of sg.operators) {
    const axis = WEIGHT_AXIS[op.op];
    if (axis === undefined) continue;
    const input = sg.tensors[op.inputs[0]];
    const w = sg.tensors[op.inputs[1]];
    expect(w.dtype).toBe('int8');
    const wq = w.quantization!;
    const channels = w.shape[axis];
    expect(wq.scale).toHaveLength(channels);
    expect(wq.quantizedDimension).toBe(axis);
    expect(wq.zeroPoint.every((z) => Number(z) === 0)).toBe(true);
    const data = new Int8Array(tfliteBufferData(bytes, info, w.buffer).slice().buffer);
    expect(data.length).toBe(w.shape.reduce((a, b) => a * b, 1));
    expect(Math.min(...data)).toBeGreaterThanOrEqual(-127);
    weights++;
    if (op.inputs.length > 2 && op.inputs[2] >= 0) {
      const b = sg.tensors[op.inputs[2]];
      expect(b.dtype).toBe('int32');
      const bq = b.quantization!;
      expect(bq.zeroPoint.every((z) => Number(z) === 0)).toBe(true);
      const sIn = input.quantization!.scale[0];
      bq.scale.forEach((s, c) => {
        const expected = sIn * wq.scale[c];
        expect(Math.abs(s - expected)).toBeLessThanOrEqual(1e-6 * Math.min(s, expected));
      });
      biases++;
    }
  }
  return { weights, biases };
}

/** int8 codes exactly as the runtime's QUANTIZE kernel produces them (a one-op model). */
async function runtimeQuantize(
  x: Float32Array,
  shape: number[],
  scale: number,
  zeroPoint: number,
): Promise<Int32Array> {
  const b = new TfliteBuilder();
  const i = b.addTensor({ name: 'x', shape, dtype: 'float32' });
  const o = b.addTensor({ name: 'q', shape, dtype: 'int8', quantization: { scale: [scale], zeroPoint: [zeroPoint] } });
  b.addOperator({ op: 'QUANTIZE', version: 1, inputs: [i], outputs: [o] });
  b.setInputs([i]).setOutputs([o]);
  const [q] = await runTflite(b.finish(), [{ data: x, shape }]);
  return q.data as Int32Array;
}

export function zooInt8Suite(name: string): void {
  const { calib, evaluation, minAgreement } = CASES.find((c) => c.name === name)!;
  describe(`${name} int8`, () => {
    const onnxFile = path.join(MODELS, `${name}.onnx`);
    let compiled: ReturnType<typeof compileFloat>;
    let floatIo: TflGraph;
    let int8Io: TflGraph;
    let floatIoBytes: Uint8Array;
    let int8IoBytes: Uint8Array;
    let evalSet: SampleSet;

    beforeAll(async () => {
      evalSet = evaluation();
      compiled = compileFloat(fs.readFileSync(onnxFile), { file: onnxFile });
      const cal = calib();
      const t0 = Date.now();
      const ranges = await calibrate(compiled.model, cal, { method: 'minmax', maxSamples: cal.count });
      const t1 = Date.now();
      floatIo = quantizeGraph(compiled.graph, ranges, { io: 'float' });
      int8Io = quantizeGraph(compiled.graph, ranges, { io: 'int8' });
      floatIoBytes = serialize(floatIo);
      int8IoBytes = serialize(int8Io);
      process.stdout.write(
        `${name}: calibration ${t1 - t0} ms (${cal.count} samples), quantize+serialize ×2 ${Date.now() - t1} ms, ${floatIoBytes.length} bytes\n`,
      );
    });

    test('weights int8 symmetric per channel with zp 0; biases int32 with scale = in × w', () => {
      for (const bytes of [floatIoBytes, int8IoBytes]) {
        const { weights, biases } = checkFlatbuffer(bytes);
        expect(weights).toBeGreaterThan(0);
        expect(biases).toBeGreaterThan(0);
      }
      const sg = readTflite(floatIoBytes).subgraphs[0];
      expect(sg.tensors[sg.inputs[0]].dtype).toBe('float32');
      expect(sg.tensors[sg.outputs[0]].dtype).toBe('float32');
      const sg8 = readTflite(int8IoBytes).subgraphs[0];
      expect(sg8.tensors[sg8.inputs[0]].dtype).toBe('int8');
      expect(sg8.tensors[sg8.outputs[0]].dtype).toBe('int8');
      // every tensor between the boundaries is integer
      for (const t of sg8.tensors) expect(['int8', 'int32']).toContain(t.dtype);
    });

    test(`top-1 agreement with the float ONNX model ≥ ${(100 * minAgreement).toFixed(1)}%`, async () => {
      const set = evalSet;
      const session = await ort.InferenceSession.create(onnxFile);
      const oracle = await TfliteOracle.load(floatIoBytes);
      const size = set.sampleShape.reduce((a, b) => a * b, 1);
      const layout = compiled.graph.inputLayouts[0];
      const tfliteShape = oracle.inputShapes[0];
      let agree = 0;
      try {
        for (let i = 0; i < set.count; i++) {
          const x = set.data.slice(i * size, (i + 1) * size);
          const ref = await session.run({ input: new ort.Tensor('float32', x, [1, ...set.sampleShape]) });
          const [y] = oracle.run([{ data: toLayout(x, set.sampleShape, layout), shape: tfliteShape }]);
          if (argmax(ref.logits.data as Float32Array) === argmax(y.data)) agree++;
        }
      } finally {
        oracle.dispose();
        await session.release();
      }
      const rate = agree / set.count;
      process.stdout.write(`${name}: int8 top-1 agreement ${agree}/${set.count} = ${(100 * rate).toFixed(2)}%\n`);
      expect(rate).toBeGreaterThanOrEqual(minAgreement);
    });

    test('--io int8 runs and its dequantised outputs match --io float within one output step', async () => {
      const set = evalSet;
      const n = Math.min(100, set.count);
      const sg = readTflite(int8IoBytes).subgraphs[0];
      const inQ = sg.tensors[sg.inputs[0]].quantization!;
      const outQ = sg.tensors[sg.outputs[0]].quantization!;
      const [sIn, zIn] = [inQ.scale[0], Number(inQ.zeroPoint[0])];
      const [sOut, zOut] = [outQ.scale[0], Number(outQ.zeroPoint[0])];
      const i8 = await TfliteOracle.load(int8IoBytes);
      const f32 = await TfliteOracle.load(floatIoBytes);
      const size = set.sampleShape.reduce((a, b) => a * b, 1);
      const layout = compiled.graph.inputLayouts[0];
      let worst = 0;
      try {
        expect(i8.inputDtypes).toEqual(['int8']);
        for (let i = 0; i < n; i++) {
          const x = toLayout(set.data.slice(i * size, (i + 1) * size), set.sampleShape, layout);
          const xq = await runtimeQuantize(x, i8.inputShapes[0], sIn, zIn);
          const [yq] = i8.run([{ data: xq, shape: i8.inputShapes[0] }]);
          const [yf] = f32.run([{ data: x, shape: f32.inputShapes[0] }]);
          for (let k = 0; k < yf.data.length; k++)
            worst = Math.max(worst, Math.abs((yq.data[k] - zOut) * sOut - yf.data[k]));
        }
      } finally {
        i8.dispose();
        f32.dispose();
      }
      process.stdout.write(
        `${name}: --io int8 vs --io float worst difference ${(worst / sOut).toFixed(3)} output steps\n`,
      );
      expect(worst).toBeLessThanOrEqual(sOut * (1 + 1e-6));
    });
  });
}
