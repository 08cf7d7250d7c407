/**
 * Model extraction by distillation: the attacker queries a working copy of the victim (a board, an
 * unlocked file) on inputs of their own, takes the answers as hard labels, and trains a fresh network
 * of a chosen architecture on them. The result is a copy of the victim's function that shares none of
 * its weights — which is why weight-level protections and trigger watermarks need not survive it.
 */
import { Model } from '../ir/types';
import { LabelledData } from '../train/fit';
import { trainableFromModel, writeBackWeights } from '../train/from-model';
import { buildNetwork } from '../train/layers';
import { Sgd } from '../train/optim/sgd';
import { fitParallel } from '../train/parallel';

/** Answers the victim gives: arg-max labels of `count` samples, or of the first ones only when it stops answering
 * (a board whose query budget is spent: src/attack/budgeted-board.ts). */
export type VictimQuery = (x: Float32Array, count: number) => Promise<Int32Array>;

export interface DistillOptions {
  /** queries the attacker spends (samples labelled by the victim) */
  queries: number;
  epochs: number;
  lr?: number;
  seed: number;
  threads?: number;
}

export interface DistillResult {
  /** the copy, as an ONNX model of the attacker's architecture */
  copy: Model;
  /** queries the victim answered (fewer than asked when its budget ran out); the copy is trained on these */
  queries: number;
  /** fraction of the attacker's queries on which the victim's answer equals the true label */
  victimAgreement: number;
}

/**
 * Trains a copy with `architecture`'s graph (freshly initialised: its weights are not used) on
 * `pool`'s first `queries` inputs labelled by `victim`. `pool.labels` are only used to report how
 * often the victim was right; the copy never sees them.
 */
export async function distillCopy(
  victim: VictimQuery,
  architecture: Model,
  pool: LabelledData,
  o: DistillOptions,
): Promise<DistillResult> {
  const asked = Math.min(o.queries, pool.count);
  const size = pool.x.length / pool.count;
  const answers = await victim(pool.x.subarray(0, asked * size), asked);
  const n = Math.min(answers.length, asked);
  const x = pool.x.subarray(0, n * size);
  let agree = 0;
  for (let i = 0; i < n; i++) if (answers[i] === pool.labels[i]) agree++;
  const t = trainableFromModel(architecture);
  const shape = (architecture.graph.inputs[0].shape as number[]).slice(1);
  const fresh = buildNetwork(shape, t.specs, o.seed);
  t.net.params.forEach((p, i) => p.value.set(fresh.params[i].value));
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = answers[i];
  if (n > 0)
    await fitParallel(
      t.net,
      { x, labels, count: n },
      {
        epochs: o.epochs,
        batchSize: 32,
        optimizer: new Sgd({ lr: o.lr ?? 0.05, momentum: 0.9, weightDecay: 1e-4 }),
        seed: o.seed + 1,
        threads: o.threads,
      },
    );
  return { copy: writeBackWeights(architecture, t), queries: n, victimAgreement: n ? agree / n : 0 };
}
