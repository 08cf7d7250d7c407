/**
 * Binomial tail and Clopper–Pearson bound against exact rational arithmetic (BigInt sums of
 * C(n,i)·a^i·(b−a)^(n−i) / b^n, an independent computation) and hand-computed cases.
 */
import { binomialCdf, binomialLogTail, binomialTail, clopperPearsonUpper } from '../../src/watermark/binomial';
import { summariseNull } from '../../src/watermark/null-rate';
import { scoreLabels } from '../../src/watermark/score';

function choose(n: number, k: number): bigint {
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}

/** P[X ≥ k] for p = a/b, exactly, rounded to a double. */
function exactTail(k: number, n: number, a: number, b: number): number {
  let num = 0n;
  for (let i = Math.max(k, 0); i <= n; i++)
    num += choose(n, i) * BigInt(a) ** BigInt(i) * BigInt(b - a) ** BigInt(n - i);
  const den = BigInt(b) ** BigInt(n);
  if (num === 0n) return 0;
  const shift = den.toString(2).length - num.toString(2).length + 64;
  return Number((num << BigInt(shift)) / den) * 2 ** -shift;
}

describe('binomialTail', () => {
  test('hand-computed cases', () => {
    expect(binomialTail(1, 2, 0.5)).toBeCloseTo(0.75, 15);
    expect(binomialTail(2, 3, 0.5)).toBeCloseTo(0.5, 15);
    expect(binomialTail(0, 5, 0.3)).toBe(1);
    expect(binomialTail(6, 5, 0.3)).toBe(0);
    expect(binomialTail(8, 8, 0.1)).toBeCloseTo(1e-8, 20);
    expect(binomialTail(3, 4, 0)).toBe(0);
    expect(binomialTail(3, 4, 1)).toBe(1);
  });

  const cases: Array<[number, number, number, number]> = [
    [8, 8, 1, 10],
    [31, 31, 1, 2],
    [3, 10, 1, 10],
    [50, 100, 1, 2],
    [80, 100, 1, 10],
    [100, 100, 1, 10],
    [25, 100, 1, 10],
    [5, 1000, 1, 1000],
    [600, 1000, 1, 2],
    [40, 200, 3, 20],
  ];
  test.each(cases)('P[X ≥ %i | n=%i, p=%i/%i] equals the exact rational value', (k, n, a, b) => {
    const want = exactTail(k, n, a, b);
    const got = binomialTail(k, n, a / b);
    expect(Math.abs(got - want) / want).toBeLessThan(1e-9);
  });

  test('the log tail stays finite below the smallest double: P[X ≥ 400 | 400, 0.1] = 10^-400', () => {
    expect(binomialTail(400, 400, 0.1)).toBe(0);
    expect(binomialLogTail(400, 400, 0.1) / Math.LN10).toBeCloseTo(-400, 9);
    expect(scoreLabels(new Int32Array(400), new Int32Array(400), 0.1)).toMatchObject({
      pValue: 0,
      verdict: 'detected',
    });
    expect(scoreLabels(new Int32Array(400), new Int32Array(400), 0.1).log10PValue).toBeCloseTo(-400, 9);
  });

  test('tail and cdf are complementary', () => {
    for (const [k, n, p] of [
      [3, 10, 0.2],
      [40, 100, 0.37],
      [0, 7, 0.5],
    ] as const) {
      expect(binomialCdf(k - 1, n, p) + binomialTail(k, n, p)).toBeCloseTo(1, 12);
    }
  });
});

describe('clopperPearsonUpper', () => {
  test('x = 0 has the closed form 1 − alpha^(1/n)', () => {
    for (const n of [10, 100, 3000])
      expect(clopperPearsonUpper(0, n, 0.001)).toBeCloseTo(1 - Math.pow(0.001, 1 / n), 10);
  });

  test('the bound is where P[X ≤ x] falls to alpha', () => {
    for (const [x, n] of [
      [3, 100],
      [57, 1000],
      [99, 100],
    ]) {
      const u = clopperPearsonUpper(x, n, 0.001);
      expect(u).toBeGreaterThan(x / n);
      expect(binomialCdf(x, n, u)).toBeCloseTo(0.001, 8);
    }
    expect(clopperPearsonUpper(10, 10, 0.001)).toBe(1);
  });
});

describe('scoring and null rate', () => {
  test('p-value of matches against the null, and the verdict', () => {
    const expected = Int32Array.from({ length: 20 }, (_, i) => i % 10);
    const predicted = expected.map((v, i) => (i < 16 ? v : (v + 1) % 10));
    const s = scoreLabels(predicted, expected, 0.1, 1e-6);
    expect(s.matches).toBe(16);
    expect(s.pValue).toBeCloseTo(exactTail(16, 20, 1, 10), 20);
    expect(s.verdict).toBe('detected');
    expect(
      scoreLabels(
        predicted.map(() => 0),
        expected,
        0.1,
      ).verdict,
    ).toBe('not detected');
  });

  test('the null rate is never below 1/C and covers the worst clean model', () => {
    const low = summariseNull(10, 10, [
      { model: 'a', matches: 3, trials: 1000 },
      { model: 'b', matches: 1, trials: 1000 },
    ]);
    expect(low.nullRate).toBe(0.1);
    expect(low.upperBound).toBeGreaterThan(0.002);
    const high = summariseNull(10, 10, [
      { model: 'a', matches: 150, trials: 1000 },
      { model: 'b', matches: 300, trials: 1000 },
    ]);
    expect(high.nullRate).toBeGreaterThanOrEqual(0.3);
    expect(high.nullRate).toBeGreaterThan(high.pooledMatches / high.pooledTrials);
  });
});
