/**
 * The log-ratio statistic of the response mark (log-ratio.ts). Its exact tail is checked against enumeration and the
 * Chernoff bound is never below it. On the synthetic pool with the real keyed decisions, keyless suspects stay within
 * the exact null. A copy that only raised the keyed class a little (far below the lead, as the copies trained on tens
 * of thousands of answers do) is named on the log-ratio, while the lead count has no trial at all. A hostile suspect
 * answering NaN, infinities or degenerate rows names nobody.
 */
import { ResponseMarkParams } from '../../src/package/response-mark';
import { decideCoarse, keyedClass } from '../../src/response-mark/decision';
import {
  chernoffTail,
  exactTail,
  LATTICE_STEPS,
  LOG_RATIO_FLOORS,
  RatioCode,
  ratioCodes,
} from '../../src/response-mark/log-ratio';
import { PARTS, ScoringRunner, verifyResponseMark } from '../../src/response-mark/verify';
import { Rng } from '../../src/train/rng';
import { logitSuspect, syntheticCandidates, syntheticPool } from '../helpers/synthetic-mark-pool';

test('the exact tail equals enumeration over every keyed offset; the Chernoff bound is never below it', () => {
  const g = new Rng(11);
  for (let trial = 0; trial < 20; trial++) {
    const n = 1 + g.int(4);
    const k = 2 + g.int(7);
    const codes: RatioCode[] = Array.from({ length: n }, () => ({
      offset: 1,
      values: Int32Array.from({ length: k }, () => g.int(41) - 20),
    }));
    // every assignment of offsets is equally likely without the key
    const sums = new Map<number, number>();
    const walk = (c: number, s: number) => {
      if (c === n) return void sums.set(s, (sums.get(s) ?? 0) + 1);
      for (const v of codes[c].values) walk(c + 1, s + v);
    };
    walk(0, 0);
    const total = k ** n;
    for (const s of [...sums.keys(), -1000, 1000]) {
      let tail = 0;
      for (const [t, m] of sums) if (t >= s) tail += m;
      expect(exactTail(s, codes)).toBeCloseTo(tail / total, 12);
      expect(chernoffTail(s, codes)).toBeGreaterThanOrEqual(exactTail(s, codes) - 1e-12);
    }
  }
});

test('the Chernoff bound is within a small factor of the exact tail far out (where a board is named)', () => {
  const g = new Rng(3);
  const codes: RatioCode[] = Array.from({ length: 200 }, () => ({
    offset: 1,
    values: Int32Array.from({ length: 8 }, () => Math.round(g.normal() * 3 * LATTICE_STEPS)),
  }));
  const sd = Math.sqrt(codes.reduce((t, c) => t + c.values.reduce((u, v) => u + v * v, 0) / 8, 0));
  for (const z of [3, 5, 7]) {
    const s = Math.round(z * sd + codes.reduce((t, c) => t + c.values.reduce((u, v) => u + v, 0) / 8, 0));
    const exact = exactTail(s, codes);
    const bound = chernoffTail(s, codes);
    expect(bound).toBeGreaterThanOrEqual(exact);
    expect(bound).toBeLessThan(40 * exact);
  }
});

test("a code's values: the clipped log-ratio at each offset, averaged over the code's inputs, on the lattice", () => {
  const C = 5; // scheme 2: offsets 1..3 over the classes other than the arg-max 0 and the runner-up 1
  const suspect = [
    [-0.1, -3, -2, -30, -5],
    [-0.1, -3, -4, -30, -7],
  ];
  const base = [-0.1, -3, -2, -6, -6];
  const codes = ratioCodes(
    [
      { index: 0, offset: 2 },
      { index: 1, offset: 2 },
    ],
    {
      classes: C,
      floor: 8,
      code: () => 'one code',
      suspectLog: (i) => suspect[i],
      baseLog: () => base,
      top: () => 0,
      second: () => 1,
    },
  );
  expect(codes).toHaveLength(1);
  expect(codes[0].offset).toBe(2);
  // offsets 1, 2, 3 are the classes 2, 3, 4: class 2 (0 and -2: -1), class 3 (-8 floor - -6: -2), class 4 (1 and -1: 0)
  expect(Array.from(codes[0].values)).toEqual([-1, -2, 0].map((v) => v * LATTICE_STEPS));
});

const N = 5000;
const C = 10;
const RATE = 20000;
const pool = syntheticPool(N, C);
const candidates = syntheticCandidates();
const params: ResponseMarkParams = { ratePpm: RATE, groups: 196, levels: 2, skipRunnerUp: true };

/**
 * Logits: class 0 at 8, class 1 at 4, the others around −2 (probability about 5e-5: never a trial of the lead count);
 * on `share` of `raise`'s marked inputs the keyed class `by` nats higher.
 */
function suspect(seed: number, raise?: { key: Uint8Array; share: number; by: number }): ScoringRunner {
  const g = new Rng(seed);
  const logits = new Float32Array(N * C);
  for (let i = 0; i < N; i++) {
    for (let c = 2; c < C; c++) logits[i * C + c] = -2 + 0.6 * g.normal();
    logits[i * C] = 8;
    logits[i * C + 1] = 4;
    if (raise) {
      const d = decideCoarse(raise.key, RATE, pool.coarse[i], C, true);
      if (d.marked && g.uniform() < raise.share) logits[i * C + keyedClass(0, d.offset, C, 1)] += raise.by;
    }
  }
  return logitSuspect(logits, C);
}

test('keyless suspects: none named, the log-ratio p-values within the exact null', async () => {
  let below = 0;
  let parts = 0;
  for (let s = 0; s < 30; s++) {
    const r = await verifyResponseMark({ pool, params, candidates, suspect: suspect(700 + s) });
    expect(r.named).toEqual([]);
    expect(r.null.holds).toBe(true);
    expect(r.null.logRatio!.map((x) => x.floor)).toEqual([...LOG_RATIO_FLOORS]);
    for (const c of r.candidates)
      for (const x of [c.weightedLead!, ...c.logRatio!]) {
        parts++;
        if (x.p <= 0.1) below++;
      }
  }
  // P[p <= 0.1] <= 0.1 for each part: 90 expected of 900, 120 is 3.3 sigma above
  expect(parts).toBe(30 * 10 * PARTS);
  expect(below).toBeLessThanOrEqual(120);
}, 120_000);

test('a copy that raised the keyed class a little, never near the lead: named on the log-ratio only', async () => {
  const copy = suspect(9, { key: candidates[4].key, share: 0.6, by: 0.8 });
  const r = await verifyResponseMark({ pool, params, candidates, suspect: copy });
  const b4 = r.candidates.find((c) => c.uid === 'b4')!;
  expect(b4.trials).toBe(0); // no eligible class reaches the lead count's 1%
  expect(b4.leadP).toBe(1);
  expect(b4.weightedLead!.p).toBe(1); // nor does the weighted lead: at e^-10 a code's weight rounds to nothing
  const [low, high] = b4.logRatio!;
  // at the floor e^-8 every eligible class is clipped alike (about e^-10): nothing to read; e^-16 reads the rise
  expect(low.p).toBe(1);
  expect(high.p).toBeLessThan(1e-8);
  expect(high.sum).toBeGreaterThan(high.expected + 5 * high.sd);
  expect(b4.p).toBe(Math.min(1, PARTS * high.p));
  expect(r.named).toEqual(['b4']);
  expect(r.null.holds).toBe(true);
});

test('a hostile suspect (NaN, ±Infinity, one-hot and all-zero rows): no board named, every p a probability', async () => {
  const rows = [
    new Array(C).fill(NaN),
    [Infinity, ...new Array(C - 1).fill(0)],
    [-Infinity, ...new Array(C - 1).fill(-Infinity)],
    [1, ...new Array(C - 1).fill(0)], // a one-hot distribution: every other class at probability 0 (log −∞)
    new Array(C).fill(0),
    [3e38, -3e38, ...new Array(C - 2).fill(0)],
  ];
  const hostile: ScoringRunner = {
    classes: C,
    sampleShape: [1],
    predict: async (x, count) => Int32Array.from({ length: count }, () => 0),
    scores: async (x, count) => {
      const out = new Float32Array(count * C);
      for (let j = 0; j < count; j++) out.set(rows[x[j] % rows.length], j * C);
      return out;
    },
    dispose: () => undefined,
  };
  const r = await verifyResponseMark({ pool, params, candidates, suspect: hostile });
  expect(r.named).toEqual([]);
  expect(r.namedTogether).toEqual([]);
  for (const c of [...r.candidates, r.null])
    for (const p of [c.p, c.weightedLead!.p, ...c.logRatio!.map((x) => x.p)]) {
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
    }
  for (const c of r.candidates) expect(c.familyP).toBeGreaterThan(1e-3);
});
