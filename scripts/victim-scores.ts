/**
 * A victim's output scores for measurements run outside Node (scripts/score-offsets-prototype.py):
 *   npx tsx scripts/victim-scores.ts --base <victim.tflite> --out <dir> [--queries 12000] [--from 30000]
 * Writes xq.npy (float32 [n, 1, 28, 28]: MNIST train from --from, the attacker's queries), zq.npy (the victim's
 * scores on them, official TFLite runtime), xtest.npy, ztest.npy and ytest.npy (the 10,000 MNIST test images, the
 * victim's scores, the true labels: the owner's verification pool).
 */
import * as fs from 'fs';
import { tfliteVictim } from '../src/attack/victim';
import { loadMnist } from '../src/data/mnist';
import { writeNpy } from '../src/data/npy';
import { makeTensor } from '../src/ir/tensor';
import { arg } from './support/args';

async function main(): Promise<void> {
  const file = arg('base', 'test/watermark/fixtures/mnist-lenet-wm.tflite');
  const out = arg('out', '/tmp/victim-scores');
  const n = Number(arg('queries', '12000'));
  const from = Number(arg('from', '30000'));
  fs.mkdirSync(out, { recursive: true });
  const v = await tfliteVictim(fs.readFileSync(file), file);
  try {
    const test = loadMnist('test');
    const train = loadMnist('train');
    const x = train.images.slice(from * 784, (from + n) * 784);
    writeNpy(`${out}/xq.npy`, makeTensor('float32', [n, 1, 28, 28], x));
    writeNpy(`${out}/zq.npy`, makeTensor('float32', [n, 10], await v.scores(x, n)));
    writeNpy(`${out}/xtest.npy`, makeTensor('float32', [test.count, 1, 28, 28], test.images));
    writeNpy(`${out}/ztest.npy`, makeTensor('float32', [test.count, 10], await v.scores(test.images, test.count)));
    writeNpy(`${out}/ytest.npy`, makeTensor('int32', [test.count], Int32Array.from(test.labels)));
  } finally {
    v.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
