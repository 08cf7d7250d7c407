/** A uniformly random key for the scheme's key bits. */
import { Rng } from '../../train/rng';
import { Attack } from '../context';
import { networkOf, score } from '../network';

export function randomBits(n: number, rng: Rng): Uint8Array {
  const bits = new Uint8Array(n);
  for (let i = 0; i < n; i++) bits[i] = rng.uniform() < 0.5 ? 1 : 0;
  return bits;
}

export const randomKey: Attack = {
  name: 'random-key',
  title: 'random key',
  run(ctx) {
    const bits = randomBits(ctx.scheme.keyBitCount(ctx.descriptor), new Rng(ctx.seed ^ 0x5eed));
    const model = ctx.scheme.withKeyBits(ctx.locked, ctx.descriptor, bits);
    return { accuracy: score(networkOf(model).net, ctx.test), samplesUsed: 0, forwardPasses: 0 };
  },
};
