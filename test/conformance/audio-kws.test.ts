/**
 * The conformance corpus's audio model (fixtures/build_audio_kws.py): a Keras-style depthwise-separable
 * keyword-spotting CNN as tf2onnx writes it — input [N, 49, 40, 1] (log-mel frames, channels last), a Transpose
 * [0,3,1,2] into NCHW, Conv with BatchNorm folded in, depthwise and pointwise convolutions, ReLU, MaxPool, a
 * Transpose back to NHWC before Flatten, Dense, Softmax — fed the log-mel features of speech-like audio computed by
 * the same script (60 calibration clips, 300 held-out clips; not noise). It must:
 * - keep the source's channels-last input shape [1, 49, 40, 1];
 * - float: match onnxruntime within 1e-5 of the output range;
 * - int8 with float I/O: agree with the float model's top-1 on ≥ 99% of the 300 clips;
 * - int8 on the firmware runtime: operator by operator bit-exact with the TFLite runtime (in one of the runtime's two
 *   rounding builds, as test/runtime/zoo.test.ts requires), and the whole model on the host, on QEMU's Cortex-M4
 *   and in the host-sim firmware (device protocol LOAD + RUN) with the TFLite runtime's top-1 and the host's bytes.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { compileModel, CompileResult } from '../../src/compiler/compile';
import { TfliteOracle } from '../../src/tflite/oracle';
import { buildQemuRuntimeHarness, runOnQemu } from '../../src/bench/qemu-runtime';
import { devBoardClient } from '../helpers/dev-board';
import { runOrt } from '../helpers/ort';
import { activationInputs, extract, graphInputs, operatorCount } from '../runtime/extract';
import { buildHarness, compare, runC, runOracleMany, RuntimeInput } from '../runtime/harness';

const FIXTURES = path.join(__dirname, 'fixtures');
const ONNX = new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'tf2onnx-kws-opset13.onnx')));
const META = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'audio-kws-features.json'), 'utf8')) as {
  lo: number;
  step: number;
  shape: number[];
  calibration: number;
  evaluation: number;
  classes: string[];
  labels: number[];
};
const CODES = zlib.gunzipSync(fs.readFileSync(path.join(FIXTURES, 'audio-kws-features.bin.gz')));
const SIZE = META.shape.reduce((a, b) => a * b, 1);
/** Clip i's log-mel features [49, 40, 1] (channels last, as the source model takes them). */
const clip = (i: number): Float32Array =>
  Float32Array.from(CODES.subarray(i * SIZE, (i + 1) * SIZE), (c) => META.lo + c * META.step);
const EVAL = Array.from({ length: META.evaluation }, (_, k) => META.calibration + k);
const SOURCE_SHAPE = [1, ...META.shape];
const calibration = () => {
  const data = new Float32Array(META.calibration * SIZE);
  for (let i = 0; i < META.calibration; i++) data.set(clip(i), i * SIZE);
  return { data, count: META.calibration, sampleShape: META.shape };
};

function argmax(v: ArrayLike<number>): number {
  let k = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[k]) k = i;
  return k;
}

const report: string[] = [];
afterAll(() => console.log(`tf2onnx-style KWS CNN on log-mel features:\n${report.join('\n')}`));

test('the features are the script’s: 360 clips of 49 × 40 log-mel codes, eight classes', () => {
  expect(CODES.length).toBe((META.calibration + META.evaluation) * SIZE);
  expect(META.shape).toEqual([49, 40, 1]);
  expect(META.labels).toHaveLength(META.calibration + META.evaluation);
  // speech-like, not noise: frames differ (silence, voicing, bursts) and most codes lie inside the range
  const codes = Array.from(CODES.subarray(0, 50 * SIZE));
  expect(Math.max(...codes) - Math.min(...codes)).toBeGreaterThan(150);
});

test('float: the source’s channels-last input shape, onnxruntime within 1e-5 of the output range, and the model recognises the clips', async () => {
  const f = await compileModel(ONNX, { precision: 'float32' });
  expect(f.summary.inputs[0].shape).toEqual(SOURCE_SHAPE);
  expect(f.graph.inputLayouts).toEqual(['onnx-nhwc']);
  const oracle = await TfliteOracle.load(f.bytes);
  let worst = 0;
  let correct = 0;
  try {
    for (const i of EVAL) {
      const x = clip(i);
      const got = oracle.run([{ data: x, shape: SOURCE_SHAPE }])[0].data;
      if (argmax(got) === META.labels[i]) correct++;
      if (i >= META.calibration + 24) continue;
      const ref = (await runOrt(ONNX, { logmel: { dtype: 'float32', shape: SOURCE_SHAPE, data: x } })).probs
        .data as Float32Array;
      const span = Math.max(...ref) - Math.min(...ref);
      ref.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - got[k]) / span)));
    }
  } finally {
    oracle.dispose();
  }
  report.push(
    `float: worst |TFLite − onnxruntime| / output range ${worst.toExponential(2)} on 24 clips; accuracy ${correct}/${EVAL.length}`,
  );
  expect(worst).toBeLessThanOrEqual(1e-5);
  expect(correct / EVAL.length).toBeGreaterThanOrEqual(0.9); // a trained model: its decisions mean something
});

test('int8 (--io float): the same input shape, top-1 agreement with float on ≥ 99% of 300 held-out clips', async () => {
  const q = await compileModel(ONNX, { precision: 'int8', io: 'float', calibration: calibration() });
  const f = await compileModel(ONNX, { precision: 'float32' });
  expect(q.summary.inputs[0].shape).toEqual(SOURCE_SHAPE);
  const qo = await TfliteOracle.load(q.bytes);
  const fo = await TfliteOracle.load(f.bytes);
  let agree = 0;
  let correct = 0;
  try {
    for (const i of EVAL) {
      const x = { data: clip(i), shape: SOURCE_SHAPE };
      const qt = argmax(qo.run([x])[0].data);
      if (qt === argmax(fo.run([x])[0].data)) agree++;
      if (qt === META.labels[i]) correct++;
    }
  } finally {
    qo.dispose();
    fo.dispose();
  }
  report.push(
    `int8 --io float: top-1 agreement with float ${agree}/${EVAL.length}; accuracy ${correct}/${EVAL.length}`,
  );
  expect(agree / EVAL.length).toBeGreaterThanOrEqual(0.99);
});

describe('int8 on the firmware runtime', () => {
  let q: CompileResult;
  let inputs: Int8Array[];
  let expected: Int32Array[];
  let exe: string;
  const N = 12;
  beforeAll(async () => {
    q = await compileModel(ONNX, { precision: 'int8', io: 'int8', calibration: calibration() });
    const inp = q.summary.inputs[0];
    inputs = EVAL.slice(0, N).map((i) =>
      Int8Array.from(clip(i), (v) => Math.max(-128, Math.min(127, Math.round(v / inp.scale!) + inp.zeroPoint!))),
    );
    expected = (
      await runOracleMany(
        q.bytes,
        inputs.map((x) => [x]),
        [inp.shape],
      )
    ).map((w) => Int32Array.from(w[0]));
    exe = buildHarness(false);
  }, 300_000);

  test('operator by operator on real features: bit-exact with the TFLite runtime in one rounding build', async () => {
    const single = buildHarness(false, ['EL_SINGLE_ROUNDING']);
    const bytes = q.bytes;
    const gIn = graphInputs(bytes);
    const lines: string[] = [];
    for (let i = 0; i < operatorCount(bytes); i++) {
      const one = extract(bytes, i, i);
      const needed = activationInputs(bytes, i);
      const fromPrefix = needed.filter((t) => !gIn.includes(t));
      const prefix = fromPrefix.length ? extract(bytes, 0, i - 1, fromPrefix) : null;
      const inputSets = inputs.slice(0, 3).map((x) => {
        const values = new Map<number, RuntimeInput>();
        needed.filter((t) => gIn.includes(t)).forEach((t) => values.set(t, x));
        if (prefix) {
          const res = runC(exe, prefix.model, [x]);
          expect(res.status).toBe('ok');
          fromPrefix.forEach((t, k) => values.set(t, res.values![k]));
        }
        return one.inputs.map((t) => values.get(t)!);
      });
      const wants = await runOracleMany(one.model, inputSets, one.inputShapes);
      const maxDiff = (binary: string) => {
        let m = 0;
        inputSets.forEach((ins, s) => {
          const got = runC(binary, one.model, ins);
          expect(got.status).toBe('ok');
          wants[s].forEach((w, k) => (m = Math.max(m, compare(got.values![k], w).maxDiff)));
        });
        return m;
      };
      const def = maxDiff(exe);
      const verdict = def === 0 ? 'exact' : maxDiff(single) === 0 ? 'exact with single rounding' : 'DIFFERS';
      lines.push(`op ${i} ${one.ops[0]}: ${verdict}`);
      expect({ op: i, name: one.ops[0], verdict }).toEqual({
        op: i,
        name: one.ops[0],
        verdict: expect.stringMatching(/^exact/),
      });
    }
    report.push(`operator by operator:\n  ${lines.join('\n  ')}`);
  }, 600_000);

  test('whole model: host (both builds) and QEMU Cortex-M4 give the TFLite runtime’s top-1; QEMU = host', () => {
    const builds = [exe, buildHarness(false, ['EL_SINGLE_ROUNDING'])];
    const qemu = runOnQemu(
      buildQemuRuntimeHarness('default'),
      inputs.map((x) => ({ model: q.bytes, input: new Uint8Array(x.buffer) })),
    );
    const steps = [0, 0];
    inputs.forEach((x, s) => {
      builds.forEach((b, k) => {
        const got = runC(b, q.bytes, [x]);
        expect(got.status).toBe('ok');
        steps[k] = Math.max(steps[k], compare(got.values![0], expected[s]).maxDiff);
        expect({ clip: s, top1: argmax(got.values![0]) }).toEqual({ clip: s, top1: argmax(expected[s]) });
        if (k === 0) {
          const host = Buffer.from(got.values![0].buffer).toString('hex');
          expect(qemu[s].status).toBe('ok');
          expect({ fast: qemu[s].outFast!.toString('hex'), ref: qemu[s].outRef!.toString('hex') }).toEqual({
            fast: host,
            ref: host,
          });
        }
      });
    });
    report.push(
      `whole model on ${N} clips: default build ≤ ${steps[0]} steps, single-rounding ≤ ${steps[1]} from the TFLite runtime; QEMU = host`,
    );
    // XNNPACK runs the oracle's convolutions with one rounding: per-operator one-step differences compound
    expect(Math.min(...steps)).toBeLessThanOrEqual(3);
  }, 600_000);

  describe('host-sim firmware (device protocol LOAD, RUN)', () => {
    const client = devBoardClient();

    test('the same bytes as the host runtime, the TFLite runtime’s top-1', async () => {
      await client().loadModelDev(Buffer.from(q.bytes), 0);
      for (const [s, x] of inputs.entries()) {
        const r = await client().run(0, x);
        const host = runC(exe, q.bytes, [x]).values![0];
        expect(Array.from(r.outputs[0].int8)).toEqual(Array.from(host));
        expect(argmax(r.outputs[0].int8)).toBe(argmax(expected[s]));
      }
    }, 300_000);
  });
});
