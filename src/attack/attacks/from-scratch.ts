/** The yardstick: the same architecture, freshly initialised, trained on the same data and budget. */
import { buildNetwork } from '../../train/layers';
import { Attack } from '../context';
import { networkOf, score, trainAll } from '../network';

export const fromScratch: Attack = {
  name: 'from-scratch',
  title: 'same architecture trained from scratch (yardstick)',
  run(ctx) {
    const { specs } = networkOf(ctx.locked);
    const net = buildNetwork(ctx.inputShape, specs, ctx.seed + 301);
    const passes = trainAll(net, ctx.train, ctx.budget, ctx.budget.lr, ctx.seed + 302);
    return { accuracy: score(net, ctx.test), samplesUsed: ctx.train.count, forwardPasses: passes };
  },
};
