/**
 * Sequential.inputGradient (used to craft fingerprint inputs) against central finite differences of
 * the loss with respect to input values (max-pool's switches make finite differences jumpy; its backward
 * is covered by gradcheck.test.ts), on a conv chain (first layer conv: the direct and im2col
 * paths) and on a flatten + dense chain.
 */
import { LayerSpec, buildNetwork } from '../../src/train/layers';
import { softmaxCrossEntropy } from '../../src/train/loss';
import { Rng } from '../../src/train/rng';

/** Relative errors of 24 sampled input entries, sorted; a ReLU kink inside ±eps can spoil one or two. */
function errors(inputShape: number[], specs: LayerSpec[], batch: number, seed: number): number[] {
  const net = buildNetwork(inputShape, specs, seed);
  const rng = new Rng(seed + 1);
  for (const p of net.params)
    if (p.role === 'bias') for (let i = 0; i < p.value.length; i++) p.value[i] = rng.range(-0.1, 0.1);
  const x = rng.normalArray(batch * net.inputSize, 1);
  const labels = Array.from({ length: batch }, () => rng.int(net.outputSize));
  const loss = (v: Float32Array) =>
    softmaxCrossEntropy(net.forward(v, batch, false), labels, batch, net.outputSize, null).loss;
  const dOut = new Float32Array(batch * net.outputSize);
  softmaxCrossEntropy(net.forward(x, batch, false), labels, batch, net.outputSize, dOut);
  const analytic = net.inputGradient(dOut, batch).slice(0, x.length);
  const errs: number[] = [];
  const eps = 1e-2; // float32 inputs: a smaller step drowns in rounding
  for (let t = 0; t < 24; t++) {
    const i = rng.int(x.length);
    const orig = x[i];
    x[i] = orig + eps;
    const up = loss(x);
    x[i] = orig - eps;
    const down = loss(x);
    x[i] = orig;
    const numeric = (up - down) / (2 * eps);
    errs.push(Math.abs(numeric - analytic[i]) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic[i])));
  }
  return errs.sort((a, b) => a - b);
}

/** The 22nd smallest of 24 errors. */
function worstError(inputShape: number[], specs: LayerSpec[], batch: number, seed: number): number {
  return errors(inputShape, specs, batch, seed)[21];
}

test('conv + relu + avgpool + conv + flatten + dense: input gradient = finite differences', () => {
  const specs: LayerSpec[] = [
    { kind: 'conv2d', filters: 3, kernel: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] },
    { kind: 'relu' },
    { kind: 'avgpool', kernel: [2, 2], strides: [2, 2] },
    { kind: 'conv2d', filters: 4, kernel: [3, 3] },
    { kind: 'flatten' },
    { kind: 'dense', units: 5 },
  ];
  expect(worstError([1, 10, 10], specs, 3, 7)).toBeLessThan(1e-2);
});

test('1x1 conv first (direct path) and flatten + dense chains', () => {
  expect(
    worstError(
      [2, 5, 5],
      [
        { kind: 'conv2d', filters: 3, kernel: [1, 1] },
        { kind: 'relu' },
        { kind: 'flatten' },
        { kind: 'dense', units: 4 },
      ],
      2,
      3,
    ),
  ).toBeLessThan(1e-2);
  expect(
    worstError(
      [1, 6, 6],
      [{ kind: 'flatten' }, { kind: 'dense', units: 8 }, { kind: 'relu' }, { kind: 'dense', units: 3 }],
      4,
      5,
    ),
  ).toBeLessThan(1e-2);
});

test('a wrong dOut gives a gradient that disagrees (the check can fail)', () => {
  const net = buildNetwork([1, 6, 6], [{ kind: 'flatten' }, { kind: 'dense', units: 3 }], 1);
  const x = new Rng(2).normalArray(36, 1);
  net.forward(x, 1, false);
  const g1 = net.inputGradient(Float32Array.from([1, 0, 0]), 1).slice(0, 36);
  net.forward(x, 1, false);
  const g2 = net.inputGradient(Float32Array.from([0, 1, 0]), 1).slice(0, 36);
  expect(g1).not.toEqual(g2);
});
