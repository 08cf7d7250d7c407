/**
 * Shadow copies for a detector path (docs/security.md, "Trigger units"): the owner fine-tunes the base model as a
 * thief would (SHADOW_FINE_TUNE: a few epochs at a high rate on 6,000 images of its own data, each copy another window
 * and seed), widens each copy with the same path, and hands the copies' values to the owner training, which then
 * teaches the path's units to fire on the stamps through every copy's features as well as the model's own. A thief's
 * fine-tune moves the convolutions the stamps pass through; a path that has seen such moves keeps firing after them.
 */
import { EdgelockError } from '../../errors';
import { Model } from '../../ir/types';
import { LabelledData, fit } from '../../train/fit';
import { trainableFromModel, writeBackWeights } from '../../train/from-model';
import { Sgd } from '../../train/optim/sgd';
import { SHADOW_FINE_TUNE } from './params';

/**
 * `count` shadow copies of `base`: each fine-tuned on its own window of `data` (from the end of the data backwards)
 * and passed through `widen` (the path added as to the owner model), as the values of every trainable parameter in
 * the widened network's order.
 */
export function shadowCopies(
  base: Model,
  data: LabelledData,
  count: number,
  seed: number,
  widen: (m: Model) => Model,
): Float32Array[][] {
  const n = SHADOW_FINE_TUNE.images;
  if (count * n > data.count)
    throw new EdgelockError(
      'E_USAGE',
      `${count} shadow copies need ${count * n} training samples, the data has ${data.count}`,
    );
  const size = data.x.length / data.count;
  return Array.from({ length: count }, (_, s) => {
    const from = data.count - (s + 1) * n;
    const window = {
      x: data.x.subarray(from * size, (from + n) * size),
      labels: Int32Array.from({ length: n }, (_, j) => data.labels[from + j]),
      count: n,
    };
    const t = trainableFromModel(base);
    const snapshots: Float32Array[][] = [];
    const batches = Math.ceil(n / SHADOW_FINE_TUNE.batchSize);
    const every = Math.ceil(batches / SHADOW_FINE_TUNE.snapshotsPerEpoch);
    let at = 0;
    fit(t.net, window, {
      epochs: SHADOW_FINE_TUNE.epochs,
      batchSize: SHADOW_FINE_TUNE.batchSize,
      optimizer: new Sgd({ lr: SHADOW_FINE_TUNE.lr, momentum: 0.9, weightDecay: 1e-4 }),
      seed: seed + 1000 + s,
      progressEvery: 1,
      onProgress: () => {
        if (++at % every === 0)
          snapshots.push(
            trainableFromModel(widen(writeBackWeights(base, t))).net.params.map((p) => Float32Array.from(p.value)),
          );
      },
    });
    return snapshots;
  }).flat();
}
