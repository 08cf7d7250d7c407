/**
 * The conformance corpus (test/conformance/fixtures/build_torch.py, build_torch_resize.py): PyTorch
 * exports at opsets 11, 13, 16 and 17 with LayerNorm and a HardSigmoid gate, tf2onnx/Keras-style
 * channels-last inputs, a paddle-style opset-9 graph with symbolic H/W, FPN-style Resize and a
 * ConvTranspose (the audio model, tf2onnx-kws-opset13, has its own file: ./audio-kws.test.ts). On real MNIST
 * digits each must:
 * - float: match onnxruntime within 1e-5 of the output range;
 * - int8 with float I/O: agree with the float model's top-1 on ≥ 99% of 1000 test digits;
 * - channels-last sources: take the source's input shape unchanged.
 */
import * as fs from 'fs';
import * as path from 'path';
import { compileModel } from '../../src/compiler/compile';
import { loadDataset } from '../../src/data/dataset';
import { readOnnx } from '../../src/onnx';
import { TfliteOracle } from '../../src/tflite/oracle';
import { runOrt } from '../helpers/ort';

const FIXTURES = path.join(__dirname, 'fixtures');
const test10k = loadDataset('mnist-test');
const train = loadDataset('mnist-train');
const SIZE = 28 * 28;
const digit = (set: typeof train, i: number): Float32Array => set.data.subarray(i * SIZE, (i + 1) * SIZE);

interface Entry {
  file: string;
  /** The .tflite input shape expected (the source's own for channels-last sources). */
  tfliteInput: number[];
  layout: string;
  inputShape?: [string, number[]];
  /** false: float only. */
  int8?: boolean;
}

const CORPUS: Entry[] = [
  ...[11, 13, 16, 17].map((o) => ({ file: `torch-ln-hsig-opset${o}`, tfliteInput: [1, 28, 28, 1], layout: 'nhwc' })),
  { file: 'nhwc-transpose-opset13', tfliteInput: [1, 28, 28, 1], layout: 'onnx-nhwc' },
  { file: 'nhwc-reshape-opset13', tfliteInput: [1, 28, 28, 1], layout: 'onnx-nhwc' },
  { file: 'paddle-opset9-dynhw', tfliteInput: [1, 28, 28, 1], layout: 'nhwc', inputShape: ['x', [1, 1, 28, 28]] },
  // build_torch_resize.py: FPN-style nearest and bilinear upsampling, a ConvTranspose decoder step
  ...[11, 13].map((o) => ({ file: `torch-upsample-opset${o}`, tfliteInput: [1, 28, 28, 1], layout: 'nhwc' })),
  { file: 'torch-convtranspose-opset13', tfliteInput: [1, 28, 28, 1], layout: 'nhwc' },
];

function argmax(v: ArrayLike<number>): number {
  let k = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[k]) k = i;
  return k;
}

describe.each(CORPUS)('$file', (entry) => {
  const bytes = new Uint8Array(fs.readFileSync(path.join(FIXTURES, `${entry.file}.onnx`)));
  const inputShapes = new Map(entry.inputShape ? [entry.inputShape] : []);

  test('float: the emitted input shape, and onnxruntime within 1e-5 of the output range on real digits', async () => {
    const f = await compileModel(bytes, { precision: 'float32', inputShapes });
    expect(f.summary.inputs[0].shape).toEqual(entry.tfliteInput);
    expect(f.graph.inputLayouts).toEqual([entry.layout]);
    const model = readOnnx(bytes);
    const onnxShape =
      entry.inputShape?.[1] ?? (model.graph.inputs[0].shape!.map((d) => (typeof d === 'number' ? d : 1)) as number[]);
    const oracle = await TfliteOracle.load(f.bytes);
    let worst = 0;
    try {
      for (let i = 0; i < 16; i++) {
        const x = Float32Array.from(digit(test10k, i)); // one channel: the same element order NCHW and NHWC
        const ref = (await runOrt(bytes, { x: { dtype: 'float32', shape: onnxShape, data: x } })).logits
          .data as Float32Array;
        const got = oracle.run([{ data: x, shape: entry.tfliteInput }])[0].data;
        const span = Math.max(...ref) - Math.min(...ref);
        ref.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - got[k]) / span)));
      }
    } finally {
      oracle.dispose();
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  (entry.int8 === false ? test.skip : test)(
    'int8 (--io float) agrees with float on ≥ 99% of 1000 test digits',
    async () => {
      const sampleShape = readOnnx(bytes)
        .graph.inputs[0].shape!.slice(1)
        .map((d) => (typeof d === 'number' ? d : 28)) as number[];
      const calibration = { data: train.data.subarray(0, 300 * SIZE), count: 300, sampleShape };
      const q = await compileModel(bytes, { precision: 'int8', io: 'float', calibration, inputShapes });
      const f = await compileModel(bytes, { precision: 'float32', inputShapes });
      expect(q.summary.inputs[0].shape).toEqual(entry.tfliteInput);
      const qo = await TfliteOracle.load(q.bytes);
      const fo = await TfliteOracle.load(f.bytes);
      let agree = 0;
      const n = 1000;
      try {
        for (let i = 0; i < n; i++) {
          const x = Float32Array.from(digit(test10k, i));
          if (
            argmax(qo.run([{ data: x, shape: entry.tfliteInput }])[0].data) ===
            argmax(fo.run([{ data: x, shape: entry.tfliteInput }])[0].data)
          )
            agree++;
        }
      } finally {
        qo.dispose();
        fo.dispose();
      }
      expect(agree / n).toBeGreaterThanOrEqual(0.99);
    },
  );
});
