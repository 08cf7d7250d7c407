/**
 * The synthetic tasks the kws-dscnn and cifar-resnet8 zoo models are trained on: deterministic
 * from their seeds, sample i independent of the requested count, splits distinct, every class
 * present, values in the documented ranges, and the classes separable (a nearest-class-mean
 * classifier fitted on the training split beats chance by a wide margin on the test split).
 */
import { SYNTHETIC_TASK_MODELS, syntheticTask } from '../../src/zoo/synthetic-task';

const EXPECT: Record<string, { shape: number[]; classes: number; lo: number; hi: number }> = {
  'kws-dscnn': { shape: [1, 49, 10], classes: 12, lo: -12, hi: 12 },
  'cifar-resnet8': { shape: [3, 32, 32], classes: 10, lo: 0, hi: 1 },
};

test('every synthetic task has a documented shape', () => {
  expect([...SYNTHETIC_TASK_MODELS].sort()).toEqual(Object.keys(EXPECT).sort());
});

test('an unknown model name is rejected', () => {
  expect(() => syntheticTask('mnist-mlp', 'train', 1)).toThrow(/no synthetic task/);
});

describe.each(Object.entries(EXPECT))('%s', (name, e) => {
  test('deterministic; a longer request extends a shorter one; shapes and labels', () => {
    const a = syntheticTask(name, 'calib', 40);
    const b = syntheticTask(name, 'calib', 40);
    const c = syntheticTask(name, 'calib', 60);
    expect(a.sampleShape).toEqual(e.shape);
    expect(a.classes).toBe(e.classes);
    const size = e.shape.reduce((x, y) => x * y, 1);
    expect(a.data.length).toBe(40 * size);
    expect(Buffer.from(b.data.buffer).equals(Buffer.from(a.data.buffer))).toBe(true);
    expect(Buffer.from(c.data.buffer, 0, 40 * size * 4).equals(Buffer.from(a.data.buffer))).toBe(true);
    expect(Array.from(c.labels.subarray(0, 40))).toEqual(Array.from(a.labels));
    expect(a.labels.every((l) => l >= 0 && l < e.classes)).toBe(true);
    expect(a.data.every((v) => Number.isFinite(v) && v >= e.lo && v <= e.hi)).toBe(true);
  });

  test('train, calib and test splits are different draws; all classes occur', () => {
    const sets = (['train', 'calib', 'test'] as const).map((s) => syntheticTask(name, s, 80));
    for (let i = 0; i < 3; i++)
      for (let j = i + 1; j < 3; j++)
        expect(Buffer.from(sets[i].data.buffer).equals(Buffer.from(sets[j].data.buffer))).toBe(false);
    for (const s of sets) expect(new Set(s.labels).size).toBe(e.classes);
  });

  test('classes are separable: nearest class mean (fitted on train) is far above chance on test', () => {
    const train = syntheticTask(name, 'train', 300);
    const test = syntheticTask(name, 'test', 100);
    const size = e.shape.reduce((x, y) => x * y, 1);
    const means = Array.from({ length: e.classes }, () => new Float64Array(size));
    const counts = new Array(e.classes).fill(0);
    for (let i = 0; i < train.count; i++) {
      const m = means[train.labels[i]];
      for (let k = 0; k < size; k++) m[k] += train.data[i * size + k];
      counts[train.labels[i]]++;
    }
    means.forEach((m, c) => m.forEach((v, k) => (m[k] = v / counts[c])));
    let correct = 0;
    for (let i = 0; i < test.count; i++) {
      let best = 0;
      let bestD = Infinity;
      means.forEach((m, c) => {
        let d = 0;
        for (let k = 0; k < size; k++) d += (test.data[i * size + k] - m[k]) ** 2;
        if (d < bestD) [best, bestD] = [c, d];
      });
      if (best === test.labels[i]) correct++;
    }
    expect(correct / test.count).toBeGreaterThan(3 / e.classes);
  });
});
