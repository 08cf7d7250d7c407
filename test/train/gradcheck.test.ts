/**
 * Analytic gradients against central finite differences (in float64 arithmetic over the loss).
 * A wrong backward pass in any layer makes the relative error jump far above the tolerance.
 */
import { LayerSpec, buildNetwork } from '../../src/train/layers';
import { softmaxCrossEntropy } from '../../src/train/loss';
import { Sequential } from '../../src/train/network';
import { Rng } from '../../src/train/rng';

function lossOf(net: Sequential, x: Float32Array, labels: number[], grad: Float32Array | null): number {
  const batch = labels.length;
  const logits = net.forward(x, batch, true);
  return softmaxCrossEntropy(logits, labels, batch, net.outputSize, grad).loss;
}

/** Max relative error over sampled parameter entries and input-independent checks. */
function check(inputShape: number[], specs: LayerSpec[], batch: number, seed: number, inputSpread = 1): number {
  const net = buildNetwork(inputShape, specs, seed);
  const rng = new Rng(seed + 1);
  // Bias entries start at zero; give them values so relu boundaries are not all at 0.
  for (const p of net.params)
    if (p.role === 'bias') for (let i = 0; i < p.value.length; i++) p.value[i] = rng.range(-0.1, 0.1);
  const x = rng.normalArray(batch * net.inputSize, inputSpread);
  const labels = Array.from({ length: batch }, () => rng.int(net.outputSize));
  const grad = new Float32Array(batch * net.outputSize);
  lossOf(net, x, labels, grad);
  net.zeroGrad();
  net.backward(grad, batch);
  let worst = 0;
  const eps = 1e-3;
  for (const p of net.params) {
    const analytic = p.grad.slice();
    const picks = Math.min(p.value.length, 12);
    for (let t = 0; t < picks; t++) {
      const i = rng.int(p.value.length);
      const orig = p.value[i];
      p.value[i] = orig + eps;
      const up = lossOf(net, x, labels, null);
      p.value[i] = orig - eps;
      const down = lossOf(net, x, labels, null);
      p.value[i] = orig;
      const numeric = (up - down) / (2 * eps);
      const err = Math.abs(numeric - analytic[i]) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic[i]));
      if (process.env.GC_DEBUG && err > 1e-2) console.log(p.role, p.shape, i, numeric, analytic[i]);
      worst = Math.max(worst, err);
    }
  }
  return worst;
}

test('dense + relu', () => {
  expect(check([7], [{ kind: 'dense', units: 6 }, { kind: 'relu' }, { kind: 'dense', units: 4 }], 3, 11)).toBeLessThan(
    1e-2,
  );
});

test('conv (pad, stride) + maxpool + flatten + dense', () => {
  const specs: LayerSpec[] = [
    { kind: 'conv2d', filters: 3, kernel: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] },
    { kind: 'relu' },
    { kind: 'maxpool', kernel: [2, 2] },
    { kind: 'conv2d', filters: 4, kernel: [3, 2], strides: [2, 1], pads: [1, 0, 0, 1] },
    { kind: 'flatten' },
    { kind: 'dense', units: 5 },
  ];
  expect(check([2, 8, 8], specs, 2, 5)).toBeLessThan(1e-2);
});

test('grouped / depthwise / 1x1 / dilated conv + avgpool + global average pool', () => {
  const specs: LayerSpec[] = [
    { kind: 'conv2d', filters: 4, kernel: [3, 3], pads: [1, 1, 1, 1], group: 2 },
    { kind: 'conv2d', filters: 4, kernel: [3, 3], pads: [2, 2, 2, 2], dilations: [2, 2], group: 4 },
    { kind: 'relu' },
    { kind: 'conv2d', filters: 6, kernel: [1, 1] },
    { kind: 'avgpool', kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
    { kind: 'globalavgpool' },
    { kind: 'flatten' },
    { kind: 'dense', units: 3 },
  ];
  expect(check([4, 7, 7], specs, 2, 9)).toBeLessThan(1e-2);
});

test('the check itself catches a wrong gradient', () => {
  // Sanity of the harness: perturbing the analytic gradient must be detected.
  const net = buildNetwork([5], [{ kind: 'dense', units: 3 }], 3);
  const x = new Rng(4).normalArray(10, 1);
  const labels = [0, 2];
  const grad = new Float32Array(6);
  lossOf(net, x, labels, grad);
  net.zeroGrad();
  net.backward(grad, 2);
  const w = net.params[0];
  const orig = w.value[0];
  w.value[0] = orig + 1e-2;
  const up = lossOf(net, x, labels, null);
  w.value[0] = orig - 1e-2;
  const down = lossOf(net, x, labels, null);
  w.value[0] = orig;
  const numeric = (up - down) / 2e-2;
  expect(Math.abs(numeric - w.grad[0])).toBeLessThan(1e-3);
  expect(Math.abs(numeric - 1.1 * w.grad[0])).toBeGreaterThan(1e-3);
});

test('residual joins: an identity shortcut and a strided 1x1 convolution shortcut, each followed by a ReLU', () => {
  const specs: LayerSpec[] = [
    { kind: 'conv2d', filters: 3, kernel: [3, 3], pads: [1, 1, 1, 1] },
    { kind: 'relu' },
    {
      kind: 'residual',
      branches: [
        [
          { kind: 'conv2d', filters: 3, kernel: [3, 3], pads: [1, 1, 1, 1] },
          { kind: 'relu' },
          { kind: 'conv2d', filters: 3, kernel: [3, 3], pads: [1, 1, 1, 1] },
        ],
        [],
      ],
    },
    { kind: 'relu' },
    {
      kind: 'residual',
      branches: [
        [{ kind: 'conv2d', filters: 4, kernel: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] }],
        [{ kind: 'conv2d', filters: 4, kernel: [1, 1], strides: [2, 2] }],
      ],
    },
    { kind: 'relu' },
    { kind: 'globalavgpool' },
    { kind: 'flatten' },
    { kind: 'dense', units: 3 },
  ];
  expect(check([2, 6, 6], specs, 2, 13)).toBeLessThan(1e-2);
});

test('relu6 (MobileNet): the gradient is cut below 0 and above 6', () => {
  const specs: LayerSpec[] = [{ kind: 'dense', units: 8 }, { kind: 'relu6' }, { kind: 'dense', units: 4 }];
  // inputs of spread 6 put pre-activations (spread about 8) on both sides of both bends
  const net = buildNetwork([5], specs, 21);
  const y = net.layers[1].forward(net.layers[0].forward(new Rng(22).normalArray(5 * 4, 6), 4, false), 4, false);
  expect(y.filter((v) => v === 6).length).toBeGreaterThan(2);
  expect(y.filter((v) => v === 0).length).toBeGreaterThan(2);
  expect(check([5], specs, 4, 21, 6)).toBeLessThan(1e-2);
});
