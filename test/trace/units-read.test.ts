/**
 * Reading trigger units (src/trace/units/read.ts): the plurality decision per unit, and the family p-value
 * N · P(Binomial(K, 1/classes) ≥ m) checked against the binomial sum written out here; answers a hostile model could
 * give (NaN, infinities, ties) decide a class deterministically and cannot name a board by themselves; a record a
 * hostile model file carries is checked before a trace acts on it.
 */
import { Sha256Stream } from '../../src/watermark/drbg';
import { log10FamilyMatchP, matches, unitDecisions } from '../../src/trace/units/read';
import { checkRecordFits, readTriggerUnitsRecord } from '../../src/compiler/trigger-units-record';

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

test('the family p-value is the candidates times the binomial tail', () => {
  for (const [m, K, C, N] of [
    [16, 16, 10, 1000],
    [12, 16, 10, 1000],
    [9, 16, 10, 1000],
    [20, 32, 10, 1000],
    [5, 8, 4, 10],
  ]) {
    const expected = Math.min(1, N * tail(m, K, 1 / C));
    expect(10 ** log10FamilyMatchP(m, K, C, N)).toBeCloseTo(expected, 12);
    expect(Math.abs(log10FamilyMatchP(m, K, C, N) - Math.log10(expected))).toBeLessThan(1e-9);
  }
  expect(log10FamilyMatchP(16, 16, 10, 1000)).toBeCloseTo(-13, 9);
  expect(log10FamilyMatchP(0, 16, 10, 1000)).toBe(0);
});

test('each unit reads the plurality of its votes; a tie goes to the lower class', () => {
  const classes = 3;
  const votes = 3;
  // unit 0: classes 2, 2, 1 -> 2; unit 1: 0, 1, 2 (a three-way tie) -> 0
  const rows = [
    [0, 0, 1],
    [0, 1, 0.5],
    [0, 0.2, 0.9],
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  const d = unitDecisions(Float32Array.from(rows.flat()), 2, votes, classes);
  expect(d).toEqual([2, 0]);
  expect(matches(d, [2, 0])).toBe(2);
  expect(matches(d, [2, 1])).toBe(1);
});

test('NaN and infinite answers decide deterministically and match a keyed class no more often than chance', () => {
  const K = 16;
  const votes = 5;
  const classes = 10;
  const hostile = new Float32Array(K * votes * classes).map((_, i) => [NaN, Infinity, -Infinity][i % 3]);
  const d = unitDecisions(hostile, K, votes, classes);
  expect(d).toEqual(unitDecisions(hostile, K, votes, classes));
  expect(d.every((c) => Number.isInteger(c) && c >= 0 && c < classes)).toBe(true);
  // whatever the hostile answers decide, boards' classes are keyed draws: over 2,000 boards the matches average
  // K/classes = 1.6, and none comes near naming its board
  const stream = new Sha256Stream(Buffer.from('units-read test'), 'classes');
  const next = () => stream.uniform(classes);
  const counts = Array.from({ length: 2000 }, () => matches(d, Array.from({ length: K }, next)));
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  expect(mean).toBeGreaterThan(1.3);
  expect(mean).toBeLessThan(1.9);
  expect(Math.min(...counts.map((m) => log10FamilyMatchP(m, K, classes, 1000)))).toBeGreaterThan(-3);
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
