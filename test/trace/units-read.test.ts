/**
 * Reading trigger units (src/trace/units/read.ts): the plurality decision per unit, and the family p-value
 * N · P(Binomial(K, 1/classes) ≥ m) checked against the binomial sum written out here; answers a hostile model could
 * give (NaN, infinities, ties) decide a class deterministically and cannot name a board by themselves; a record a
 * hostile model file carries is checked before a trace acts on it.
 */
import { createHash } from 'crypto';
import { Sha256Stream } from '../../src/watermark/drbg';
import { boardClasses } from '../../src/trace/units/board';
import { unitsVerdict } from '../../src/trace/units/verdict';
import { simulatedUids } from '../helpers/mnist-boards';
import { familyVoteP, unitVotes, voteLogTails, votesFor } from '../../src/trace/units/read';

const voteLogTail = (tally: number[][], s: number) => voteLogTails(tally)(s);
const log10FamilyVoteP = (tally: number[][], votes: number, n: number) => familyVoteP(tally, n)(votes);
import { checkRecordFits, readTriggerUnitsRecord } from '../../src/compiler/trigger-units-record';

/** one vote per unit, for its class (a white-box reading of single boards' columns) */
const oneVoteEach = (decisions: readonly number[], classes: number) =>
  decisions.map((d) => Array.from({ length: classes }, (_, c) => (c === d ? 1 : 0)));

/** P(Binomial(n, p) ≥ k) summed term by term with exact binomial coefficients */
function tail(k: number, n: number, p: number): number {
  let total = 0;
  for (let i = k; i <= n; i++) {
    let c = 1;
    for (let j = 0; j < i; j++) c = (c * (n - j)) / (j + 1);
    total += c * p ** i * (1 - p) ** (n - i);
  }
  return total;
}

test('with one vote per unit (white-box) the family p-value is the candidates times the binomial tail', () => {
  for (const [m, K, C, N] of [
    [16, 16, 10, 1000],
    [12, 16, 10, 1000],
    [9, 16, 10, 1000],
    [20, 32, 10, 1000],
    [5, 8, 4, 10],
  ]) {
    const tally = oneVoteEach(new Array(K).fill(0), C);
    const expected = Math.min(1, N * tail(m, K, 1 / C));
    expect(10 ** log10FamilyVoteP(tally, m, N)).toBeCloseTo(expected, 12);
    expect(Math.abs(log10FamilyVoteP(tally, m, N) - Math.log10(expected))).toBeLessThan(1e-9);
  }
  const sixteen = oneVoteEach(new Array(16).fill(3), 10);
  expect(log10FamilyVoteP(sixteen, 16, 1000)).toBeCloseTo(-13, 9);
  expect(log10FamilyVoteP(sixteen, 0, 1000)).toBe(0);
});

test('the vote tail is exact: enumerated over every class assignment, and the binomial tail with one vote per unit', () => {
  // 3 units, 3 classes, 4 votes each, split as a leak averaged from two boards might split them
  const tally = [
    [2, 2, 0],
    [4, 0, 0],
    [1, 1, 2],
  ];
  const counts = new Map<number, number>();
  for (let a = 0; a < 3; a++)
    for (let b = 0; b < 3; b++)
      for (let c = 0; c < 3; c++) {
        const s = votesFor(tally, [a, b, c]);
        counts.set(s, (counts.get(s) ?? 0) + 1);
      }
  for (let s = 0; s <= 9; s++) {
    const expected = [...counts].filter(([v]) => v >= s).reduce((t, [, n]) => t + n, 0) / 27;
    expect(Math.exp(voteLogTail(tally, s))).toBeCloseTo(expected, 12);
  }
  expect(voteLogTail(tally, 9)).toBe(-Infinity); // 2 + 4 + 2 is the most
  // one vote per unit: the binomial tail of matches
  for (const [m, K, C] of [
    [16, 16, 10],
    [9, 16, 10],
    [5, 8, 4],
  ]) {
    const oneVote = Array.from({ length: K }, () => [1, ...new Array(C - 1).fill(0)]);
    expect(Math.exp(voteLogTail(oneVote, m))).toBeCloseTo(tail(m, K, 1 / C), 14);
  }
  // 1,024 units all matched: 1e-1024, beyond a double, still a finite logarithm
  const many = Array.from({ length: 1024 }, () => [5, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  expect(voteLogTail(many, 5 * 1024) / Math.LN10).toBeCloseTo(-1024, 6);
});

test("votes tally each unit's decisions", () => {
  const rows = [
    [0, 0, 1],
    [0, 1, 0.5],
    [0, 0.2, 0.9],
  ];
  expect(unitVotes(Float32Array.from(rows.flat()), 1, 3, 3)).toEqual([[0, 1, 2]]);
});

test('NaN and infinite answers vote deterministically and for a keyed class no more often than chance', () => {
  const K = 16;
  const votes = 5;
  const classes = 10;
  const hostile = new Float32Array(K * votes * classes).map((_, i) => [NaN, Infinity, -Infinity][i % 3]);
  const tally = unitVotes(hostile, K, votes, classes);
  expect(tally).toEqual(unitVotes(hostile, K, votes, classes));
  expect(tally.every((row) => row.reduce((a, b) => a + b, 0) === votes)).toBe(true);
  // whatever the hostile answers decide, boards' classes are keyed draws: over 2,000 boards the votes average
  // K × votes / classes = 8, and none comes near naming its board
  const stream = new Sha256Stream(Buffer.from('units-read test'), 'classes');
  const next = () => stream.uniform(classes);
  const counts = Array.from({ length: 2000 }, () => votesFor(tally, Array.from({ length: K }, next)));
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  expect(mean).toBeGreaterThan(6.5);
  expect(mean).toBeLessThan(9.5);
  const family = familyVoteP(tally, 1000);
  expect(Math.min(...counts.map(family))).toBeGreaterThan(-3);
});

test("votes split between two boards (an averaged copy) name both when there are enough; one board's votes name only it", () => {
  const K = 16;
  const classes = 10;
  const stream = new Sha256Stream(Buffer.from('units-read colluders'), 'classes');
  const draw = () => Array.from({ length: K }, () => stream.uniform(classes));
  const [a, b] = [draw(), draw()];
  // 20 votes per unit, 10 for each colluder's class (20 for one where their classes agree)
  const tally = a.map((ca, k) => {
    const row = new Array<number>(classes).fill(0);
    row[ca] += 10;
    row[b[k]] += 10;
    return row;
  });
  const candidates = [a, b, ...Array.from({ length: 998 }, draw)];
  const family = familyVoteP(tally, candidates.length);
  const p = candidates.map((c) => family(votesFor(tally, c)));
  expect(p[0]).toBeLessThan(-6);
  expect(p[1]).toBeLessThan(-6);
  expect(Math.min(...p.slice(2))).toBeGreaterThan(-3);
});

test('a malformed or oversized trigger-unit record is refused with E_TRACE_MODEL, a good one read back', () => {
  const good = { scheme: 'edgelock-tu1', units: [3, 1, 2], pixels: 48, votes: 5, widen: 1.5, values: ['a', 'b'] };
  expect(readTriggerUnitsRecord(JSON.stringify(good))).toEqual(good);
  expect(readTriggerUnitsRecord(undefined)).toBeNull();
  for (const bad of [
    'not json',
    '[1]',
    JSON.stringify({ ...good, scheme: 'other' }),
    JSON.stringify({ ...good, units: [1, 1] }),
    JSON.stringify({ ...good, units: [-1] }),
    JSON.stringify({ ...good, units: [] }),
    JSON.stringify({ ...good, votes: 1 << 20 }),
    JSON.stringify({ ...good, pixels: 0 }),
    JSON.stringify({ ...good, widen: 1000 }),
    JSON.stringify({ ...good, values: [1] }),
    JSON.stringify({ ...good, units: Array.from({ length: 5000 }, (_, i) => i) }),
  ])
    expect(() => readTriggerUnitsRecord(bad)).toThrow(expect.objectContaining({ code: 'E_TRACE_MODEL' }));
  const record = readTriggerUnitsRecord(JSON.stringify(good))!;
  expect(() => checkRecordFits(record, 4, 784)).not.toThrow();
  expect(() => checkRecordFits(record, 3, 784)).toThrow(expect.objectContaining({ code: 'E_TRACE_MODEL' }));
  expect(() => checkRecordFits(record, 4, 40)).toThrow(expect.objectContaining({ code: 'E_TRACE_MODEL' }));
});

describe('the verdict over candidate boards', () => {
  const traceKey = createHash('sha256').update('units-read verdict').digest();
  const uids = simulatedUids('5e7d', 1000);
  const K = 16;
  const classes = 10;
  const of = (uid: string) => boardClasses(traceKey, Buffer.from(uid, 'hex'), K, classes);
  const named = (tally: number[][], alpha: number) => {
    const v = unitsVerdict(tally, classes, traceKey, uids, alpha);
    return v.named ? [v.uid, ...v.others.map((o) => o.uid)].sort() : [];
  };

  test('a copy averaged from two boards: with the other colluder set aside, each is named', () => {
    for (const colluders of [
      [uids[3], uids[500]],
      [uids[10], uids[20]],
    ]) {
      const [a, b] = colluders.map(of);
      // 20 stamped inputs per unit: a third of the units answer one colluder's class, a third the other's, a third
      // split evenly; on the whole tally neither colluder reaches the level
      const tally = Array.from({ length: K }, (_, k) => {
        const row = new Array<number>(classes).fill(0);
        if (k % 3 === 0) row[a[k]] += 20;
        else if (k % 3 === 1) row[b[k]] += 20;
        else [row[a[k]], row[b[k]]] = [row[a[k]] + 10, row[b[k]] + 10];
        return row;
      });
      for (const cs of [a, b])
        expect(log10FamilyVoteP(tally, votesFor(tally, cs), 3 * uids.length)).toBeGreaterThan(-6.3);
      const v = unitsVerdict(tally, classes, traceKey, uids, 5e-7);
      expect([v.uid, ...v.others.map((o) => o.uid)].sort()).toEqual([...colluders].sort());
      expect(v.setAside).toBe(1);
    }
  });

  test("a leak that carries no board's classes names nobody, at the rate alpha promises", () => {
    const stream = new Sha256Stream(Buffer.from('units-read null tallies'), 'tallies');
    let falsely = 0;
    for (let trial = 0; trial < 200; trial++) {
      // 20 votes per unit over two or three classes, as an averaged copy's would fall
      const tally = Array.from({ length: K }, () => {
        const row = new Array<number>(classes).fill(0);
        const spread = 1 + stream.uniform(3);
        const favoured = Array.from({ length: spread }, () => stream.uniform(classes));
        for (let j = 0; j < 20; j++) row[favoured[stream.uniform(spread)]]++;
        return row;
      });
      if (named(tally, 0.05).length > 0) falsely++;
    }
    // at most alpha = 5% of the trials may name an innocent board; 200 trials at exactly 5% would give 10
    expect(falsely).toBeLessThanOrEqual(18);
  });
});
