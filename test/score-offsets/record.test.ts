/**
 * The scoreOffsets record, its calibration and its reading, on the host: the record round-trips and refuses what the
 * firmware's parser refuses; the calibrated features are white on the reference (unit covariance, computed here
 * directly from the moments); the moments are the integer sums the header defines; the signs are the HMAC blocks'
 * bits; and the reading gives the answers of a board with offsets a large statistic, the base model 0, and another
 * board's key nothing.
 */
import { createHmac } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { loadDataset } from '../../src/data/dataset';
import {
  ScoreOffsetsParams,
  decodeScoreOffsets,
  encodeScoreOffsets,
  scoreOffsetsSize,
} from '../../src/package/score-offsets';
import { offsetAnswer } from '../../src/score-offsets/apply';
import { features, moments } from '../../src/score-offsets/features';
import { scoreOffsetsForModel } from '../../src/score-offsets/for-model';
import { offsetsMoments, readMoments, readPair, signBound } from '../../src/score-offsets/read';
import { keyedSigns, scoreOffsetsKey } from '../../src/score-offsets/signs';
import { quantizeAffine } from '../../src/tflite/affine';
import { TfliteOracle } from '../../src/tflite/oracle';

const model = fs.readFileSync(path.join(__dirname, '..', 'watermark', 'fixtures', 'mnist-lenet-wm.tflite'));
const master = Buffer.alloc(32, 0x5a);
const uid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const N = 2000;
const mnist = loadDataset('mnist-test');
const xs = Array.from({ length: N }, (_, i) =>
  Int8Array.from(quantizeAffine(mnist.data.subarray(i * 784, (i + 1) * 784), 1 / 255, -128)),
);

let params: ScoreOffsetsParams;
beforeAll(() => {
  params = scoreOffsetsForModel(model, 1, ['mnist-test']);
});

test('the record round-trips, and the values the firmware refuses are refused here too', () => {
  const b = encodeScoreOffsets(params);
  expect(b.length).toBe(scoreOffsetsSize(4));
  expect(decodeScoreOffsets(b)).toEqual(params);
  const edits: [string, (v: Buffer) => void][] = [
    ['scheme', (v) => (v[0] = 2)],
    ['degrees', (v) => (v[1] = 5)],
    ['degrees', (v) => (v[1] = 3)], // the length no longer fits
    ['grid', (v) => (v[2] = 0)],
    ['grid', (v) => (v[2] = 17)],
    ['reserved', (v) => (v[3] = 1)],
    ['reserved', (v) => (v[10] = 1)],
    ['grid', (v) => v.writeUInt16LE(6, 4)], // height below the grid
    ['input', (v) => (v.writeUInt16LE(2000, 4), v.writeUInt16LE(2000, 6))], // 4 M values
    ['delta', (v) => v.writeFloatLE(0, 12)],
    ['delta', (v) => v.writeFloatLE(-1, 12)],
    ['delta', (v) => v.writeFloatLE(NaN, 12)],
    ['delta', (v) => v.writeFloatLE(2 ** 21, 12)], // above 2^20
    ['clip', (v) => v.writeFloatLE(Infinity, 16)],
    ['clip', (v) => v.writeFloatLE(64.5, 16)], // above 64
    ['finite', (v) => v.writeFloatLE(NaN, 20)],
    ['finite', (v) => v.writeFloatLE(-Infinity, v.length - 4)],
  ];
  for (const [what, edit] of edits) {
    const v = Buffer.from(b);
    edit(v);
    expect(decodeScoreOffsets(v)).toEqual(
      expect.stringMatching(new RegExp(what === 'finite' ? 'not finite' : what === 'input' ? 'values' : what)),
    );
  }
  expect(() => encodeScoreOffsets({ ...params, delta: 0 })).toThrow(/delta/);
  expect(() => encodeScoreOffsets({ ...params, clip: 64 })).not.toThrow();
  expect(() => encodeScoreOffsets({ ...params, delta: 2 ** 20 })).not.toThrow();
});

test('the moments are the cell sums weighted by integer powers, and the features are white on the reference', () => {
  // a one-pixel input: its moments are (2cy+1-G)^a (2cx+1-G)^b * 255 for its cell
  const x = new Int8Array(784).fill(-128);
  x[10 * 28 + 20] = 127; // row 10 -> cell 2, column 20 -> cell 5 on a 7 x 7 grid
  const c = moments(x, params);
  for (let a = 0; a < 4; a++)
    for (let b = 0; b < 4; b++) expect(c[a * 4 + b]).toBe((2 * 2 + 1 - 7) ** a * (2 * 5 + 1 - 7) ** b * 255);
  // whitened on mnist-test: over its 10,000 images the unclipped features have mean 0 and covariance I
  const u = Array.from({ length: mnist.count }, (_, i) =>
    features(Int8Array.from(quantizeAffine(mnist.data.subarray(i * 784, (i + 1) * 784), 1 / 255, -128)), {
      ...params,
      clip: 1e30,
    }),
  );
  const m = 16;
  for (let i = 0; i < m; i++) {
    expect(Math.abs(u.reduce((s, f) => s + f[i], 0) / u.length)).toBeLessThan(1e-3);
    for (let j = 0; j < m; j++) {
      const cov = u.reduce((s, f) => s + f[i] * f[j], 0) / (u.length - 1);
      expect(Math.abs(cov - (i === j ? 1 : 0))).toBeLessThan(1e-3);
    }
  }
});

test('the signs are the bits of HMAC-SHA256(score key, "ELS1" | m | classes | block)', () => {
  const key = scoreOffsetsKey(master, uid);
  const s = keyedSigns(key, 16, 20); // 320 bits: two blocks
  const block = (b: number) => {
    const h = Buffer.alloc(11);
    h.write('ELS1', 0, 'latin1');
    h[4] = 16;
    h.writeUInt16LE(20, 5);
    h.writeUInt32LE(b, 7);
    return createHmac('sha256', key).update(h).digest();
  };
  const bits = Buffer.concat([block(0), block(1)]);
  for (let t = 0; t < 320; t++) expect(s[t]).toBe(bits[t >> 3] & (1 << (t & 7)) ? -1 : 1);
  expect(new Set(s)).toEqual(new Set([-1, 1]));
});

describe('the reading', () => {
  let oracle: TfliteOracle;
  const logits: number[][] = [];
  const scale = 0.180607;
  beforeAll(async () => {
    oracle = await TfliteOracle.load(model);
    for (const x of xs)
      logits.push(Array.from(oracle.run([{ data: Int32Array.from(x), shape: [1, 28, 28, 1], dtype: 'int8' }])[0].data));
  });
  afterAll(() => oracle?.dispose());
  const logSoftmax = (q: ArrayLike<number>) => {
    const z = Array.from(q, (v) => v * scale);
    const top = Math.max(...z);
    const lse = top + Math.log(z.reduce((s, v) => s + Math.exp(v - top), 0));
    return z.map((v) => v - lse);
  };

  test("a board's own answers read far above any unrelated key; the base model reads 0", () => {
    const key = scoreOffsetsKey(master, uid);
    const other = scoreOffsetsKey(master, Buffer.alloc(16, 7));
    const answers = xs.map((x, i) => offsetAnswer(key, params, x, logits[i], 'int8'));
    // the offsets move the answers (most scores change) but rarely the arg-max
    const argmax = (v: ArrayLike<number>) => Array.from(v).indexOf(Math.max(...Array.from(v)));
    expect(answers.filter((a, i) => a.some((v, c) => v !== logits[i][c])).length).toBeGreaterThan(0.9 * N);
    expect(answers.filter((a, i) => argmax(a) !== argmax(logits[i])).length).toBeLessThan(0.02 * N);
    const read = (k: Buffer, suspect: (i: number) => number[]) =>
      readMoments(
        offsetsMoments(
          N,
          16,
          10,
          (i) => features(xs[i], params),
          suspect,
          (i) => logSoftmax(logits[i]),
        ),
        keyedSigns(k, 16, 10),
        N,
      );
    const own = read(key, (i) => logSoftmax(answers[i]));
    expect(own.z).toBeGreaterThan(10); // sqrt(16 * 10) = 12.6 for exact offsets
    expect(own.p).toBeLessThan(1e-20);
    expect(Math.abs(read(other, (i) => logSoftmax(answers[i])).z)).toBeLessThan(4);
    expect(read(key, (i) => logSoftmax(logits[i]))).toEqual({ z: 0, p: 1, inputs: N });
    expect(signBound(3)).toBeCloseTo(Math.exp(-4.5));
  });

  test("answers mixed from two boards read higher for the pair than for either board, and any pair's statistic is (Z_A + Z_B) / √2", () => {
    const keys = [scoreOffsetsKey(master, uid), scoreOffsetsKey(master, Buffer.alloc(16, 9))];
    const third = keyedSigns(scoreOffsetsKey(master, Buffer.alloc(16, 7)), 16, 10);
    const mixed = xs.map((x, i) => logSoftmax(offsetAnswer(keys[i % 2], params, x, logits[i], 'int8')));
    const a = offsetsMoments(
      N,
      16,
      10,
      (i) => features(xs[i], params),
      (i) => mixed[i],
      (i) => logSoftmax(logits[i]),
    );
    const [sa, sb] = keys.map((k) => keyedSigns(k, 16, 10));
    const [za, zb, zc] = [sa, sb, third].map((s) => readMoments(a, s, N).z);
    const pair = readPair(a, sa, sb, N);
    expect(pair.z).toBeCloseTo((za + zb) / Math.SQRT2, 10);
    expect(readPair(a, sa, third, N).z).toBeCloseTo((za + zc) / Math.SQRT2, 10);
    // half of each board's answers: each board alone at about half its own statistic, the pair above both
    for (const z of [za, zb]) {
      expect(z).toBeGreaterThan(4);
      expect(z).toBeLessThan(pair.z);
    }
    expect(Math.abs(zc)).toBeLessThan(4);
    expect(pair.p).toBe(signBound(pair.z));
  });
});
