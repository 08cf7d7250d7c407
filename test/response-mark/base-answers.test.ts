/**
 * The base model's answers on the owner's pool computed on worker threads (base-answers.ts, base-worker.ts) are the
 * answers of the TFLite runtime in this thread, input by input, in order; a pool prepared ahead answers as one that
 * computes on demand; and the base model's log-probabilities are the log-softmax of its dequantised outputs as the
 * attack's TFLite victim reads them (the scores a suspect .tflite answers).
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { RESPONSE_MARK_DEFAULTS } from '../../src/package/response-mark';
import { answerAll, baseAnswers } from '../../src/response-mark/base-answers';
import { loadMarkPool, quantisedPool } from '../../src/response-mark/pool';
import { TfliteOracle } from '../../src/tflite/oracle';
import { tfliteVictim } from '../../src/attack/victim';

const base = new Uint8Array(readFileSync(join(__dirname, '../watermark/fixtures/mnist-lenet-wm.tflite')));
const params = { ratePpm: 5000, ...RESPONSE_MARK_DEFAULTS, skipRunnerUp: true };
const N = 4500;

test('answers on two worker threads equal the answers in this thread', async () => {
  const q = quantisedPool(base, ['mnist-test'], N);
  const size = q.inputShape.reduce((a, b) => a * b, 1);
  const packed = new Int8Array(N * size);
  for (let i = 0; i < N; i++) packed.set(q.int8(i), i * size);
  const oracle = await TfliteOracle.load(base);
  try {
    expect(q.dequant).not.toBeNull(); // an int8 output: log-probabilities of the dequantised scores
    const output = { classes: q.classes, dequant: q.dequant };
    const here = answerAll(oracle, q.inputShape, packed, output);
    const threaded = await baseAnswers(base, oracle, q.inputShape, packed, output, 2);
    expect(Array.from(threaded.logProbs)).toEqual(Array.from(here.logProbs));
    expect(Array.from(threaded.argmax)).toEqual(Array.from(here.argmax));
    expect(Array.from(threaded.second)).toEqual(Array.from(here.second));
    expect(Array.from(threaded.margin)).toEqual(Array.from(here.margin));
    // real answers on real digits: every class answered, and margins of many sizes
    expect(new Set(here.argmax).size).toBe(10);
    expect(new Set(here.margin).size).toBeGreaterThan(50);
  } finally {
    oracle.dispose();
  }
}, 120_000);

test('a pool prepared ahead answers as a pool that computes on demand', async () => {
  const ahead = await loadMarkPool(base, ['mnist-test'], params, N);
  const lazy = await loadMarkPool(base, ['mnist-test'], params, N);
  try {
    const all = Array.from({ length: N }, (_, i) => i);
    await ahead.prepareBase!(all);
    const some = all.filter((i) => i % 7 === 3);
    expect(ahead.baseArgmax(some)).toEqual(lazy.baseArgmax(some));
    expect(ahead.baseMargin(some)).toEqual(lazy.baseMargin(some));
    expect(ahead.baseRunnerUp(some)).toEqual(lazy.baseRunnerUp(some));
    expect(ahead.baseLogProbs(some)).toEqual(lazy.baseLogProbs(some));
    // the same numbers from the TFLite victim's dequantised scores, softmax in float64
    const v = await tfliteVictim(base, 'base');
    const size = ahead.samples.length / ahead.count;
    const x = new Float32Array(some.length * size);
    some.forEach((i, j) => x.set(ahead.samples.subarray(i * size, (i + 1) * size), j * size));
    const scores = await v.scores(x, some.length);
    v.dispose();
    const logs = ahead.baseLogProbs(some);
    some.forEach((_, j) => {
      const row = Array.from(scores.subarray(j * 10, (j + 1) * 10));
      const mx = Math.max(...row);
      const z = Math.log(row.reduce((t, r) => t + Math.exp(r - mx), 0));
      row.forEach((r, c) => expect(logs[j][c]).toBeCloseTo(r - mx - z, 4));
      expect(Math.exp(logs[j][ahead.baseArgmax([some[j]])[0]])).toBeGreaterThan(0.1);
    });
  } finally {
    ahead.dispose();
    lazy.dispose();
  }
}, 120_000);
