/**
 * LeNet-5-style MNIST CNN: Conv 6@5x5 pad 2 → Relu → MaxPool 2 → Conv 16@5x5 → Relu → MaxPool 2 →
 * Flatten → Gemm 120 → Relu → Gemm 84 → Relu → Gemm 10, trained by edgelock's trainer.
 */
import { MnistRecipe, mnistZooBuilder } from './train-mnist';
import { ZooBuilder } from './zoo-model';

export const MNIST_LENET_RECIPE: MnistRecipe = {
  layers: [
    { kind: 'conv2d', filters: 6, kernel: [5, 5], pads: [2, 2, 2, 2], name: 'conv1' },
    { kind: 'relu', name: 'relu1' },
    { kind: 'maxpool', kernel: [2, 2], name: 'pool1' },
    { kind: 'conv2d', filters: 16, kernel: [5, 5], name: 'conv2' },
    { kind: 'relu', name: 'relu2' },
    { kind: 'maxpool', kernel: [2, 2], name: 'pool2' },
    { kind: 'flatten', name: 'flatten' },
    { kind: 'dense', units: 120, name: 'fc1' },
    { kind: 'relu', name: 'relu3' },
    { kind: 'dense', units: 84, name: 'fc2' },
    { kind: 'relu', name: 'relu4' },
    { kind: 'dense', units: 10, name: 'fc3' },
  ],
  seed: 2002,
  epochs: 5,
  batchSize: 64,
  lr: 0.03,
  momentum: 0.9,
  weightDecay: 1e-4,
  lrDecay: 0.6,
  threads: 2,
};

export const mnistLenet: ZooBuilder = mnistZooBuilder(
  'mnist-lenet',
  'mnist_lenet',
  'LeNet-5-style MNIST CNN, input [1,1,28,28] in [0,1], output logits [1,10]',
  MNIST_LENET_RECIPE,
);
