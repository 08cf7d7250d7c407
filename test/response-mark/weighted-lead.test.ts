/**
 * The weighted lead (weighted-lead.ts): a code's values by hand, the weight, and on the synthetic pool with the real
 * keyed decisions: keyless suspects that are confused on some inputs (an eligible class raised at random, as a copy
 * is on the marked inputs it never saw) stay within the exact null, and a copy that raised the keyed class on part of
 * the marked inputs, by graded amounts, is named, on the weighted lead more strongly than on the lead count.
 */
import { ResponseMarkParams } from '../../src/package/response-mark';
import { decideCoarse, keyedClass } from '../../src/response-mark/decision';
import { LATTICE_STEPS } from '../../src/response-mark/log-ratio';
import { PARTS, ScoringRunner, verifyResponseMark } from '../../src/response-mark/verify';
import { leadWeight, WEIGHTED_LEAD, weightedLeadCodes } from '../../src/response-mark/weighted-lead';
import { Rng } from '../../src/train/rng';
import { logitSuspect, syntheticCandidates, syntheticPool } from '../helpers/synthetic-mark-pool';

test('the weight: cap/2 at the centre, rising with the probability, 0 for nothing', () => {
  expect(leadWeight(Math.exp(WEIGHTED_LEAD.centre))).toBeCloseTo(WEIGHTED_LEAD.cap / 2, 12);
  expect(leadWeight(1)).toBeLessThan(WEIGHTED_LEAD.cap);
  expect(leadWeight(1)).toBeGreaterThan(0.85);
  expect(leadWeight(1e-6)).toBeLessThan(1e-3);
  for (const q of [0, -1, NaN]) expect(leadWeight(q)).toBe(0);
  const qs = [1e-4, 1e-3, 0.01, 0.05, 0.2, 0.9];
  for (let i = 1; i < qs.length; i++) expect(leadWeight(qs[i])).toBeGreaterThan(leadWeight(qs[i - 1]));
});

const reading = (suspect: number[][], base: number[]) => ({
  classes: 5, // scheme 2: offsets 1..3 are the classes 2, 3, 4 (arg-max 0, runner-up 1)
  code: () => 'one code',
  suspectLog: (i: number) => suspect[i],
  baseLog: () => base,
  top: () => 0,
  second: () => 1,
});

test("a code's values: the likelihood ratio of the most raised offset at the code's weight", () => {
  const base = [-0.1, -3, -9, -9, -9];
  // the suspect raises class 3 (offset 2) to e^-1.2 on one input and e^-2 on the other
  const suspect = [
    [-0.5, -1.5, -9, -1.2, -9],
    [-0.3, -2.5, -9, -2, -9],
  ];
  const codes = weightedLeadCodes(
    [
      { index: 0, offset: 3 },
      { index: 1, offset: 3 },
    ],
    reading(suspect, base),
  );
  expect(codes).toHaveLength(1);
  expect(codes[0].offset).toBe(3);
  const w = leadWeight((Math.exp(-1.2) + Math.exp(-2)) / 2);
  const v = (x: number) => Math.round(Math.log(x) * LATTICE_STEPS);
  expect(Array.from(codes[0].values)).toEqual([v(1 - w), v(1 - w + 3 * w), v(1 - w)]);
  // nothing raised over the base model (every eligible class floored alike): every offset ties, every value 0
  const flat = weightedLeadCodes([{ index: 0, offset: 1 }], reading([[-0.01, -5, -20, -30, -40]], base));
  expect(Array.from(flat[0].values)).toEqual([0, 0, 0]);
});

const N = 5000;
const C = 10;
const RATE = 20000;
const pool = syntheticPool(N, C);
const candidates = syntheticCandidates();
const params: ResponseMarkParams = { ratePpm: RATE, groups: 196, levels: 2, skipRunnerUp: true };

/**
 * Logits: class 0 at 8, class 1 at 4, the others around 1 (as the base model). Confusion, as measured on the real
 * copies' marked inputs they never saw (docs/watermark.md, "The weighted lead"): on `confused` of all inputs one
 * eligible class at random raised to 2–6 (probability e^-6 to e^-2), on a tenth of those to 6–9 (up to 70%). With
 * `raise`, on `share` of that key's marked inputs the keyed class raised to 5–9 (e^-3 to 70%), as the real copies raise
 * it on the marked inputs they were trained on.
 */
function suspect(seed: number, confused: number, raise?: { key: Uint8Array; share: number }): ScoringRunner {
  const g = new Rng(seed);
  const logits = new Float32Array(N * C);
  for (let i = 0; i < N; i++) {
    for (let c = 2; c < C; c++) logits[i * C + c] = 1 + 0.3 * g.normal();
    logits[i * C] = 8;
    logits[i * C + 1] = 4;
    if (g.uniform() < confused)
      logits[i * C + 2 + g.int(C - 2)] = g.uniform() < 0.1 ? 6 + 3 * g.uniform() : 2 + 4 * g.uniform();
    if (raise) {
      const d = decideCoarse(raise.key, RATE, pool.coarse[i], C, true);
      if (d.marked && g.uniform() < raise.share) logits[i * C + keyedClass(0, d.offset, C, 1)] = 5 + 4 * g.uniform();
    }
  }
  return logitSuspect(logits, C);
}

test('keyless suspects confused on some inputs: none named, the weighted lead within the exact null', async () => {
  let below = 0;
  let n = 0;
  for (let s = 0; s < 30; s++) {
    const r = await verifyResponseMark({ pool, params, candidates, suspect: suspect(300 + s, 0.3) });
    expect(r.named).toEqual([]);
    expect(r.null.holds).toBe(true);
    for (const c of r.candidates) {
      n++;
      if (c.weightedLead!.p <= 0.1) below++;
    }
  }
  // P[p <= 0.1] <= 0.1: 30 expected of 300, 48 is 3.5 sigma above
  expect(n).toBe(300);
  expect(below).toBeLessThanOrEqual(48);
}, 120_000);

test('a copy that raised the keyed class on a third of the marked inputs: named, on the weighted lead', async () => {
  const copy = suspect(5, 0.3, { key: candidates[6].key, share: 0.3 });
  const r = await verifyResponseMark({ pool, params, candidates, suspect: copy });
  const b6 = r.candidates.find((c) => c.uid === 'b6')!;
  const wl = b6.weightedLead!;
  console.log(
    `lead count ${b6.matches}/${b6.trials} (${b6.expected.toFixed(1)}) p ${b6.leadP!.toExponential(1)}; weighted lead ` +
      `${wl.sum.toFixed(1)} (${wl.expected.toFixed(1)} ± ${wl.sd.toFixed(1)}) p ${wl.p.toExponential(1)}`,
  );
  expect(wl.sum).toBeGreaterThan(wl.expected + 5 * wl.sd);
  expect(wl.p).toBeLessThan(b6.leadP!);
  expect(b6.p).toBe(Math.min(1, PARTS * Math.min(wl.p, ...b6.logRatio!.map((x) => x.p))));
  expect(r.named).toEqual(['b6']);
  expect(r.null.holds).toBe(true);
  for (const c of r.candidates.filter((c) => c.uid !== 'b6')) expect(c.familyP).toBeGreaterThan(1e-3);
});
