/**
 * ResNet-8 in the MLPerf Tiny image-classification shape: input [1,3,32,32], Conv 16 3x3 + BN +
 * Relu, three residual stacks (16, 32 stride 2, 64 stride 2; 1x1 projection shortcuts where the
 * shape changes), Add, Relu, AveragePool 8x8, Flatten, Gemm 10. Keras-style SAME padding (the
 * extra row/column at the bottom/right for stride 2). BN nodes kept. Seeded He-normal initial
 * weights, then trained with PyTorch (src/zoo/train-torch.ts) on the synthetic-cifar task
 * (src/zoo/synthetic-task.ts); accuracy is measured by onnxruntime on the held-back test split.
 */
import { Rng } from '../train/rng';
import { GraphBuilder, samePads } from './graph-builder';
import { batchNorm, conv, dense } from './layer-helpers';
import { trainSyntheticEntry } from './train-torch';
import { ZooBuilder } from './zoo-model';

const SEED = 4004;
const TRAIN_COUNT = 4000;
const EPOCHS = 6;
const TEST_COUNT = 2000;

function same(size: number, k: number, s: number): [number, number, number, number] {
  const [a, b] = samePads(size, k, s);
  return [a, a, b, b];
}

function residualStack(
  b: GraphBuilder,
  rng: Rng,
  name: string,
  x: string,
  cin: number,
  cout: number,
  stride: number,
  size: number,
): string {
  let y = conv(b, rng, `${name}_conv1`, x, {
    cin,
    cout,
    kernel: [3, 3],
    strides: [stride, stride],
    pads: same(size, 3, stride),
    bias: true,
  });
  y = batchNorm(b, rng, `${name}_bn1`, y, cout);
  y = b.node('Relu', [y], {}, undefined, `${name}_relu1`);
  const outSize = Math.ceil(size / stride);
  y = conv(b, rng, `${name}_conv2`, y, { cin: cout, cout, kernel: [3, 3], pads: same(outSize, 3, 1), bias: true });
  y = batchNorm(b, rng, `${name}_bn2`, y, cout);
  const shortcut =
    stride !== 1 || cin !== cout
      ? conv(b, rng, `${name}_proj`, x, { cin, cout, kernel: [1, 1], strides: [stride, stride], bias: true })
      : x;
  const sum = b.node('Add', [y, shortcut], {}, undefined, `${name}_add`);
  return b.node('Relu', [sum], {}, undefined, `${name}_relu2`);
}

export const cifarResnet8: ZooBuilder = {
  name: 'cifar-resnet8',
  description:
    'ResNet-8 (MLPerf Tiny shape), input [1,3,32,32] in [0,1], output logits [1,10]; trained on the synthetic-cifar task',
  seed: SEED,
  async build(ctx) {
    const rng = new Rng(SEED);
    const b = new GraphBuilder();
    let x = b.input('input', [1, 3, 32, 32]);
    x = conv(b, rng, 'conv1', x, { cin: 3, cout: 16, kernel: [3, 3], pads: same(32, 3, 1), bias: true });
    x = batchNorm(b, rng, 'bn1', x, 16);
    x = b.node('Relu', [x], {}, undefined, 'relu1');
    x = residualStack(b, rng, 'stack1', x, 16, 16, 1, 32);
    x = residualStack(b, rng, 'stack2', x, 16, 32, 2, 32);
    x = residualStack(b, rng, 'stack3', x, 32, 64, 2, 16);
    x = b.node('AveragePool', [x], { kernel_shape: [8, 8], strides: [8, 8], pads: [0, 0, 0, 0] }, undefined, 'avgpool');
    x = b.node('Flatten', [x], { axis: 1 }, undefined, 'flatten');
    dense(b, rng, 'fc', x, 64, 10);
    b.nodes[b.nodes.length - 1].outputs[0] = 'logits';
    b.output('logits', [1, 10]);
    const model = b.toModel('cifar_resnet8', this.description, {
      'edgelock.zoo': this.name,
      'edgelock.trainedOn': 'synthetic-cifar',
    });

    return trainSyntheticEntry(
      model,
      this.name,
      this.description,
      { task: 'synthetic-cifar', seed: SEED, trainCount: TRAIN_COUNT, epochs: EPOCHS, testCount: TEST_COUNT },
      ctx,
    );
  },
};
