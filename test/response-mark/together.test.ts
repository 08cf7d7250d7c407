/**
 * Two boards' marks tested together (src/response-mark/verify.ts, PairScore): a copy trained on answers mixed from
 * two marking boards repeats some marks of each, too few for either board alone. On a synthetic pool (5,000 inputs,
 * each its own code; the base model answers class 0 everywhere) the suspects are built from the boards' real keyed
 * decisions (decision.ts): a colluders' copy repeats a share of A's and of B's marked answers and disagrees at
 * random elsewhere; a keyless model only disagrees at random. The pair is named where neither board is, and over 60
 * keyless suspects the joint p is no smaller than its exact null allows.
 */
import { Rng } from '../../src/train/rng';
import { markRows } from '../../src/cli/commands/response-mark';
import { decideCoarse } from '../../src/response-mark/decision';
import { verifyResponseMark } from '../../src/response-mark/verify';
import { RESPONSE_MARK_DEFAULTS } from '../../src/package/response-mark';
import { ClassifierRunner } from '../../src/watermark/runners';
import { syntheticCandidates, syntheticPool } from '../helpers/synthetic-mark-pool';

const N = 5000;
const CLASSES = 10;
const RATE = 20000; // 2%: about 100 marked inputs per board
const params = { ...RESPONSE_MARK_DEFAULTS, ratePpm: RATE };

// sample i holds the value i; its code is 16 bytes of its own hash (no two inputs share a code)
const pool = syntheticPool(N, CLASSES);
const candidates = syntheticCandidates();

/** Class 0 everywhere, a random wrong class on a `noise` share of inputs, and the keyed class of `repeat`'s marks. */
function suspect(seed: number, noise: number, repeat: { key: Uint8Array; share: number }[]): ClassifierRunner {
  const g = new Rng(seed);
  const r = () => g.uniform();
  const answer = new Int32Array(N);
  for (let i = 0; i < N; i++) if (r() < noise) answer[i] = 1 + Math.floor(r() * (CLASSES - 1));
  for (const { key, share } of repeat)
    for (let i = 0; i < N; i++) {
      const d = decideCoarse(key, RATE, pool.coarse[i], CLASSES);
      if (d.marked && r() < share) answer[i] = d.offset; // base class 0: the keyed class is the offset
    }
  return {
    classes: CLASSES,
    sampleShape: [1],
    predict: async (x, count) => Int32Array.from({ length: count }, (_, j) => answer[x[j]]),
    dispose: () => undefined,
  };
}

const verify = (s: ClassifierRunner) => verifyResponseMark({ pool, params, candidates, suspect: s });

test.each([2, 4, 5])(
  'a copy repeating a few marks of each of two boards (seed %i): neither is named alone, the pair is',
  async (seed) => {
    // about 90 counted marked inputs per board; the copy repeats 10% of A's and of B's, and disagrees on 10% of all
    // inputs at random (fixed seeds: at this strength, of seeds 1-8 the pair alone is named in 4, a board alone in 3,
    // neither in 1)
    const r = await verify(
      suspect(seed, 0.1, [
        { key: candidates[2].key, share: 0.1 },
        { key: candidates[7].key, share: 0.1 },
      ]),
    );
    expect(r.null.holds).toBe(true);
    const a = r.candidates.find((c) => c.uid === 'b2')!;
    const b = r.candidates.find((c) => c.uid === 'b7')!;
    expect(a.familyP).toBeGreaterThan(r.alpha);
    expect(b.familyP).toBeGreaterThan(r.alpha);
    expect(r.named).toEqual([]);
    expect([...r.together!.uids].sort()).toEqual(['b2', 'b7']);
    expect(r.together!.matches).toBe(a.matches + b.matches);
    expect(r.together!.familyP).toBeLessThanOrEqual(r.alpha);
    expect([...r.namedTogether].sort()).toEqual(['b2', 'b7']);
    // what `edgelock response-mark verify` prints
    const rows = Object.fromEntries(markRows(r));
    expect(rows.verdict).toMatch(/^distilled from the answers of at least one of boards b[27], b[27] \(together/);
    expect(rows[`boards ${r.together!.uids.join(' + ')}`]).toMatch(/^together: \d+ of \d+ codes/);
  },
);

test('one board named alone is not reported as a pair', async () => {
  const r = await verify(suspect(2, 0.04, [{ key: candidates[4].key, share: 0.4 }]));
  expect(r.named).toEqual(['b4']);
  expect(r.namedTogether).toEqual([]);
});

test('keyless suspects: the best pair among 45 is flagged no more often than its family p promises', async () => {
  let below = 0;
  let namedAny = 0;
  const runs = 60;
  for (let s = 0; s < runs; s++) {
    const r = await verify(suspect(1000 + s, 0.05 + (s % 5) * 0.02, []));
    if (r.together!.familyP <= 0.2) below++;
    if (r.named.length || r.namedTogether.length) namedAny++;
  }
  expect(namedAny).toBe(0);
  // P[familyP ≤ 0.2] ≤ 0.2 (Bonferroni over the 45 pairs; the pool of 16 best singles only misses pairs):
  // at most 12 expected of 60, 21 is 2.9 sigma above (measured: 7 of 100)
  expect(below).toBeLessThanOrEqual(21);
}, 120000);
