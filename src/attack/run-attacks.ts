/**
 * Runs the attack table against a locked model: picks the attacker's fraction of the training
 * data (a seeded random subset), runs every attack, and reports accuracy, data, forward passes
 * and time per attack, with the margin over the from-scratch yardstick.
 */
import { performance } from 'perf_hooks';
import { EdgelockError } from '../errors';
import { Model } from '../ir/types';
import { requireDescriptor } from '../lock/lock-model';
import { schemeByName } from '../lock/schemes';
import { LabelledData } from '../train/fit';
import { Rng } from '../train/rng';
import { ATTACKS, YARDSTICK } from './attacks';
import { AttackBudget, AttackContext, defaultBudget } from './context';

export interface AttackRow {
  attack: string;
  title: string;
  accuracy: number;
  samplesUsed: number;
  forwardPasses: number;
  seconds: number;
  note?: string;
}

export interface AttackReport {
  scheme: string;
  fraction: number;
  trainSamples: number;
  testSamples: number;
  seed: number;
  budget: AttackBudget;
  rows: AttackRow[];
  /** Best attack accuracy minus from-scratch accuracy (the bound: ≤ +0.02). */
  bestMarginOverScratch: number;
}

export interface AttackOptions {
  fraction: number;
  seed?: number;
  budget?: Partial<AttackBudget>;
  /** Names of attacks to run (default all; the yardstick always runs). */
  only?: string[];
  onRow?: (row: AttackRow) => void;
}

/** A seeded random `fraction` of `data`, copied. */
export function pickFraction(data: LabelledData, fraction: number, seed: number): LabelledData {
  if (!(fraction > 0 && fraction <= 1))
    throw new EdgelockError('E_USAGE', `--fraction must be in (0, 1], got ${fraction}`);
  const n = Math.max(1, Math.round(data.count * fraction));
  const order = new Int32Array(data.count).map((_, i) => i);
  new Rng(seed).shuffle(order);
  const size = data.x.length / data.count;
  const x = new Float32Array(n * size);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x.set(data.x.subarray(order[i] * size, (order[i] + 1) * size), i * size);
    labels[i] = data.labels[order[i]];
  }
  return { x, labels, count: n };
}

export function runAttacks(locked: Model, train: LabelledData, test: LabelledData, opts: AttackOptions): AttackReport {
  const descriptor = requireDescriptor(locked);
  const scheme = schemeByName(descriptor.scheme);
  const seed = opts.seed ?? 1;
  const subset = pickFraction(train, opts.fraction, seed);
  const shape = locked.graph.inputs[0]?.shape;
  if (!shape || shape.some((d) => typeof d !== 'number'))
    throw new EdgelockError('E_TRAIN_UNSUPPORTED', 'the attacks need a model input with a fixed shape');
  const budget = defaultBudget(subset.count, opts.budget);
  const ctx: AttackContext = {
    locked,
    descriptor,
    scheme,
    inputShape: (shape as number[]).slice(1),
    train: subset,
    test,
    seed,
    budget,
  };
  const chosen = ATTACKS.filter((a) => !opts.only || opts.only.includes(a.name) || a.name === YARDSTICK);
  const rows: AttackRow[] = [];
  for (const attack of chosen) {
    const t0 = performance.now();
    const out = attack.run(ctx);
    const row: AttackRow = {
      attack: attack.name,
      title: attack.title,
      accuracy: out.accuracy,
      samplesUsed: out.samplesUsed,
      forwardPasses: out.forwardPasses,
      seconds: (performance.now() - t0) / 1000,
      ...(out.note ? { note: out.note } : {}),
    };
    rows.push(row);
    opts.onRow?.(row);
  }
  const scratch = rows.find((r) => r.attack === YARDSTICK)!.accuracy;
  const best = Math.max(...rows.filter((r) => r.attack !== YARDSTICK).map((r) => r.accuracy), 0);
  return {
    scheme: scheme.name,
    fraction: opts.fraction,
    trainSamples: subset.count,
    testSamples: test.count,
    seed,
    budget,
    rows,
    bestMarginOverScratch: best - scratch,
  };
}
