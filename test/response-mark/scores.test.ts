/**
 * The response mark read from a suspect's scores (verify.ts, MarkStatistic 'scores'), on the synthetic pool of
 * scheme2.test.ts with the real keyed decisions: keyless suspects with random scores are not named and their p-values
 * keep the exact null; a copy that raised the keyed class without answering it is invisible to the arg-max statistic
 * and named on its scores, with the counts recomputed here from its probabilities; a suspect without scores is refused.
 */
import { ResponseMarkParams } from '../../src/package/response-mark';
import { decideCoarse, keyedClass } from '../../src/response-mark/decision';
import { asProbabilities } from '../../src/response-mark/probabilities';
import { MarkCandidate, ScoringRunner, verifyResponseMark } from '../../src/response-mark/verify';
import { Rng } from '../../src/train/rng';
import { logitSuspect, sha, syntheticCandidates, syntheticPool } from '../helpers/synthetic-mark-pool';

const N = 5000;
const C = 10;
const RATE = 20000;
const pool = syntheticPool(N, C);
const candidates = syntheticCandidates();
const params: ResponseMarkParams = { ratePpm: RATE, groups: 196, levels: 2, skipRunnerUp: true };

/** Logits: class 0 first, class 1 second, the rest Gaussian; on `share` of `raise`'s marks the keyed class raised. */
function suspect(seed: number, raise?: { key: Uint8Array; share: number }): ScoringRunner {
  const g = new Rng(seed);
  const logits = new Float32Array(N * C);
  for (let i = 0; i < N; i++) {
    for (let c = 2; c < C; c++) logits[i * C + c] = 1 + 1.5 * g.normal(); // now and then above 1%
    logits[i * C] = 8;
    logits[i * C + 1] = 4;
    if (raise) {
      const d = decideCoarse(raise.key, RATE, pool.coarse[i], C, true);
      if (d.marked && g.uniform() < raise.share) logits[i * C + keyedClass(0, d.offset, C, 1)] = 6;
    }
  }
  return logitSuspect(logits, C);
}

test('keyless suspects with random scores: none named, p-values within the exact null', async () => {
  let below = 0;
  for (let s = 0; s < 30; s++) {
    const r = await verifyResponseMark({ pool, params, candidates, suspect: suspect(500 + s), statistic: 'scores' });
    expect(r.statistic).toBe('scores');
    expect(r.null.holds).toBe(true);
    expect(r.named).toEqual([]);
    expect(r.namedTogether).toEqual([]);
    below += r.candidates.filter((c) => c.p <= 0.1).length;
  }
  // P[p <= 0.1] <= 0.1: 30 expected of 300, 48 is 3.5 sigma above
  expect(below).toBeLessThanOrEqual(48);
}, 120_000);

test('a copy that raised the keyed class without answering it: named on its scores only', async () => {
  const copy = suspect(9, { key: candidates[6].key, share: 0.3 });
  const onArgmax = await verifyResponseMark({ pool, params, candidates, suspect: copy, statistic: 'arg-max' });
  expect(onArgmax.statistic).toBe('arg-max');
  expect(onArgmax.named).toEqual([]);
  expect(onArgmax.candidates.every((c) => c.trials === 0)).toBe(true); // it always answers the base class
  const r = await verifyResponseMark({
    pool,
    params,
    candidates,
    suspect: copy,
    statistic: 'scores',
    dropLeastConfident: 0,
  });
  expect(r.named).toEqual(['b6']);
  // recount: every marked code where an eligible class has >= 1% is a trial; it matches when the keyed class leads
  const b6 = r.candidates.find((c) => c.uid === 'b6')!;
  const all = Float32Array.from({ length: N }, (_, i) => i);
  const scores = await copy.scores(all, N);
  let trials = 0;
  let keyed = 0;
  for (let i = 0; i < N; i++) {
    const d = decideCoarse(candidates[6].key, RATE, pool.coarse[i], C, true);
    if (!d.marked) continue;
    const pr = asProbabilities(scores.subarray(i * C, (i + 1) * C));
    const eligible = Array.from({ length: C }, (_, c) => c).filter((c) => c > 1);
    const best = Math.max(...eligible.map((c) => pr[c]));
    if (best < 0.01) continue;
    trials++;
    if (pr[keyedClass(0, d.offset, C, 1)] === best) keyed++;
  }
  expect(b6.trials).toBe(trials);
  expect(b6.matches).toBe(keyed);
  expect(keyed).toBeGreaterThan(20);
  // scores are the default for a suspect that answers them
  const byDefault = await verifyResponseMark({ pool, params, candidates, suspect: copy, dropLeastConfident: 0 });
  expect(byDefault.statistic).toBe('scores');
  expect(byDefault.named).toEqual(['b6']);
});

test('the scores statistic needs a suspect that answers its scores', async () => {
  const { scores: _drop, ...argmaxOnly } = suspect(1);
  void _drop;
  await expect(
    verifyResponseMark({ pool, params, candidates, suspect: argmaxOnly, statistic: 'scores' }),
  ).rejects.toMatchObject({ code: 'E_USAGE' });
  // by default, a suspect that answers labels only is read on its arg-max
  expect((await verifyResponseMark({ pool, params, candidates, suspect: argmaxOnly })).statistic).toBe('arg-max');
  expect(asProbabilities([0.2, 0.8])).toEqual([0.2, 0.8]); // already a distribution: kept
  expect(asProbabilities([0, Math.log(3)]).map((v) => Math.round(v * 100) / 100)).toEqual([0.25, 0.75]);
});

test("each board's marks are decided once per pool: a second check agrees, another rate or key is decided anew", async () => {
  const copy = suspect(9, { key: candidates[6].key, share: 0.3 });
  const check = (c: MarkCandidate[]) => verifyResponseMark({ pool, params, candidates: c, suspect: copy });
  const first = await check(candidates);
  const decided: number[] = [];
  const again = await verifyResponseMark({
    pool,
    params,
    candidates,
    suspect: copy,
    onDecided: (done, total) => decided.push(done / total),
  });
  expect(again).toEqual(first);
  expect(decided).toEqual(candidates.map((_, i) => (i + 1) / candidates.length)); // once per board, in order
  // half the rate: a subset of the marked inputs, decided again rather than read back
  const half = await check(candidates.map((c) => ({ ...c, ratePpm: RATE / 2 })));
  const b6 = (r: typeof first) => r.candidates.find((c) => c.uid === 'b6')!;
  expect(b6(half).marked!).toBeLessThan(b6(first).marked!);
  expect(b6(half).marked).toBeGreaterThan(0);
  // the same array holding another key's bytes: the cache goes by the bytes, not by the object
  const reused = Uint8Array.from(candidates[6].key);
  const before = await check([{ uid: 'b6', key: reused }]);
  reused.set(sha('board 7'));
  const after = await check([{ uid: 'b6', key: reused }]);
  const b7 = await check([{ uid: 'b6', key: sha('board 7') }]);
  expect(after.candidates[0]).toEqual(b7.candidates[0]);
  expect(after.candidates[0]).not.toEqual(before.candidates[0]);
});
