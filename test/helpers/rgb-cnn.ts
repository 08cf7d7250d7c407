/**
 * A small colour-image classifier with a dense tail, the shape a user's own VGG-style camera model has: Conv 8@3x3 →
 * Relu → MaxPool 2 → Conv 16@3x3 → Relu → MaxPool 2 → Flatten → Gemm 128 → Relu → Gemm 64 → Relu → Gemm 10, input
 * [1, 3, 32, 32] in [0, 1]. It is trained here, with edgelock's trainer, on the synthetic-cifar task (the task the zoo's
 * ResNet-8 learns, src/zoo/synthetic-task.ts), for the tests and measurements that need a multi-channel input and a
 * dense tail (the zoo's RGB model ends in one dense layer after a global pool).
 */
import { fit } from '../../src/train/fit';
import { LayerSpec, buildNetwork } from '../../src/train/layers';
import { Sgd } from '../../src/train/optim/sgd';
import { emitNetwork } from '../../src/zoo/from-network';
import { GraphBuilder } from '../../src/zoo/graph-builder';
import { SyntheticSet, TaskSplit, syntheticTask } from '../../src/zoo/synthetic-task';
import { Model } from '../../src/ir/types';
import { samplesToModelLayout } from '../../src/tflite/affine';

export const RGB_SHAPE = [3, 32, 32];
export const RGB_SIZE = 3 * 32 * 32;

const LAYERS: LayerSpec[] = [
  { kind: 'conv2d', filters: 8, kernel: [3, 3], pads: [1, 1, 1, 1], name: 'conv1' },
  { kind: 'relu', name: 'relu1' },
  { kind: 'maxpool', kernel: [2, 2], name: 'pool1' },
  { kind: 'conv2d', filters: 16, kernel: [3, 3], pads: [1, 1, 1, 1], name: 'conv2' },
  { kind: 'relu', name: 'relu2' },
  { kind: 'maxpool', kernel: [2, 2], name: 'pool2' },
  { kind: 'flatten', name: 'flatten' },
  { kind: 'dense', units: 128, name: 'fc1' },
  { kind: 'relu', name: 'relu3' },
  { kind: 'dense', units: 64, name: 'fc2' },
  { kind: 'relu', name: 'relu4' },
  { kind: 'dense', units: 10, name: 'fc3' },
];

/** `count` samples of the synthetic-cifar task's split (NCHW, labels 0–9). */
export function rgbTask(split: TaskSplit, count: number): SyntheticSet {
  return syntheticTask('cifar-resnet8', split, count);
}

/** The classifier trained on `train` (SGD with momentum, one thread, seeded: the same weights every run). */
export function trainRgbCnn(train: SyntheticSet, epochs = 2, seed = 4004): Model {
  const net = buildNetwork(RGB_SHAPE, LAYERS, seed);
  fit(
    net,
    { x: train.data, labels: train.labels, count: train.count },
    {
      epochs,
      batchSize: 32,
      optimizer: new Sgd({ lr: 0.02, momentum: 0.9, weightDecay: 1e-4 }),
      seed: seed + 1,
    },
  );
  const b = new GraphBuilder();
  emitNetwork(b, net, 'input', 'logits');
  return b.toModel('rgb_cnn', 'a VGG-style colour-image CNN, input [1,3,32,32], logits [1,10]');
}

/** `count` ONNX-order samples moved to the compiled model's channels-last input [1, 32, 32, 3] */
export function channelsLast(x: Float32Array, count: number): Float32Array {
  return samplesToModelLayout(x, count, RGB_SHAPE, [1, 32, 32, 3], 'nhwc');
}
