/** End to end: the trainer learns MNIST (labels are the external reference) within a few seconds. */
import { loadMnist } from '../../src/data/mnist';
import { accuracy, fit } from '../../src/train/fit';
import { buildNetwork } from '../../src/train/layers';
import { Adam } from '../../src/train/optim/adam';
import { Sgd } from '../../src/train/optim/sgd';

const train = loadMnist('train');
const testSplit = loadMnist('test');
const testSet = { x: testSplit.images, labels: testSplit.labels, count: 1000 };
const trainSet = { x: train.images, labels: train.labels, count: 6000 };

test('MLP with Adam: >85% on 1000 test images after one pass over 6000 images', () => {
  const net = buildNetwork(
    [1, 28, 28],
    [{ kind: 'flatten' }, { kind: 'dense', units: 32 }, { kind: 'relu' }, { kind: 'dense', units: 10 }],
    1,
  );
  const before = accuracy(net, testSet);
  fit(net, trainSet, { epochs: 1, batchSize: 32, optimizer: new Adam({ lr: 2e-3 }), seed: 2 });
  expect(before).toBeLessThan(0.3);
  expect(accuracy(net, testSet)).toBeGreaterThan(0.85);
});

test('small CNN with SGD momentum: >85% after one pass over 3000 images', () => {
  const net = buildNetwork(
    [1, 28, 28],
    [
      { kind: 'conv2d', filters: 4, kernel: [5, 5], strides: [2, 2], pads: [2, 2, 2, 2] },
      { kind: 'relu' },
      { kind: 'maxpool', kernel: [2, 2] },
      { kind: 'flatten' },
      { kind: 'dense', units: 10 },
    ],
    3,
  );
  fit(
    net,
    { ...trainSet, count: 3000 },
    { epochs: 1, batchSize: 32, optimizer: new Sgd({ lr: 0.05, momentum: 0.9 }), seed: 4 },
  );
  expect(accuracy(net, testSet)).toBeGreaterThan(0.85);
});
