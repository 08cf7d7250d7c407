/**
 * IR model → trainable network → trained weights back into the model, checked against
 * onnxruntime: the network computes what ORT computes on the source model, and after training
 * ORT on the written-back model computes what the trained network computes.
 */
import * as fs from 'fs';
import * as ort from 'onnxruntime-node';
import * as path from 'path';
import { loadMnist } from '../../src/data/mnist';
import { EdgelockError } from '../../src/errors';
import { Model } from '../../src/ir/types';
import { readOnnx } from '../../src/onnx/reader';
import { writeOnnx } from '../../src/onnx/writer';
import { fit } from '../../src/train/fit';
import { trainableFromModel, writeBackWeights } from '../../src/train/from-model';
import { LayerSpec, buildNetwork } from '../../src/train/layers';
import { Sequential } from '../../src/train/network';
import { Sgd } from '../../src/train/optim/sgd';
import { Rng } from '../../src/train/rng';
import { emitNetwork } from '../../src/zoo/from-network';
import { GraphBuilder } from '../../src/zoo/graph-builder';

const MODELS = path.resolve(__dirname, '..', '..', 'models');

async function maxRelDiff(model: Model, net: Sequential, inputs: Float32Array[]): Promise<number> {
  const session = await ort.InferenceSession.create(writeOnnx(model));
  const input = model.graph.inputs[0];
  const out = model.graph.outputs[0].name;
  let worst = 0;
  for (const x of inputs) {
    const ref = (await session.run({ [input.name]: new ort.Tensor('float32', x, input.shape!.map(Number)) }))[out]
      .data as Float32Array;
    const ours = net.forward(x, 1, false);
    let range = 1e-6;
    for (const v of ref) range = Math.max(range, Math.abs(v));
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i] - ours[i]) / range);
  }
  await session.release();
  return worst;
}

function errorOf(fn: () => unknown): EdgelockError {
  try {
    fn();
  } catch (e) {
    if (e instanceof EdgelockError) return e;
    throw e;
  }
  throw new Error('no error');
}

test('a conv chain with every layer kind survives model → network → train → model', async () => {
  const specs: LayerSpec[] = [
    { kind: 'conv2d', filters: 4, kernel: [3, 3], pads: [1, 1, 1, 1] },
    { kind: 'relu' },
    { kind: 'maxpool', kernel: [2, 2] },
    { kind: 'conv2d', filters: 4, kernel: [3, 3], pads: [1, 1, 1, 1], group: 4, bias: false },
    { kind: 'avgpool', kernel: [2, 2], strides: [1, 1] },
    { kind: 'conv2d', filters: 6, kernel: [1, 1] },
    { kind: 'globalavgpool' },
    { kind: 'flatten' },
    { kind: 'dense', units: 3 },
  ];
  const source = buildNetwork([2, 8, 8], specs, 1);
  const b = new GraphBuilder();
  emitNetwork(b, source, 'input', 'logits');
  const model = b.toModel('t', 'test');
  const t = trainableFromModel(model);
  expect(t.net.paramCount()).toBe(source.paramCount());
  const rng = new Rng(2);
  const inputs = Array.from({ length: 4 }, () => rng.normalArray(128, 1));
  expect(await maxRelDiff(model, t.net, inputs)).toBeLessThan(1e-5);

  const data = { x: rng.normalArray(64 * 128, 1), labels: Array.from({ length: 64 }, () => rng.int(3)), count: 64 };
  fit(t.net, data, { epochs: 2, batchSize: 16, optimizer: new Sgd({ lr: 0.1, momentum: 0.9 }), seed: 3 });
  const trained = writeBackWeights(model, t);
  expect(await maxRelDiff(trained, t.net, inputs)).toBeLessThan(1e-5);
  // The source model is untouched and the trained one really differs.
  const w0 = model.graph.initializers.get(t.bindings[0].initializer)!.data as Float32Array;
  const w1 = trained.graph.initializers.get(t.bindings[0].initializer)!.data as Float32Array;
  expect(Array.from(w0)).toEqual(Array.from(source.params[0].value));
  expect(Array.from(w1)).not.toEqual(Array.from(w0));
  expect(trained.graph.nodes).toBe(model.graph.nodes);
});

test('Gemm with transB = 0 is read and written back in its own layout', async () => {
  const rng = new Rng(5);
  const b = new GraphBuilder();
  b.input('x', [1, 6]);
  const w = b.weight('w', [6, 4], rng.normalArray(24, 1));
  const bias = b.weight('b', [4], rng.normalArray(4, 1));
  b.node('Gemm', ['x', w, bias], {}, 'y');
  b.output('y', [1, 4]);
  const model = b.toModel('g', 'gemm');
  const t = trainableFromModel(model);
  const inputs = [rng.normalArray(6, 1), rng.normalArray(6, 1)];
  expect(await maxRelDiff(model, t.net, inputs)).toBeLessThan(1e-5);
  t.net.params[0].value[1] += 0.5; // W[out 0, in 1] → B[in 1, out 0]
  const written = writeBackWeights(model, t);
  const before = model.graph.initializers.get('w')!.data as Float32Array;
  const after = written.graph.initializers.get('w')!.data as Float32Array;
  expect(after[1 * 4 + 0] - before[1 * 4 + 0]).toBeCloseTo(0.5, 5);
  expect(await maxRelDiff(written, t.net, inputs)).toBeLessThan(1e-5);
});

const zooFile = (name: string) => path.join(MODELS, `${name}.onnx`);

test.each(['mnist-mlp', 'mnist-lenet'])('zoo %s: the network reproduces onnxruntime on MNIST', async (name) => {
  const model = readOnnx(fs.readFileSync(zooFile(name)), name);
  const t = trainableFromModel(model);
  const mnist = loadMnist('test');
  const inputs = Array.from({ length: 20 }, (_, i) => mnist.images.slice(i * 784, (i + 1) * 784));
  expect(await maxRelDiff(model, t.net, inputs)).toBeLessThan(1e-5);
});

test('graphs outside the trainable set fail with E_TRAIN_UNSUPPORTED naming the node', () => {
  for (const [name, pattern] of [
    ['kws-dscnn', /BatchNormalization is not trainable/],
    ['cifar-resnet8', /BatchNormalization is not trainable/],
  ] as const) {
    const e = errorOf(() => trainableFromModel(readOnnx(fs.readFileSync(zooFile(name)), name)));
    expect(e.code).toBe('E_TRAIN_UNSUPPORTED');
    expect(e.message).toMatch(pattern);
    expect(e.location.node).toBeTruthy();
  }
  // A residual branch (one value feeding two nodes) is not a chain.
  const b = new GraphBuilder();
  b.input('x', [1, 4]);
  const r = b.node('Relu', ['x']);
  b.node('Add', [r, 'x'], {}, 'y');
  b.output('y', [1, 4]);
  expect(errorOf(() => trainableFromModel(b.toModel('r', 'residual'))).message).toMatch(/value 'x' feeds 2 nodes/);
});
