/**
 * How many of the marked answers it was trained on a hard-label copy repeats, by how the wrong class is chosen
 * (docs/watermark.md, "Response mark", the keyed-class trial):
 *   npx tsx scripts/response-mark-memorisation.ts --keyed random|runner-up|none [--seed 1] [--marks 19]
 *     [--arch mnist-lenet] [--queries 6000] [--epochs 20] [--select hash|low-margin:<fraction>]
 * The attacker's queries as scripts/response-mark-measure.ts picks them (seed 1, MNIST train without the first 500),
 * labelled with the zoo LeNet victim's arg-max; `--marks` of them, chosen by a fixed hash of the query index (about
 * the count a 0.32% rate marks in 6,000 queries), are relabelled: `random` a hash-chosen wrong class (the response
 * mark's keyed class), `runner-up` the victim's second choice, `none` not relabelled (the control: how often a copy
 * answers the random wrong class unprompted). A copy is trained as `edgelock attack` trains it (SGD lr 0.05, seed
 * --seed) and asked those same inputs. Prints one line: marks, repeated, the copy's MNIST test accuracy.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import { trainCopy } from '../src/attack/distill';
import { pickQueries } from '../src/attack/extraction';
import { onnxVictim, tfliteVictim } from '../src/attack/victim';
import { loadMnist } from '../src/data/mnist';
import { readOnnx } from '../src/onnx';
import { writeOnnx } from '../src/onnx/writer';
import { arg } from './support/args';

/** The arg-max and the runner-up of row i of C scores. */
function topTwo(s: Float32Array, i: number, C: number): [number, number] {
  let a = 0;
  for (let c = 1; c < C; c++) if (s[i * C + c] > s[i * C + a]) a = c;
  let b = a === 0 ? 1 : 0;
  for (let c = 0; c < C; c++) if (c !== a && s[i * C + c] > s[i * C + b]) b = c;
  return [a, b];
}

async function main(): Promise<void> {
  const keyed = arg('keyed', 'random');
  if (!['random', 'runner-up', 'none'].includes(keyed)) throw new Error(`--keyed random|runner-up|none, got ${keyed}`);
  const seed = Number(arg('seed', '1'));
  const marks = Number(arg('marks', '19'));
  const archName = arg('arch', 'mnist-lenet');
  const baseFile = 'test/watermark/fixtures/mnist-lenet-wm.tflite';
  const victim = await tfliteVictim(fs.readFileSync(baseFile), baseFile);
  const src = loadMnist('train');
  const exclude = Array.from({ length: 500 }, (_, i) => i);
  const q = pickQueries(
    { x: src.images, labels: src.labels, count: src.count },
    Number(arg('queries', '6000')),
    exclude,
    1,
  );
  const C = victim.classes;
  const s = await victim.scores(q.x, q.count);
  const labels = Uint8Array.from({ length: q.count }, (_, i) => topTwo(s, i, C)[0]);
  // --select low-margin:<f>: the marks fall only on the fraction f of queries with the smallest victim margin
  const select = arg('select', 'hash');
  const lowMargin = /^low-margin:(0?\.\d+)$/.exec(select);
  if (select !== 'hash' && !lowMargin) throw new Error(`--select hash|low-margin:<fraction>, got ${select}`);
  const margin = (i: number) => {
    const [a, b] = topTwo(s, i, C);
    return s[i * C + a] - s[i * C + b];
  };
  const eligible = new Set<number>(
    lowMargin
      ? Array.from({ length: q.count }, (_, i) => i)
          .sort((a, b) => margin(a) - margin(b))
          .slice(0, Math.round(Number(lowMargin[1]) * q.count))
      : Array.from({ length: q.count }, (_, i) => i),
  );
  const target = new Map<number, number>();
  for (let i = 0; i < q.count && target.size < marks; i++) {
    const d = createHash('sha256').update(`mark ${i}`).digest();
    if (!eligible.has(i) || d.readUInt32LE(0) / 2 ** 32 >= (lowMargin ? 2 * marks : marks) / eligible.size) continue;
    const [top, second] = topTwo(s, i, C);
    const k = keyed === 'runner-up' ? second : (top + 1 + (d.readUInt32LE(4) % (C - 1))) % C;
    target.set(i, k);
    if (keyed !== 'none') labels[i] = k;
  }
  const arch = readOnnx(fs.readFileSync(`models/${archName}.onnx`));
  const copy = await trainCopy(
    arch,
    q.x,
    q.count,
    { labels },
    { epochs: Number(arg('epochs', '20')), lr: 0.05, seed, threads: 1 },
  );
  const cv = await onnxVictim(writeOnnx(copy), 'copy');
  const pred = await cv.predict(q.x, q.count);
  const repeated = [...target].filter(([i, k]) => pred[i] === k).length;
  const test = loadMnist('test');
  const tp = await cv.predict(test.images, test.count);
  const acc = tp.filter((p, i) => p === test.labels[i]).length / test.count;
  cv.dispose();
  victim.dispose();
  console.log(
    `keyed ${keyed}, select ${select}, seed ${seed}, ${archName}: ${target.size} marked queries, the copy repeats ` +
      `${repeated}; victim accuracy on the marked queries' true labels ` +
      `${[...target.keys()].filter((i) => topTwo(s, i, C)[0] === q.labels[i]).length}/${target.size}; ` +
      `test accuracy ${(acc * 100).toFixed(2)}%`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
