/**
 * The float network tracing differentiates and fine-tunes (src/trace/float-net.ts), held to the official TFLite
 * runtime on the chains it takes beyond the MNIST models: the zoo's keyword-spotting DS-CNN (depthwise convolutions
 * whose int8 scales sit on the last axis, a global average pool as MEAN) and the tf2onnx-style KWS CNN of the
 * conformance corpus on its real log-mel features (depthwise convolutions, max-pools, Keras' flatten, a trailing
 * softmax), and the zoo's CIFAR ResNet-8 (residual joins: an ADD of two branches from one tensor, the shortcut the
 * identity or a strided 1×1 convolution; an average pool). Before 2026-12-07 all three were refused (E_TRACE_MODEL:
 * "operator DEPTHWISE_CONV_2D", "operator ADD"), so none could be traced black-box; now a DS-CNN board's model and a
 * ResNet-8 board's model are named from their answers. Also a MobileNetV2 as torch.onnx exports one (ReLU6, inverted
 * residual blocks, PyTorch's padding as PAD), compiled with int8 and with float inputs and outputs (a QUANTIZE first, a
 * DEQUANTIZE last): before, "fused activation RELU6" and "operator QUANTIZE" were refused.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { createHash } from 'crypto';
import { compileModel } from '../../src/compiler/compile';
import { embedTraceCode } from '../../src/trace/embed';
import { floatNetFromTflite, toNetLayout, writeWeights } from '../../src/trace/float-net';
import { DEFAULT_TRACE_PARAMS } from '../../src/trace/params';
import { traceLeak } from '../../src/trace/trace';
import { fileVictim, modelScores } from '../../src/trace/victims';
import { deriveTraceKey } from '../../src/keys/derive';
import { syntheticTask } from '../../src/zoo/synthetic-task';
import { compileOnTask, taskInputs } from '../helpers/synthetic-zoo';
import { readTflite } from '../../src/tflite/reader';
import { errorCodeOf } from '../helpers/error-code';
import { simulatedUids } from '../helpers/mnist-boards';
import { mobilenetV2 } from '../helpers/mobilenet-v2';
import { writeOnnx } from '../../src/onnx/writer';

const MASTER = createHash('sha256').update('edgelock float-net test master').digest();

/** The float network's outputs and the TFLite runtime's on n samples (model layout), and how far apart they are. */
async function compare(model: Uint8Array, x: Float32Array, n: number) {
  const fn = floatNetFromTflite(model);
  const runtime = await modelScores(model, x, n);
  const logits = fn.net.forward(toNetLayout(x, n, fn.modelInputShape), n, false);
  const classes = runtime.length / n;
  const out = fn.softmax
    ? Float32Array.from(logits, (_, i) => {
        const row = logits.subarray(i - (i % classes), i - (i % classes) + classes);
        const top = Math.max(...row);
        return Math.exp(logits[i] - top) / row.reduce((a, v) => a + Math.exp(v - top), 0);
      })
    : logits;
  let worst = 0;
  let largest = 0;
  let agree = 0;
  for (let s = 0; s < n; s++) {
    let [a, b] = [0, 0];
    for (let c = 0; c < classes; c++) {
      const k = s * classes + c;
      worst = Math.max(worst, Math.abs(runtime[k] - out[k]));
      largest = Math.max(largest, Math.abs(runtime[k]));
      if (runtime[k] > runtime[s * classes + a]) a = c;
      if (out[k] > out[s * classes + b]) b = c;
    }
    if (a === b) agree++;
  }
  return { fn, worst, largest, agree, runtime };
}

/**
 * A board's marked model (`package --trace` on `base`, board `leaker` of 100) read black-box as `edgelock trace`
 * reads it, from its scores on the first 150 of `probes` (model layout): it names that board alone, no other board
 * comes near, and the base model answering names nobody.
 */
async function expectNamedFromAnswers(
  base: Uint8Array,
  probes: Float32Array,
  count: number,
  tag: string,
  leaker: number,
) {
  const uids = simulatedUids(tag, 100);
  const leaked = embedTraceCode(base, deriveTraceKey(MASTER), Buffer.from(uids[leaker], 'hex'), DEFAULT_TRACE_PARAMS);
  const traced = async (answering: Uint8Array) => {
    const v = await fileVictim(answering);
    try {
      return await traceLeak({
        base,
        master: MASTER,
        candidates: [{ uids, params: DEFAULT_TRACE_PARAMS }],
        alpha: 1e-6,
        blackBox: {
          probes: probes.subarray(0, (150 * probes.length) / count),
          count: 150,
          victim: v.query,
          hardLabels: false,
        },
      });
    } finally {
      v.dispose();
    }
  };
  const r = await traced(leaked.bytes);
  expect(r.named.map((b) => b.uid)).toEqual([uids[leaker]]);
  expect(r.runnerUp!.z).toBeLessThan(4);
  expect((await traced(base)).named).toEqual([]);
}

describe('the zoo DS-CNN', () => {
  const held = syntheticTask('kws-dscnn', 'test', 300);
  let model: Uint8Array;
  beforeAll(async () => {
    model = await compileOnTask('kws-dscnn');
  }, 120_000);

  test('its float network answers as the TFLite runtime does, and re-quantising it changes no answer', async () => {
    const { fn, worst, largest, agree, runtime } = await compare(model, held.data, held.count);
    expect(fn.net.layers.map((l) => l.kind).join(' ')).toBe(`${'conv2d relu '.repeat(9)}avgpool flatten dense`);
    expect(fn.softmax).toBe(false);
    // int8 activations against float ones: a few percent of the logits' range (measured 0.24 of 10.5 on 200 inputs)
    expect(worst).toBeLessThan(0.05 * largest);
    expect(agree).toBeGreaterThanOrEqual(held.count - 3);
    // the depthwise weights' scales are per channel on their last axis: written back, every int8 answer is the same
    const again = await modelScores(writeWeights(model, fn), held.data, held.count);
    expect(Array.from(again)).toEqual(Array.from(runtime));
  });

  test('a hostile model is refused with E_TRACE_MODEL: a mean over other axes, a PAD with negative or channel padding', async () => {
    const info = readTflite(model);
    const sg = info.subgraphs[0];
    /** the model with one int32 constant of operator `op`'s input `input` overwritten */
    const patched = (op: string, input: number, values: number[]) => {
      const o = sg.operators.find((x) => x.op === op)!;
      const b = info.buffers[sg.tensors[o.inputs[input]].buffer];
      const out = new Uint8Array(model);
      const dv = new DataView(out.buffer, out.byteOffset + b.dataOffset!, b.size);
      values.forEach((v, k) => dv.setInt32(4 * k, v, true));
      return out;
    };
    expect(errorCodeOf(() => floatNetFromTflite(patched('MEAN', 1, [1, 3])))).toBe('E_TRACE_MODEL');
    expect(() => floatNetFromTflite(patched('MEAN', 1, [2, 2]))).toThrow(/a mean over other axes than H and W/);
    // the tf2onnx KWS CNN has a PAD before its first convolution
    const kws = await tf2onnxKws();
    const pad = readTflite(kws.model).subgraphs[0].operators.find((o) => o.op === 'PAD');
    expect(pad).toBeDefined();
    const kwsInfo = readTflite(kws.model);
    const padAt = (values: number[]) => {
      const b = kwsInfo.buffers[kwsInfo.subgraphs[0].tensors[pad!.inputs[1]].buffer];
      const out = new Uint8Array(kws.model);
      const dv = new DataView(out.buffer, out.byteOffset + b.dataOffset!, b.size);
      values.forEach((v, k) => dv.setInt32(4 * k, v, true));
      return out;
    };
    expect(errorCodeOf(() => floatNetFromTflite(padAt([0, 0, -1, 4, 1, 1, 0, 0])))).toBe('E_TRACE_MODEL');
    expect(errorCodeOf(() => floatNetFromTflite(padAt([0, 0, 4, 4, 1, 1, 0, 2])))).toBe('E_TRACE_MODEL');
    expect(errorCodeOf(() => floatNetFromTflite(kws.model))).toBe('accepted');
  }, 120_000);

  test("a board's model is named from its answers among 100 boards (the trace code, black-box)", async () => {
    await expectNamedFromAnswers(model, held.data, held.count, 'd5c1', 7);
  }, 300_000);
});

/** The tf2onnx-style KWS CNN of the conformance corpus compiled to int8 on its calibration clips, and its clips. */
async function tf2onnxKws() {
  const FIXTURES = path.join(__dirname, '../conformance/fixtures');
  const meta = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'audio-kws-features.json'), 'utf8')) as {
    lo: number;
    step: number;
    shape: number[];
    calibration: number;
    evaluation: number;
  };
  const codes = zlib.gunzipSync(fs.readFileSync(path.join(FIXTURES, 'audio-kws-features.bin.gz')));
  const size = meta.shape.reduce((a, b) => a * b, 1);
  const clips = (from: number, n: number) =>
    Float32Array.from(codes.subarray(from * size, (from + n) * size), (c) => meta.lo + c * meta.step);
  const model = (
    await compileModel(new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'tf2onnx-kws-opset13.onnx'))), {
      precision: 'int8',
      calibration: { data: clips(0, meta.calibration), count: meta.calibration, sampleShape: meta.shape },
    })
  ).bytes;
  return { model, meta, clips };
}

test('the tf2onnx-style KWS CNN on real log-mel features: the network stops before its softmax', async () => {
  const { model, meta, clips } = await tf2onnxKws();
  const n = 100;
  const { fn, worst, agree } = await compare(model, clips(meta.calibration, n), n);
  expect(fn.softmax).toBe(true);
  expect(fn.net.layers.some((l) => l.kind === 'maxpool')).toBe(true);
  // probabilities in [0, 1]: int8 steps of 1/256 and the activations' rounding
  expect(worst).toBeLessThan(0.05);
  expect(agree).toBeGreaterThanOrEqual(n - 3);
}, 120_000);

describe('the zoo ResNet-8', () => {
  let model: Uint8Array;
  let held: Float32Array;
  const N = 300;
  beforeAll(async () => {
    model = await compileOnTask('cifar-resnet8');
    held = taskInputs(model, 'cifar-resnet8', 'test', N);
  }, 120_000);

  test('its float network, residual joins and all, answers as the TFLite runtime does; re-quantised, the same int8 answers', async () => {
    const { fn, worst, largest, agree, runtime } = await compare(model, held, N);
    expect(fn.net.layers.map((l) => l.kind).join(' ')).toBe(
      `conv2d relu ${'residual relu '.repeat(3)}avgpool flatten dense`,
    );
    // every convolution is bound to its weights, the shortcuts' 1x1 ones included
    expect(fn.bindings.length).toBe(
      readTflite(model).subgraphs[0].operators.filter((o) => o.op !== 'ADD' && o.op !== 'AVERAGE_POOL_2D').length,
    );
    // measured 0.11 of 9.1 on these 300 inputs; without the shortcuts (a mutation tried) the logits were off by 9.8
    expect(worst).toBeLessThan(0.05 * largest);
    expect(agree).toBeGreaterThanOrEqual(N - 12);
    const again = await modelScores(writeWeights(model, fn), held, N);
    expect(Array.from(again)).toEqual(Array.from(runtime));
  }, 120_000);

  test('a hostile graph is refused with E_TRACE_MODEL: an ADD joining tensors of different shapes, a tensor read three times', () => {
    const sg = readTflite(model).subgraphs[0];
    const [first, second] = sg.operators.filter((o) => o.op === 'ADD');
    /** the model with operator `op`'s inputs rewritten (found as its length-prefixed int32 vector; must be unique) */
    const rewired = (op: { inputs: number[] }, inputs: number[]) => {
      const pat = Buffer.from(Int32Array.from([op.inputs.length, ...op.inputs]).buffer);
      const buf = Buffer.from(model);
      const at = buf.indexOf(pat);
      expect(at).toBeGreaterThan(0);
      expect(buf.indexOf(pat, at + 1)).toBe(-1);
      Buffer.from(Int32Array.from(inputs).buffer).copy(buf, at + 4);
      return new Uint8Array(buf);
    };
    // the first block's ADD reads the model's input (32x32x3) instead of its shortcut (32x32x16)
    const shapes = rewired(first, [first.inputs[0], sg.inputs[0]]);
    expect(errorCodeOf(() => floatNetFromTflite(shapes))).toBe('E_TRACE_MODEL');
    expect(() => floatNetFromTflite(shapes)).toThrow(/residual branches of shapes/);
    // the second block's ADD reads its fork tensor instead of the shortcut's convolution: three readers, and the
    // shortcut's output goes nowhere
    const three = rewired(second, [
      second.inputs[0],
      sg.operators.find((o) => o.outputs[0] === first.outputs[0])!.outputs[0],
    ]);
    expect(errorCodeOf(() => floatNetFromTflite(three))).toBe('E_TRACE_MODEL');
    expect(() => floatNetFromTflite(three)).toThrow(/read by 3 operators/);
    expect(errorCodeOf(() => floatNetFromTflite(model))).toBe('accepted');
  });

  test("a board's model is named from its answers among 100 boards (the trace code, black-box)", async () => {
    await expectNamedFromAnswers(model, held, N, '4e58', 3);
  }, 300_000);
});

describe('a MobileNetV2 as torch.onnx exports one', () => {
  const N = 300;
  let int8io: Uint8Array;
  let floatio: Uint8Array;
  let held: Float32Array;
  beforeAll(async () => {
    const onnx = writeOnnx(mobilenetV2());
    int8io = await compileOnTask('cifar-resnet8', onnx, 'int8');
    floatio = await compileOnTask('cifar-resnet8', onnx, 'float');
    held = taskInputs(int8io, 'cifar-resnet8', 'test', N);
  }, 120_000);

  test('with int8 and with float inputs and outputs, its float network answers as the TFLite runtime does', async () => {
    const ops = (m: Uint8Array) => readTflite(m).subgraphs[0].operators.map((o) => o.op);
    expect(ops(int8io)).toEqual(expect.arrayContaining(['PAD', 'DEPTHWISE_CONV_2D', 'ADD', 'MEAN']));
    expect([ops(floatio)[0], ops(floatio).at(-1)]).toEqual(['QUANTIZE', 'DEQUANTIZE']);
    for (const model of [int8io, floatio]) {
      const { fn, worst, largest, agree, runtime } = await compare(model, held, N);
      expect(fn.net.layers.map((l) => l.kind).join(' ')).toBe(
        'conv2d relu6 residual conv2d relu6 conv2d relu6 conv2d residual conv2d relu6 avgpool dense',
      );
      // measured 0.038 of 2.9 on these 300 inputs, 298 arg-max agreeing
      expect(worst).toBeLessThan(0.05 * largest);
      expect(agree).toBeGreaterThanOrEqual(N - 6);
      const again = await modelScores(writeWeights(model, fn), held, N);
      expect(Array.from(again)).toEqual(Array.from(runtime));
    }
  }, 120_000);

  test("a float-I/O board's model is named from its answers among 100 boards, the base model naming none", async () => {
    await expectNamedFromAnswers(floatio, held, N, '3b02', 41);
  }, 300_000);
});
