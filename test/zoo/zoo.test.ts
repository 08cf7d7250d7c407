/**
 * The committed zoo models, checked with onnxruntime-node (the reference): each loads, has the
 * documented input/output shapes, zoo.json's parameter count equals the initializer element
 * count, the trained MNIST models reach their recorded accuracy on the first 1000 test
 * images (within one point), and the models trained on a synthetic task reach theirs on the
 * first 500 samples of that task's held-back test split (within two points).
 */
import * as fs from 'fs';
import * as ort from 'onnxruntime-node';
import * as path from 'path';
import { loadMnist } from '../../src/data/mnist';
import { readNpy } from '../../src/data/npy';
import { readOnnx } from '../../src/onnx/reader';
import { syntheticTask } from '../../src/zoo/synthetic-task';
import { ZooInfo } from '../../src/zoo/zoo-model';

const MODELS = path.resolve(__dirname, '..', '..', 'models');
const index = JSON.parse(fs.readFileSync(path.join(MODELS, 'zoo.json'), 'utf8')) as { models: ZooInfo[] };

const SHAPES: Record<string, { input: number[]; output: number[] }> = {
  'mnist-mlp': { input: [1, 1, 28, 28], output: [1, 10] },
  'mnist-lenet': { input: [1, 1, 28, 28], output: [1, 10] },
  'kws-dscnn': { input: [1, 1, 49, 10], output: [1, 12] },
  'cifar-resnet8': { input: [1, 3, 32, 32], output: [1, 10] },
};

test('zoo.json lists every zoo model', () => {
  expect(index.models.map((m) => m.name).sort()).toEqual(Object.keys(SHAPES).sort());
});

describe.each(index.models.map((m) => [m.name, m] as const))('%s', (name, info) => {
  const file = path.join(MODELS, `${name}.onnx`);
  let session: ort.InferenceSession;
  beforeAll(async () => {
    session = await ort.InferenceSession.create(file);
  });
  afterAll(async () => session?.release());

  test('shapes, opset 13 and the recorded parameter count', async () => {
    const model = readOnnx(fs.readFileSync(file), file);
    expect(model.opsetImports).toEqual([{ domain: '', version: 13 }]);
    let params = 0;
    for (const t of model.graph.initializers.values()) params += t.data.length;
    expect(params).toBe(info.params);
    const shape = SHAPES[name];
    expect(model.graph.inputs.map((i) => [i.name, i.shape])).toEqual([['input', shape.input]]);
    const x = new Float32Array(shape.input.reduce((a, b) => a * b, 1)).fill(0.5);
    const out = await session.run({ input: new ort.Tensor('float32', x, shape.input) });
    expect(Object.keys(out)).toEqual(['logits']);
    expect(out.logits.dims).toEqual(shape.output);
    expect(Array.from(out.logits.data as Float32Array).every(Number.isFinite)).toBe(true);
  });

  if (info.accuracy !== undefined && info.trainedOn?.startsWith('synthetic-')) {
    test(`${info.trainedOn} held-back test accuracy (first 500 of the test split) ≥ recorded ${(100 * info.accuracy).toFixed(2)}% − 2 points`, async () => {
      const set = syntheticTask(name, 'test', 500);
      const size = set.sampleShape.reduce((a, b) => a * b, 1);
      let correct = 0;
      for (let i = 0; i < set.count; i++) {
        const x = set.data.slice(i * size, (i + 1) * size);
        const out = await session.run({ input: new ort.Tensor('float32', x, [1, ...set.sampleShape]) });
        const logits = out.logits.data as Float32Array;
        let best = 0;
        for (let c = 1; c < logits.length; c++) if (logits[c] > logits[best]) best = c;
        if (best === set.labels[i]) correct++;
      }
      expect(correct / set.count).toBeGreaterThanOrEqual(info.accuracy! - 0.02);
      expect(info.accuracy!).toBeGreaterThan(0.95);
    });
  } else if (info.accuracy !== undefined) {
    test(`MNIST test accuracy (first 1000 images) ≥ recorded ${(100 * info.accuracy).toFixed(2)}% − 1 point`, async () => {
      const mnist = loadMnist('test');
      let correct = 0;
      for (let i = 0; i < 1000; i++) {
        const x = mnist.images.slice(i * 784, (i + 1) * 784);
        const out = await session.run({ input: new ort.Tensor('float32', x, [1, 1, 28, 28]) });
        const logits = out.logits.data as Float32Array;
        let best = 0;
        for (let c = 1; c < 10; c++) if (logits[c] > logits[best]) best = c;
        if (best === mnist.labels[i]) correct++;
      }
      expect(correct / 1000).toBeGreaterThanOrEqual(info.accuracy! - 0.01);
    });
  }
});

// PyTorch exports: compilable zoo models in models/pytorch, and import-only fixtures (LayerNorm
// decomposed with Sqrt, which has no TFLite lowering) in test/fixtures/import.
const IMPORT_FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'import');
describe('PyTorch exports in models/pytorch and test/fixtures/import', () => {
  const dirs = [path.join(MODELS, 'pytorch'), IMPORT_FIXTURES];
  const files = dirs
    .flatMap((d) =>
      fs
        .readdirSync(d)
        .filter((f) => f.endsWith('.onnx') && f.startsWith('torch-'))
        .map((f) => path.join(d, f)),
    )
    .sort();
  const names = files.map((f) => path.relative(path.resolve(MODELS, '..'), f));

  test('at least the documented exports exist', () => {
    expect(names).toEqual(
      expect.arrayContaining([
        'models/pytorch/torch-cnn-opset11.onnx',
        'models/pytorch/torch-cnn-opset13.onnx',
        'models/pytorch/torch-cnn-opset17.onnx',
        'models/pytorch/torch-mlp-hswish-opset13.onnx',
        'test/fixtures/import/torch-mlp-opset11.onnx',
        'test/fixtures/import/torch-mlp-opset13.onnx',
      ]),
    );
  });

  test.each(names)("%s: onnxruntime reproduces PyTorch's own output; the opset is the one named", async (name) => {
    const file = path.resolve(MODELS, '..', name);
    const f = path.basename(file);
    const dir = path.dirname(file);
    const bytes = fs.readFileSync(file);
    const model = readOnnx(bytes, f);
    expect(model.producerName).toBe('pytorch');
    expect(model.opsetImports.find((o) => o.domain === '')?.version).toBe(Number(/opset(\d+)/.exec(f)![1]));
    const input = model.graph.inputs[0];
    const dims = input.shape!.map(Number);
    const session = await ort.InferenceSession.create(bytes);
    const x = readNpy(path.join(dir, f.replace(/\.onnx$/, '.input.npy')));
    const expected = readNpy(path.join(dir, f.replace(/\.onnx$/, '.output.npy')));
    expect(x.shape).toEqual(dims);
    const out = await session.run({ [input.name]: new ort.Tensor('float32', x.data as Float32Array, dims) });
    expect(out.logits.dims).toEqual([1, 10]);
    expect(expected.shape).toEqual([1, 10]);
    const got = out.logits.data as Float32Array;
    const want = expected.data as Float32Array;
    const range = Math.max(...Array.from(want, Math.abs));
    for (let i = 0; i < 10; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-5 * range + 1e-6);
    await session.release();
  });
});
