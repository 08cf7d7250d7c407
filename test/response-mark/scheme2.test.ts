/**
 * Scheme 2 of the response mark (src/response-mark/decision.ts, firmware-tools/core/el_response_mark.h): the keyed
 * class is drawn from the classes other than the base model's arg-max and runner-up, and the verifier leaves answers
 * equal to the runner-up out of its count. Checked here: keyedClass and offsetOf are inverse bijections onto those
 * classes; the record round-trips and refuses what the firmware refuses; applyMark's gate; and, on a synthetic pool
 * with the real keyed decisions, that leaving the runner-up out keeps the null exact for keyless suspects that
 * disagree mostly by answering the runner-up (as trained models do), while it removes those disagreements from a
 * copy's count.
 */
import { decodeResponseMark, encodeResponseMark, ResponseMarkParams } from '../../src/package/response-mark';
import {
  applyMark,
  decideCoarse,
  keyedChoices,
  keyedClass,
  offsetOf,
  passesGate,
  runnerUp,
} from '../../src/response-mark/decision';
import { verifyResponseMark } from '../../src/response-mark/verify';
import { Rng } from '../../src/train/rng';
import { ClassifierRunner } from '../../src/watermark/runners';
import { sha, syntheticCandidates, syntheticPool } from '../helpers/synthetic-mark-pool';

test('keyedClass and offsetOf are inverse bijections onto the classes other than the arg-max and the runner-up', () => {
  for (let classes = 3; classes <= 12; classes++)
    for (let top = 0; top < classes; top++)
      for (let skip = 0; skip < classes; skip++) {
        if (skip === top) continue;
        const seen = new Set<number>();
        for (let o = 1; o <= keyedChoices(classes, true); o++) {
          const k = keyedClass(top, o, classes, skip);
          expect(k).not.toBe(top);
          expect(k).not.toBe(skip);
          expect(offsetOf(k, top, classes, skip)).toBe(o);
          seen.add(k);
        }
        expect(seen.size).toBe(classes - 2);
        expect(offsetOf(top, top, classes, skip)).toBe(0);
        expect(offsetOf(skip, top, classes, skip)).toBe(0);
      }
  // scheme 1 is the old rule: (arg-max + offset) mod classes
  for (let o = 1; o < 10; o++) expect(keyedClass(7, o, 10)).toBe((7 + o) % 10);
});

test('the record: scheme 2 round-trips with its gate; what the firmware refuses, the host refuses', () => {
  const p: ResponseMarkParams = { ratePpm: 4321, groups: 196, levels: 2, skipRunnerUp: true, gate: 24.5 };
  const b = encodeResponseMark(p);
  expect(b[7]).toBe(2);
  expect(b.readFloatLE(8)).toBe(24.5);
  expect(decodeResponseMark(b)).toEqual(p);
  expect(decodeResponseMark(encodeResponseMark({ ...p, gate: undefined }))).toEqual({ ...p, gate: undefined });
  const s1 = encodeResponseMark({ ratePpm: 4321, groups: 196, levels: 2 });
  expect(s1[7]).toBe(1);
  expect(s1.subarray(8).every((v) => v === 0)).toBe(true);
  const bad = (edit: (v: Buffer) => void) => {
    const v = Buffer.from(b);
    edit(v);
    return decodeResponseMark(v);
  };
  expect(bad((v) => v.writeFloatLE(-1, 8))).toMatch(/gate must be a finite float32 >= 0/);
  expect(bad((v) => v.writeFloatLE(-0, 8))).toMatch(/gate must be/);
  expect(bad((v) => v.writeFloatLE(Infinity, 8))).toMatch(/gate must be/);
  expect(bad((v) => v.writeFloatLE(NaN, 8))).toMatch(/gate must be/);
  expect(bad((v) => (v[12] = 1))).toMatch(/reserved/);
  expect(bad((v) => (v[7] = 3))).toMatch(/scheme 3/);
  const s1bad = Buffer.from(s1);
  s1bad.writeFloatLE(20, 8);
  expect(decodeResponseMark(s1bad)).toMatch(/reserved/);
  expect(() => encodeResponseMark({ ratePpm: 1, groups: 1, levels: 2, gate: 3 })).toThrow(/needs scheme 2/);
  expect(() => encodeResponseMark({ ...p, gate: 0.1 })).toThrow(/float32/); // 0.1 is not a float32
});

test('applyMark: the gate closes answers whose float32 top-two margin is not below it', () => {
  const key = sha('gate key');
  const p: ResponseMarkParams = { ratePpm: 1_000_000, groups: 4, levels: 2, skipRunnerUp: true, gate: 10 };
  const x = new Int8Array(16);
  expect(passesGate([5, 14, -3], 10)).toBe(true); // margin 9
  expect(passesGate([5, 15, -3], 10)).toBe(false); // margin 10: not below
  expect(passesGate([15, 15, -3], 10)).toBe(true); // a tie: margin 0
  expect(applyMark(key, p, x, [5, 15, -3]).decision).toBeNull();
  const m = applyMark(key, p, x, [5, 14, -3]);
  // three classes: the only keyed class is the one that is neither first (1) nor the runner-up (0)
  expect(m.decision!.marked).toBe(true);
  expect(m.answer).toEqual([5, -3, 14]);
  expect(runnerUp([5, 14, -3], 1)).toBe(0);
});

// the synthetic pool of together.test.ts: sample i holds the value i, a code of its own, base answer 0, runner-up 1
const N = 5000;
const CLASSES = 10;
const RATE = 20000;
const pool = syntheticPool(N, CLASSES);
const candidates = syntheticCandidates();
const params = (scheme2: boolean): ResponseMarkParams => ({
  ratePpm: RATE,
  groups: 196,
  levels: 2,
  ...(scheme2 ? { skipRunnerUp: true } : {}),
});

/**
 * Base class 0 everywhere; on a `noise` share of inputs a natural disagreement (the runner-up, class 1, with
 * probability `toRunnerUp`, else a random other class); and the keyed class (scheme 2) of a share of `key`'s marks.
 */
function suspect(seed: number, noise: number, toRunnerUp: number, repeat?: { key: Uint8Array; share: number }) {
  const g = new Rng(seed);
  const answer = new Int32Array(N);
  for (let i = 0; i < N; i++)
    if (g.uniform() < noise) answer[i] = g.uniform() < toRunnerUp ? 1 : 2 + Math.floor(g.uniform() * (CLASSES - 2));
  if (repeat)
    for (let i = 0; i < N; i++) {
      const d = decideCoarse(repeat.key, RATE, pool.coarse[i], CLASSES, true);
      if (d.marked && g.uniform() < repeat.share) answer[i] = keyedClass(0, d.offset, CLASSES, 1);
    }
  const runner: ClassifierRunner = {
    classes: CLASSES,
    sampleShape: [1],
    predict: async (x, count) => Int32Array.from({ length: count }, (_, j) => answer[x[j]]),
    dispose: () => undefined,
  };
  return runner;
}

test('keyless suspects that disagree mostly with the runner-up: the scheme-2 null holds', async () => {
  let below = 0;
  const runs = 40;
  for (let s = 0; s < runs; s++) {
    const r = await verifyResponseMark({ pool, params: params(true), candidates, suspect: suspect(300 + s, 0.2, 0.8) });
    expect(r.null.uniform).toBeCloseTo(1 / 8);
    expect(r.named).toEqual([]);
    expect(r.namedTogether).toEqual([]);
    // each board's p: P[p ≤ 0.1] ≤ 0.1 under the null (10 boards × 40 suspects: 40 expected, 62 is 3.6 sigma above)
    below += r.candidates.filter((c) => c.p <= 0.1).length;
  }
  expect(below).toBeLessThanOrEqual(62);
}, 120_000);

test("leaving the runner-up out removes a copy's natural disagreements from the count, not its repeated marks", async () => {
  // a copy that repeats 25% of board 3's marks and disagrees naturally on 20% of inputs, 80% of those the runner-up
  const copy = suspect(7, 0.2, 0.8, { key: candidates[3].key, share: 0.25 });
  const r = await verifyResponseMark({
    pool,
    params: params(true),
    candidates,
    suspect: copy,
    dropLeastConfident: 0,
  });
  expect(r.named).toEqual(['b3']);
  const b3 = r.candidates.find((c) => c.uid === 'b3')!;
  // recount from the copy's answers: each marked input has a code of its own here
  const all = Array.from({ length: N }, (_, i) => i);
  const answers = await copy.predict(Float32Array.from(all), N);
  let disagree = 0;
  let trials = 0;
  let keyed = 0;
  for (const i of all) {
    const d = decideCoarse(candidates[3].key, RATE, pool.coarse[i], CLASSES, true);
    if (!d.marked || answers[i] === 0) continue;
    disagree++;
    if (answers[i] === 1) continue; // the runner-up: never keyed, not a trial
    trials++;
    if (answers[i] === keyedClass(0, d.offset, CLASSES, 1)) keyed++;
  }
  expect(b3.disagreements).toBe(disagree);
  expect(b3.trials).toBe(trials);
  expect(b3.matches).toBe(keyed);
  expect(b3.expected).toBeCloseTo(trials / 8);
  // the runner-up answers were a sizeable part of the disagreements (about 14 of the ~100 marked inputs)
  expect(disagree - trials).toBeGreaterThan(5);
});
