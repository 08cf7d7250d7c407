/**
 * The yardstick: the same architecture, freshly initialised, trained on the same data and budget.
 * With `budget.scratchSeeds` = k > 1 it trains k networks from independent seeds and reports their
 * mean accuracy (the per-seed accuracies go in the note), because a single from-scratch run on a few
 * hundred samples varies by several points from seed to seed.
 */
import { buildNetwork } from '../../train/layers';
import { Attack } from '../context';
import { networkOf, score, trainAll } from '../network';

export const fromScratch: Attack = {
  name: 'from-scratch',
  title: 'same architecture trained from scratch (yardstick)',
  run(ctx) {
    const { specs } = networkOf(ctx.locked);
    const seeds = Math.max(1, ctx.budget.scratchSeeds);
    const accuracies: number[] = [];
    let passes = 0;
    for (let k = 0; k < seeds; k++) {
      const net = buildNetwork(ctx.inputShape, specs, ctx.seed + 301 + 1000 * k);
      passes += trainAll(net, ctx.train, ctx.budget, ctx.budget.lr, ctx.seed + 302 + 1000 * k);
      accuracies.push(score(net, ctx.test));
    }
    const mean = accuracies.reduce((a, b) => a + b, 0) / seeds;
    const note =
      seeds > 1 ? `mean of ${seeds} seeds: ${accuracies.map((a) => `${(a * 100).toFixed(2)}%`).join(', ')}` : undefined;
    return { accuracy: mean, samplesUsed: ctx.train.count, forwardPasses: passes, ...(note ? { note } : {}) };
  },
};
