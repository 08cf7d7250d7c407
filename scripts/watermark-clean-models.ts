/**
 * Trains clean models of a model's architecture from different seeds and saves them as ONNX (for
 * `edgelock watermark calibrate --clean` and the false-positive check of
 * scripts/watermark-robustness.ts). Several processes can train disjoint seed ranges in parallel:
 *   npx tsx scripts/watermark-clean-models.ts --model models/mnist-lenet.onnx --out /tmp/wm/clean \
 *     --first-seed 101 --count 5 [--samples 10000] [--epochs 1] [--threads 1]
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadMnist } from '../src/data/mnist';
import { readOnnx, writeOnnx } from '../src/onnx';
import { trainCleanModels } from '../src/watermark/calibrate';
import { arg } from './support/args';

async function main(): Promise<void> {
  const model = readOnnx(fs.readFileSync(arg('model', 'models/mnist-lenet.onnx')));
  const out = arg('out', '/tmp/wm/clean');
  fs.mkdirSync(out, { recursive: true });
  const train = loadMnist('train');
  const test = loadMnist('test');
  const firstSeed = Number(arg('first-seed', '101'));
  for await (const c of trainCleanModels(
    model,
    { data: train.images, labels: train.labels, count: train.count },
    {
      models: Number(arg('count', '5')),
      epochs: Number(arg('epochs', '1')),
      samples: Number(arg('samples', '10000')),
      threads: Number(arg('threads', '1')),
      firstSeed,
      test: { data: test.images, labels: test.labels, count: test.count },
    },
  )) {
    const file = path.join(out, `clean-${c.name.replace(/\s+/g, '-')}.onnx`);
    fs.writeFileSync(file, writeOnnx(c.model!));
    process.stdout.write(`${file} test accuracy ${(100 * (c.accuracy ?? 0)).toFixed(2)}%\n`);
  }
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
