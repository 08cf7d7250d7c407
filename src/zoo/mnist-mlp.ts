/** MNIST MLP 784-128-64-10 (Flatten → Gemm → Relu → Gemm → Relu → Gemm), trained by edgelock's trainer. */
import { MnistRecipe, mnistZooBuilder } from './train-mnist';
import { ZooBuilder } from './zoo-model';

export const MNIST_MLP_RECIPE: MnistRecipe = {
  layers: [
    { kind: 'flatten', name: 'flatten' },
    { kind: 'dense', units: 128, name: 'fc1' },
    { kind: 'relu', name: 'relu1' },
    { kind: 'dense', units: 64, name: 'fc2' },
    { kind: 'relu', name: 'relu2' },
    { kind: 'dense', units: 10, name: 'fc3' },
  ],
  seed: 1001,
  epochs: 8,
  batchSize: 64,
  lr: 0.05,
  momentum: 0.9,
  weightDecay: 1e-4,
  lrDecay: 0.7,
  threads: 2,
};

export const mnistMlp: ZooBuilder = mnistZooBuilder(
  'mnist-mlp',
  'mnist_mlp',
  'MNIST MLP 784-128-64-10, input [1,1,28,28] in [0,1], output logits [1,10]',
  MNIST_MLP_RECIPE,
);
