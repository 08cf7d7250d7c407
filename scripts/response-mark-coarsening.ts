/**
 * How the response mark's coarsening trades distinct codes for noise robustness (docs/watermark.md, "Coarser runs
 * against noisy queries"):
 *   npx tsx scripts/response-mark-coarsening.ts [--runs 196x2,98x2,49x2,...] [--samples 3000]
 * For each runs × levels: the distinct codes among MNIST's 70,000 images (train + test, quantised as the zoo models
 * take them: round(255 x) − 128) and the largest number of images sharing one; then the share of the first --samples
 * images whose code stays the same when the attacker adds Gaussian noise of std 0.02, 0.05 and 0.1 (clipped to [0, 1]).
 */
import { loadMnist } from '../src/data/mnist';
import { coarseInput } from '../src/response-mark/decision';
import { Rng } from '../src/train/rng';
import { arg } from './support/args';

const train = loadMnist('train');
const test = loadMnist('test');
const images = new Float32Array((train.count + test.count) * 784);
images.set(train.images);
images.set(test.images, train.count * 784);
const count = train.count + test.count;
const int8 = (x: Float32Array) => Int8Array.from(x, (v) => Math.max(-128, Math.min(127, Math.round(v * 255) - 128)));
const samples = Number(arg('samples', '3000'));

for (const spec of arg('runs', '784x2,196x2,98x2,98x3,49x2,49x3,28x2,16x2').split(',')) {
  const [groups, levels] = spec.split('x').map(Number);
  const p = { groups, levels };
  const shared = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const code = coarseInput(int8(images.subarray(i * 784, (i + 1) * 784)), p).toString('latin1');
    shared.set(code, (shared.get(code) ?? 0) + 1);
  }
  const kept = [0.02, 0.05, 0.1].map((sigma) => {
    const rng = new Rng(7);
    let same = 0;
    for (let i = 0; i < samples; i++) {
      const x = images.slice(i * 784, (i + 1) * 784);
      const clean = coarseInput(int8(x), p);
      for (let j = 0; j < 784; j++) x[j] = Math.min(1, Math.max(0, x[j] + sigma * rng.normal()));
      if (coarseInput(int8(x), p).equals(clean)) same++;
    }
    return `σ ${sigma}: ${((100 * same) / samples).toFixed(1)}%`;
  });
  console.log(
    `${groups} runs × ${levels} levels: ${shared.size} distinct codes of ${count}, the largest shared by ` +
      `${Math.max(...shared.values())}; code kept under noise ${kept.join(', ')}`,
  );
}
