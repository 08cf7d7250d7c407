/**
 * The attack table at a CI budget (600 labelled MNIST images = fraction 0.01, 20 epochs, the 10000
 * MNIST test images). seal must hold the bound (every attack ≤ from scratch + 2 points, and the
 * stolen model no better than chance + 10); the same attacks must break hpnn, which shows they
 * are real attacks and not weak ones.
 */
import { createHash } from 'crypto';
import { runAttacks, AttackReport } from '../../src/attack/run-attacks';
import { loadMnist } from '../../src/data/mnist';
import { lockModel } from '../../src/lock/lock-model';
import { zooModel } from '../lock/fixtures';

const tr = loadMnist('train');
const te = loadMnist('test');
const train = { x: tr.images, labels: tr.labels, count: tr.count };
const testSet = { x: te.images, labels: te.labels, count: te.count };
const BUDGET = { epochs: 20, greedySamples: 100, greedySweeps: 1 };
// A fixed test key, so that a run is repeatable: the greedy attack's result depends on the key. Over 100 masters
// (SHA-256 of "k0" … "k99", this budget) hpnn fell to the greedy search at 91–97% for 86 of them, 85–90% for 13,
// and 74.8% for one; a CI run with randomBytes(32) once drew a key of that kind (73.8%, under the 75% asserted). This key: 95.7%.
// Fine-tuning recovered 91.7–94.5% for every key. (2026-12-07, scripts run from /tmp, not kept.)
const material = {
  master: createHash('sha256').update('edgelock attack test key').digest(),
  deviceUid: Buffer.from('0102030405060708', 'hex'),
};
const { model } = zooModel('mnist-mlp');

const acc = (r: AttackReport, name: string) => r.rows.find((x) => x.attack === name)!.accuracy;

test('seal on the MNIST MLP: no attack beats training from scratch by more than 2 points', () => {
  const locked = lockModel(model, material, { scheme: 'seal', binding: 'device' }).model;
  const r = runAttacks(locked, train, testSet, { fraction: 0.01, seed: 3, budget: BUDGET });
  expect(r.trainSamples).toBe(600);
  expect(r.rows.map((x) => x.attack)).toEqual([
    'no-key',
    'random-key',
    'greedy-key',
    'gradient-key',
    'fine-tune',
    'from-scratch',
  ]);
  expect(acc(r, 'from-scratch')).toBeGreaterThan(0.75);
  for (const row of r.rows) expect(row.accuracy).toBeLessThanOrEqual(acc(r, 'from-scratch') + 0.02);
  for (const name of ['no-key', 'random-key', 'greedy-key']) expect(acc(r, name)).toBeLessThanOrEqual(0.2);
}, 300000);

test('hpnn on the MNIST MLP: the same attacks recover the model (the baseline is broken)', () => {
  const locked = lockModel(model, material, { scheme: 'hpnn', binding: 'device' }).model;
  const r = runAttacks(locked, train, testSet, {
    fraction: 0.01,
    seed: 3,
    budget: { ...BUDGET, greedySamples: 200, greedySweeps: 2 },
    only: ['no-key', 'greedy-key', 'fine-tune'],
  });
  expect(acc(r, 'no-key')).toBeLessThan(0.5);
  expect(acc(r, 'greedy-key')).toBeGreaterThan(0.75);
  // the bound fails for hpnn: the stolen weights are worth more than the attacker's own data
  expect(Math.max(acc(r, 'greedy-key'), acc(r, 'fine-tune'))).toBeGreaterThan(acc(r, 'from-scratch') + 0.02);
}, 300000);
