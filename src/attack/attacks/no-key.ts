/** The stolen model run as it is. */
import { Attack } from '../context';
import { networkOf, score } from '../network';

export const noKey: Attack = {
  name: 'no-key',
  title: 'no key (stolen model as is)',
  run(ctx) {
    return { accuracy: score(networkOf(ctx.locked).net, ctx.test), samplesUsed: 0, forwardPasses: 0 };
  },
};
