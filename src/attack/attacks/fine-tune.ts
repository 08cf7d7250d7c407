/** Fine-tuning every weight of the locked model on the attacker's data (non-finite values zeroed first). */
import { Attack } from '../context';
import { networkOf, sanitize, score, trainAll } from '../network';

export const fineTune: Attack = {
  name: 'fine-tune',
  title: 'fine-tune all weights of the locked model',
  run(ctx) {
    const t = networkOf(ctx.locked);
    const zeroed = sanitize(t);
    const passes = trainAll(t.net, ctx.train, ctx.budget, ctx.budget.lr / 5, ctx.seed + 201);
    return {
      accuracy: score(t.net, ctx.test),
      samplesUsed: ctx.train.count,
      forwardPasses: passes,
      ...(zeroed ? { note: `${zeroed} non-finite values zeroed` } : {}),
    };
  },
};
