/**
 * What every attack gets: the locked model (no key), its descriptor and scheme, the attacker's
 * labelled training subset, a held-out test set to score the result, and a budget. Accuracy is
 * always measured on the test set with the trainer's own forward pass (src/train), which computes
 * the same function as the ONNX model.
 */
import { Model } from '../ir/types';
import { LockDescriptor } from '../lock/descriptor';
import { LockScheme } from '../lock/schemes/scheme';
import { LabelledData } from '../train/fit';

export interface AttackBudget {
  /** Training epochs over the attacker's subset (training-based attacks). */
  epochs: number;
  batchSize: number;
  /** SGD learning rate for from-scratch style training; fine-tuning uses a fifth of it. */
  lr: number;
  /** Labelled samples each candidate key is scored on in the greedy search. */
  greedySamples: number;
  /** Full passes over the key bits in the greedy search. */
  greedySweeps: number;
  /** Independent from-scratch runs (different seeds) averaged into the yardstick. */
  scratchSeeds: number;
}

export interface AttackContext {
  locked: Model;
  descriptor: LockDescriptor;
  scheme: LockScheme;
  inputShape: number[];
  train: LabelledData;
  test: LabelledData;
  seed: number;
  budget: AttackBudget;
}

export interface AttackOutcome {
  accuracy: number;
  /** Labelled training samples the attack looked at. */
  samplesUsed: number;
  /** Single-sample forward passes through the network (training passes included). */
  forwardPasses: number;
  note?: string;
}

export interface Attack {
  name: string;
  title: string;
  run(ctx: AttackContext): AttackOutcome;
}

/**
 * Epochs scaled so every subset trains to convergence: about 120k sample-steps, within [10, 50]
 * epochs (600 samples: 50 epochs; 6000: 20; 60000: 10).
 */
export function defaultBudget(trainCount: number, overrides: Partial<AttackBudget> = {}): AttackBudget {
  const epochs = Math.max(10, Math.min(50, Math.ceil(120000 / Math.max(1, trainCount))));
  return { epochs, batchSize: 32, lr: 0.05, greedySamples: 200, greedySweeps: 3, scratchSeeds: 1, ...overrides };
}
