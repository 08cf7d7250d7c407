/**
 * Real int8 models for the board tests, compiled by edgelock's compiler from the ONNX files in models/,
 * calibrated on the first MNIST training images. Cached per test process.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CompileResult, compileModel } from '../../src/compiler/compile';
import { loadDataset } from '../../src/data/dataset';
import { fullyConnected } from '../runtime/models';

const ROOT = path.resolve(__dirname, '../..');
const cache = new Map<string, Promise<CompileResult>>();

/** models/<name>.onnx compiled to int8 with int8 inputs and outputs, calibrated on `samples` MNIST training images. */
export function compiledMnistModel(name: 'mnist-mlp' | 'mnist-lenet', samples = 8): Promise<CompileResult> {
  const key = `${name}:${samples}`;
  if (!cache.has(key)) {
    cache.set(key, (async () => {
      const ds = loadDataset('mnist-train');
      const per = ds.sampleShape.reduce((a, b) => a * b, 1);
      const calibration = { data: ds.data.subarray(0, samples * per), count: samples, sampleShape: ds.sampleShape };
      const onnx = fs.readFileSync(path.join(ROOT, 'models', `${name}.onnx`));
      return compileModel(onnx, { precision: 'int8', io: 'int8', calibration });
    })());
  }
  return cache.get(key)!;
}

/**
 * A single FULLY_CONNECTED int8 model (random weights from `seed`, built with the project's flatbuffer writer) of
 * about `bytes` bytes: a valid model the runtime prepares, sized for transfer tests.
 */
export function fcModelOfSize(seed: number, bytes: number): Buffer {
  const depth = 64;
  const units = Math.max(1, Math.round(bytes / (depth + 4))); // int8 weights row + int32 bias per unit
  return Buffer.from(fullyConnected(seed, 1, depth, units, false, true).model);
}
