/**
 * The distillation loss (src/train/loss.ts softTargetCrossEntropy): its gradient against central
 * finite differences of the loss in the logits, its value against the KL divergence written out
 * directly, and the hard-label loss as its limit (one-hot targets at T = 1).
 */
import { softTargetCrossEntropy, softmaxCrossEntropy, softmaxRows } from '../../src/train/loss';
import { Rng } from '../../src/train/rng';

const classes = 5;
const batch = 4;

function setup(seed: number) {
  const rng = new Rng(seed);
  const logits = rng.normalArray(batch * classes, 2);
  const teacher = rng.normalArray(batch * classes, 3);
  return { logits, teacher, labels: [0, 3, 1, 4] };
}

test.each([1, 2, 4, 10])('gradient matches finite differences at T = %p', (t) => {
  const { logits, teacher, labels } = setup(7 + t);
  const probs = softmaxRows(teacher, batch, classes, t);
  const grad = new Float32Array(batch * classes);
  softTargetCrossEntropy(logits, probs, labels, batch, classes, t, grad);
  const eps = 1e-2;
  let worst = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = Float32Array.from(logits);
    z[i] = logits[i] + eps;
    const up = softTargetCrossEntropy(z, probs, labels, batch, classes, t, null).loss;
    z[i] = logits[i] - eps;
    const down = softTargetCrossEntropy(z, probs, labels, batch, classes, t, null).loss;
    const numeric = (up - down) / (2 * eps);
    worst = Math.max(worst, Math.abs(numeric - grad[i]) / Math.max(1e-3, Math.abs(numeric) + Math.abs(grad[i])));
  }
  expect(worst).toBeLessThan(1e-2);
});

test('value is T² × mean KL(teacher ‖ student at T); zero when the student is the teacher', () => {
  const { logits, teacher, labels } = setup(3);
  const t = 4;
  const p = softmaxRows(teacher, batch, classes, t);
  const q = softmaxRows(logits, batch, classes, t);
  let kl = 0;
  for (let i = 0; i < p.length; i++) kl += p[i] * Math.log(p[i] / q[i]);
  const r = softTargetCrossEntropy(logits, p, labels, batch, classes, t, null);
  expect(r.loss).toBeCloseTo((t * t * kl) / batch, 4);
  expect(r.loss).toBeGreaterThan(0);
  const self = softTargetCrossEntropy(teacher, p, labels, batch, classes, t, null);
  expect(Math.abs(self.loss)).toBeLessThan(1e-4);
  // correct counts the student's arg-max against the hard labels
  let correct = 0;
  for (let s = 0; s < batch; s++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[s * classes + c] > logits[s * classes + best]) best = c;
    if (best === labels[s]) correct++;
  }
  expect(r.correct).toBe(correct);
});

test('one-hot targets at T = 1 give the hard-label cross-entropy and its gradient', () => {
  const { logits, labels } = setup(5);
  const onehot = new Float32Array(batch * classes);
  labels.forEach((l, s) => (onehot[s * classes + l] = 1));
  const g1 = new Float32Array(batch * classes);
  const g2 = new Float32Array(batch * classes);
  const soft = softTargetCrossEntropy(logits, onehot, labels, batch, classes, 1, g1);
  const hard = softmaxCrossEntropy(logits, labels, batch, classes, g2);
  expect(soft.loss).toBeCloseTo(hard.loss, 5);
  expect(soft.correct).toBe(hard.correct);
  for (let i = 0; i < g1.length; i++) expect(g1[i]).toBeCloseTo(g2[i], 6);
});
