/** Shared fixtures: the zoo models, test images and fixed key material. */
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { loadMnist } from '../../src/data/mnist';
import { LabelledSet } from '../../src/eval/labelled-data';
import { Model } from '../../src/ir/types';
import { readOnnx } from '../../src/onnx';
import { KeyMaterial } from '../../src/lock/key-material';

export const ROOT = join(__dirname, '..', '..');
export const ZOO = ['mnist-mlp', 'mnist-lenet'].filter((m) => existsSync(join(ROOT, 'models', `${m}.onnx`)));

export function zooModel(name: string): { bytes: Uint8Array; model: Model } {
  const bytes = readFileSync(join(ROOT, 'models', `${name}.onnx`));
  return { bytes, model: readOnnx(bytes) };
}

export function mnistTest(count: number, offset = 0): LabelledSet {
  const m = loadMnist('test');
  const size = 784;
  return {
    name: 'mnist-test',
    sampleShape: [1, 28, 28],
    count,
    x: m.images.slice(offset * size, (offset + count) * size),
    labels: m.labels.slice(offset, offset + count),
  };
}

export const MASTER = Buffer.from('6c6f636b2d746573742d6d61737465722d6b65792d33322d6279746573212121', 'hex');
export const OTHER_MASTER = Buffer.alloc(32, 0x5a);
export const UID = Buffer.from('a1b2c3d4e5f60718', 'hex');
export const OTHER_UID = Buffer.from('a1b2c3d4e5f60719', 'hex');
export const DEVICE: KeyMaterial = { master: MASTER, deviceUid: UID };
