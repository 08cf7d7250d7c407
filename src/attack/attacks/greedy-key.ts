/**
 * Greedy key search: start from the locked model's own key guess (all bits 0), flip one key bit at
 * a time and keep the flip when the cross-entropy on a few labelled samples drops; repeat for a
 * few sweeps. Against hpnn every bit acts on one unit, so each flip is scored on its own and the
 * search converges. Against seal the key bits are a ChaCha20 key: any wrong key yields
 * independent random weights, so no flip is informative — the search is run anyway, over the
 * real 256-bit key, to show it.
 */
import { Attack } from '../context';
import { loadWeights, lossOn, networkOf, score, subset } from '../network';

export const greedyKey: Attack = {
  name: 'greedy-key',
  title: 'greedy key search (bit flips)',
  run(ctx) {
    const { scheme, descriptor: d, locked } = ctx;
    const probe = subset(ctx.train, ctx.budget.greedySamples);
    const bits = new Uint8Array(scheme.keyBitCount(d));
    const t = networkOf(locked);
    const evaluate = () => {
      loadWeights(t, scheme.withKeyBits(locked, d, bits));
      return lossOn(t.net, probe).loss;
    };
    let best = evaluate();
    let passes = probe.count;
    for (let sweep = 0; sweep < ctx.budget.greedySweeps; sweep++) {
      let improved = false;
      for (let j = 0; j < bits.length; j++) {
        bits[j] ^= 1;
        const loss = evaluate();
        passes += probe.count;
        if (loss < best) {
          best = loss;
          improved = true;
        } else bits[j] ^= 1;
      }
      if (!improved) break;
    }
    loadWeights(t, scheme.withKeyBits(locked, d, bits));
    return {
      accuracy: score(t.net, ctx.test),
      samplesUsed: probe.count,
      forwardPasses: passes,
      note: `${bits.length} key bits searched`,
    };
  },
};
