import { centredDecisions } from '../../src/trace/decision-reference';

// four probes, four classes; the reference's scores put class 2 first and class 0 second on every probe
const ref = Float32Array.from([0.3, 0.1, 0.4, 0.2, 0.35, 0.0, 0.36, 0.1, 0.2, 0.1, 0.9, 0.0, 0.45, 0.3, 0.5, 0.1]);
const oneHot = (...cls: number[]) => {
  const a = new Float32Array(cls.length * 4);
  cls.forEach((c, s) => (a[s * 4 + c] = 1));
  return a;
};

describe('centredDecisions', () => {
  test('centres the two-way decisions on how often the leak answers the runner-up; a third class stays one-hot', () => {
    // answers: runner-up, top, top, third class (1). Two-way answers: 3, of which 1 the runner-up → p = 1/3
    const t = centredDecisions(ref, oneHot(0, 2, 2, 1), 4);
    const p = 1 / 3;
    const want = [p, 0, 1 - p, 0, p, 0, 1 - p, 0, p, 0, 1 - p, 0, 0, 0, 1, 0];
    want.forEach((w, i) => expect(t[i]).toBeCloseTo(w, 6));
    // the residual on a two-way probe is ±(e_runnerUp − e_top), (1 − p) or p times
    const a = oneHot(0, 2, 2, 1);
    expect(a[0] - t[0]).toBeCloseTo(1 - p, 6);
    expect(a[2] - t[2]).toBeCloseTo(-(1 - p), 6);
    expect(a[4] - t[4]).toBeCloseTo(-p, 6);
    expect(a[6] - t[6]).toBeCloseTo(p, 6);
  });

  test("a leak deciding as the reference does leaves no residual (p = 0), and ties go to the lower class as the arg-max's do", () => {
    expect([...centredDecisions(ref, oneHot(2, 2, 2, 2), 4)]).toEqual([...oneHot(2, 2, 2, 2)]);
    // a tie between classes 1 and 3: the top is 1, the runner-up 3
    const tie = Float32Array.from([0, 0.5, 0.2, 0.5]);
    expect([...centredDecisions(tie, oneHot(3), 1)]).toEqual([0, 0, 0, 1]);
    expect([...centredDecisions(tie, oneHot(1), 1)]).toEqual([0, 1, 0, 0]);
  });
});
