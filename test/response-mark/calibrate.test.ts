/**
 * The per-board bound on the legitimate accuracy cost (src/response-mark/calibrate.ts) and the exact null of the
 * verification (src/response-mark/verify.ts). Calibration: for 40 board keys, the watermarked zoo LeNet's 10,000
 * MNIST test images as the board receives them; the official TFLite runtime's answers with the host's keyed decision
 * at the calibrated rate (decision.ts, shown byte-identical to the firmware's by board-agreement.test.ts) change at
 * most floor(rate × 10,000) answers, so the accuracy cost on that set is at most the nominal rate for every key —
 * while at the nominal rate some keys exceed it; with scheme 2's gate the same bound holds and every changed answer is
 * one the gate lets through. The Poisson-binomial tail is checked against the exact binomial
 * (equal probabilities) and against enumeration of every outcome.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { loadDataset } from '../../src/data/dataset';
import { RESPONSE_MARK_DEFAULTS, ResponseMarkParams } from '../../src/package/response-mark';
import { calibrateRate } from '../../src/response-mark/calibrate';
import {
  applyMark,
  coarseInput,
  decide,
  decideCoarse,
  firstArgmax,
  markedAnswer,
  passesGate,
  responseMarkKey,
} from '../../src/response-mark/decision';
import { calibrateBoard, loadMarkReference } from '../../src/response-mark/reference';
import { poolCodes } from '../../src/response-mark/pool';
import { poissonBinomialTail } from '../../src/response-mark/verify';
import { quantizeAffine } from '../../src/tflite/affine';
import { TfliteOracle } from '../../src/tflite/oracle';
import { binomialTail } from '../../src/watermark/binomial';

const FIXTURE = path.join(__dirname, '..', 'watermark', 'fixtures', 'mnist-lenet-wm.tflite');
const master = createHash('sha256').update('edgelock response mark calibration test').digest();

test('a calibrated rate changes at most floor(rate × n) answers on the reference set, for every key', async () => {
  const model = fs.readFileSync(FIXTURE);
  const nominal = 5000; // 0.5%
  const params = { ratePpm: nominal, ...RESPONSE_MARK_DEFAULTS };
  const codes = poolCodes(model, ['mnist-test'], params);
  const test = loadDataset('mnist-test');
  expect(codes.length).toBe(10_000);
  const allowed = Math.floor((nominal * codes.length) / 1e6);
  // the inputs as a board receives them, coarsened by decision.ts itself (not calibrate.ts's path)
  const xs = Array.from({ length: test.count }, (_, i) =>
    Int8Array.from(quantizeAffine(test.data.subarray(i * 784, (i + 1) * 784), 1 / 255, -128)),
  );
  const coarse = xs.map((x) => coarseInput(x, params));
  const oracle = await TfliteOracle.load(model);
  const scores = new Map<number, number[]>();
  const scoresOf = (i: number) => {
    let s = scores.get(i);
    if (!s) {
      s = Array.from(oracle.run([{ data: Int32Array.from(xs[i]), shape: [1, 28, 28, 1], dtype: 'int8' }])[0].data);
      scores.set(i, s);
    }
    return s;
  };
  let overNominal = 0;
  const rates: number[] = [];
  try {
    for (let k = 0; k < 20; k++) {
      const key = responseMarkKey(master, createHash('sha256').update(`board ${k}`).digest().subarray(0, 16));
      const c = calibrateRate(key, nominal, codes);
      // a lower rate marks a subset of what a higher one marks: decide over the nominal rate's marked inputs only
      const atNominal = coarse.map((_, i) => i).filter((i) => decideCoarse(key, nominal, coarse[i], 10).marked);
      const markedAt = (ppm: number) => atNominal.filter((i) => decideCoarse(key, ppm, coarse[i], 10).marked);
      // the answers a board gives (TFLite runtime + the keyed swap) differ from the unmarked ones exactly there
      const changed = (ppm: number) =>
        markedAt(ppm).filter(
          (i) =>
            firstArgmax(markedAnswer(scoresOf(i), decide(key, { ...params, ratePpm: ppm }, xs[i], 10))) !==
            firstArgmax(scoresOf(i)),
        ).length;
      expect(markedAt(nominal).length).toBe(c.markedNominal);
      expect(markedAt(c.ratePpm).length).toBe(c.marked);
      expect(changed(c.ratePpm)).toBeLessThanOrEqual(allowed);
      expect(c.ratePpm).toBeLessThanOrEqual(nominal);
      if (c.markedNominal <= allowed) expect(c.ratePpm).toBe(nominal);
      else {
        overNominal++;
        expect(changed(nominal)).toBeGreaterThan(allowed); // uncalibrated, this key would cost more than the bound
        expect(markedAt(c.ratePpm + 1).length).toBeGreaterThan(allowed); // the largest rate within the bound
      }
      rates.push(c.ratePpm);
    }
  } finally {
    oracle.dispose();
  }
  expect(overNominal).toBeGreaterThan(0);
  console.log(
    `20 keys at 0.5%: ${overNominal} mark more than ${allowed} test images uncalibrated; calibrated rates ${Math.min(...rates)}–${Math.max(...rates)} ` +
      `ppm, mean ${(rates.reduce((a, b) => a + b, 0) / rates.length).toFixed(0)}`,
  );
}, 300_000);

test('with a gate (scheme 2): a board changes at most floor(rate × n) answers, all of them unsure ones', async () => {
  const model = fs.readFileSync(FIXTURE);
  const params: ResponseMarkParams = { ratePpm: 5000, ...RESPONSE_MARK_DEFAULTS, skipRunnerUp: true };
  const ref = await loadMarkReference(model, ['mnist-test'], params, 0.05);
  const test = loadDataset('mnist-test');
  const oracle = await TfliteOracle.load(model);
  try {
    const xs = Array.from({ length: test.count }, (_, i) =>
      Int8Array.from(quantizeAffine(test.data.subarray(i * 784, (i + 1) * 784), 1 / 255, -128)),
    );
    const scores = xs.map((x) =>
      Array.from(oracle.run([{ data: Int32Array.from(x), shape: [1, 28, 28, 1], dtype: 'int8' }])[0].data),
    );
    // the gate lets through the ~5% least sure answers (as the TFLite runtime scores them)
    const open = scores.filter((s) => passesGate(s, ref.gate!)).length;
    expect(open).toBe(ref.codes.length);
    for (let k = 0; k < 6; k++) {
      const key = responseMarkKey(master, createHash('sha256').update(`gated board ${k}`).digest().subarray(0, 16));
      const c = calibrateBoard(key, params.ratePpm, ref);
      const board = { ...params, ratePpm: c.ratePpm, gate: ref.gate };
      let changed = 0;
      xs.forEach((x, i) => {
        const m = applyMark(key, board, x, scores[i]);
        if (firstArgmax(m.answer) !== firstArgmax(scores[i])) {
          changed++;
          expect(m.decision?.marked).toBe(true);
          expect(passesGate(scores[i], ref.gate!)).toBe(true);
        }
      });
      expect(changed).toBe(c.marked);
      expect(changed).toBeLessThanOrEqual(50);
      // the rate among the gated answers is about 20 times the nominal one: ~50 of ~500 there
      expect(c.ratePpm).toBeGreaterThan(40_000);
    }
  } finally {
    oracle.dispose();
  }
}, 300_000);

test('the Poisson-binomial tail equals the binomial tail for equal probabilities and enumeration otherwise', () => {
  for (const [k, n, p] of [
    [3, 20, 1 / 9],
    [12, 20, 1 / 9],
    [0, 5, 0.3],
    [18, 40, 1 / 9],
  ])
    expect(poissonBinomialTail(k, Array(n).fill(p))).toBeCloseTo(binomialTail(k, n, p), 12);
  const ps = [1 / 9, 2 / 9, 1 / 9, 3 / 9, 1 / 9, 1 / 9, 4 / 9];
  for (let k = 0; k <= ps.length + 1; k++) {
    let want = 0;
    for (let m = 0; m < 1 << ps.length; m++) {
      let prob = 1;
      let ones = 0;
      ps.forEach((p, i) => {
        const bit = (m >> i) & 1;
        ones += bit;
        prob *= bit ? p : 1 - p;
      });
      if (ones >= k) want += prob;
    }
    expect(poissonBinomialTail(k, ps)).toBeCloseTo(want, 12);
  }
});
