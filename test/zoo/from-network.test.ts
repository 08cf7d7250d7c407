/**
 * The trainer's forward pass and its ONNX export agree with onnxruntime (the reference): a
 * random network using every layer kind is written by emitNetwork + writeOnnx and run by ORT.
 */
import * as ort from 'onnxruntime-node';
import { writeOnnx } from '../../src/onnx/writer';
import { LayerSpec, buildNetwork } from '../../src/train/layers';
import { Rng } from '../../src/train/rng';
import { emitNetwork } from '../../src/zoo/from-network';
import { GraphBuilder } from '../../src/zoo/graph-builder';

async function compare(inputShape: number[], specs: LayerSpec[], seed: number): Promise<number> {
  const net = buildNetwork(inputShape, specs, seed);
  const rng = new Rng(seed + 7);
  for (const p of net.params)
    if (p.role === 'bias') for (let i = 0; i < p.value.length; i++) p.value[i] = rng.range(-0.5, 0.5);
  const b = new GraphBuilder();
  emitNetwork(b, net, 'input', 'out');
  const session = await ort.InferenceSession.create(writeOnnx(b.toModel('t', 'test')));
  let worst = 0;
  for (let t = 0; t < 4; t++) {
    const x = rng.normalArray(net.inputSize, 1);
    const ours = net.forward(x, 1, false).slice();
    const ref = (await session.run({ input: new ort.Tensor('float32', x, [1, ...inputShape]) })).out;
    expect(ref.dims).toEqual([1, ...net.outputShape]);
    const r = ref.data as Float32Array;
    let range = 1e-6;
    for (const v of r) range = Math.max(range, Math.abs(v));
    for (let i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs(r[i] - ours[i]) / range);
  }
  return worst;
}

test('conv variants, pools and dense match onnxruntime', async () => {
  const specs: LayerSpec[] = [
    { kind: 'conv2d', filters: 6, kernel: [5, 5], pads: [2, 2, 2, 2] },
    { kind: 'relu' },
    { kind: 'maxpool', kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
    { kind: 'conv2d', filters: 6, kernel: [3, 3], pads: [1, 1, 1, 1], group: 6 },
    { kind: 'conv2d', filters: 8, kernel: [3, 2], strides: [2, 1], pads: [0, 1, 1, 0], dilations: [1, 2], group: 2 },
    { kind: 'relu' },
    { kind: 'conv2d', filters: 8, kernel: [1, 1] },
    { kind: 'avgpool', kernel: [2, 2], strides: [1, 1], pads: [1, 0, 0, 1] },
    { kind: 'flatten' },
    { kind: 'dense', units: 16 },
    { kind: 'relu' },
    { kind: 'dense', units: 5 },
  ];
  expect(await compare([3, 17, 15], specs, 3)).toBeLessThan(1e-5);
});

test('global average pool and dense on a non-flat input (implicit Flatten)', async () => {
  const specs: LayerSpec[] = [
    { kind: 'conv2d', filters: 4, kernel: [3, 3] },
    { kind: 'globalavgpool' },
    { kind: 'dense', units: 3 },
  ];
  expect(await compare([2, 6, 6], specs, 4)).toBeLessThan(1e-5);
});
