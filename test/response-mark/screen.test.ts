/**
 * Screening (verify.ts): with many candidate boards the suspect is asked every confident pool input once and the
 * boards are decided only where it leaves the base model's answer. On a synthetic pool whose inputs share codes, with
 * the real keyed decisions, keyless suspects and a copy that learned one board's marks, on the arg-max: the screened
 * check gives exactly the unscreened counts, p-values, null check and verdicts, and decides a fraction of the inputs.
 * A check on the scores reads every marked code (the log-ratio) and is never screened.
 */
import { ResponseMarkParams } from '../../src/package/response-mark';
import { decideCoarse, keyedClass } from '../../src/response-mark/decision';
import { MarkPool } from '../../src/response-mark/pool';
import { MarkCandidate, ScoringRunner, SCREEN_BOARDS, verifyResponseMark } from '../../src/response-mark/verify';
import { Rng } from '../../src/train/rng';
import { logSoftmax, sha } from '../helpers/synthetic-mark-pool';

const N = 6000;
const C = 10;
const RATE = 20000;
const params: ResponseMarkParams = { ratePpm: RATE, groups: 196, levels: 2, skipRunnerUp: true };
/** 4,000 distinct codes (a third of them shared by two inputs); base arg-max i mod 10, runner-up the next class */
const shared: MarkPool = {
  names: ['synthetic shared codes'],
  count: N,
  sampleShape: [1],
  samples: Float32Array.from({ length: N }, (_, i) => i),
  classes: C,
  coarse: Array.from({ length: N }, (_, i) => sha(`code ${i % 4000}`).subarray(0, 16)),
  baseArgmax: (idx) => idx.map((i) => i % C),
  baseMargin: (idx) => idx.map((i) => 1 + ((i * 37) % 101)),
  baseRunnerUp: (idx) => idx.map((i) => (i + 1) % C),
  baseLogProbs: (idx) =>
    idx.map((i) => logSoftmax(Array.from({ length: C }, (_, c) => (c === i % C ? 6 : c === (i + 1) % C ? 3 : 0)))),
  dispose: () => undefined,
};
const pool = shared;
const candidates: MarkCandidate[] = Array.from({ length: 60 }, (_, i) => ({ uid: `b${i}`, key: sha(`board ${i}`) }));

/** Logits favouring the base answer; now and then another class close or ahead; on `share` of `learned`'s marks the keyed class ahead. */
function suspect(seed: number, learned?: { key: Uint8Array; share: number }): ScoringRunner {
  const g = new Rng(seed);
  const logits = new Float32Array(N * C);
  for (let i = 0; i < N; i++) {
    for (let c = 0; c < C; c++) logits[i * C + c] = 1.2 * g.normal();
    logits[i * C + (i % C)] = 6;
    if (g.uniform() < 0.06) logits[i * C + g.int(C)] = 6.5; // a keyless wrong answer (or the base class kept)
    if (learned) {
      const d = decideCoarse(learned.key, RATE, pool.coarse[i], C, true);
      if (d.marked && g.uniform() < learned.share) logits[i * C + keyedClass(i % C, d.offset, C, (i + 1) % C)] = 7;
    }
  }
  const argmax = (i: number) => {
    let b = 0;
    for (let c = 1; c < C; c++) if (logits[i * C + c] > logits[i * C + b]) b = c;
    return b;
  };
  return {
    classes: C,
    sampleShape: [1],
    predict: async (x, count) => Int32Array.from({ length: count }, (_, j) => argmax(x[j])),
    scores: async (x, count) => {
      const out = new Float32Array(count * C);
      for (let j = 0; j < count; j++) out.set(logits.subarray(x[j] * C, (x[j] + 1) * C), j * C);
      return out;
    },
    dispose: () => undefined,
  };
}

const comparable = (r: Awaited<ReturnType<typeof verifyResponseMark>>) => ({
  candidates: r.candidates.map(({ uid, disagreements, trials, matches, expected, p, familyP }) => ({
    uid,
    disagreements,
    trials,
    matches,
    expected,
    p,
    familyP,
  })),
  null: r.null,
  named: r.named,
  together: r.together,
  namedTogether: r.namedTogether,
});

test.each(['arg-max'] as const)(
  'on the %s statistic, a screened check counts exactly what the unscreened one does',
  async (statistic) => {
    for (const s of [suspect(3), suspect(4, { key: candidates[41].key, share: 0.5 })]) {
      const full = await verifyResponseMark({ pool, params, candidates, suspect: s, statistic, screen: false });
      const screened = await verifyResponseMark({ pool, params, candidates, suspect: s, statistic, screen: true });
      expect(full.screened).toBe(false);
      expect(screened.screened).toBe(true);
      expect(comparable(screened)).toEqual(comparable(full));
      expect(full.candidates.every((c) => c.marked! > 0 && c.counted! > 0)).toBe(true);
      expect(screened.candidates.every((c) => c.marked === undefined && c.counted === undefined)).toBe(true);
      expect(full.candidates.reduce((t, c) => t + c.trials, 0)).toBeGreaterThan(100);
    }
    const copy = await verifyResponseMark({
      pool,
      params,
      candidates,
      suspect: suspect(4, { key: candidates[41].key, share: 0.5 }),
      statistic,
      screen: true,
    });
    expect(copy.named).toEqual(['b41']);
  },
);

test('a check on the scores is never screened: it reads every marked code', async () => {
  const pool = { ...shared };
  const r = await verifyResponseMark({ pool, params, candidates, suspect: suspect(5) });
  expect(r.statistic).toBe('scores');
  expect(r.screened).toBe(false);
  expect(r.candidates.every((c) => c.logRatio!.every((x) => x.codes > 0))).toBe(true);
  await expect(
    verifyResponseMark({ pool, params, candidates, suspect: suspect(5), statistic: 'scores', screen: true }),
  ).rejects.toMatchObject({ code: 'E_USAGE' });
});

test('arg-max checks with many boards are screened by default (unless already decided), checks with few are not', async () => {
  expect(candidates.length).toBeGreaterThanOrEqual(SCREEN_BOARDS);
  const pool = { ...shared }; // a pool object of its own: nothing decided on it yet in this process
  const statistic = 'arg-max';
  const many = await verifyResponseMark({ pool, params, candidates, suspect: suspect(5), statistic });
  expect(many.screened).toBe(true);
  // every input but the least confident 10% (margins 1..101 spread evenly: the threshold leaves out about a tenth)
  expect(many.queries).toBeGreaterThan(0.85 * N);
  expect(many.queries).toBeLessThan(0.95 * N);
  // once this process decided every board on the whole pool (a batch of suspects), the decisions are reused instead
  await verifyResponseMark({ pool, params, candidates, suspect: suspect(6), statistic, screen: false });
  expect((await verifyResponseMark({ pool, params, candidates, suspect: suspect(5), statistic })).screened).toBe(false);
  const few = await verifyResponseMark({
    pool,
    params,
    candidates: candidates.slice(0, 10),
    suspect: suspect(5),
    statistic,
  });
  expect(few.screened).toBe(false);
  expect(few.candidates.every((c) => typeof c.marked === 'number')).toBe(true);
  // a board's counts do not depend on the other candidates: the drop threshold comes from the pool alone
  const alone = (r: typeof many) => r.candidates.find((c) => c.uid === 'b3')!;
  expect([alone(few).trials, alone(few).matches, alone(few).p]).toEqual([
    alone(many).trials,
    alone(many).matches,
    alone(many).p,
  ]);
});
