/**
 * Random-shift augmentation (src/train/shift.ts) and a copy trained with it (trainCopy's `shift`): every shifted image
 * is its original moved by one (dy, dx) within the bound, all channels alike, zeros where nothing moved in; every
 * shift in range occurs; a copy trained on shifted queries learns (MNIST, onnxruntime) and is not the copy trained
 * without them.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { trainCopy } from '../../src/attack/distill';
import { onnxVictim } from '../../src/attack/victim';
import { loadMnist } from '../../src/data/mnist';
import { readOnnx, writeOnnx } from '../../src/onnx';
import { Rng } from '../../src/train/rng';
import { shiftImages } from '../../src/train/shift';

/** The (dy, dx) that turns `a` into `b` (C × H × W), or null when none within k does. */
function shiftOf(a: Float32Array, b: Float32Array, [c, h, w]: number[], k: number): [number, number] | null {
  for (let dy = -k; dy <= k; dy++)
    for (let dx = -k; dx <= k; dx++) {
      let ok = true;
      for (let ch = 0; ch < c && ok; ch++)
        for (let y = 0; y < h && ok; y++)
          for (let x = 0; x < w && ok; x++) {
            const [sy, sx] = [y - dy, x - dx];
            const want = sy >= 0 && sy < h && sx >= 0 && sx < w ? a[ch * h * w + sy * w + sx] : 0;
            if (b[ch * h * w + y * w + x] !== want) ok = false;
          }
      if (ok) return [dy, dx];
    }
  return null;
}

test('each image moved by one (dy, dx) in [-k, k], all channels alike, zero-filled; every shift occurs', () => {
  const shape = [3, 7, 9];
  const size = 3 * 7 * 9;
  const count = 400;
  const rng = new Rng(5);
  // no zeros in the originals, so a zero in a shifted image can only be fill
  const x = Float32Array.from({ length: count * size }, () => 0.1 + rng.uniform());
  const before = Float32Array.from(x);
  const out = shiftImages(x, count, shape, 2, new Rng(9));
  expect(Array.from(x)).toEqual(Array.from(before));
  const seen = new Set<string>();
  for (let s = 0; s < count; s++) {
    const d = shiftOf(x.subarray(s * size, (s + 1) * size), out.subarray(s * size, (s + 1) * size), shape, 2);
    expect(d).not.toBeNull();
    seen.add(d!.join(','));
  }
  expect(seen.size).toBe(25);
  // the same generator state gives the same shifts; k = 0 leaves every image as it was
  expect(Array.from(shiftImages(x, count, shape, 2, new Rng(9)))).toEqual(Array.from(out));
  expect(Array.from(shiftImages(x, count, shape, 0, new Rng(9)))).toEqual(Array.from(x));
});

test('a copy trained on shifted queries holds its accuracy on shifted images, where the plain copy loses it', async () => {
  const train = loadMnist('train');
  const test = loadMnist('test');
  const n = 2000;
  const m = 1000;
  const arch = readOnnx(readFileSync(join(__dirname, '../../models/mnist-mlp.onnx')));
  const answers = { labels: Uint8Array.from(train.labels.subarray(0, n)) };
  const o = { epochs: 3, lr: 0.05, seed: 4, threads: 1 };
  const clean = test.images.subarray(0, m * 784);
  const moved = shiftImages(clean, m, [1, 28, 28], 2, new Rng(77));
  const accuracy = async (bytes: Uint8Array, x: Float32Array) => {
    const v = await onnxVictim(bytes, 'copy');
    try {
      const p = await v.predict(x, m);
      return p.filter((c, i) => c === test.labels[i]).length / m;
    } finally {
      v.dispose();
    }
  };
  const shifted = writeOnnx(await trainCopy(arch, train.images.subarray(0, n * 784), n, answers, { ...o, shift: 2 }));
  const plain = writeOnnx(await trainCopy(arch, train.images.subarray(0, n * 784), n, answers, o));
  expect(Buffer.from(shifted).equals(Buffer.from(plain))).toBe(false);
  // measured: the shifted copy 82.6% on the test images, 79.3% on them shifted; the plain copy 85.3% and 55.3%
  const [shiftedClean, shiftedMoved] = [await accuracy(shifted, clean), await accuracy(shifted, moved)];
  const [plainClean, plainMoved] = [await accuracy(plain, clean), await accuracy(plain, moved)];
  expect(shiftedClean).toBeGreaterThan(0.75);
  expect(plainClean).toBeGreaterThan(0.75);
  expect(shiftedMoved).toBeGreaterThan(shiftedClean - 0.08);
  expect(shiftedMoved).toBeGreaterThan(plainMoved + 0.15);
}, 300_000);
