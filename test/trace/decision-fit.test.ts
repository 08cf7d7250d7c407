import { answerMargins, decisionLogLikelihood } from '../../src/trace/decision-fit';

const oneHot = (classes: number, ...cls: number[]) => {
  const a = new Float32Array(cls.length * classes);
  cls.forEach((c, s) => (a[s * classes + c] = 1));
  return a;
};

describe('decisionLogLikelihood', () => {
  test("answerMargins: the answered class's score less the best other class's", () => {
    const scores = Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.45, 0.05, 0.3, 0.3, 0.4]);
    const m = answerMargins(scores, { answers: oneHot(3, 1, 1, 0), count: 3 });
    expect(m[0]).toBeCloseTo(0.5, 6); // answered the top class: 0.7 − 0.2
    expect(m[1]).toBeCloseTo(-0.05, 6); // answered the runner-up: 0.45 − 0.5
    expect(m[2]).toBeCloseTo(-0.1, 6); // answered a class below the top: 0.3 − 0.4
  });

  test('a model tied on every probe explains nothing: count·ln ½, whatever was answered', () => {
    expect(decisionLogLikelihood(new Float64Array(7))).toBeCloseTo(7 * Math.log(0.5), 9);
  });

  test('the fitted temperature: margins all agreeing tend to likelihood 1; mixed ones give the logistic optimum', () => {
    expect(decisionLogLikelihood(Float64Array.from([1, 2, 3]))).toBeGreaterThan(-1e-3);
    // margins ±1, three of four agreeing: the best σ(1/T) is 3/4, so the maximum is 3 ln ¾ + ln ¼
    const best = 3 * Math.log(0.75) + Math.log(0.25);
    const ll = decisionLogLikelihood(Float64Array.from([1, 1, 1, -1]));
    expect(ll).toBeLessThanOrEqual(best + 1e-12);
    expect(ll).toBeGreaterThan(best - 2e-3); // the grid's temperatures are 10% apart
    // the same answers read against a model whose margins are mostly against them
    expect(decisionLogLikelihood(Float64Array.from([-1, -1, 1, -1]))).toBeLessThan(4 * Math.log(0.5));
  });
});
