/** Trains a zoo network on MNIST train and measures it on MNIST test (shared by the MNIST models). */
import { loadMnist } from '../data/mnist';
import { accuracy } from '../train/fit';
import { LayerSpec, buildNetwork } from '../train/layers';
import { Sequential } from '../train/network';
import { Sgd } from '../train/optim/sgd';
import { fitParallel } from '../train/parallel';
import { emitNetwork } from './from-network';
import { GraphBuilder } from './graph-builder';
import { ZooBuildContext, ZooBuilder } from './zoo-model';

export interface MnistRecipe {
  layers: LayerSpec[];
  seed: number;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  /** Multiplies the learning rate once per epoch. */
  lrDecay: number;
  /**
   * Data-parallel threads. Fixed per recipe (not taken from the machine) because the split of
   * each batch sets the gradient summation order, so the same value rebuilds the same weights.
   */
  threads: number;
}

export interface MnistTrained {
  net: Sequential;
  testAccuracy: number;
  training: Record<string, unknown>;
}

export async function trainOnMnist(recipe: MnistRecipe, ctx: ZooBuildContext): Promise<MnistTrained> {
  const train = loadMnist('train');
  const test = loadMnist('test');
  const net = buildNetwork([1, 28, 28], recipe.layers, recipe.seed);
  const optimizer = new Sgd({ lr: recipe.lr, momentum: recipe.momentum, weightDecay: recipe.weightDecay });
  const history = await fitParallel(
    net,
    { x: train.images, labels: train.labels, count: train.count },
    {
      epochs: recipe.epochs,
      batchSize: recipe.batchSize,
      optimizer,
      seed: recipe.seed + 1,
      threads: recipe.threads,
      lrSchedule: (e) => recipe.lr * Math.pow(recipe.lrDecay, e),
      progressEvery: 200,
      onProgress: (p) =>
        ctx.log(
          `  epoch ${p.epoch + 1}/${p.epochs} batch ${p.batch}/${p.batches} loss ${p.loss.toFixed(4)} ` +
            `acc ${(100 * p.accuracy).toFixed(2)}% ${Math.round(p.samplesPerSec)} samples/s`,
        ),
    },
  );
  const testAccuracy = accuracy(net, { x: test.images, labels: test.labels, count: test.count });
  ctx.log(`  MNIST test accuracy ${(100 * testAccuracy).toFixed(2)}%`);
  const trainSeconds = history.reduce((s, h) => s + h.seconds, 0);
  return {
    net,
    testAccuracy,
    training: {
      optimizer: 'sgd',
      threads: recipe.threads,
      epochs: recipe.epochs,
      batchSize: recipe.batchSize,
      lr: recipe.lr,
      momentum: recipe.momentum,
      weightDecay: recipe.weightDecay,
      lrDecayPerEpoch: recipe.lrDecay,
      trainSeconds: Math.round(trainSeconds * 10) / 10,
      samplesPerSec: Math.round((recipe.epochs * train.count) / trainSeconds),
      finalTrainLoss: Math.round(history[history.length - 1].loss * 1e4) / 1e4,
    },
  };
}

/** A zoo entry trained on MNIST with `recipe` and emitted as an ONNX graph `graphName` (input "input", output "logits"). */
export function mnistZooBuilder(name: string, graphName: string, description: string, recipe: MnistRecipe): ZooBuilder {
  return {
    name,
    description,
    seed: recipe.seed,
    async build(ctx) {
      const { net, testAccuracy, training } = await trainOnMnist(recipe, ctx);
      const b = new GraphBuilder();
      emitNetwork(b, net, 'input', 'logits');
      const model = b.toModel(graphName, description, {
        'edgelock.zoo': name,
        'edgelock.mnist_test_accuracy': testAccuracy.toFixed(4),
      });
      return {
        model,
        info: {
          name,
          description,
          seed: recipe.seed,
          howBuilt: "trained on MNIST train (60k) with edgelock's TypeScript trainer (src/train), SGD with momentum",
          accuracy: testAccuracy,
          trainedOn: 'mnist-train',
          training,
        },
      };
    },
  };
}
