/**
 * Gradient key relaxation: the unknown key material becomes trainable and is fitted to the
 * attacker's labelled data by gradient descent.
 * - unit signs (hpnn): each key bit becomes s = tanh(a) ∈ (-1, 1) multiplying its unit's locked
 *   weights and bias; dL/da follows from the trainer's weight gradients by the chain rule
 *   (dL/ds = ⟨dL/dW', W⟩ + dL/db'·b). The recovered key is the sign of a.
 * - unknown values (seal): the sealed tensors themselves are the unknowns; they are re-initialised
 *   (the ciphertext carries nothing to start from) and trained with everything else held fixed.
 */
import { Param, makeParam } from '../../train/layer';
import { fitWith, localEngine } from '../../train/fit';
import { buildNetwork } from '../../train/layers';
import { Adam } from '../../train/optim/adam';
import { Sgd } from '../../train/optim/sgd';
import { Rng } from '../../train/rng';
import { HpnnEntry } from '../../lock/descriptor';
import { Attack, AttackContext, AttackOutcome } from '../context';
import { networkOf, score } from '../network';

function paramOf(bindings: { param: Param; initializer: string }[], name: string): Param {
  const b = bindings.find((x) => x.initializer === name);
  if (!b) throw new Error(`no trainable parameter holds initializer '${name}'`);
  return b.param;
}

function relaxSigns(ctx: AttackContext): AttackOutcome {
  const { locked, descriptor: d, scheme, train, budget } = ctx;
  const t = networkOf(locked);
  const units = (d.entries as HpnnEntry[]).map((e) => {
    const w = paramOf(t.bindings, e.weight);
    const b = e.bias ? paramOf(t.bindings, e.bias) : null;
    return { e, w, b, w0: w.value.slice(), b0: b ? b.value.slice() : null, inner: w.value.length / e.units };
  });
  const nBits = scheme.keyBitCount(d);
  const a = makeParam('key', [nBits], new Float32Array(nBits).fill(1)); // start from "no bit set"
  const opt = new Adam({ lr: 0.05 });
  const engine = localEngine(t.net, train, budget.batchSize);
  const rng = new Rng(ctx.seed ^ 0x7a11);
  const order = new Int32Array(train.count).map((_, i) => i);
  for (let epoch = 0; epoch < budget.epochs; epoch++) {
    rng.shuffle(order);
    for (let start = 0; start < train.count; start += budget.batchSize) {
      const n = Math.min(budget.batchSize, train.count - start);
      for (const u of units) {
        for (let j = 0; j < u.e.units; j++) {
          const s = Math.tanh(a.value[u.e.bitOffset + j]);
          for (let k = 0; k < u.inner; k++) u.w.value[j * u.inner + k] = s * u.w0[j * u.inner + k];
          if (u.b) u.b.value[j] = s * u.b0![j];
        }
      }
      engine.gradients(order, start, n);
      for (const u of units) {
        for (let j = 0; j < u.e.units; j++) {
          let ds = 0;
          for (let k = 0; k < u.inner; k++) ds += u.w.grad[j * u.inner + k] * u.w0[j * u.inner + k];
          if (u.b) ds += u.b.grad[j] * u.b0![j];
          const s = Math.tanh(a.value[u.e.bitOffset + j]);
          a.grad[u.e.bitOffset + j] = ds * (1 - s * s);
        }
      }
      opt.step([a]);
    }
  }
  const bits = new Uint8Array(nBits);
  for (let j = 0; j < nBits; j++) bits[j] = a.value[j] < 0 ? 1 : 0;
  const accuracy = score(networkOf(scheme.withKeyBits(locked, d, bits)).net, ctx.test);
  return {
    accuracy,
    samplesUsed: train.count,
    forwardPasses: budget.epochs * train.count,
    note: `${nBits} relaxed key bits`,
  };
}

function relaxValues(ctx: AttackContext): AttackOutcome {
  const { locked, descriptor: d, scheme, train, budget } = ctx;
  const t = networkOf(locked);
  const unknown = new Set(scheme.unknownInitializers(d));
  const fresh = buildNetwork(ctx.inputShape, t.specs, ctx.seed + 101);
  const index = new Map(t.net.params.map((p, i) => [p, i]));
  const trainable: Param[] = [];
  for (const b of t.bindings) {
    if (!unknown.has(b.initializer)) continue;
    b.param.value.set(fresh.params[index.get(b.param)!].value);
    trainable.push(b.param);
  }
  const engine = localEngine(t.net, train, budget.batchSize);
  fitWith({ params: trainable, gradients: (o, s, n) => engine.gradients(o, s, n) }, train.count, {
    epochs: budget.epochs,
    batchSize: budget.batchSize,
    optimizer: new Sgd({ lr: budget.lr, momentum: 0.9, weightDecay: 1e-4 }),
    seed: ctx.seed + 102,
  });
  const total = t.net.params.reduce((n, p) => n + p.value.length, 0);
  const learned = trainable.reduce((n, p) => n + p.value.length, 0);
  return {
    accuracy: score(t.net, ctx.test),
    samplesUsed: train.count,
    forwardPasses: budget.epochs * train.count,
    note: `${learned} of ${total} parameters unknown and trained`,
  };
}

export const gradientKey: Attack = {
  name: 'gradient-key',
  title: 'gradient key relaxation',
  run: (ctx) => (ctx.scheme.relaxation === 'unit-signs' ? relaxSigns(ctx) : relaxValues(ctx)),
};
